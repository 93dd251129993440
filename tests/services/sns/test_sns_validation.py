"""SNS's checks and texts as AWS words them: ARNs, regions, message attributes and sizes,
batches, tags, permissions, SMS endpoints, FIFO dead-letter queues."""

from __future__ import annotations

import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError


@pytest.fixture
def sns(aws_client):
    return aws_client("sns")


@pytest.fixture
def sns_raw(aws_client):
    """An SNS client that sends what it is given (no client-side validation)."""
    return aws_client("sns", config=Config(parameter_validation=False))


def error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_arn_parameters(sns, sns_raw):
    with pytest.raises(ClientError) as info:
        sns.get_topic_attributes(TopicArn="test-topic")
    assert error(info) == ("InvalidParameter", "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1")
    with pytest.raises(ClientError) as info:
        sns.unsubscribe(SubscriptionArn="arn:aws:sns:us-east-1:random")
    assert error(info) == (
        "InvalidParameter", "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 5"
    )
    with pytest.raises(ClientError) as info:
        sns.unsubscribe(SubscriptionArn="arn:aws:sns:us-east-1:111111111111:random")
    assert error(info) == ("InvalidParameter", "Invalid parameter: SubscriptionId")
    with pytest.raises(ClientError) as info:
        sns_raw.unsubscribe()
    assert error(info) == ("InvalidParameter", "Invalid parameter: SubscriptionArn Reason: no value for required parameter")
    with pytest.raises(ClientError) as info:
        sns.get_platform_application_attributes(PlatformApplicationArn="app")
    assert error(info) == (
        "InvalidParameter", "Invalid parameter: PlatformApplicationArn Reason: An ARN must have at least 6 elements, not 1"
    )


def test_topics_are_reached_in_their_region_only(sns, aws_client):
    arn = sns.create_topic(Name="regional")["TopicArn"]
    other = aws_client("sns", region="eu-west-1")
    for call in (
        lambda: other.get_topic_attributes(TopicArn=arn),
        lambda: other.publish(TopicArn=arn, Message="x"),
        lambda: other.subscribe(TopicArn=arn, Protocol="email", Endpoint="a@b.c"),
        lambda: other.delete_topic(TopicArn=arn),
    ):
        with pytest.raises(ClientError) as info:
            call()
        assert error(info) == ("InvalidParameter", "Invalid parameter: TopicArn")
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["TopicArn"] == arn


@pytest.mark.parametrize(
    "attributes,message",
    [
        ({"a": {"DataType": "String", "StringValue": ""}},
         "The message attribute 'a' must contain non-empty message attribute value for message attribute type 'String'."),
        ({"a": {"DataType": "String", "BinaryValue": b"1"}}, "The message attribute 'a' with type 'String' must use field 'String'."),
        ({"a": {"DataType": "Number", "BinaryValue": b"1"}}, "The message attribute 'a' with type 'Number' must use field 'String'."),
        ({"a": {"DataType": "Binary", "StringValue": "1"}}, "The message attribute 'a' with type 'Binary' must use field 'Binary'."),
        ({"a": {"DataType": "String.", "StringValue": "1"}},
         "The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes "
         "is Binary, Number, and String."),
        ({"a": {"DataType": "Stringly", "StringValue": "1"}},
         "The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes "
         "is Binary, Number, and String."),
        ({"a" * 257: {"DataType": "String", "StringValue": "1"}}, "Length of message attribute name must be less than 256 bytes."),
        ({"a^*?": {"DataType": "String", "StringValue": "1"}},
         "Invalid non-alphanumeric character '#x5E' was found in the message attribute name. Can only include "
         "alphanumeric characters, hyphens, underscores, or dots."),
        ({".abc": {"DataType": "String", "StringValue": "1"}}, "Invalid message attribute name starting with character '.' was found."),
        ({"abc.": {"DataType": "String", "StringValue": "1"}}, "Invalid message attribute name ending with character '.' was found."),
        ({"a..b": {"DataType": "String", "StringValue": "1"}}, "Message attribute name can not have successive '.' character."),
    ],
)
def test_message_attribute_checks(sns_raw, attributes, message):
    arn = sns_raw.create_topic(Name="attrs")["TopicArn"]
    with pytest.raises(ClientError) as info:
        sns_raw.publish(TopicArn=arn, Message="x", MessageAttributes=attributes)
    assert error(info) == ("ParameterValueInvalid", message)
    with pytest.raises(ClientError) as info:
        sns_raw.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": "ok", "Message": "x"}, {"Id": "bad", "Message": "x", "MessageAttributes": attributes}])
    assert error(info) == ("ParameterValueInvalid", message)


