"""Lambda: cold start, warm invoke round trip against a GetCallerIdentity round trip,
16 concurrent invokes of a 100 ms function, SQS -> Lambda drain rate, RSS per warm
environment. A server in its own process; functions are real local processes.

    .venv/bin/python benchmarks/bench_lambda.py [--warm 300] [--messages 2000]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _servers import free_port, rss_mib, start_cloudtwin, stop, wait_healthy  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def children_rss(pid: int) -> list[float]:
    import os

    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(rss_mib(int(entry)))
        except (OSError, ValueError, IndexError):
            continue
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm", type=int, default=300)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    port = free_port()
    proc = start_cloudtwin(port)
    endpoint = f"http://127.0.0.1:{port}"
    wait_healthy(f"{endpoint}/_cloudtwin/health")
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
              config=Config(max_pool_connections=32, retries={"max_attempts": 0}, read_timeout=120))  # fmt: skip
    lam, sts, sqs = (boto3.client(s, **kw) for s in ("lambda", "sts", "sqs"))
    role = boto3.client("iam", **kw).create_role(RoleName="bench", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    rows = []
    try:
        for runtime, files, handler in (
            ("python3.12", {"app.py": "def handler(e, c):\n    return e\n"}, "app.handler"),
            ("nodejs20.x", {"index.js": "exports.handler = async (e) => e;\n"}, "index.handler"),
        ):
            name = f"cold-{runtime.replace('.', '')}"
            lam.create_function(FunctionName=name, Runtime=runtime, Role=role, Handler=handler, Code={"ZipFile": zipped(files)})
            start = time.perf_counter()
            lam.invoke(FunctionName=name, Payload=b"{}")
            rows.append((f"cold start, {runtime} (create done -> first invoke answered)", f"{(time.perf_counter() - start) * 1000:.0f} ms"))
        for _ in range(20):
            lam.invoke(FunctionName="cold-python312", Payload=b"{}")
            sts.get_caller_identity()
        invoke_ms, sts_ms = [], []
        for _ in range(args.warm):
            start = time.perf_counter()
            lam.invoke(FunctionName="cold-python312", Payload=b"{}")
            invoke_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            sts.get_caller_identity()
            sts_ms.append((time.perf_counter() - start) * 1000)
        rows.append(("warm Invoke p50 / p99 (boto3)", f"{statistics.median(invoke_ms):.2f} / {percentile(invoke_ms, 99):.2f} ms"))
        rows.append(("GetCallerIdentity p50 / p99 (boto3)", f"{statistics.median(sts_ms):.2f} / {percentile(sts_ms, 99):.2f} ms"))
        rows.append(("warm Invoke added over GetCallerIdentity, p50", f"{statistics.median(invoke_ms) - statistics.median(sts_ms):.2f} ms"))

        lam.create_function(FunctionName="sleepy", Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": zipped({"app.py": "import time\ndef handler(e, c):\n    time.sleep(0.1)\n    return 1\n"})})  # fmt: skip
        import urllib.request

        def warm_environments() -> int:
            with urllib.request.urlopen(f"{endpoint}/_cloudtwin/lambda/environments", timeout=30) as resp:
                found = json.loads(resp.read())
            return sum(1 for e in found.get("environments", []) if e["function_arn"].endswith(":sleepy") and e["state"] != "dead")

        with ThreadPoolExecutor(16) as pool:
            for _ in range(5):  # 16 warm environments (a round can reuse one that finished first)
                list(pool.map(lambda _: lam.invoke(FunctionName="sleepy", Payload=b"{}"), range(16)))
                if warm_environments() >= 16:
                    break
            ratios = []
            for _ in range(3):
                start = time.perf_counter()
                lam.invoke(FunctionName="sleepy", Payload=b"{}")
                one = time.perf_counter() - start
                start = time.perf_counter()
                list(pool.map(lambda _: lam.invoke(FunctionName="sleepy", Payload=b"{}"), range(16)))
                sixteen = time.perf_counter() - start
                ratios.append((16 * one / sixteen, one, sixteen))
            ratio, one, sixteen = statistics.median(ratios)
        rows.append(("16 concurrent invokes of a 100 ms function (warm, median of 3)",
                     f"{sixteen * 1000:.0f} ms vs one {one * 1000:.0f} ms: {ratio:.1f}x parallel"))
        rss = children_rss(proc.pid)
        if rss:
            rows.append(("RSS per warm environment (median of the function processes)", f"{statistics.median(rss):.1f} MiB ({len(rss)} processes)"))
        rows.append(("server RSS", f"{rss_mib(proc.pid):.1f} MiB"))

        url = sqs.create_queue(QueueName="drain")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        lam.create_function(FunctionName="drainer", Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": zipped({"app.py": "def handler(e, c):\n    return len(e['Records'])\n"})})  # fmt: skip
        for start_at in range(0, args.messages, 10):
            sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{start_at + i}"} for i in range(10)])
        start = time.perf_counter()
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="drainer", BatchSize=10)
        while True:
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            if attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0":
                break
            if time.perf_counter() - start > 600:
                raise TimeoutError("queue not drained")
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        with urllib.request.urlopen(f"{endpoint}/_cloudtwin/lambda/invocations?function=drainer", timeout=30) as resp:
            batches = [r for r in json.loads(resp.read())["invocations"] if r["status"] == "success"]
        rows.append((f"SQS -> Lambda: {args.messages} messages drained (batch 10)",
                     f"{elapsed:.1f} s = {args.messages / elapsed:.0f} messages/s ({len(batches)} invocations)"))
    finally:
        stop(proc)
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
