"""SNS -> SQS fan-out through real boto3 clients: envelopes, raw delivery, filter policies,
FIFO, dead-letter queues, and signatures checked with the certificate cloudtwin serves."""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding


@pytest.fixture
def sns(aws_client):
    return aws_client("sns")


@pytest.fixture
def sqs(aws_client):
    return aws_client("sqs")


def make_queue(sqs, name, **attributes):
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def receive(sqs, url, n=10):
    return sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=n, MessageAttributeNames=["All"], WaitTimeSeconds=0
    ).get("Messages", [])


def canonical(doc):
    if doc["Type"] == "Notification":
        fields = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    else:
        fields = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    return "".join(f"{k}\n{doc[k]}\n" for k in fields if k in doc)


def verify_signature(doc):
    """Check a message's signature as an SNS client library does: fetch the certificate at
    SigningCertURL, verify the canonical string with SHA1 (v1) or SHA256 (v2)."""
    with urllib.request.urlopen(doc["SigningCertURL"]) as response:
        cert = x509.load_pem_x509_certificate(response.read())
    digest = hashes.SHA256() if doc["SignatureVersion"] == "2" else hashes.SHA1()
    cert.public_key().verify(
        base64.b64decode(doc["Signature"]), canonical(doc).encode(), padding.PKCS1v15(), digest
    )


def test_envelope_delivered_to_queue(sns, sqs, endpoint):
    topic = sns.create_topic(Name="orders")["TopicArn"]
    url, arn = make_queue(sqs, "orders-q")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    assert sub.startswith(topic + ":")
    out = sns.publish(
        TopicArn=topic, Message="hello", Subject="greeting",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "new"}},
    )
    messages = receive(sqs, url)
    assert len(messages) == 1
    body = messages[0]["Body"]
    assert body.startswith('{\n  "Type" : "Notification",\n  "MessageId" : "')  # AWS's layout
    assert '\n    "kind" : {"Type":"String","Value":"new"}\n' in body
    doc = json.loads(body)
    assert list(doc) == [
        "Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
        "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes",
    ]
    assert doc["Type"] == "Notification"
    assert doc["MessageId"] == out["MessageId"]
    assert doc["TopicArn"] == topic
    assert doc["Subject"] == "greeting"
    assert doc["Message"] == "hello"
    assert doc["SignatureVersion"] == "1"
    assert doc["MessageAttributes"] == {"kind": {"Type": "String", "Value": "new"}}
    assert doc["UnsubscribeURL"].startswith(endpoint + "/?Action=Unsubscribe&SubscriptionArn=")
    assert doc["SigningCertURL"].startswith(endpoint + "/_cloudtwin/sns/SimpleNotificationService-")
    assert doc["Timestamp"].endswith("Z")
    # Only the envelope carries attributes: the SQS message has none of its own.
    assert "MessageAttributes" not in messages[0]
    verify_signature(doc)


