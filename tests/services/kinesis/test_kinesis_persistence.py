"""Streams, shards (closed ones included), records and consumers survive a restart with
``--data-dir``; iterators issued before it still read; Firehose streams and their
buffered records too."""

from __future__ import annotations

import json
import signal
import urllib.request

import boto3

from cloudtwin.testing.server import free_port, start_process


def _clients(port):
    kw = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
              aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    return boto3.client("kinesis", **kw), boto3.client("firehose", **kw)


def test_records_survive_a_kill(tmp_path):
    port = free_port()
    proc = start_process(port, "--data-dir", str(tmp_path))
    try:
        kinesis, firehose = _clients(port)
        kinesis.create_stream(StreamName="kept", ShardCount=1)
        arn = kinesis.describe_stream_summary(StreamName="kept")["StreamDescriptionSummary"]["StreamARN"]
        sent = [kinesis.put_record(StreamName="kept", Data=bytes([n]) * 600, PartitionKey=f"k{n}")["SequenceNumber"]
                for n in range(4)]
        kinesis.split_shard(StreamName="kept", ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**127))
        kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="c")
        iterator = kinesis.get_shard_iterator(StreamName="kept", ShardId="shardId-000000000000",
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        firehose.create_delivery_stream(DeliveryStreamName="fh", ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::000000000000:role/r", "BucketARN": "arn:aws:s3:::nowhere"})
        firehose.put_record(DeliveryStreamName="fh", Record={"Data": b"buffered"})
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    proc = start_process(port, "--data-dir", str(tmp_path))
    try:
        kinesis, firehose = _clients(port)
        out = kinesis.get_records(ShardIterator=iterator)
        assert [r["SequenceNumber"] for r in out["Records"]] == sent
        assert out["Records"][2]["Data"] == bytes([2]) * 600
        assert len(out["ChildShards"]) == 2
        shards = kinesis.list_shards(StreamName="kept")["Shards"]
        assert len(shards) == 3 and "EndingSequenceNumber" in shards[0]["SequenceNumberRange"]
        assert [c["ConsumerName"] for c in kinesis.list_stream_consumers(StreamARN=arn)["Consumers"]] == ["c"]
        later = kinesis.put_record(StreamName="kept", Data=b"x", PartitionKey="k0")["SequenceNumber"]
        assert int(later) > int(sent[-1])
        assert firehose.list_delivery_streams()["DeliveryStreamNames"] == ["fh"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_cloudtwin/firehose/deliveries") as response:
            assert json.load(response)["buffered"] == {"fh": 1}
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
