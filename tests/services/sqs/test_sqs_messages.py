"""Standard-queue messaging: send, receive, delete, visibility, delays, retention, digests,
system attributes, receipt handles and batches."""

from __future__ import annotations

import hashlib

import pytest
from botocore.exceptions import ClientError


def _error(excinfo) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.fixture
def queue(sqs):
    return sqs.create_queue(QueueName="work")["QueueUrl"]


def test_send_receive_delete(sqs, queue):
    sent = sqs.send_message(QueueUrl=queue, MessageBody="hello")
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"hello").hexdigest()
    assert "MD5OfMessageAttributes" not in sent and "SequenceNumber" not in sent
    got = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert [(m["MessageId"], m["Body"], m["MD5OfBody"]) for m in got] == [
        (sent["MessageId"], "hello", sent["MD5OfMessageBody"])
    ]
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=got[0]["ReceiptHandle"])
    attrs = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_md5_of_attributes_matches_aws_vectors(sqs, queue):
    # Digests the real service returned for these attributes (SDK issue reports).
    sent = sqs.send_message(
        QueueUrl=queue, MessageBody="x",
        MessageAttributes={"testname": {"DataType": "Binary", "BinaryValue": b"123"}},
    )
    assert sent["MD5OfMessageAttributes"] == "4969dd151b0a6c8b619ebb802f76e035"
    sent = sqs.send_message(
        QueueUrl=queue, MessageBody="x",
        MessageAttributes={"content-encoding": {"DataType": "String", "StringValue": "lz4"}},
    )
    assert sent["MD5OfMessageAttributes"] == "d5b1c8868f6406a7a6a8f4cebc4fcc94"


def test_message_attributes_round_trip_and_selection(sqs, queue):
    attributes = {
        "s": {"DataType": "String", "StringValue": "text"},
        "n": {"DataType": "Number", "StringValue": "1.5e3"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
        "app.custom": {"DataType": "String.json", "StringValue": "{}"},
    }
    sent = sqs.send_message(QueueUrl=queue, MessageBody="x", MessageAttributes=attributes)
    got = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"], VisibilityTimeout=0)["Messages"][0]
    assert got["MessageAttributes"] == attributes
    assert got["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    only = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["app.*", "s"], VisibilityTimeout=0)["Messages"][0]
    assert set(only["MessageAttributes"]) == {"app.custom", "s"}
    none = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=0)["Messages"][0]
    assert "MessageAttributes" not in none and "MD5OfMessageAttributes" not in none


@pytest.mark.parametrize(
    "attributes,message",
    [
        ({"a": {"DataType": "String", "StringValue": ""}},
         "Message (user) attribute 'a' must contain a non-empty value of type 'String'."),
        ({"a": {"DataType": "Number", "StringValue": "abc"}},
         "Can't cast the value of message (user) attribute 'a' to a number."),
        ({"a": {"DataType": "Date", "StringValue": "x"}},
         "The type of message (user) attribute 'a' is invalid. You must use only the following "
         "supported type prefixes: Binary, Number, String."),
        ({f"a{i}": {"DataType": "String", "StringValue": "x"} for i in range(11)},
         "Number of message attributes [11] exceeds the allowed maximum [10]."),
    ],
)
def test_invalid_message_attributes(sqs, queue, attributes, message):
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=queue, MessageBody="x", MessageAttributes=attributes)
    assert _error(exc) == ("InvalidParameterValue", message)


def test_invalid_body_characters(sqs, queue):
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=queue, MessageBody="bad \x00 char")
    assert _error(exc) == (
        "InvalidMessageContents",
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF "
        "| #xE000 to #xFFFD | #x10000 to #x10FFFF",
    )


def test_message_too_long(sqs):
    url = sqs.create_queue(QueueName="small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x" * 1024)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x" * 1025)
    assert _error(exc) == (
        "InvalidParameterValue",
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
    )


