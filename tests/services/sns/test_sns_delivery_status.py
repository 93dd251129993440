"""Delivery status logging: a topic with ``<Protocol>SuccessFeedbackRoleArn`` /
``FailureFeedbackRoleArn`` writes one CloudWatch Logs event per delivery, in the shape AWS
documents, to ``sns/<region>/<account>/<topic>`` (and ``.../Failure``)."""

from __future__ import annotations

import hashlib
import json
import time

import pytest

ROLE = "arn:aws:iam::000000000000:role/sns-feedback"


@pytest.fixture
def clients(aws_client):
    return aws_client("sns"), aws_client("sqs"), aws_client("logs")


def status_events(logs, group, expected=1):
    """The status events of a group (written off the publisher's path: wait a moment, bounded)."""
    deadline = time.monotonic() + 5
    while True:
        try:
            streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
        except logs.exceptions.ResourceNotFoundException:
            streams = []
        events = [
            json.loads(e["message"])
            for s in streams
            for e in logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"])["events"]
        ]
        if len(events) >= expected or time.monotonic() > deadline:
            return events
        time.sleep(0.02)


def topic_with_feedback(sns, name, protocol, rate="100"):
    arn = sns.create_topic(Name=name)["TopicArn"]
    for attribute, value in (
        (f"{protocol}SuccessFeedbackRoleArn", ROLE),
        (f"{protocol}SuccessFeedbackSampleRate", rate),
        (f"{protocol}FailureFeedbackRoleArn", ROLE),
    ):
        sns.set_topic_attributes(TopicArn=arn, AttributeName=attribute, AttributeValue=value)
    return arn


def test_a_successful_sqs_delivery_is_logged_as_aws_writes_it(clients):
    sns, sqs, logs = clients
    topic = topic_with_feedback(sns, "status-ok", "SQS")
    url = sqs.create_queue(QueueName="status-ok-q")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)

    message_id = sns.publish(TopicArn=topic, Message="hello status")["MessageId"]

    [event] = status_events(logs, "sns/us-east-1/000000000000/status-ok")
    assert event["status"] == "SUCCESS"
    assert event["notification"]["messageId"] == message_id
    assert event["notification"]["topicArn"] == topic
    assert event["notification"]["messageMD5Sum"] == hashlib.md5(b"hello status").hexdigest()
    delivery = event["delivery"]
    assert delivery["destination"] == queue
    assert delivery["statusCode"] == 200
    assert isinstance(delivery["dwellTimeMs"], int)
    response = json.loads(delivery["providerResponse"])
    received = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert response["sqsMessageId"] == received["MessageId"]
    assert logs.describe_log_groups(logGroupNamePrefix="sns/us-east-1/000000000000/status-ok/Failure")["logGroups"] == []


def test_a_failed_delivery_goes_to_the_failure_group(clients):
    sns, sqs, logs = clients
    topic = topic_with_feedback(sns, "status-bad", "SQS")
    gone = "arn:aws:sqs:us-east-1:000000000000:status-missing-q"
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=gone)

    sns.publish(TopicArn=topic, Message="lost")

    [event] = status_events(logs, "sns/us-east-1/000000000000/status-bad/Failure")
    assert event["status"] == "FAILURE"
    assert event["delivery"]["destination"] == gone
    assert event["delivery"]["statusCode"] >= 400


def test_nothing_is_logged_without_a_role_or_outside_the_sample(clients):
    sns, sqs, logs = clients
    sampled_out = topic_with_feedback(sns, "status-none", "SQS", rate="0")
    plain = sns.create_topic(Name="status-plain")["TopicArn"]
    url = sqs.create_queue(QueueName="status-none-q")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for topic in (sampled_out, plain):
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)
        sns.publish(TopicArn=topic, Message="quiet")

    assert len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]) == 2
    assert logs.describe_log_groups(logGroupNamePrefix="sns/")["logGroups"] == []
