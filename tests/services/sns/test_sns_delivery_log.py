"""The logs SNS keeps for inspection are bounded: delivery records keep a message's body only
while the delivery may still need it (then a short preview), the oldest records go first past
a count, and the log of recorded messages (sms, email, ...) past a size."""

from __future__ import annotations

import json
import time
import urllib.request

import boto3

from cloudtwin.config import Config
from cloudtwin.services.sns import models
from cloudtwin.testing.server import ServerThread, free_port

BIG = "x" * 200_000


def control(endpoint, path):
    with urllib.request.urlopen(endpoint + path) as response:
        return json.loads(response.read())


def make_queue(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def test_a_delivered_record_keeps_only_a_preview_of_its_body(aws_client, endpoint):
    sns, sqs = aws_client("sns"), aws_client("sqs")
    topic = sns.create_topic(Name="big")["TopicArn"]
    url, arn = make_queue(sqs, "big-q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message=BIG)

    body = sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"]
    assert json.loads(body)["Message"] == BIG  # the queue got all of it
    [record] = control(endpoint, f"/_cloudtwin/sns/deliveries?topic={topic}")["deliveries"]
    assert record["status"] == "delivered"
    assert len(record["body"]) == models.BODY_PREVIEW
    assert record["body"] == body[: models.BODY_PREVIEW]
    assert (record["body_size"], record["body_truncated"]) == (len(body), True)


def test_a_small_body_is_kept_whole(aws_client, endpoint):
    sns, sqs = aws_client("sns"), aws_client("sqs")
    topic = sns.create_topic(Name="small")["TopicArn"]
    _, arn = make_queue(sqs, "small-q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, Message="hello")
    [record] = control(endpoint, f"/_cloudtwin/sns/deliveries?topic={topic}")["deliveries"]
    assert (record["body"], record["body_size"], record["body_truncated"]) == ("hello", 5, False)


def test_a_dead_lettered_delivery_still_carries_the_whole_message(aws_client, endpoint):
    sns, sqs = aws_client("sns"), aws_client("sqs")
    topic = sns.create_topic(Name="lost")["TopicArn"]
    dlq_url, dlq_arn = make_queue(sqs, "lost-dlq")
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=dlq_arn.replace("lost-dlq", "no-such-queue"),
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn}), "RawMessageDelivery": "true"},
    )
    sns.publish(TopicArn=topic, Message=BIG)
    deadline = time.monotonic() + 15  # the dead-letter send runs as a task right after Publish
    while True:
        records = control(endpoint, f"/_cloudtwin/sns/deliveries?topic={topic}")["deliveries"]
        if records[0]["status"] != "pending" or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert records[0]["status"] == "dead-lettered"
    assert sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1)["Messages"][0]["Body"] == BIG
    assert records[0]["body_truncated"] is True


def test_the_oldest_records_go_first(aws_client, endpoint, server, monkeypatch):
    monkeypatch.setattr(models, "LOG_LIMIT", 3)
    sns, sqs = aws_client("sns"), aws_client("sqs")
    topic = sns.create_topic(Name="many")["TopicArn"]
    _, arn = make_queue(sqs, "many-q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    for i in range(5):
        sns.publish(TopicArn=topic, Message=f"m{i}")
    records = control(endpoint, f"/_cloudtwin/sns/deliveries?topic={topic}")["deliveries"]
    assert [r["body"] for r in records] == ["m2", "m3", "m4"]


def test_recorded_messages_are_bounded_by_size(aws_client, endpoint, server, monkeypatch):
    monkeypatch.setattr(models, "MESSAGE_LOG_CHARS", 25)
    sns = aws_client("sns")
    for i in range(5):
        sns.publish(PhoneNumber="+15555550100", Message=f"code {i}....")  # 11 characters each
    sent = control(endpoint, "/_cloudtwin/sns/messages?protocol=sms")["messages"]
    assert [m["message"] for m in sent] == ["code 3....", "code 4...."]


def test_records_survive_a_restart_without_their_bodies(tmp_path):
    def server():
        return ServerThread(Config(port=free_port(), log_level="warning", data_dir=str(tmp_path)))

    def clients(s):
        kwargs = dict(endpoint_url=s.endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
        return boto3.client("sns", **kwargs), boto3.client("sqs", **kwargs)

    with server() as first:
        sns, sqs = clients(first)
        topic = sns.create_topic(Name="kept")["TopicArn"]
        _, arn = make_queue(sqs, "kept-q")
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        for _ in range(3):
            sns.publish(TopicArn=topic, Message=BIG)
        before = control(first.endpoint, "/_cloudtwin/sns/deliveries")["deliveries"]

    with server() as second:
        after = control(second.endpoint, "/_cloudtwin/sns/deliveries")["deliveries"]
    assert after == before
    assert [r["status"] for r in after] == ["delivered"] * 3
    assert all(len(r["body"]) == models.BODY_PREVIEW and r["body_size"] > len(BIG) for r in after)