def test_system_attributes_on_receive(sqs, queue, control, aws_client):
    control.freeze()
    now = control.now()
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    sent = sqs.send_message(
        QueueUrl=queue, MessageBody="x",
        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": trace}},
    )
    assert len(sent["MD5OfMessageSystemAttributes"]) == 32
    control.advance(5)
    got = sqs.receive_message(QueueUrl=queue, MessageSystemAttributeNames=["All"])["Messages"][0]
    attrs = got["Attributes"]
    # The sender's unique id: the default credentials act as an IAM user (AIDA...).
    assert attrs["SenderId"] == aws_client("sts").get_caller_identity()["UserId"]
    assert attrs["SenderId"].startswith("AIDA")
    assert attrs["SentTimestamp"] == str(int(now * 1000))
    assert attrs["ApproximateFirstReceiveTimestamp"] == str(int((now + 5) * 1000))
    assert attrs["ApproximateReceiveCount"] == "1"
    assert attrs["AWSTraceHeader"] == trace
    control.advance(31)
    again = sqs.receive_message(QueueUrl=queue, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert again["Attributes"] == {"ApproximateReceiveCount": "2"}


def test_visibility_timeout_on_the_virtual_clock(sqs, queue, control):
    control.freeze()
    sqs.send_message(QueueUrl=queue, MessageBody="v")
    first = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=10)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    attrs = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]) == ("0", "1")
    control.advance(9)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    control.advance(1)
    second = sqs.receive_message(QueueUrl=queue)["Messages"][0]
    assert second["MessageId"] == first["MessageId"]
    assert second["ReceiptHandle"] != first["ReceiptHandle"]


def test_queue_default_visibility_timeout(sqs, control):
    control.freeze()
    url = sqs.create_queue(QueueName="vt", Attributes={"VisibilityTimeout": "100"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    sqs.receive_message(QueueUrl=url)
    control.advance(99)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    control.advance(1)
    assert "Messages" in sqs.receive_message(QueueUrl=url)


def test_change_message_visibility(sqs, queue, control):
    control.freeze()
    sqs.send_message(QueueUrl=queue, MessageBody="x")
    handle = sqs.receive_message(QueueUrl=queue)["Messages"][0]["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=handle, VisibilityTimeout=0)
    handle = sqs.receive_message(QueueUrl=queue)["Messages"][0]["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=handle, VisibilityTimeout=500)
    control.advance(400)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    control.advance(100)
    assert "Messages" in sqs.receive_message(QueueUrl=queue)


def test_change_visibility_errors(sqs, queue, control):
    control.freeze()
    sqs.send_message(QueueUrl=queue, MessageBody="x")
    handle = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=43200)["Messages"][0]["ReceiptHandle"]
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=handle, VisibilityTimeout=43201)
    assert _error(exc) == (
        "InvalidParameterValue",
        "Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.",
    )
    control.advance(43000)
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=handle, VisibilityTimeout=200)
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=handle, VisibilityTimeout=201)
    assert _error(exc) == (
        "InvalidParameterValue",
        "Value 201 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the "
        "message is beyond the limit [43200 seconds]",
    )
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle="garbage", VisibilityTimeout=1)
    assert _error(exc) == ("ReceiptHandleIsInvalid", 'The input receipt handle "garbage" is not a valid receipt handle.')


def test_change_visibility_after_the_timeout_expired(sqs, queue, control):
    control.freeze()
    sqs.send_message(QueueUrl=queue, MessageBody="x")
    handle = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=1)["Messages"][0]["ReceiptHandle"]
    control.advance(2)  # visible again: the latest receive's handle still changes it
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=handle, VisibilityTimeout=5)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    control.advance(5)
    assert len(sqs.receive_message(QueueUrl=queue)["Messages"]) == 1


def test_stale_receipt_handle(sqs, queue, control):
    control.freeze()
    sqs.send_message(QueueUrl=queue, MessageBody="x")
    old = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=5)["Messages"][0]["ReceiptHandle"]
    control.advance(5)
    sqs.receive_message(QueueUrl=queue, VisibilityTimeout=0)
    # A handle of an earlier receive no longer changes the visibility...
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=old, VisibilityTimeout=5)
    assert _error(exc) == (
        "InvalidParameterValue",
        f"Value {old} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not "
        "available for visibility timeout change.",
    )
    # ...but a standard queue still deletes the message by it.
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=old)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=old)  # already gone: success


