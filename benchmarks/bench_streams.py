"""Kinesis and Firehose: PutRecords (500 × 1 KB) calls/s and records/s through boto3,
GetRecords latency from a shard holding many records, and Firehose PutRecordBatch -> objects
in S3 (MB/s, buffering interval crossed by advancing the virtual clock).

    .venv/bin/python benchmarks/bench_streams.py [--seconds 5] [--records 1000000] [--megabytes 50]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _servers import free_port, start_cloudtwin, stop, wait_healthy  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402


def client(endpoint: str, service: str):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 0}))


def put_records(kinesis, seconds: float) -> tuple[float, float]:
    kinesis.create_stream(StreamName="bench-put", ShardCount=4)
    batch = [{"Data": os.urandom(1024), "PartitionKey": f"k{i}"} for i in range(500)]
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        out = kinesis.put_records(StreamName="bench-put", Records=batch)
        assert out["FailedRecordCount"] == 0
        calls += 1
    elapsed = time.perf_counter() - start
    return calls / elapsed, calls * 500 / elapsed


def get_records_latency(kinesis, records: int) -> tuple[float, float, int]:
    """Fill one shard with ``records`` records (100 B, 500 per call), then time GetRecords of
    10,000 records from TRIM_HORIZON, from the middle and at the tip."""
    kinesis.create_stream(StreamName="bench-get", ShardCount=1)
    batch = [{"Data": b"x" * 100, "PartitionKey": "k"} for _ in range(500)]
    for _ in range(records // 500):
        kinesis.put_records(StreamName="bench-get", Records=batch)
    shard = kinesis.list_shards(StreamName="bench-get")["Shards"][0]["ShardId"]
    timings = []
    for kind in ("TRIM_HORIZON", "LATEST", "TRIM_HORIZON", "LATEST", "TRIM_HORIZON"):
        iterator = kinesis.get_shard_iterator(StreamName="bench-get", ShardId=shard,
                                              ShardIteratorType=kind)["ShardIterator"]
        start = time.perf_counter()
        out = kinesis.get_records(ShardIterator=iterator, Limit=10000)
        timings.append(time.perf_counter() - start)
        assert kind == "LATEST" or len(out["Records"]) == 10000
    timings.sort()
    return timings[len(timings) // 2] * 1000, timings[-1] * 1000, records


def firehose_throughput(endpoint: str, megabytes: int) -> float:
    s3, firehose = client(endpoint, "s3"), client(endpoint, "firehose")
    s3.create_bucket(Bucket="bench-firehose")
    firehose.create_delivery_stream(
        DeliveryStreamName="bench", DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "BucketARN": "arn:aws:s3:::bench-firehose", "RoleARN": "arn:aws:iam::000000000000:role/f",
            "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 900}})
    record = {"Data": os.urandom(4096)}
    batch = [record] * 250  # 1 MB per call
    start = time.perf_counter()
    for _ in range(megabytes):
        assert firehose.put_record_batch(DeliveryStreamName="bench", Records=batch)["FailedPutCount"] == 0
    import json
    import urllib.request

    request = urllib.request.Request(endpoint + "/_cloudtwin/clock/advance", data=json.dumps({"seconds": 901}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request).read()
    total = 0
    while total < megabytes * 250 * 4096:
        total = sum(o["Size"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket="bench-firehose")
                    for o in page.get("Contents", []))
        if time.perf_counter() - start > 300:
            raise TimeoutError("objects did not arrive")
    return megabytes / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--megabytes", type=int, default=50)
    args = parser.parse_args()
    port = free_port()
    proc = start_cloudtwin(port)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(endpoint + "/_cloudtwin/health")
        kinesis = client(endpoint, "kinesis")
        calls, records = put_records(kinesis, args.seconds)
        print(f"PutRecords 500 x 1 KB: {calls:.1f} calls/s, {records:,.0f} records/s")
        p50, worst, count = get_records_latency(kinesis, args.records)
        print(f"GetRecords of 10,000 from a shard of {count:,} records: median {p50:.1f} ms, worst {worst:.1f} ms")
        rate = firehose_throughput(endpoint, args.megabytes)
        print(f"Firehose PutRecordBatch -> S3 objects: {rate:.1f} MB/s ({args.megabytes} MB)")
        print(f"load average: {os.getloadavg()}")
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