def test_envelope_writes_text_as_aws_does(sns, sqs):
    """Non-ASCII characters as they are, quotes, backslashes and control characters
    escaped, each field on its own line; the signature verifies over the decoded text."""
    topic = sns.create_topic(Name="texts")["TopicArn"]
    url, arn = make_queue(sqs, "texts-q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    text = 'café "q" back\\slash\nline\ttab \u2028 ☃ \x01'
    sns.publish(TopicArn=topic, Message=text, Subject='say "hi"')
    body = receive(sqs, url)[0]["Body"]
    assert '\n  "Message" : "café \\"q\\" back\\\\slash\\nline\\ttab \u2028 ☃ \\u0001",\n' in body
    assert '\n  "Subject" : "say \\"hi\\"",\n' in body
    doc = json.loads(body)
    assert doc["Message"] == text
    verify_signature(doc)


def test_signature_version_2_verifies(sns, sqs):
    topic = sns.create_topic(Name="signed", Attributes={"SignatureVersion": "2"})["TopicArn"]
    url, arn = make_queue(sqs, "signed-q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="v2 body")
    doc = json.loads(receive(sqs, url)[0]["Body"])
    assert doc["SignatureVersion"] == "2"
    verify_signature(doc)
    tampered = {**doc, "Message": "other"}
    with pytest.raises(Exception):
        verify_signature(tampered)


def test_fan_out_envelopes_each_verify(sns, sqs):
    """Subscribers of one publish share the signed fields (and so the signature); the next
    publish, and the other signature version, sign their own."""
    topic = sns.create_topic(Name="signed-fanout")["TopicArn"]
    queues = [make_queue(sqs, f"signed-fanout-{i}") for i in range(3)]
    for _, arn in queues:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="one", Subject="s")
    sns.publish(TopicArn=topic, Message="two")
    docs = [[json.loads(m["Body"]) for m in receive(sqs, url)] for url, _ in queues]
    for got in docs:
        assert sorted(d["Message"] for d in got) == ["one", "two"]
        for doc in got:
            verify_signature(doc)
    assert len({d["Signature"] for got in docs for d in got if d["Message"] == "one"}) == 1
    assert len({d["Signature"] for got in docs for d in got}) == 2


def test_raw_delivery_passes_body_and_attributes(sns, sqs):
    topic = sns.create_topic(Name="raw")["TopicArn"]
    url, arn = make_queue(sqs, "raw-q")
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
    )
    sns.publish(
        TopicArn=topic, Message='{"id": 1}',
        MessageAttributes={
            "n": {"DataType": "Number", "StringValue": "42"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x01\x02"},
        },
    )
    (message,) = receive(sqs, url)
    assert message["Body"] == '{"id": 1}'
    assert message["MessageAttributes"]["n"] == {"StringValue": "42", "DataType": "Number"}
    assert message["MessageAttributes"]["b"] == {"BinaryValue": b"\x01\x02", "DataType": "Binary"}


def test_message_structure_json_per_protocol(sns, sqs):
    topic = sns.create_topic(Name="structured")["TopicArn"]
    url, arn = make_queue(sqs, "structured-q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(
        TopicArn=topic, MessageStructure="json",
        Message=json.dumps({"default": "for everyone", "sqs": "for queues"}),
    )
    assert receive(sqs, url)[0]["Body"] == "for queues"


def test_filter_policy_on_attributes(sns, sqs):
    topic = sns.create_topic(Name="filtered")["TopicArn"]
    url, arn = make_queue(sqs, "filtered-q")
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=arn,
        Attributes={
            "RawMessageDelivery": "true",
            "FilterPolicy": json.dumps({"store": ["example_corp"], "price": [{"numeric": [">=", 100]}]}),
        },
    )
    def publish(body, store, price):
        sns.publish(
            TopicArn=topic, Message=body,
            MessageAttributes={
                "store": {"DataType": "String", "StringValue": store},
                "price": {"DataType": "Number", "StringValue": str(price)},
            },
        )
    publish("match", "example_corp", 150)
    publish("cheap", "example_corp", 5)
    publish("other store", "acme", 500)
    bodies = [m["Body"] for m in receive(sqs, url)]
    assert bodies == ["match"]


def test_filter_policy_on_body_set_later(sns, sqs):
    topic = sns.create_topic(Name="body-filtered")["TopicArn"]
    url, arn = make_queue(sqs, "body-filtered-q")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})[
        "SubscriptionArn"
    ]
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="MessageBody")
    sns.set_subscription_attributes(
        SubscriptionArn=sub, AttributeName="FilterPolicy",
        AttributeValue=json.dumps({"order": {"status": [{"prefix": "ship"}]}}),
    )
    sns.publish(TopicArn=topic, Message=json.dumps({"order": {"status": "shipped"}}))
    sns.publish(TopicArn=topic, Message=json.dumps({"order": {"status": "open"}}))
    sns.publish(TopicArn=topic, Message="not json")
    assert [json.loads(m["Body"])["order"]["status"] for m in receive(sqs, url)] == ["shipped"]
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["FilterPolicyScope"] == "MessageBody"


