"""Time from SNS ``Publish`` to the message being receivable in a subscribed SQS queue.

    .venv/bin/python benchmarks/bench_sns.py [--messages 500]

Starts cloudtwin in its own process on a free loopback port, then with boto3 and
sequential requests: one topic, one SQS queue subscribed to it (envelope delivery, and a
second run with raw delivery), then for each message: ``Publish``, then ``ReceiveMessage``
(WaitTimeSeconds=0, repeated until the message is there), ``DeleteMessage``. The figure is
the wall time from just before ``Publish`` to the ``ReceiveMessage`` that returned it
(so it includes both HTTP round trips). Also prints sequential ``Publish`` calls per second
with one subscribed queue.
"""

from __future__ import annotations

import argparse
import statistics
import time

import boto3
from botocore.config import Config

from _servers import free_port, start_cloudtwin, stop, wait_healthy


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def run(endpoint: str, messages: int, raw: bool) -> dict[str, float]:
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    kwargs = dict(
        endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
        aws_secret_access_key="test", config=config,
    )
    sns = boto3.client("sns", **kwargs)
    sqs = boto3.client("sqs", **kwargs)
    suffix = "raw" if raw else "envelope"
    topic = sns.create_topic(Name=f"bench-{suffix}")["TopicArn"]
    url = sqs.create_queue(QueueName=f"bench-{suffix}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=arn,
        Attributes={"RawMessageDelivery": "true" if raw else "false"},
    )
    for _ in range(20):  # warm-up (connections, lazily built plans, the signing key)
        sns.publish(TopicArn=topic, Message="warm-up")
    sqs.purge_queue(QueueUrl=url)
    latencies: list[float] = []
    polls = 0
    for i in range(messages):
        start = time.perf_counter()
        sns.publish(TopicArn=topic, Message=f"message {i}")
        while True:
            polls += 1
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=0).get("Messages")
            if got:
                break
        latencies.append((time.perf_counter() - start) * 1000)
        sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    start = time.perf_counter()
    for i in range(messages):
        sns.publish(TopicArn=topic, Message=f"rate {i}")
    rate = messages / (time.perf_counter() - start)
    return {
        "median_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 99),
        "receives_per_message": polls / messages,
        "publish_per_s": rate,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    args = parser.parse_args()
    port = free_port()
    proc = start_cloudtwin(port)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        wait_healthy(endpoint + "/_cloudtwin/health")
        print(f"{'delivery':<10} {'median ms':>10} {'p99 ms':>8} {'receives/msg':>13} {'Publish/s':>10}")
        for raw in (False, True):
            r = run(endpoint, args.messages, raw)
            print(
                f"{'raw' if raw else 'envelope':<10} {r['median_ms']:>10.2f} {r['p99_ms']:>8.2f} "
                f"{r['receives_per_message']:>13.2f} {r['publish_per_s']:>10.0f}"
            )
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
