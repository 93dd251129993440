"""SQS: a queue's life, and a message through it."""

from __future__ import annotations

import hashlib

import pytest
from botocore.exceptions import ClientError

from parity_polling import eventually

pytestmark = pytest.mark.parity


@pytest.fixture
def queue(aws_client, resource_name, cleanup, require) -> tuple[str, str]:
    require("sqs", "CreateQueue", "DeleteQueue", "GetQueueAttributes", "SendMessage", "ReceiveMessage",
            "DeleteMessage", "GetQueueUrl")
    sqs = aws_client("sqs")
    name = resource_name("queue")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    cleanup(sqs.delete_queue, QueueUrl=url)
    return name, url


def test_create_queue_and_read_its_attributes(aws_client, queue) -> None:
    name, url = queue
    assert url.endswith("/" + name)
    attributes = aws_client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["QueueArn"].startswith("arn:aws") and attributes["QueueArn"].endswith(":" + name)
    assert attributes["VisibilityTimeout"] == "30"
    assert attributes["MessageRetentionPeriod"] == "345600"
    assert aws_client("sqs").get_queue_url(QueueName=name)["QueueUrl"] == url


def test_send_receive_delete(aws_client, queue) -> None:
    _, url = queue
    sqs = aws_client("sqs")
    body = "hello parity"
    sent = sqs.send_message(QueueUrl=url, MessageBody=body)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    messages = eventually(
        lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MaxNumberOfMessages=1).get("Messages")
    )
    assert messages and messages[0]["Body"] == body and messages[0]["MessageId"] == sent["MessageId"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])


def test_a_queue_that_does_not_exist(aws_client, resource_name, require) -> None:
    require("sqs", "GetQueueUrl")
    with pytest.raises(ClientError) as caught:
        aws_client("sqs").get_queue_url(QueueName=resource_name("missing"))
    error = caught.value.response["Error"]
    assert error["Code"] in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