def test_invalid_filter_policy_is_refused(sns, sqs):
    topic = sns.create_topic(Name="bad-filter")["TopicArn"]
    _, arn = make_queue(sqs, "bad-filter-q")
    with pytest.raises(ClientError) as info:
        sns.subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=arn,
            Attributes={"FilterPolicy": json.dumps({"a": [{"numeric": [">", "x"]}]})},
        )
    error = info.value.response["Error"]
    assert error["Code"] == "InvalidParameter"
    # Checked as one of Subscribe's attributes: AWS says so in the message.
    assert error["Message"] == "Invalid parameter: Attributes Reason: FilterPolicy: Value of > must be numeric"
    # and nothing was subscribed
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def test_fifo_topic_to_fifo_queue(sns, sqs):
    topic = sns.create_topic(
        Name="events.fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"}
    )["TopicArn"]
    url, arn = make_queue(sqs, "events.fifo", FifoQueue="true")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    first = sns.publish(TopicArn=topic, Message="one", MessageGroupId="g1")
    again = sns.publish(TopicArn=topic, Message="one", MessageGroupId="g1")
    second = sns.publish(TopicArn=topic, Message="two", MessageGroupId="g1", MessageDeduplicationId="d2")
    assert again["MessageId"] == first["MessageId"]
    assert again["SequenceNumber"] == first["SequenceNumber"]
    assert int(second["SequenceNumber"]) > int(first["SequenceNumber"])
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["MessageGroupId"]
    )["Messages"]
    assert [m["Body"] for m in messages] == ["one", "two"]
    assert {m["Attributes"]["MessageGroupId"] for m in messages} == {"g1"}


def test_standard_topic_refuses_fifo_queue(sns, sqs):
    topic = sns.create_topic(Name="plain")["TopicArn"]
    _, arn = make_queue(sqs, "ordered.fifo", FifoQueue="true")
    with pytest.raises(ClientError) as info:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    assert info.value.response["Error"]["Code"] == "InvalidParameter"
    assert info.value.response["Error"]["Message"] == (
        "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be "
        "subscribed to standard SNS topics"
    )


def test_fifo_topic_feeds_a_standard_queue(sns, sqs):
    topic = sns.create_topic(
        Name="mixed.fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"}
    )["TopicArn"]
    url, arn = make_queue(sqs, "mixed-standard")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    out = sns.publish(TopicArn=topic, Message="in order", MessageGroupId="g")
    doc = json.loads(receive(sqs, url)[0]["Body"])
    assert doc["Message"] == "in order"
    assert doc["SequenceNumber"] == out["SequenceNumber"]
    # A FIFO topic's notifications are not signed.
    assert not {"Signature", "SignatureVersion", "SigningCertURL"} & set(doc)
    assert doc["UnsubscribeURL"].endswith(f"?Action=Unsubscribe&SubscriptionArn={sub}")


def test_missing_queue_goes_to_dead_letter_queue(sns, sqs, cloudtwin):
    topic = sns.create_topic(Name="dlq-topic")["TopicArn"]
    dlq_url, dlq_arn = make_queue(sqs, "sns-dlq")
    gone_arn = dlq_arn.replace("sns-dlq", "deleted-queue")
    sub = sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=gone_arn,
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})},
    )["SubscriptionArn"]
    sns.publish(TopicArn=topic, Message="lost")
    doc = json.loads(wait_for_messages(sqs, dlq_url)[0]["Body"])
    assert doc["Message"] == "lost"
    deliveries = fetch(cloudtwin.endpoint, f"/_cloudtwin/sns/deliveries?subscription={sub}")["deliveries"]
    assert [d["status"] for d in deliveries] == ["dead-lettered"]
    assert "NonExistentQueue" in deliveries[0]["last_error"] or "QueueDoesNotExist" in deliveries[0]["last_error"]


