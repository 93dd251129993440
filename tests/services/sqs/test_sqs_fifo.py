"""FIFO queues: ordering, group blocking, deduplication, sequence numbers, attempt ids."""

from __future__ import annotations

import hashlib

import pytest
from botocore.exceptions import ClientError


def _error(excinfo) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def _fifo(sqs, name="jobs.fifo", **attributes):
    return sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", **attributes})["QueueUrl"]


def _bodies(response):
    return [m["Body"] for m in response.get("Messages", [])]


def test_order_within_a_group_and_sequence_numbers(sqs):
    url = _fifo(sqs)
    sequences = [
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId="g", MessageDeduplicationId=f"d{i}")["SequenceNumber"]
        for i in range(5)
    ]
    assert all(len(s) == 20 and s.isdigit() for s in sequences)
    assert sequences == sorted(sequences) and len(set(sequences)) == 5
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in got] == [f"m{i}" for i in range(5)]
    assert [m["Attributes"]["SequenceNumber"] for m in got] == sequences
    assert got[0]["Attributes"]["MessageGroupId"] == "g"
    assert got[0]["Attributes"]["MessageDeduplicationId"] == "d0"


def test_in_flight_group_is_blocked(sqs, control):
    control.freeze()
    url = _fifo(sqs, ContentBasedDeduplication="true")
    for body, group in (("a1", "A"), ("b1", "B"), ("a2", "A"), ("b2", "B")):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    first = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)
    assert _bodies(first) == ["a1"]
    # Group A is blocked while a1 is in flight: only B is served.
    assert _bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)) == ["b1", "b2"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["Messages"][0]["ReceiptHandle"])
    assert _bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)) == ["a2"]


def test_receive_fills_from_one_group_first(sqs):
    url = _fifo(sqs, ContentBasedDeduplication="true")
    for body, group in (("a1", "A"), ("b1", "B"), ("a2", "A"), ("b2", "B"), ("a3", "A")):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    assert _bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3)) == ["a1", "a2", "a3"]


def test_visibility_expiry_returns_the_group_in_order(sqs, control):
    control.freeze()
    url = _fifo(sqs, ContentBasedDeduplication="true")
    for body in ("1", "2"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    assert _bodies(sqs.receive_message(QueueUrl=url, VisibilityTimeout=10)) == ["1"]
    control.advance(10)
    assert _bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)) == ["1", "2"]


def test_deduplication_by_id_within_five_minutes(sqs, control):
    control.freeze()
    url = _fifo(sqs)
    first = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="same")
    dup = sqs.send_message(QueueUrl=url, MessageBody="other", MessageGroupId="g", MessageDeduplicationId="same")
    assert dup["MessageId"] == first["MessageId"]
    assert dup["SequenceNumber"] == first["SequenceNumber"]
    control.advance(300)
    later = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="same")
    assert later["MessageId"] != first["MessageId"]
    assert _bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)) == ["x", "x"]


def test_content_based_deduplication(sqs):
    url = _fifo(sqs, ContentBasedDeduplication="true")
    a = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="g1")
    b = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="g2")
    assert a["MessageId"] == b["MessageId"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["MessageDeduplicationId"])
    assert len(got["Messages"]) == 1
    assert got["Messages"][0]["Attributes"]["MessageDeduplicationId"] == hashlib.sha256(b"same body").hexdigest()


def test_deduplication_scope_message_group(sqs):
    url = _fifo(sqs, DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId")
    a = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g1", MessageDeduplicationId="d")
    b = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g2", MessageDeduplicationId="d")
    c = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g1", MessageDeduplicationId="d")
    assert a["MessageId"] != b["MessageId"]
    assert c["MessageId"] == a["MessageId"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["DeduplicationScope"] == "messageGroup"
    assert attrs["FifoThroughputLimit"] == "perMessageGroupId"


def test_receive_request_attempt_id_replays_the_same_receive(sqs):
    url = _fifo(sqs, ContentBasedDeduplication="true")
    for body in ("1", "2", "3"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="try-1")["Messages"]
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="try-1")["Messages"]
    assert [(m["MessageId"], m["ReceiptHandle"]) for m in again] == [(m["MessageId"], m["ReceiptHandle"]) for m in first]
    assert "Messages" not in sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="try-2")


def test_fifo_send_errors(sqs):
    url = _fifo(sqs)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert _error(exc) == ("MissingParameter", "The request must contain the parameter MessageGroupId.")
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")
    assert _error(exc) == (
        "InvalidParameterValue",
        "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
    )
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d", DelaySeconds=5)
    assert _error(exc) == (
        "InvalidParameterValue",
        "Value 5 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not "
        "valid for this queue type.",
    )


def test_fifo_delete_with_expired_handle(sqs, control):
    control.freeze()
    url = _fifo(sqs, ContentBasedDeduplication="true")
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")
    handle = sqs.receive_message(QueueUrl=url, VisibilityTimeout=5)["Messages"][0]["ReceiptHandle"]
    control.advance(5)
    with pytest.raises(ClientError) as exc:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    assert _error(exc) == (
        "InvalidParameterValue",
        f"Value {handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.",
    )


def test_fifo_batch_keeps_order(sqs):
    url = _fifo(sqs)
    result = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": "1", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
        {"Id": "c", "MessageBody": "3", "MessageGroupId": "g", "MessageDeduplicationId": "3"},
    ])
    assert [s["Id"] for s in result["Successful"]] == ["a", "c"]
    assert result["Successful"][0]["SequenceNumber"] < result["Successful"][1]["SequenceNumber"]
    assert _bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)) == ["1", "3"]


