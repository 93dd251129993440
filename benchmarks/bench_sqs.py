"""SQS operations per second with boto3, sequential requests, one keep-alive connection.

    .venv/bin/python benchmarks/bench_sqs.py [--count 3000] [--data-dir]

Measures SendMessage, ReceiveMessage + DeleteMessage (one message per receive, two
requests per message) and SendMessageBatch (10 entries) against a server in its own
process; with ``--data-dir`` the server persists to a temporary directory (every
acknowledged message is one committed SQLite row).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
from botocore.config import Config

from _servers import free_port, stop, wait_healthy


def start(port: int, data_dir: str | None) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("cloudtwin")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cloudtwin"]
    extra = ["--data-dir", data_dir] if data_dir else []
    return subprocess.Popen(
        [*cmd, "start", "--port", str(port), "--log-level", "warning", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def rate(count: int, fn) -> float:
    started = time.perf_counter()
    for i in range(count):
        fn(i)
    return count / (time.perf_counter() - started)


def server_medians(endpoint: str) -> dict[str, float]:
    """Median time inside the server per operation (from the request log)."""
    import urllib.request

    with urllib.request.urlopen(f"{endpoint}/_cloudtwin/requests?service=sqs&limit=5000") as response:
        data = json.loads(response.read())
    records = data["requests"] if isinstance(data, dict) else data
    by_operation: dict[str, list[float]] = {}
    for record in records:
        by_operation.setdefault(record["operation"], []).append(record["duration_ms"])
    return {op: statistics.median(values) for op, values in by_operation.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--data-dir", action="store_true", help="persist to a temporary --data-dir")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start(port, tmp if args.data_dir else None)
        try:
            endpoint = f"http://127.0.0.1:{port}"
            wait_healthy(f"{endpoint}/_cloudtwin/health")
            sqs = boto3.client(
                "sqs", endpoint_url=endpoint, region_name="us-east-1",
                aws_access_key_id="test", aws_secret_access_key="test",
                config=Config(retries={"total_max_attempts": 1}),
            )
            url = sqs.create_queue(QueueName="bench")["QueueUrl"]
            for i in range(50):  # warm up connections and caches
                sqs.send_message(QueueUrl=url, MessageBody="warm")
            sqs.purge_queue(QueueUrl=url)
            n = args.count
            send = rate(n, lambda i: sqs.send_message(QueueUrl=url, MessageBody=f"message {i}"))

            def receive_delete(_: int) -> None:
                got = sqs.receive_message(QueueUrl=url)["Messages"][0]
                sqs.delete_message(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])

            receive = rate(n, receive_delete)
            entries = [{"Id": str(k), "MessageBody": f"batch body {k}"} for k in range(10)]
            batches = rate(max(n // 10, 1), lambda i: sqs.send_message_batch(QueueUrl=url, Entries=entries))
            server_ms = server_medians(endpoint)
        finally:
            stop(proc)
    mode = "persistent (--data-dir)" if args.data_dir else "in memory"
    print(f"SQS, boto3, sequential, {mode}, {n} messages")
    print(f"  SendMessage                      {send:8.0f} calls/s")
    print(f"  ReceiveMessage + DeleteMessage   {receive:8.0f} messages/s ({2 * receive:.0f} calls/s)")
    print(f"  SendMessageBatch (10)            {batches:8.0f} calls/s ({10 * batches:.0f} messages/s)")
    print("median time inside the server (ms): " + ", ".join(
        f"{op} {ms:.3f}" for op, ms in sorted(server_ms.items()) if op in
        ("SendMessage", "ReceiveMessage", "DeleteMessage", "SendMessageBatch")))


if __name__ == "__main__":
    main()
