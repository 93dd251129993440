"""EventBridge and Scheduler: PutEvents -> SQS target receivable (p50/p99), events/s
through one matching rule with 100 rules on the bus, pattern matches/s for a 20-field
pattern (in-process), and advancing the virtual clock 24 hours with 100 schedules.

    .venv/bin/python benchmarks/bench_events.py [--events 300]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _servers import free_port, start_cloudtwin, stop, wait_healthy  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from cloudtwin.events.patterns import compile_pattern  # noqa: E402


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def pattern_rate(seconds: float = 1.0) -> float:
    pattern = compile_pattern({"source": ["app"], "detail": {f"f{i}": [{"prefix": "v"}] if i % 2 else [f"v{i}"]
                                                              for i in range(19)}})
    event = {"source": "app", "detail": {f"f{i}": f"v{i}" for i in range(19)}}
    assert pattern.matches(event)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(1000):
            pattern.matches(event)
        count += 1000
    return count / (time.perf_counter() - start)


def post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as resp:
        return json.loads(resp.read())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()
    print(f"pattern matches/s (20 fields): {pattern_rate():,.0f}")
    port = free_port()
    proc = start_cloudtwin(port)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"{endpoint}/_cloudtwin/health")
        config = Config(retries={"max_attempts": 0})
        make = lambda name: boto3.client(name, endpoint_url=endpoint, region_name="us-east-1",  # noqa: E731
                                         aws_access_key_id="test", aws_secret_access_key="test", config=config)
        events, sqs = make("events"), make("sqs")
        url = sqs.create_queue(QueueName="bench")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for i in range(99):
            events.put_rule(Name=f"other-{i}", EventPattern=json.dumps({"source": [f"other-{i}"]}))
        events.put_rule(Name="hit", EventPattern=json.dumps({"source": ["bench"], "detail": {"n": [{"numeric": [">=", 0]}]}}))
        events.put_targets(Rule="hit", Targets=[{"Id": "q", "Arn": arn}])
        latencies = []
        for i in range(args.events):
            start = time.perf_counter()
            events.put_events(Entries=[{"Source": "bench", "DetailType": "d", "Detail": json.dumps({"n": i})}])
            while True:
                got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages")
                if got:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
                    break
            latencies.append((time.perf_counter() - start) * 1000)
        print(f"PutEvents -> SQS receivable: p50 {percentile(latencies, 50):.1f} ms, p99 {percentile(latencies, 99):.1f} ms")
        entries = [{"Source": "bench", "DetailType": "d", "Detail": '{"n": 1}'}] * 10
        start = time.perf_counter()
        batches = max(1, args.events // 10)
        for _ in range(batches):
            events.put_events(Entries=entries)
        elapsed = time.perf_counter() - start
        print(f"PutEvents through 1 matching rule of 100: {batches * 10 / elapsed:,.0f} events/s (batches of 10)")
        scheduler = make("scheduler")
        post(f"{endpoint}/_cloudtwin/clock/freeze", {})
        for i in range(100):
            scheduler.create_schedule(Name=f"s{i}", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow={"Mode": "OFF"},
                                      Target={"Arn": arn, "RoleArn": "arn:aws:iam::000000000000:role/r", "Input": "{}"})
        start = time.perf_counter()
        post(f"{endpoint}/_cloudtwin/clock/advance", {"seconds": 86400})
        print(f"advance 24 h with 100 hourly schedules (2,400 runs started): {time.perf_counter() - start:.2f} s")
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
