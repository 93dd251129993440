"""DynamoDB: memory per item, Query and Scan CPU, PutItem/GetItem per second — boto3,
sequential, against a server in its own process. Server CPU and RSS come from ``/proc``,
so they hold on a busy machine where wall-clock rates do not.

    .venv/bin/python benchmarks/bench_dynamodb.py [--items 100000] [--ops 2000] [--port N]

- RSS per 100k items: the server's resident memory growth while loading ``--items`` items
  of ~200 bytes (the item ``peers.py`` loads: a key, a 120-character string, a number, a
  small map) with BatchWriteItem, scaled to 100,000.
- Query of 2,000 items: one partition of 2,000 items (~80 bytes each), the server's CPU
  per query (median of 5 batches of ``--queries``).
- Scan of the loaded items: every 1 MB page following LastEvaluatedKey, the server's CPU
  for the whole scan (best of 3).
- PutItem/GetItem per second (sequential, the client's wall clock) and the median time
  inside the server per operation from the request log.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import urllib.request

import boto3
from botocore.config import Config

from _servers import free_port, rss_mib, start_cloudtwin, stop, wait_healthy
from peers import batch_load, create_table

TICK = os.sysconf("SC_CLK_TCK")


def client(endpoint: str):
    return boto3.client(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 0}),
    )


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


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
    parser.add_argument("--queries", type=int, default=10)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--skip-ops", action="store_true", help="no PutItem/GetItem rates")
    args = parser.parse_args()
    port = args.port or free_port()
    proc = start_cloudtwin(port)
    rows: list[tuple[str, str]] = []
    try:
        endpoint = f"http://127.0.0.1:{port}"
        wait_healthy(endpoint + "/_cloudtwin/health")
        ddb = client(endpoint)

        # -- memory: the peers' ~200-byte item ------------------------------------------------
        create_table(ddb, "big")
        ddb.put_item(TableName="big", Item={"pk": {"S": "warm"}, "sk": {"N": "0"}})
        time.sleep(0.3)
        before = rss_mib(proc.pid)
        load_start = time.perf_counter()
        batch_load(ddb, "big", (
            {"pk": {"S": f"user#{i % 1000:04d}"}, "sk": {"N": str(i)}, "name": {"S": f"{i:08d}" + "n" * 112},
             "score": {"N": str(i * 7 % 10007)}, "meta": {"M": {"ok": {"BOOL": True}, "tag": {"S": "t" * 16}}}}
            for i in range(args.items)
        ))
        load_seconds = time.perf_counter() - load_start
        time.sleep(0.3)
        grown = rss_mib(proc.pid) - before
        rows.append((f"RSS per 100k items of ~200 B (grew {grown:.0f} MiB for {args.items:,})",
                     f"{grown * 100_000 / args.items:.0f} MiB"))
        rows.append((f"load {args.items:,} items (BatchWriteItem x25, wall)", f"{load_seconds:.1f} s"))

        # -- Scan of everything ---------------------------------------------------------------
        scans = []
        for _ in range(3):
            cpu = cpu_seconds(proc.pid)
            scanned = pages = 0
            for page in ddb.get_paginator("scan").paginate(TableName="big"):
                scanned += page["Count"]
                pages += 1
            scans.append(cpu_seconds(proc.pid) - cpu)
        rows.append((f"Scan of {scanned:,} items ({pages} pages), server CPU (best of 3)", f"{min(scans):.2f} s"))

        # -- Query of 2,000 items -------------------------------------------------------------
        create_table(ddb, "query2k")
        batch_load(ddb, "query2k", (
            {"pk": {"S": "p"}, "sk": {"N": str(i)}, "a": {"S": "v" * 40}, "n": {"N": str(i * 3)}}
            for i in range(2000)
        ))
        per_query = []
        for _ in range(5):
            cpu = cpu_seconds(proc.pid)
            for _ in range(args.queries):
                out = ddb.query(TableName="query2k", KeyConditionExpression="pk = :p",
                                ExpressionAttributeValues={":p": {"S": "p"}})
            per_query.append((cpu_seconds(proc.pid) - cpu) * 1000 / args.queries)
        assert out["Count"] == 2000, out["Count"]
        rows.append(("Query of 2,000 items, server CPU per query (median of 5)", f"{statistics.median(per_query):.1f} ms"))
        per_query = []
        for _ in range(3):
            cpu = cpu_seconds(proc.pid)
            for _ in range(args.queries):
                out = ddb.query(TableName="query2k", KeyConditionExpression="pk = :p", FilterExpression="n >= :z",
                                ExpressionAttributeValues={":p": {"S": "p"}, ":z": {"N": "0"}})
            per_query.append((cpu_seconds(proc.pid) - cpu) * 1000 / args.queries)
        rows.append(("  the same with a FilterExpression (every item decoded)", f"{statistics.median(per_query):.1f} ms"))

        # -- PutItem / GetItem -----------------------------------------------------------------
        if not args.skip_ops:
            for _ in range(50):  # warm up the connection and the code paths
                ddb.put_item(TableName="query2k", Item={"pk": {"S": "warm"}, "sk": {"N": "0"}})
                ddb.get_item(TableName="query2k", Key={"pk": {"S": "warm"}, "sk": {"N": "0"}})
            start = time.perf_counter()
            for i in range(args.ops):
                ddb.put_item(TableName="query2k", Item={"pk": {"S": "ops"}, "sk": {"N": str(i)}, "v": {"S": "x" * 32}})
            rows.append(("PutItem/s (sequential)", f"{args.ops / (time.perf_counter() - start):,.0f}"))
            start = time.perf_counter()
            for i in range(args.ops):
                ddb.get_item(TableName="query2k", Key={"pk": {"S": "ops"}, "sk": {"N": str(i)}})
            rows.append(("GetItem/s (sequential)", f"{args.ops / (time.perf_counter() - start):,.0f}"))
            inside = server_medians(endpoint)
            for op in ("PutItem", "GetItem", "BatchWriteItem", "Query", "Scan"):
                if op in inside:
                    rows.append((f"{op}: median time inside the server (request log)", f"{inside[op]:.2f} ms"))
        rows.append(("load average (1 min)", f"{os.getloadavg()[0]:.1f}"))
    finally:
        stop(proc)
    print("| measure | value |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
