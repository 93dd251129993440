"""CloudWatch Logs destinations (cross-account subscription targets): created, described by
prefix, given an access policy, tagged and deleted, with AWS's errors."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::000000000000:role/logs-to-kinesis"


@pytest.fixture
def logs(aws_client):
    return aws_client("logs")


def test_destination_lifecycle(logs, aws_client):
    stream = aws_client("kinesis")
    stream.create_stream(StreamName="central", ShardCount=1)
    target = stream.describe_stream_summary(StreamName="central")["StreamDescriptionSummary"]["StreamARN"]
    made = logs.put_destination(destinationName="central-a", targetArn=target, roleArn=ROLE, tags={"team": "x"})["destination"]
    assert made["arn"] == "arn:aws:logs:us-east-1:000000000000:destination:central-a"
    assert (made["targetArn"], made["roleArn"]) == (target, ROLE) and "accessPolicy" not in made
    logs.put_destination(destinationName="other", targetArn=target, roleArn=ROLE)

    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"},
                                                                  "Action": "logs:PutSubscriptionFilter", "Resource": made["arn"]}]})
    logs.put_destination_policy(destinationName="central-a", accessPolicy=policy)
    [described] = logs.describe_destinations(DestinationNamePrefix="central")["destinations"]
    assert described["accessPolicy"] == policy and described["creationTime"] == made["creationTime"]

    logs.tag_resource(resourceArn=made["arn"], tags={"env": "test"})
    logs.untag_resource(resourceArn=made["arn"], tagKeys=["team"])
    assert logs.list_tags_for_resource(resourceArn=made["arn"])["tags"] == {"env": "test"}

    logs.delete_destination(destinationName="central-a")
    assert logs.describe_destinations(DestinationNamePrefix="central")["destinations"] == []
    for call in (lambda: logs.delete_destination(destinationName="central-a"),
                 lambda: logs.put_destination_policy(destinationName="central-a", accessPolicy=policy)):
        with pytest.raises(ClientError) as err:
            call()
        assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
        assert err.value.response["Error"]["Message"] == "The specified destination does not exist."


def test_a_destination_targets_a_stream(logs):
    with pytest.raises(ClientError) as err:
        logs.put_destination(destinationName="bad", targetArn="arn:aws:sqs:us-east-1:000000000000:q", roleArn=ROLE)
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    assert logs.describe_destinations()["destinations"] == []
