"""Kinesis's CloudFormation resource handlers, checked through its API."""

from __future__ import annotations


def test_stream_defaults_updates_and_consumer(handlers, aws_client):
    kinesis = aws_client("kinesis")
    stream = handlers.create("AWS::Kinesis::Stream", {"Tags": [{"Key": "team", "Value": "a"}]}, logical_id="Stream")
    name = stream.physical_id
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert stream.attributes == {"Arn": summary["StreamARN"]}
    assert summary["OpenShardCount"] == 1 and summary["RetentionPeriodHours"] == 24
    assert summary["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}

    stream = handlers.update(stream, {"RetentionPeriodHours": 48, "ShardCount": 2})
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert summary["RetentionPeriodHours"] == 48 and summary["OpenShardCount"] == 2
    assert kinesis.list_tags_for_stream(StreamName=name)["Tags"] == [
        t for t in kinesis.list_tags_for_stream(StreamName=name)["Tags"] if t["Key"] != "team"
    ]

    consumer = handlers.create("AWS::Kinesis::StreamConsumer", {"StreamARN": stream.attributes["Arn"], "ConsumerName": "c"})
    assert consumer.attributes["ConsumerName"] == "c"
    assert kinesis.describe_stream_consumer(ConsumerARN=consumer.physical_id)["ConsumerDescription"]["ConsumerName"] == "c"
    handlers.delete(consumer)
    handlers.delete(stream)
    handlers.delete(stream)
    assert kinesis.list_streams()["StreamNames"] == []


def test_stack_stream_and_consumer(stack, aws_client):
    _, out = stack({
        "Resources": {
            "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 2}},
            "Consumer": {"Type": "AWS::Kinesis::StreamConsumer", "Properties": {
                "StreamARN": {"Fn::GetAtt": ["Stream", "Arn"]}, "ConsumerName": "reader"}},
        },
        "Outputs": {"Name": {"Value": {"Ref": "Stream"}}, "Arn": {"Value": {"Fn::GetAtt": ["Stream", "Arn"]}},
                    "Consumer": {"Value": {"Fn::GetAtt": ["Consumer", "ConsumerARN"]}}},
    })
    kinesis = aws_client("kinesis")
    summary = kinesis.describe_stream_summary(StreamName=out["Name"])["StreamDescriptionSummary"]
    assert summary["StreamARN"] == out["Arn"] and summary["OpenShardCount"] == 2
    assert kinesis.describe_stream_consumer(ConsumerARN=out["Consumer"])["ConsumerDescription"]["ConsumerName"] == "reader"