def test_receipt_handle_of_another_queue_is_invalid(sqs, queue):
    other = sqs.create_queue(QueueName="other")["QueueUrl"]
    sqs.send_message(QueueUrl=other, MessageBody="x")
    handle = sqs.receive_message(QueueUrl=other)["Messages"][0]["ReceiptHandle"]
    with pytest.raises(ClientError) as exc:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=handle)
    assert _error(exc)[0] == "ReceiptHandleIsInvalid"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_delay_seconds_per_message_and_queue(sqs, control):
    control.freeze()
    url = sqs.create_queue(QueueName="delayed", Attributes={"DelaySeconds": "20"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="queue-delay")
    sqs.send_message(QueueUrl=url, MessageBody="own-delay", DelaySeconds=5)
    sqs.send_message(QueueUrl=url, MessageBody="no-delay", DelaySeconds=0)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    assert attrs["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "2"
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["no-delay"]
    control.advance(5)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["own-delay"]
    control.advance(15)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["queue-delay"]
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901)
    assert _error(exc) == (
        "InvalidParameterValue",
        "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.",
    )


def test_retention_expires_messages(sqs, control):
    control.freeze()
    url = sqs.create_queue(QueueName="short", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="old")
    control.advance(30)
    sqs.send_message(QueueUrl=url, MessageBody="young")
    report = control.advance(30)
    assert report is not None
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["young"]


def test_max_number_of_messages(sqs, queue):
    for i in range(12):
        sqs.send_message(QueueUrl=queue, MessageBody=str(i))
    assert len(sqs.receive_message(QueueUrl=queue)["Messages"]) == 1
    assert len(sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]) == 10
    with pytest.raises(ClientError) as exc:
        sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=11)
    assert _error(exc) == (
        "InvalidParameterValue",
        "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.",
    )
    with pytest.raises(ClientError) as exc:
        sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=21)
    assert _error(exc) == (
        "InvalidParameterValue",
        "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.",
    )


def test_standard_queue_rejects_deduplication_id(sqs, queue):
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=queue, MessageBody="x", MessageDeduplicationId="d")
    assert _error(exc) == (
        "InvalidParameterValue",
        "Value d for parameter MessageDeduplicationId is invalid. Reason: The request include parameter "
        "that is not valid for this queue type.",
    )


# -- batches ------------------------------------------------------------------------------


def test_send_message_batch_with_per_entry_failures(sqs, queue):
    result = sqs.send_message_batch(QueueUrl=queue, Entries=[
        {"Id": "ok", "MessageBody": "fine"},
        {"Id": "bad", "MessageBody": "x", "MessageAttributes": {"a": {"DataType": "Number", "StringValue": "NaN?"}}},
        {"Id": "delayed", "MessageBody": "later", "DelaySeconds": 0},
    ])
    assert [s["Id"] for s in result["Successful"]] == ["ok", "delayed"]
    assert result["Successful"][0]["MD5OfMessageBody"] == hashlib.md5(b"fine").hexdigest()
    assert result["Failed"] == [{
        "Id": "bad", "SenderFault": True, "Code": "InvalidParameterValue",
        "Message": "Can't cast the value of message (user) attribute 'a' to a number.",
    }]
    bodies = {m["Body"] for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]}
    assert bodies == {"fine", "later"}


@pytest.mark.parametrize(
    "entries,code,message",
    [
        ([], "AWS.SimpleQueueService.EmptyBatchRequest",
         "There should be at least one SendMessageBatchRequestEntry in the request."),
        ([{"Id": str(i), "MessageBody": "x"} for i in range(11)],
         "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
         "Maximum number of entries per request are 10. You have sent 11."),
        ([{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}],
         "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id a repeated."),
        ([{"Id": "no spaces", "MessageBody": "x"}], "AWS.SimpleQueueService.InvalidBatchEntryId",
         "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
         "It can be at most 80 letters long."),
        ([{"Id": str(i), "MessageBody": "x" * 200_000} for i in range(6)],
         "AWS.SimpleQueueService.BatchRequestTooLong",
         "Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes."),
    ],
)
def test_send_batch_request_errors(sqs, queue, entries, code, message):
    with pytest.raises(ClientError) as exc:
        sqs.send_message_batch(QueueUrl=queue, Entries=entries)
    assert _error(exc) == (code, message)