def test_message_size_counts_attributes(sns):
    arn = sns.create_topic(Name="sizes")["TopicArn"]
    attributes = {"attr1": {"DataType": "Number", "StringValue": "1"}}
    room = 262_144 - len("attr1") - len("Number") - len("1")
    with pytest.raises(ClientError) as info:
        sns.publish(TopicArn=arn, Message="a" * (room + 1), MessageAttributes=attributes)
    assert error(info) == ("InvalidParameter", "Invalid parameter: Message too long")
    assert "MessageId" in sns.publish(TopicArn=arn, Message="a" * room, MessageAttributes=attributes)


def test_fifo_batch_checks_are_for_the_whole_request(sns):
    arn = sns.create_topic(Name="batch.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    with pytest.raises(ClientError) as info:
        sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[{"Id": "1", "Message": "m", "MessageGroupId": "g"}])
    assert error(info) == (
        "InvalidParameter",
        "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly",
    )
    with pytest.raises(ClientError) as info:
        sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": "1", "Message": json.dumps({"sqs": "x"}), "MessageStructure": "json"}])
    assert error(info) == ("InvalidParameter", "Invalid parameter: Message Structure - No default entry in JSON message body")


def test_duplicate_tag_keys(sns):
    arn = sns.create_topic(Name="tagged")["TopicArn"]
    with pytest.raises(ClientError) as info:
        sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}])
    assert error(info) == ("InvalidParameter", "Invalid parameter: Duplicated keys are not allowed.")


def test_permission_actions_must_be_sns_actions(sns):
    arn = sns.create_topic(Name="perm")["TopicArn"]
    with pytest.raises(ClientError) as info:
        sns.add_permission(TopicArn=arn, Label="l", AWSAccountId=["000000000000"], ActionName=["InvalidAction"])
    assert error(info) == ("InvalidParameter", "Invalid parameter: Policy statement action out of service scope!")
    sns.add_permission(TopicArn=arn, Label="l", AWSAccountId=["000000000000"], ActionName=["Publish"])


@pytest.mark.parametrize("number", ["+15--551234567", "NAA+15551234567", "+15551234567.", "/+15551234567"])
def test_invalid_sms_endpoints(sns, number):
    arn = sns.create_topic(Name="sms")["TopicArn"]
    with pytest.raises(ClientError) as info:
        sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint=number)
    assert error(info) == ("InvalidParameter", f"Invalid SMS endpoint: {number}")


def test_sms_endpoint_with_separators(sns):
    arn = sns.create_topic(Name="sms-ok")["TopicArn"]
    assert sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint="+12/34-567.890")["SubscriptionArn"].startswith(arn)


