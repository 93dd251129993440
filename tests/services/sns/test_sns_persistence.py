"""With --data-dir, topics, subscriptions (with their filter policies) and FIFO state
survive a restart."""

from __future__ import annotations

import json

import boto3

from cloudtwin.config import Config
from cloudtwin.testing.server import ServerThread, free_port


def clients(server):
    kwargs = dict(
        endpoint_url=server.endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )
    return boto3.client("sns", **kwargs), boto3.client("sqs", **kwargs)


def test_state_survives_a_restart(tmp_path):
    def server():
        return ServerThread(Config(port=free_port(), log_level="warning", data_dir=str(tmp_path)))

    attrs = {"k": {"DataType": "String", "StringValue": "v"}}
    with server() as first:
        sns, sqs = clients(first)
        topic = sns.create_topic(
            Name="kept.fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"},
            Tags=[{"Key": "team", "Value": "a"}],
        )["TopicArn"]
        url = sqs.create_queue(QueueName="kept.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sub = sns.subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=arn,
            Attributes={"RawMessageDelivery": "true", "FilterPolicy": json.dumps({"k": ["v"]})},
        )["SubscriptionArn"]
        first_publish = sns.publish(TopicArn=topic, Message="one", MessageGroupId="g", MessageAttributes=attrs)

    with server() as second:
        sns, sqs = clients(second)
        assert [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]] == [sub]
        assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == [{"Key": "team", "Value": "a"}]
        again = sns.publish(TopicArn=topic, Message="one", MessageGroupId="g", MessageAttributes=attrs)
        assert again["MessageId"] == first_publish["MessageId"]  # still in the dedup window
        two = sns.publish(TopicArn=topic, Message="two", MessageGroupId="g", MessageAttributes=attrs)
        assert int(two["SequenceNumber"]) == int(first_publish["SequenceNumber"]) + 1
        sns.publish(TopicArn=topic, Message="filtered out", MessageGroupId="g")
        bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
        assert bodies == ["one", "two"]