def test_delete_and_change_visibility_batches(sqs, queue, control):
    control.freeze()
    sent = sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(3)])
    assert "Failed" not in sent  # SQS leaves an empty Failed out
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert len(got) == 3
    changed = sqs.change_message_visibility_batch(QueueUrl=queue, Entries=[
        {"Id": "a", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "b", "ReceiptHandle": "junk", "VisibilityTimeout": 0},
    ])
    assert [s["Id"] for s in changed["Successful"]] == ["a"]
    assert changed["Failed"] == [{
        "Id": "b", "SenderFault": True, "Code": "ReceiptHandleIsInvalid",
        "Message": 'The input receipt handle "junk" is not a valid receipt handle.',
    }]
    deleted = sqs.delete_message_batch(QueueUrl=queue, Entries=[
        {"Id": "x", "ReceiptHandle": got[1]["ReceiptHandle"]},
        {"Id": "y", "ReceiptHandle": got[2]["ReceiptHandle"]},
    ])
    assert sorted(s["Id"] for s in deleted["Successful"]) == ["x", "y"]
    assert "Failed" not in deleted
    remaining = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in remaining] == [got[0]["Body"]]
    with pytest.raises(ClientError) as exc:
        sqs.delete_message_batch(QueueUrl=queue, Entries=[])
    assert _error(exc) == (
        "AWS.SimpleQueueService.EmptyBatchRequest",
        "There should be at least one DeleteMessageBatchRequestEntry in the request.",
    )


def test_retention_after_shortening_and_for_redriven_messages(sqs, control, endpoint):
    import json as _json
    import urllib.request

    def stored(url):
        with urllib.request.urlopen(f"{endpoint}/_cloudtwin/sqs/messages?queue={url}") as r:
            return [m["Body"] for m in _json.loads(r.read())["messages"]]

    control.freeze()
    url = sqs.create_queue(QueueName="keep")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="old")
    control.advance(100)  # the tick has looked at the queue: nothing due for days
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "60"})
    control.advance(1)
    assert stored(url) == []
    dlq = sqs.create_queue(QueueName="keep-dlq", Attributes={"MessageRetentionPeriod": "120"})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName="keep-src", Attributes={
        "RedrivePolicy": _json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})["QueueUrl"]
    sqs.send_message(QueueUrl=src, MessageBody="aged")
    control.advance(1)
    sqs.receive_message(QueueUrl=src, VisibilityTimeout=100)
    control.advance(100)
    sqs.receive_message(QueueUrl=src)  # redrives it, keeping its send time
    assert stored(dlq) == ["aged"]
    control.advance(20)  # 121 s after it was sent: past the dead-letter queue's retention
    assert stored(dlq) == []


def test_attribute_names_of_any_script(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="x",
                     MessageAttributes={"attr.1øßä": {"DataType": "String", "StringValue": "v"}})
    got = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"])["Messages"][0]
    assert list(got["MessageAttributes"]) == ["attr.1øßä"]
    for name in ["Invalid-!-attr", "Invalid-§-attr", "Invalid-(-attr", "L" * 257]:
        with pytest.raises(ClientError) as exc:
            sqs.send_message(QueueUrl=queue, MessageBody="x",
                             MessageAttributes={name: {"DataType": "String", "StringValue": "v"}})
        assert _error(exc) == ("InvalidParameterValue", f"Message (user) attribute name '{name}' is invalid.")


def test_invalid_characters_in_an_attribute_value(sqs, queue):
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=queue, MessageBody="x",
                         MessageAttributes={"a": {"DataType": "String", "StringValue": "bad\x08"}})
    assert _error(exc) == ("InvalidParameterValue", "Message (user) attribute 'a' contains invalid characters.")


def test_trace_header_of_the_request_becomes_aws_trace_header(sqs, queue):
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

    def add_header(request, **kwargs):
        request.headers["X-Amzn-Trace-Id"] = trace

    sqs.meta.events.register("before-sign.sqs.SendMessage", add_header)
    try:
        sent = sqs.send_message(QueueUrl=queue, MessageBody="traced")
    finally:
        sqs.meta.events.unregister("before-sign.sqs.SendMessage", add_header)
    assert "MD5OfMessageSystemAttributes" not in sent
    got = sqs.receive_message(QueueUrl=queue, MessageSystemAttributeNames=["AWSTraceHeader"])["Messages"][0]
    assert got["Attributes"] == {"AWSTraceHeader": trace}
    sqs.send_message(QueueUrl=queue, MessageBody="plain")
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=got["ReceiptHandle"])
    plain = sqs.receive_message(QueueUrl=queue, MessageSystemAttributeNames=["AWSTraceHeader"])["Messages"][0]
    assert plain["Body"] == "plain" and "AWSTraceHeader" not in plain.get("Attributes", {})
