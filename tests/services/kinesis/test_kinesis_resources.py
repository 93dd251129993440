"""Kinesis's CloudFormation resource handlers, checked through its API."""

from __future__ import annotations


def test_stream_defaults_updates_and_consumer(cfn, aws_client):
    kinesis = aws_client("kinesis")
    stream = cfn.create("AWS::Kinesis::Stream", {"Tags": [{"Key": "team", "Value": "a"}]}, logical_id="Stream")
    name = stream.physical_id
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert stream.attributes == {"Arn": summary["StreamARN"]}
    assert summary["OpenShardCount"] == 1 and summary["RetentionPeriodHours"] == 24
    assert summary["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}

    stream = cfn.update(stream, {"RetentionPeriodHours": 48, "ShardCount": 2})
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert summary["RetentionPeriodHours"] == 48 and summary["OpenShardCount"] == 2
    assert kinesis.list_tags_for_stream(StreamName=name)["Tags"] == [
        t for t in kinesis.list_tags_for_stream(StreamName=name)["Tags"] if t["Key"] != "team"
    ]

    consumer = cfn.create("AWS::Kinesis::StreamConsumer", {"StreamARN": stream.attributes["Arn"], "ConsumerName": "c"})
    assert consumer.attributes["ConsumerName"] == "c"
    assert kinesis.describe_stream_consumer(ConsumerARN=consumer.physical_id)["ConsumerDescription"]["ConsumerName"] == "c"
    cfn.delete(consumer)
    cfn.delete(stream)
    cfn.delete(stream)
    assert kinesis.list_streams()["StreamNames"] == []
