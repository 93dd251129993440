"""DynamoDB: PutItem and GetItem per second, a 1,000-item Query out of 100,000 items, and a
full Scan of 100,000 items — boto3, sequential, against a server in its own process.

    .venv/bin/python benchmarks/bench_dynamodb.py [--items 100000] [--ops 2000]

The 100,000 items are 100 partitions of 1,000 items (about 60 bytes each), loaded with
BatchWriteItem. The Query reads one partition (1,000 items, one page); the Scan follows
LastEvaluatedKey through every 1 MB page.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import urllib.request

import boto3
from botocore.config import Config

from _servers import free_port, start_cloudtwin, stop, wait_healthy


def client(endpoint: str):
    return boto3.client(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 0}),
    )


def server_medians(endpoint: str) -> dict[str, float]:
    """Median time inside the server per operation (from the request log)."""
    with urllib.request.urlopen(f"{endpoint}/_cloudtwin/requests?service=dynamodb&limit=10000") as response:
        data = json.loads(response.read())
    records = data["requests"] if isinstance(data, dict) else data
    by_operation: dict[str, list[float]] = {}
    for record in records:
        by_operation.setdefault(record["operation"], []).append(record["duration_ms"])
    return {op: statistics.median(values) for op, values in by_operation.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--ops", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=30)
    args = parser.parse_args()
    port = free_port()
    proc = start_cloudtwin(port)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        wait_healthy(endpoint + "/_cloudtwin/health")
        ddb = client(endpoint)
        ddb.create_table(
            TableName="bench",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for _ in range(50):  # warm up the connection and the code paths
            ddb.put_item(TableName="bench", Item={"pk": {"S": "warm"}, "sk": {"N": "0"}})
            ddb.get_item(TableName="bench", Key={"pk": {"S": "warm"}, "sk": {"N": "0"}})

        start = time.perf_counter()
        for i in range(args.ops):
            ddb.put_item(TableName="bench", Item={"pk": {"S": "ops"}, "sk": {"N": str(i)}, "v": {"S": "x" * 32}})
        put_rate = args.ops / (time.perf_counter() - start)

        start = time.perf_counter()
        for i in range(args.ops):
            ddb.get_item(TableName="bench", Key={"pk": {"S": "ops"}, "sk": {"N": str(i)}})
        get_rate = args.ops / (time.perf_counter() - start)

        ddb.delete_table(TableName="bench")
        ddb.create_table(
            TableName="big",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
            BillingMode="PAY_PER_REQUEST",
        )
        partitions = max(1, args.items // 1000)
        load_start = time.perf_counter()
        batch = []
        for i in range(args.items):
            batch.append({"PutRequest": {"Item": {
                "pk": {"S": f"p{i % partitions:04d}"}, "sk": {"N": str(i // partitions)},
                "v": {"S": "payload-" + str(i)}, "n": {"N": str(i)},
            }}})
            if len(batch) == 25:
                ddb.batch_write_item(RequestItems={"big": batch})
                batch = []
        if batch:
            ddb.batch_write_item(RequestItems={"big": batch})
        load_seconds = time.perf_counter() - load_start

        timings = []
        count = 0
        for q in range(args.queries):
            t0 = time.perf_counter()
            out = ddb.query(TableName="big", KeyConditionExpression="pk = :p",
                            ExpressionAttributeValues={":p": {"S": f"p{q % partitions:04d}"}})
            timings.append((time.perf_counter() - t0) * 1000)
            count = out["Count"]
        query_ms = statistics.median(timings)

        t0 = time.perf_counter()
        scanned = 0
        pages = 0
        for page in ddb.get_paginator("scan").paginate(TableName="big"):
            scanned += page["Count"]
            pages += 1
        scan_seconds = time.perf_counter() - t0

        inside = server_medians(endpoint)
        print("| measure | value |\n| --- | --- |")
        print(f"| PutItem/s (sequential) | {put_rate:,.0f} |")
        print(f"| GetItem/s (sequential) | {get_rate:,.0f} |")
        print(f"| load {args.items:,} items (BatchWriteItem x25) | {load_seconds:.1f} s |")
        print(f"| Query of {count:,} items out of {args.items:,} (median of {args.queries}) | {query_ms:.1f} ms |")
        print(f"| Scan of {scanned:,} items ({pages} pages) | {scan_seconds:.2f} s |")
        for op in ("PutItem", "GetItem", "BatchWriteItem", "Query", "Scan"):
            if op in inside:
                print(f"| {op}: median time inside the server (request log) | {inside[op]:.2f} ms |")
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
