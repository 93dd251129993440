"""The control surface's figures: fixture start-up, reset with 10,000 messages and 10,000
items present, and what persistence costs SQS SendMessage throughput.

    .venv/bin/python benchmarks/bench_control.py [--duration 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3

from _servers import free_port, start_cloudtwin, stop, wait_healthy
from throughput import REQUESTS, run_python, run_wrk, setup


def fixture_startup(runs: int = 5) -> list[float]:
    """Median ms of ServerThread().start() in a fresh interpreter (what the pytest fixture does)."""
    code = (
        "import time; t=time.perf_counter(); from cloudtwin.testing.server import ServerThread; "
        "s=ServerThread().start(); print((time.perf_counter()-t)*1000); s.stop()"
    )
    return [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(runs)]


def reset_with_state(port: int) -> tuple[float, float]:
    endpoint = f"http://127.0.0.1:{port}"
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    sqs, ddb = boto3.client("sqs", **kw), boto3.client("dynamodb", **kw)
    url = sqs.create_queue(QueueName="full")["QueueUrl"]
    for b in range(1000):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{b}-{i}"} for i in range(10)])
    ddb.create_table(TableName="full", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    for b in range(400):
        ddb.batch_write_item(RequestItems={"full": [
            {"PutRequest": {"Item": {"pk": {"S": f"p{b}-{i}"}}}} for i in range(25)]})
    request = urllib.request.Request(
        f"{endpoint}/_cloudtwin/reset", data=b"{}", method="POST",
        headers={"Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        reported = json.loads(response.read())["duration_ms"]
    return (time.perf_counter() - started) * 1000, reported


def send_rate(load, duration: int, data_dir: str | None) -> float:
    port = free_port()
    args = ["--data-dir", data_dir] if data_dir else []
    proc = start_cloudtwin(port, extra_args=args)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_healthy(url + "_cloudtwin/health")
        spec = REQUESTS["sqs:SendMessage"]
        setup(url, spec)
        load(url, spec, 16, 2)
        return load(url, spec, 16, duration)
    finally:
        stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=5)
    args = parser.parse_args()
    times = fixture_startup()
    print(f"fixture start-up (ServerThread, fresh process): median {statistics.median(times):.0f} ms")

    port = free_port()
    proc = start_cloudtwin(port)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/_cloudtwin/health")
        client_ms, server_ms = reset_with_state(port)
    finally:
        stop(proc)
    print(f"reset with 10,000 SQS messages + 10,000 DynamoDB items: {client_ms:.1f} ms "
          f"round trip ({server_ms:.1f} ms in the server)")

    load = run_wrk if shutil.which("wrk") else run_python
    memory = send_rate(load, args.duration, None)
    with tempfile.TemporaryDirectory() as tmp:
        disk = send_rate(load, args.duration, tmp + "/state")
    print(f"SQS SendMessage, 16 connections: {memory:,.0f}/s in memory, {disk:,.0f}/s with --data-dir "
          f"({disk / memory:.0%})")


if __name__ == "__main__":
    main()