def test_subscription_attribute_errors_name_their_context(sns, aws_client):
    sqs = aws_client("sqs")
    queue = sqs.create_queue(QueueName="ctx")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    arn = sns.create_topic(Name="ctx")["TopicArn"]
    with pytest.raises(ClientError) as info:
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "maybe"})
    assert error(info) == (
        "InvalidParameter", "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [maybe]. Must be true or false."
    )
    sub = sns.subscribe(
        TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True,
        Attributes={"FilterPolicy": "", "FilterPolicyScope": "MessageBody"},
    )["SubscriptionArn"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert "FilterPolicy" not in attributes and "FilterPolicyScope" not in attributes
    with pytest.raises(ClientError) as info:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="")
    assert error(info) == ("InvalidParameter", "Invalid parameter: RawMessageDelivery: Invalid value []. Must be true or false.")
    with pytest.raises(ClientError) as info:
        sns.set_subscription_attributes(
            SubscriptionArn=sub, AttributeName="RedrivePolicy", AttributeValue=json.dumps({"deadLetterTargetArn": "x"})
        )
    assert error(info) == ("InvalidParameter", "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn")


REDACTED = "REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)"


def test_unreadable_json_is_quoted_with_the_parser_message(sns, aws_client):
    sqs = aws_client("sqs")
    queue = sqs.create_queue(QueueName="json-ctx")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    arn = sns.create_topic(Name="json-ctx")["TopicArn"]
    with pytest.raises(ClientError) as info:
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"FilterPolicy": "oops-not.json"})
    assert error(info) == ("InvalidParameter", (
        "Invalid parameter: Attributes Reason: FilterPolicy: failed to parse JSON. Unrecognized token 'oops': "
        "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n"
        f" at [Source: {REDACTED}; line: 1, column: 5]"
    ))
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True)["SubscriptionArn"]
    for name in ("FilterPolicy", "RedrivePolicy"):
        with pytest.raises(ClientError) as info:
            sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName=name, AttributeValue='{\n "a": 1,\n b}')
        assert error(info) == ("InvalidParameter", (
            f"Invalid parameter: {name}: failed to parse JSON. Unexpected character ('b' (code 98)): "
            f"was expecting double-quote to start field name\n at [Source: {REDACTED}; line: 3, column: 2]"
        ))


def test_fifo_subscription_needs_a_fifo_dead_letter_queue(sns, aws_client):
    sqs = aws_client("sqs")

    def arn_of(name, **attributes):
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    fifo_queue, standard_queue = arn_of("q.fifo", FifoQueue="true"), arn_of("q-standard")
    topic = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    standard_sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=standard_queue)["SubscriptionArn"]
    policy = json.dumps({"deadLetterTargetArn": standard_queue})
    sns.set_subscription_attributes(SubscriptionArn=standard_sub, AttributeName="RedrivePolicy", AttributeValue=policy)
    fifo_sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=fifo_queue)["SubscriptionArn"]
    with pytest.raises(ClientError) as info:
        sns.set_subscription_attributes(SubscriptionArn=fifo_sub, AttributeName="RedrivePolicy", AttributeValue=policy)
    assert error(info) == (
        "InvalidParameter",
        "Invalid parameter: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.",
    )


def test_unknown_targets_and_tokens(sns):
    with pytest.raises(ClientError) as info:
        sns.publish(
            TargetArn="arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/0bd0b1a4-3f6c-4a5e-9c61-2f6f0e7d8a11",
            Message="x",
        )
    assert error(info) == ("InvalidParameter", "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified")
    with pytest.raises(ClientError) as info:
        sns.confirm_subscription(TopicArn="arn:aws:sns:us-east-1:000000000000:absent", Token="t")
    assert error(info) == ("InvalidParameter", "Invalid parameter: Token")


def test_confirmation_token_shapes(sns):
    arn = sns.create_topic(Name="tokens")["TopicArn"]
    with pytest.raises(ClientError) as info:
        sns.confirm_subscription(TopicArn=arn, Token="randomtoken")
    assert error(info) == ("InvalidParameter", "Invalid token")
    with pytest.raises(ClientError) as info:
        sns.confirm_subscription(TopicArn=arn, Token="51b2ff3edb475b7d91550e0ab6edf0c1")
    assert error(info) == ("InvalidParameter", "Invalid parameter: Token")
