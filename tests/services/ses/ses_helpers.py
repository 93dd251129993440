"""Shared helpers of the SES tests: the kept messages, and an SNS topic feeding an SQS queue."""

from __future__ import annotations

import json
import urllib.request

SIMPLE = {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "plain body"}, "Html": {"Data": "<p>html body</p>"}}}


def kept(endpoint: str, query: str = "") -> list[dict]:
    with urllib.request.urlopen(f"{endpoint}/_cloudtwin/ses/messages{query}") as response:
        return json.loads(response.read())["messages"]


def clear(endpoint: str, query: str = "") -> int:
    request = urllib.request.Request(f"{endpoint}/_cloudtwin/ses/messages{query}", method="DELETE")
    with urllib.request.urlopen(request) as response:
        return response.status


def topic_to_queue(aws_client, name: str) -> tuple[str, str]:
    """(topic ARN, queue URL): a topic whose messages arrive, raw off, in a queue."""
    sns, sqs = aws_client("sns"), aws_client("sqs")
    topic = sns.create_topic(Name=name)["TopicArn"]
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, queue


def received(aws_client, queue: str) -> list[dict]:
    """The SNS envelopes waiting in ``queue``, in order."""
    sqs = aws_client("sqs")
    out: list[dict] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return out
        out.extend(json.loads(m["Body"]) for m in batch)
        sqs.delete_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
