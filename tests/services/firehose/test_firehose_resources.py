"""Firehose's CloudFormation resource handler, checked through its API."""

from __future__ import annotations


def test_delivery_stream_to_s3_created_updated_deleted(cfn, aws_client):
    firehose, s3 = aws_client("firehose"), aws_client("s3")
    s3.create_bucket(Bucket="sink")
    destination = {
        "BucketARN": "arn:aws:s3:::sink", "RoleARN": "arn:aws:iam::000000000000:role/firehose",
        "Prefix": "a/", "BufferingHints": {"IntervalInSeconds": "60", "SizeInMBs": 1},
    }
    stream = cfn.create("AWS::KinesisFirehose::DeliveryStream", {
        "DeliveryStreamType": "DirectPut", "ExtendedS3DestinationConfiguration": destination,
    }, logical_id="Stream")
    described = firehose.describe_delivery_stream(DeliveryStreamName=stream.physical_id)["DeliveryStreamDescription"]
    assert stream.attributes == {"Arn": described["DeliveryStreamARN"]}
    assert described["Destinations"][0]["ExtendedS3DestinationDescription"]["Prefix"] == "a/"

    stream = cfn.update(stream, {**stream.properties, "ExtendedS3DestinationConfiguration": {**destination, "Prefix": "b/"}})
    described = firehose.describe_delivery_stream(DeliveryStreamName=stream.physical_id)["DeliveryStreamDescription"]
    assert described["Destinations"][0]["ExtendedS3DestinationDescription"]["Prefix"] == "b/"
    cfn.delete(stream)
    cfn.delete(stream)
    assert firehose.list_delivery_streams()["DeliveryStreamNames"] == []