def test_fifo_batch_without_group_or_dedup_id_is_refused_whole(sqs):
    url = _fifo(sqs)
    with pytest.raises(ClientError) as exc:
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "1", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
            {"Id": "b", "MessageBody": "2", "MessageDeduplicationId": "2"},
        ])
    assert _error(exc) == ("InvalidParameterValue", "The request must contain the parameter MessageGroupId.")
    with pytest.raises(ClientError) as exc:
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "1", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
            {"Id": "b", "MessageBody": "2", "MessageGroupId": "g"},
        ])
    assert _error(exc) == (
        "InvalidParameterValue",
        "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
        "provided explicitly",
    )
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)


def test_fifo_only_attributes_on_fifo_queue(sqs):
    url = _fifo(sqs)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"ContentBasedDeduplication": "true"})
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ContentBasedDeduplication"])["Attributes"] == {
        "ContentBasedDeduplication": "true"
    }
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"DeduplicationScope": "everything"})
    assert _error(exc) == ("InvalidAttributeValue", "Invalid value for the parameter DeduplicationScope.")


def test_a_received_group_goes_to_the_back(sqs):
    url = _fifo(sqs, ContentBasedDeduplication="true")
    for body, group in [("g1-m1", "1"), ("g2-m1", "2"), ("g2-m2", "2"), ("g3-m1", "3"), ("g1-m2", "1")]:
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, VisibilityTimeout=0)
    assert _bodies(first) == ["g1-m1", "g1-m2", "g2-m1"]
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    assert _bodies(again) == ["g3-m1", "g1-m1", "g1-m2", "g2-m1", "g2-m2"]


def test_group_is_served_again_once_its_first_message_is_visible(sqs, control):
    control.freeze()
    url = _fifo(sqs, ContentBasedDeduplication="true", VisibilityTimeout="30")
    for body, group in [("g1-m1", "1"), ("g1-m2", "1"), ("g2-m1", "2")]:
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    assert [m["Body"] for m in got] == ["g1-m1", "g1-m2"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=1)
    control.advance(2)
    # g1-m2 is still in flight: group 1 hands out only what comes before it.
    assert _bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3)) == ["g2-m1", "g1-m1"]


@pytest.mark.parametrize("dedup_id", ["", "a" * 129, "group 123", "naïve"])
def test_malformed_deduplication_id(sqs, dedup_id):
    url = _fifo(sqs)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId=dedup_id)
    assert _error(exc) == (
        "InvalidParameterValue",
        f"Value {dedup_id} for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId "
        "can only include alphanumeric and punctuation characters. 1 to 128 in length.",
    )


def test_malformed_group_id(sqs):
    url = _fifo(sqs, ContentBasedDeduplication="true")
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="a b")
    assert _error(exc) == (
        "InvalidParameterValue",
        "Value a b for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include "
        "alphanumeric and punctuation characters. 1 to 128 in length.",
    )


@pytest.mark.parametrize(
    "attributes,message",
    [
        ({"FifoQueue": "false"}, "Unknown Attribute FifoQueue."),
        ({"ContentBasedDeduplication": "false"}, "Unknown Attribute ContentBasedDeduplication."),
        ({"DeduplicationScope": "queue"}, "You can specify the DeduplicationScope only when FifoQueue is set to true."),
        ({"FifoThroughputLimit": "perQueue"},
         "You can specify the FifoThroughputLimit only when FifoQueue is set to true."),
    ],
)
def test_fifo_attributes_on_a_standard_queue(sqs, attributes, message):
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName="standard", Attributes=attributes)
    assert _error(exc) == ("InvalidAttributeName", message)


def test_queue_type_cannot_change(sqs):
    standard = sqs.create_queue(QueueName="plain")["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=standard, Attributes={"FifoQueue": "true"})
    assert _error(exc) == ("InvalidAttributeName", "Unknown Attribute FifoQueue.")
    url = _fifo(sqs)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "true"})
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "false"})
    assert _error(exc) == (
        "InvalidAttributeValue",
        "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.",
    )


def test_purge_forgets_deduplication_ids(sqs):
    url = _fifo(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="one", MessageGroupId="g", MessageDeduplicationId="d")
    sqs.purge_queue(QueueUrl=url)
    sqs.send_message(QueueUrl=url, MessageBody="two", MessageGroupId="g", MessageDeduplicationId="d")
    assert _bodies(sqs.receive_message(QueueUrl=url)) == ["two"]


def test_zero_message_delay_keeps_the_queue_delay(sqs, control):
    control.freeze()
    url = _fifo(sqs, ContentBasedDeduplication="true", DelaySeconds="2")
    sqs.send_message(QueueUrl=url, MessageBody="late", MessageGroupId="g", DelaySeconds=0)
    assert _bodies(sqs.receive_message(QueueUrl=url)) == []
    control.advance(2)
    assert _bodies(sqs.receive_message(QueueUrl=url)) == ["late"]


def test_deduplication_scope_stays_the_one_the_queue_was_created_with(sqs):
    url = _fifo(sqs, DeduplicationScope="queue")
    sqs.send_message(QueueUrl=url, MessageBody="1", MessageGroupId="g1", MessageDeduplicationId="same")
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}
    )
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DeduplicationScope"])["Attributes"]
    assert attributes == {"DeduplicationScope": "messageGroup"}
    sqs.send_message(QueueUrl=url, MessageBody="2", MessageGroupId="g2", MessageDeduplicationId="same")
    assert _bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)) == ["1"]
