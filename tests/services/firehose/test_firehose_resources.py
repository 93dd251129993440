"""Firehose's CloudFormation resource handler, checked through its API."""

from __future__ import annotations


def test_delivery_stream_to_s3_created_updated_deleted(handlers, aws_client):
    firehose, s3 = aws_client("firehose"), aws_client("s3")
    s3.create_bucket(Bucket="sink")
    destination = {
        "BucketARN": "arn:aws:s3:::sink", "RoleARN": "arn:aws:iam::000000000000:role/firehose",
        "Prefix": "a/", "BufferingHints": {"IntervalInSeconds": "60", "SizeInMBs": 1},
    }
    stream = handlers.create("AWS::KinesisFirehose::DeliveryStream", {
        "DeliveryStreamType": "DirectPut", "ExtendedS3DestinationConfiguration": destination,
    }, logical_id="Stream")
    described = firehose.describe_delivery_stream(DeliveryStreamName=stream.physical_id)["DeliveryStreamDescription"]
    assert stream.attributes == {"Arn": described["DeliveryStreamARN"]}
    assert described["Destinations"][0]["ExtendedS3DestinationDescription"]["Prefix"] == "a/"

    stream = handlers.update(stream, {**stream.properties, "ExtendedS3DestinationConfiguration": {**destination, "Prefix": "b/"}})
    described = firehose.describe_delivery_stream(DeliveryStreamName=stream.physical_id)["DeliveryStreamDescription"]
    assert described["Destinations"][0]["ExtendedS3DestinationDescription"]["Prefix"] == "b/"
    handlers.delete(stream)
    handlers.delete(stream)
    assert firehose.list_delivery_streams()["DeliveryStreamNames"] == []


def test_stack_delivery_stream(stack, aws_client):
    aws_client("s3").create_bucket(Bucket="sink")
    _, out = stack({
        "Resources": {"Stream": {"Type": "AWS::KinesisFirehose::DeliveryStream", "Properties": {
            "S3DestinationConfiguration": {"BucketARN": "arn:aws:s3:::sink",
                                           "RoleARN": "arn:aws:iam::000000000000:role/firehose"}}}},
        "Outputs": {"Name": {"Value": {"Ref": "Stream"}}, "Arn": {"Value": {"Fn::GetAtt": ["Stream", "Arn"]}}},
    })
    described = aws_client("firehose").describe_delivery_stream(DeliveryStreamName=out["Name"])
    assert described["DeliveryStreamDescription"]["DeliveryStreamARN"] == out["Arn"]
