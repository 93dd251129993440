"""Shared helpers of the EventBridge tests: queues as targets and reading them."""

from __future__ import annotations

import json
import time
import urllib.request


def eventually(check, timeout: float = 5.0):
    """Deliveries run on the server's loop right after the request: wait for them (real
    time, never the virtual clock)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.02)


def queue(aws_client, name: str, **attributes) -> tuple[str, str]:
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def receive(aws_client, url: str) -> list[dict]:
    """The messages waiting in a queue, deleted once read."""
    sqs = aws_client("sqs")
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], AttributeNames=["All"]
    ).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def bodies(aws_client, url: str, count: int = 1) -> list:
    got: list = []

    def check():
        for message in receive(aws_client, url):
            got.append(json.loads(message["Body"]))
        return len(got) >= count

    eventually(check)
    return got


def deliveries(endpoint: str, **query) -> list[dict]:
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    with urllib.request.urlopen(f"{endpoint}/_cloudtwin/events/deliveries?{suffix}", timeout=5) as resp:
        return json.loads(resp.read())["deliveries"]
