"""``GET /_cloudtwin/sqs/messages``: messages and their state, without touching them."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request


def _messages(endpoint, **params):
    query = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"{endpoint}/_cloudtwin/sqs/messages?{query}") as response:
        return json.loads(response.read())


def test_lists_states_without_changing_visibility(sqs, endpoint, control):
    control.freeze()
    url = sqs.create_queue(QueueName="peek")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="visible",
                     MessageAttributes={"b": {"DataType": "Binary", "BinaryValue": b"\x00"}})
    sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=30)
    sqs.send_message(QueueUrl=url, MessageBody="inflight")
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)  # takes "visible"
    seen = _messages(endpoint, queue=url)["messages"]
    assert [(m["Body"], m["State"], m["ReceiveCount"]) for m in seen] == [
        ("visible", "inflight", 1), ("delayed", "delayed", 0), ("inflight", "visible", 0)
    ]
    assert seen[0]["MessageAttributes"]["b"] == {"DataType": "Binary", "BinaryValue": "AA=="}
    by_name = _messages(endpoint, queue="peek")["messages"]
    assert [m["MessageId"] for m in by_name] == [m["MessageId"] for m in seen]
    # Looking changed nothing: the visible message is still receivable.
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "inflight"


def test_unknown_queue_is_404(endpoint):
    try:
        _messages(endpoint, queue="nope")
    except urllib.error.HTTPError as error:
        assert error.code == 404
        assert "nope" in json.loads(error.read())["error"]
    else:
        raise AssertionError("expected a 404")


def test_queue_parameter_is_required(endpoint):
    try:
        _messages(endpoint)
    except urllib.error.HTTPError as error:
        assert error.code == 400
    else:
        raise AssertionError("expected a 400")


def test_tick_processor_expires_retained_messages(sqs, endpoint, control):
    control.freeze()
    url = sqs.create_queue(QueueName="tick", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="old")
    assert control.tick("sqs") == {"expired": 0, "dedup_expired": 0, "moved": 0}
    processed = control.advance(60)["processed"]
    assert processed["sqs"]["expired"] == 1
    assert _messages(endpoint, queue=url)["messages"] == []