def test_a_queue_deleted_after_deliveries_fails_them_and_its_successor_gets_them(sns, sqs, cloudtwin):
    topic = sns.create_topic(Name="queue-comes-and-goes")["TopicArn"]
    url, arn = make_queue(sqs, "comes-and-goes")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    sns.publish(TopicArn=topic, Message="first")
    assert json.loads(receive(sqs, url)[0]["Body"])["Message"] == "first"
    sqs.delete_queue(QueueUrl=url)
    sns.publish(TopicArn=topic, Message="nowhere")
    deliveries = fetch(cloudtwin.endpoint, f"/_cloudtwin/sns/deliveries?subscription={sub}")["deliveries"]
    assert [d["status"] for d in deliveries][-1] == "failed"
    assert "NonExistentQueue" in deliveries[-1]["last_error"] or "QueueDoesNotExist" in deliveries[-1]["last_error"]
    cloudtwin.control().advance(60)  # SQS takes the name back after a minute
    url, _ = make_queue(sqs, "comes-and-goes")
    sns.publish(TopicArn=topic, Message="again")
    assert [json.loads(m["Body"])["Message"] for m in receive(sqs, url)] == ["again"]


def test_deliveries_introspection(sns, sqs, cloudtwin):
    topic = sns.create_topic(Name="inspect")["TopicArn"]
    _, arn = make_queue(sqs, "inspect-q")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    message_id = sns.publish(TopicArn=topic, Message="x")["MessageId"]
    found = fetch(cloudtwin.endpoint, f"/_cloudtwin/sns/deliveries?topic={topic}")["deliveries"]
    assert len(found) == 1
    assert found[0]["subscription_arn"] == sub
    assert found[0]["message_id"] == message_id
    assert found[0]["status"] == "delivered"
    assert found[0]["attempts"] == 1


def test_publish_batch_delivers_and_reports_failures(sns, sqs):
    topic = sns.create_topic(Name="batch")["TopicArn"]
    url, arn = make_queue(sqs, "batch-q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    out = sns.publish_batch(
        TopicArn=topic,
        PublishBatchRequestEntries=[
            {"Id": "a", "Message": "first"},
            {"Id": "b", "Message": ""},
            {"Id": "d", "Message": "fourth"},
        ],
    )
    assert [s["Id"] for s in out["Successful"]] == ["a", "d"]
    failed = {f["Id"]: f for f in out["Failed"]}
    assert failed["b"]["Code"] == "InvalidParameter"
    assert failed["b"]["Message"] == "Invalid parameter: Empty message"
    assert failed["b"]["SenderFault"] is True
    assert sorted(m["Body"] for m in receive(sqs, url)) == ["first", "fourth"]
    # Message attributes are checked for the whole request: one bad entry refuses it all.
    with pytest.raises(ClientError) as info:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
            {"Id": "e", "Message": "fifth"},
            {"Id": "c", "Message": "third", "MessageAttributes": {"x": {"DataType": "Number", "StringValue": "nan?"}}},
        ])
    assert info.value.response["Error"]["Code"] == "ParameterValueInvalid"
    assert info.value.response["Error"]["Message"] == "Could not cast message attribute 'x' value to number."
    assert receive(sqs, url) == []


def test_unsubscribe_url_unsubscribes(sns, sqs):
    topic = sns.create_topic(Name="unsub")["TopicArn"]
    url, arn = make_queue(sqs, "unsub-q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="one")
    doc = json.loads(receive(sqs, url)[0]["Body"])
    with urllib.request.urlopen(doc["UnsubscribeURL"]) as response:
        assert response.status == 200
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


# -- helpers -----------------------------------------------------------------------------------


def fetch(endpoint, path):
    with urllib.request.urlopen(endpoint + path) as response:
        return json.loads(response.read())


def wait_for_messages(sqs, url):
    """Dead-lettering runs as a task after Publish returns: long-poll for it."""
    return sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, MaxNumberOfMessages=10)["Messages"]
