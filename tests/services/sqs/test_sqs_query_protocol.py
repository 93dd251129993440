"""SQS over the ``query`` protocol (older SDKs, AWS CLI v1 of old) and through the AWS CLI."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError


def test_query_round_trip(sqs_query, endpoint):
    url = sqs_query.create_queue(QueueName="q-query", Attributes={"VisibilityTimeout": "40"})["QueueUrl"]
    assert url == f"{endpoint}/000000000000/q-query"
    sent = sqs_query.send_message(
        QueueUrl=url, MessageBody="over query",
        MessageAttributes={"k": {"DataType": "String", "StringValue": "v"},
                           "b": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}},
    )
    got = sqs_query.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"])["Messages"][0]
    assert got["Body"] == "over query"
    assert got["MessageId"] == sent["MessageId"]
    assert got["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert got["MessageAttributes"]["b"]["BinaryValue"] == b"\x01\x02"
    assert got["Attributes"]["ApproximateReceiveCount"] == "1"
    attrs = sqs_query.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "40"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    batch = sqs_query.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok", "MessageBody": "x"}, {"Id": "bad", "MessageBody": "x", "DelaySeconds": 901}])
    assert [s["Id"] for s in batch["Successful"]] == ["ok"]
    assert batch["Failed"][0]["Code"] == "InvalidParameterValue"
    sqs_query.delete_message(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])
    assert [u.rsplit("/", 1)[1] for u in sqs_query.list_queues()["QueueUrls"]] == ["q-query"]


def test_query_errors_carry_legacy_codes(sqs_query):
    with pytest.raises(ClientError) as exc:
        sqs_query.get_queue_url(QueueName="missing")
    assert exc.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert exc.value.response["Error"]["Message"] == "The specified queue does not exist."
    sqs_query.create_queue(QueueName="dup", Attributes={"DelaySeconds": "1"})
    with pytest.raises(ClientError) as exc:
        sqs_query.create_queue(QueueName="dup", Attributes={"DelaySeconds": "2"})
    assert exc.value.response["Error"]["Code"] == "QueueAlreadyExists"


def test_query_and_json_see_the_same_queue(sqs_query, sqs):
    url = sqs.create_queue(QueueName="both")["QueueUrl"]
    sqs_query.send_message(QueueUrl=url, MessageBody="from query")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "from query"


def _cli(endpoint, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
    done = subprocess.run(
        [sys.executable, "-m", "awscli", "--endpoint-url", endpoint, "--output", "json", "sqs", *args],
        capture_output=True, text=True, env=env, timeout=60,
    )
    return done


def test_aws_cli_flow(endpoint, sqs):
    url = sqs.create_queue(QueueName="cli-q")["QueueUrl"]
    sent = _cli(endpoint, "send-message", "--queue-url", url, "--message-body", "from the cli")
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout)["MD5OfMessageBody"] == hashlib.md5(b"from the cli").hexdigest()
    got = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert got["Body"] == "from the cli"
    assert json.loads(sent.stdout)["MessageId"] == got["MessageId"]
    missing = _cli(endpoint, "get-queue-url", "--queue-name", "nope")
    assert missing.returncode != 0
    assert "AWS.SimpleQueueService.NonExistentQueue" in missing.stderr
    assert "The specified queue does not exist." in missing.stderr
