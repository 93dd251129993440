"""SNS: a topic's life."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.parity


def test_create_read_delete_topic(aws_client, resource_name, cleanup, require) -> None:
    require("sns", "CreateTopic", "GetTopicAttributes", "DeleteTopic")
    sns = aws_client("sns")
    name = resource_name("topic")
    arn = sns.create_topic(Name=name)["TopicArn"]
    cleanup(sns.delete_topic, TopicArn=arn)
    assert arn.startswith("arn:aws") and arn.endswith(":" + name)
    assert sns.create_topic(Name=name)["TopicArn"] == arn  # idempotent
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["TopicArn"] == arn
    sns.delete_topic(TopicArn=arn)


def test_a_topic_that_does_not_exist(aws_client, resource_name, require) -> None:
    require("sns", "CreateTopic", "GetTopicAttributes", "DeleteTopic")
    sns = aws_client("sns")
    # a well-formed ARN in the caller's own account: create and delete to learn it
    arn = sns.create_topic(Name=resource_name("gone"))["TopicArn"]
    sns.delete_topic(TopicArn=arn)
    with pytest.raises(ClientError) as caught:
        sns.get_topic_attributes(TopicArn=arn)
    assert caught.value.response["Error"]["Code"] == "NotFound"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
