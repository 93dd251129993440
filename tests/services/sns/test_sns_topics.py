"""Topics, subscriptions, tags, permissions, data-protection policies: the API and AWS's
exact error codes and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from unittest.mock import ANY

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def sns(aws_client):
    return aws_client("sns")


def error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_create_topic_is_idempotent_and_listed(sns):
    arn = sns.create_topic(Name="alpha")["TopicArn"]
    assert arn == "arn:aws:sns:us-east-1:000000000000:alpha"
    assert sns.create_topic(Name="alpha")["TopicArn"] == arn
    assert sns.list_topics()["Topics"] == [{"TopicArn": arn}]
    sns.delete_topic(TopicArn=arn)
    assert sns.list_topics()["Topics"] == []
    sns.delete_topic(TopicArn=arn)  # deleting again is fine


def test_list_topics_paginates(sns):
    for i in range(105):
        sns.create_topic(Name=f"t{i:03d}")
    first = sns.list_topics()
    assert len(first["Topics"]) == 100
    second = sns.list_topics(NextToken=first["NextToken"])
    assert len(second["Topics"]) == 5
    assert "NextToken" not in second


def test_topic_attributes_defaults_and_updates(sns):
    arn = sns.create_topic(Name="attrs", Attributes={"DisplayName": "Hello"})["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["TopicArn"] == arn
    assert attrs["Owner"] == "000000000000"
    assert attrs["DisplayName"] == "Hello"
    assert attrs["SubscriptionsConfirmed"] == "0"
    assert json.loads(attrs["Policy"])["Statement"][0]["Resource"] == arn
    assert "FifoTopic" not in attrs
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Bye")
    sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert (attrs["DisplayName"], attrs["SignatureVersion"]) == ("Bye", "2")


def test_fifo_topic_attributes(sns):
    arn = sns.create_topic(Name="f.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["FifoTopic"] == "true"
    assert attrs["ContentBasedDeduplication"] == "false"
    sns.set_topic_attributes(TopicArn=arn, AttributeName="ContentBasedDeduplication", AttributeValue="true")
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["ContentBasedDeduplication"] == "true"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"Name": "bad name"}, "Invalid parameter: Topic Name"),
        ({"Name": "x.fifo"}, "Invalid parameter: Topic Name"),
        ({"Name": "nofifo", "Attributes": {"FifoTopic": "true"}}, "Invalid parameter: Topic Name"),
        (
            {"Name": "no fifo.fifo", "Attributes": {"FifoTopic": "true"}},
            "Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only "
            "uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be "
            "between 1 and 256 characters long.",
        ),
        ({"Name": "t", "Attributes": {"Nope": "1"}}, "Invalid parameter: AttributeName"),
        (
            {"Name": "t", "Attributes": {"ContentBasedDeduplication": "true"}},
            "Invalid parameter: ContentBasedDeduplication Reason: Content based deduplication can "
            "only be set for FIFO topics",
        ),
    ],
)
def test_create_topic_errors(sns, kwargs, message):
    with pytest.raises(ClientError) as info:
        sns.create_topic(**kwargs)
    assert error(info) == ("InvalidParameter", message)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_create_topic_with_different_attributes_conflicts(sns):
    sns.create_topic(Name="same", Attributes={"DisplayName": "a"})
    with pytest.raises(ClientError) as info:
        sns.create_topic(Name="same", Attributes={"DisplayName": "b"})
    assert error(info) == (
        "InvalidParameter",
        "Invalid parameter: Attributes Reason: Topic already exists with different attributes",
    )


def test_missing_topic_errors(sns):
    missing = "arn:aws:sns:us-east-1:000000000000:missing"
    for call in (
        lambda: sns.get_topic_attributes(TopicArn=missing),
        lambda: sns.publish(TopicArn=missing, Message="x"),
        lambda: sns.subscribe(TopicArn=missing, Protocol="email", Endpoint="a@b.c"),
        lambda: sns.list_subscriptions_by_topic(TopicArn=missing),
    ):
        with pytest.raises(ClientError) as info:
            call()
        assert error(info) == ("NotFound", "Topic does not exist")
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as info:
        sns.get_topic_attributes(TopicArn="not-an-arn")
    assert error(info) == ("InvalidParameter", "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1")


def test_set_topic_attribute_errors(sns):
    arn = sns.create_topic(Name="seterr")["TopicArn"]
    with pytest.raises(ClientError) as info:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Bogus", AttributeValue="1")
    assert error(info) == ("InvalidParameter", "Invalid parameter: AttributeName")
    with pytest.raises(ClientError) as info:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="3")
    assert error(info) == ("InvalidParameter", "Invalid parameter: SignatureVersion")


def test_tags(sns):
    arn = sns.create_topic(Name="tagged", Tags=[{"Key": "team", "Value": "a"}])["TopicArn"]
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
    tags = sns.list_tags_for_resource(ResourceArn=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "dev"), ("team", "a")]
    sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    with pytest.raises(ClientError) as info:
        sns.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert error(info) == ("TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded")
    with pytest.raises(ClientError) as info:
        sns.list_tags_for_resource(ResourceArn=arn + "-nope")
    assert error(info) == ("ResourceNotFound", "Resource does not exist")


def test_permissions_edit_the_policy(sns):
    arn = sns.create_topic(Name="perm")["TopicArn"]
    sns.add_permission(TopicArn=arn, Label="share", AWSAccountId=["111122223333"], ActionName=["Publish"])
    statements = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])["Statement"]
    shared = [s for s in statements if s["Sid"] == "share"][0]
    assert shared["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert shared["Action"] == "SNS:Publish"
    with pytest.raises(ClientError) as info:
        sns.add_permission(TopicArn=arn, Label="share", AWSAccountId=["111122223333"], ActionName=["Publish"])
    assert error(info) == ("InvalidParameter", "Invalid parameter: Statement already exists")
    sns.remove_permission(TopicArn=arn, Label="share")
    statements = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["__default_statement_ID"]


def test_data_protection_policy(sns):
    arn = sns.create_topic(Name="dpp")["TopicArn"]
    assert "DataProtectionPolicy" not in sns.get_data_protection_policy(ResourceArn=arn)
    policy = json.dumps({"Name": "p", "Version": "2021-06-01", "Statement": []})
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=policy)
    assert sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"] == policy


def test_subscriptions_listing_and_attributes(sns):
    topic = sns.create_topic(Name="subs")["TopicArn"]
    email = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="me@example.com", ReturnSubscriptionArn=True)
    sms = sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15555550100")["SubscriptionArn"]
    lam = sns.subscribe(
        TopicArn=topic, Protocol="lambda", Endpoint="arn:aws:lambda:us-east-1:000000000000:function:f"
    )["SubscriptionArn"]
    assert email["SubscriptionArn"].startswith(topic + ":")
    listed = sns.list_subscriptions()["Subscriptions"]
    assert [s["SubscriptionArn"] for s in listed] == ["PendingConfirmation", sms, lam]
    assert sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15555550100")["SubscriptionArn"] == sms
    attrs = sns.get_subscription_attributes(SubscriptionArn=sms)["Attributes"]
    assert attrs["Protocol"] == "sms"
    assert attrs["PendingConfirmation"] == "false"
    assert attrs["RawMessageDelivery"] == "false"
    sns.unsubscribe(SubscriptionArn=sms)
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 2
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsDeleted"] == "1"
    with pytest.raises(ClientError) as info:
        sns.get_subscription_attributes(SubscriptionArn=sms)
    assert error(info) == ("NotFound", "Subscription does not exist")


@pytest.mark.parametrize(
    ("protocol", "endpoint", "message"),
    [
        ("carrier-pigeon", "x", "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon"),
        ("http", "https://example.com", "Invalid parameter: Endpoint must match the specified protocol"),
        ("sqs", "not-an-arn", "Invalid parameter: SQS endpoint ARN"),
        ("email", "nobody", "Invalid parameter: Email address"),
        ("lambda", "arn:aws:sqs:us-east-1:000000000000:q", "Invalid parameter: Lambda endpoint ARN"),
        ("sms", "x-xxx-xxx-xxxx", "Invalid SMS endpoint: x-xxx-xxx-xxxx"),
    ],
)
def test_subscribe_errors(sns, protocol, endpoint, message):
    topic = sns.create_topic(Name="suberr")["TopicArn"]
    with pytest.raises(ClientError) as info:
        sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint)
    assert error(info) == ("InvalidParameter", message)


def test_subscription_attribute_errors(sns):
    topic = sns.create_topic(Name="subattr")["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15555550100")["SubscriptionArn"]
    with pytest.raises(ClientError) as info:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="true")
    assert error(info) == (
        "InvalidParameter",
        "Invalid parameter: Attributes Reason: Delivery protocol [sms] does not support raw message delivery.",
    )
    with pytest.raises(ClientError) as info:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="Body")
    assert error(info) == (
        "InvalidParameter",
        "Invalid parameter: FilterPolicyScope: Invalid value [Body]. Please use either MessageBody or MessageAttributes",
    )
    with pytest.raises(ClientError) as info:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="Color", AttributeValue="x")
    assert error(info) == ("InvalidParameter", "Invalid parameter: AttributeName")


def test_confirm_with_a_bad_token(sns):
    topic = sns.create_topic(Name="tok")["TopicArn"]
    with pytest.raises(ClientError) as info:
        sns.confirm_subscription(TopicArn=topic, Token="0" * 64)
    assert error(info) == ("InvalidParameter", "Invalid parameter: Token")


def test_email_confirmation_is_recorded_and_confirms(sns, cloudtwin):
    topic = sns.create_topic(Name="mail")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint="me@example.com")
    messages = fetch(cloudtwin.endpoint, "/_cloudtwin/sns/messages?protocol=email-json")["messages"]
    assert messages[0]["type"] == "SubscriptionConfirmation"
    token = messages[0]["attributes"]["Token"]
    assert json.loads(messages[0]["message"])["Token"] == token
    arn = sns.confirm_subscription(TopicArn=topic, Token=token)["SubscriptionArn"]
    sns.publish(TopicArn=topic, Message="news", Subject="Weekly")
    sent = fetch(cloudtwin.endpoint, "/_cloudtwin/sns/messages?protocol=email-json")["messages"][-1]
    assert sent["subscription_arn"] == arn
    assert json.loads(sent["message"])["Message"] == "news"


def test_publish_errors(sns):
    topic = sns.create_topic(Name="puberr")["TopicArn"]
    fifo = sns.create_topic(Name="puberr.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    cases = [
        (
            dict(Message="nowhere"),
            ("InvalidParameter", "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"),
        ),
        (dict(TopicArn=topic, Message=""), ("InvalidParameter", "Invalid parameter: Empty message")),
        (dict(TopicArn=topic, Message="x" * 262_145), ("InvalidParameter", "Invalid parameter: Message too long")),
        (
            dict(TopicArn=topic, Message="{}", MessageStructure="json"),
            ("InvalidParameter", "Invalid parameter: Message Structure - No default entry in JSON message body"),
        ),
        (
            dict(TopicArn=topic, Message="nope", MessageStructure="json"),
            ("InvalidParameter", "Invalid parameter: Message Structure - JSON message body failed to parse"),
        ),
        (
            dict(TopicArn=fifo, Message="x"),
            ("InvalidParameter", "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"),
        ),
        (
            dict(TopicArn=fifo, Message="x", MessageGroupId="g"),
            (
                "InvalidParameter",
                "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
                "MessageDeduplicationId provided explicitly",
            ),
        ),
        (
            dict(TopicArn=topic, Message="x", MessageAttributes={"a": {"DataType": "Bogus", "StringValue": "1"}}),
            (
                "ParameterValueInvalid",
                "The message attribute 'a' has an invalid message attribute type, the set of supported "
                "type prefixes is Binary, Number, and String.",
            ),
        ),
        (
            dict(TopicArn=topic, Message="x", MessageAttributes={"a": {"DataType": "String", "StringValue": ""}}),
            (
                "ParameterValueInvalid",
                "The message attribute 'a' must contain non-empty message attribute value for message "
                "attribute type 'String'.",
            ),
        ),
    ]
    for kwargs, expected in cases:
        with pytest.raises(ClientError) as info:
            sns.publish(**kwargs)
        assert error(info) == expected, kwargs


def test_publish_batch_errors(sns):
    topic = sns.create_topic(Name="batcherr")["TopicArn"]
    with pytest.raises(ClientError) as info:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "a", "Message": "1"}] * 2)
    assert error(info) == ("BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id.")
    with pytest.raises(ClientError) as info:
        sns.publish_batch(
            TopicArn=topic, PublishBatchRequestEntries=[{"Id": str(i), "Message": "1"} for i in range(11)]
        )
    assert error(info) == ("TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible.")
    with pytest.raises(ClientError) as info:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "bad id!", "Message": "1"}])
    assert error(info) == (
        "InvalidBatchEntryId",
        "The Id of a batch entry in the batch request contains an impermissible character: bad id!",
    )
    with pytest.raises(ClientError) as info:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "a" * 81, "Message": "1"}])
    assert error(info) == ("InvalidBatchEntryId", "The Id of a batch entry in the batch request is too long: " + "a" * 81)


def test_certificate_is_served(sns, aws_client, cloudtwin):
    from cryptography import x509

    topic = sns.create_topic(Name="cert")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint="me@example.com")
    message = fetch(cloudtwin.endpoint, "/_cloudtwin/sns/messages?protocol=email-json")["messages"][0]
    url = json.loads(message["message"])["SigningCertURL"]
    with urllib.request.urlopen(url) as response:
        cert = x509.load_pem_x509_certificate(response.read())
    assert cert.public_key().key_size == 2048


def test_aws_cli_publish(endpoint, sns, aws_client):
    """The AWS CLI (query protocol, its own serialization of MessageAttributes) publishes."""
    sqs = aws_client("sqs")
    topic = sns.create_topic(Name="cli-topic")["TopicArn"]
    url = sqs.create_queue(QueueName="cli-q")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    published = subprocess.run(
        [
            sys.executable, "-m", "awscli", "--endpoint-url", endpoint, "--output", "json",
            "sns", "publish", "--topic-arn", topic, "--message", "from the cli",
            "--message-attributes", '{"via": {"DataType": "String", "StringValue": "cli"}}',
        ],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert published.returncode == 0, published.stderr
    message_id = json.loads(published.stdout)["MessageId"]
    (message,) = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert message["Body"] == "from the cli"
    assert message["MessageAttributes"]["via"]["StringValue"] == "cli"
    assert message_id


def fetch(endpoint, path):
    with urllib.request.urlopen(endpoint + path) as response:
        return json.loads(response.read())


def test_fifo_deduplication_window_follows_the_clock(sns, cloudtwin):
    topic = sns.create_topic(Name="window.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    first = sns.publish(TopicArn=topic, Message="a", MessageGroupId="g", MessageDeduplicationId="d")
    cloudtwin.client.advance(299)
    assert sns.publish(TopicArn=topic, Message="b", MessageGroupId="g", MessageDeduplicationId="d") == {
        **first, "ResponseMetadata": ANY
    }
    cloudtwin.client.advance(2)  # past the 5-minute window
    later = sns.publish(TopicArn=topic, Message="a", MessageGroupId="g", MessageDeduplicationId="d")
    assert later["MessageId"] != first["MessageId"]
    assert int(later["SequenceNumber"]) == int(first["SequenceNumber"]) + 1
