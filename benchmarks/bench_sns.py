"""Time from SNS ``Publish`` to the message being receivable in a subscribed SQS queue.

    .venv/bin/python benchmarks/bench_sns.py [--messages 500]
    .venv/bin/python benchmarks/bench_sns.py --rss 10000 [--size-kb 200] [--data-dir DIR]

Starts cloudtwin in its own process on a free loopback port, then with boto3 and
sequential requests: one topic, one SQS queue subscribed to it (envelope delivery, and a
second run with raw delivery), then for each message: ``Publish``, then ``ReceiveMessage``
(WaitTimeSeconds=0, repeated until the message is there), ``DeleteMessage``. The figure is
the wall time from just before ``Publish`` to the ``ReceiveMessage`` that returned it
(so it includes both HTTP round trips). Also prints sequential ``Publish`` calls per second
with one subscribed queue, and the server's CPU per such ``Publish`` (user + system from
``/proc``, all its threads), against the same for a topic without subscribers: the
difference is what one delivery costs.

``--rss N``: memory instead of latency. One topic, one subscribed SQS queue (envelope
delivery); N publishes of ``--size-kb`` KB each, the queue drained (receive + delete) as it
goes, so every delivery completes. Prints the server's resident memory after a warm-up of
100 publishes and then at every tenth of the run, the size of ``/_cloudtwin/sns/deliveries``
at the end and, with ``--data-dir``, the size of the data directory. Goal: flat.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

from _servers import free_port, rss_mib, start_cloudtwin, stop, wait_healthy


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def clients(endpoint: str) -> tuple[object, object]:
    """SNS and SQS clients for the server, without retries."""
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    kwargs = dict(
        endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
        aws_secret_access_key="test", config=config,
    )
    return boto3.client("sns", **kwargs), boto3.client("sqs", **kwargs)


def server_cpu(pid: int) -> float:
    """Seconds of CPU (user + system, every thread) the server has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def publish_cpu_ms(sns, topic: str, pid: int, messages: int) -> float:
    """The server's CPU per sequential Publish to ``topic`` (ms)."""
    cpu = server_cpu(pid)
    for i in range(messages):
        sns.publish(TopicArn=topic, Message=f"cpu {i}")
    return (server_cpu(pid) - cpu) * 1000 / messages


def run(endpoint: str, messages: int, raw: bool, pid: int) -> dict[str, float]:
    sns, sqs = clients(endpoint)
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
    alone = sns.create_topic(Name=f"bench-{suffix}-alone")["TopicArn"]
    return {
        "cpu_ms": publish_cpu_ms(sns, topic, pid, messages),
        "cpu_alone_ms": publish_cpu_ms(sns, alone, pid, messages),
        "median_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 99),
        "receives_per_message": polls / messages,
        "publish_per_s": rate,
    }


def _dir_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def run_rss(endpoint: str, pid: int, messages: int, size_kb: int, data_dir: Path | None) -> None:
    sns, sqs = clients(endpoint)
    topic = sns.create_topic(Name="bench-rss")["TopicArn"]
    url = sqs.create_queue(QueueName="bench-rss")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    message = "x" * (size_kb * 1024)

    def publish(count: int) -> None:
        for i in range(count):
            sns.publish(TopicArn=topic, Message=message)
            if i % 10 == 9 or i == count - 1:
                while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
                    sqs.delete_message_batch(
                        QueueUrl=url,
                        Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)],
                    )

    publish(100)
    base = rss_mib(pid)
    print(f"{size_kb} KB publishes, one SQS subscriber, queue drained as it goes")
    print(f"{'publishes':>10} {'RSS MiB':>9} {'growth MiB':>11}" + (f" {'data dir MiB':>13}" if data_dir else ""))
    print(f"{100:>10} {base:>9.1f} {0:>11.1f}" + (f" {_dir_mib(data_dir):>13.1f}" if data_dir else ""))
    done = 100
    step = max(1, messages // 10)
    start = time.perf_counter()
    while done < messages:
        count = min(step, messages - done)
        publish(count)
        done += count
        rss = rss_mib(pid)
        print(f"{done:>10} {rss:>9.1f} {rss - base:>11.1f}" + (f" {_dir_mib(data_dir):>13.1f}" if data_dir else ""))
    elapsed = time.perf_counter() - start
    with urllib.request.urlopen(endpoint + "/_cloudtwin/sns/deliveries") as resp:
        listing = resp.read()
    print(f"/_cloudtwin/sns/deliveries: {len(listing) / 2**20:.1f} MiB; {messages - 100} publishes in {elapsed:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--rss", type=int, metavar="N", help="measure memory over N large publishes instead")
    parser.add_argument("--size-kb", type=int, default=200)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--port", type=int, default=0, help="the server's (default: a free one)")
    args = parser.parse_args()
    port = args.port or free_port()
    proc = start_cloudtwin(port, extra_args=["--data-dir", str(args.data_dir)] if args.data_dir else None)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        wait_healthy(endpoint + "/_cloudtwin/health")
        if args.rss:
            run_rss(endpoint, proc.pid, args.rss, args.size_kb, args.data_dir)
            return
        print(f"load average (1 min): {os.getloadavg()[0]:.2f}")
        print(f"{'delivery':<10} {'median ms':>10} {'p99 ms':>8} {'receives/msg':>13} {'Publish/s':>10}"
              f" {'CPU ms/Publish':>15} {'(no subscriber)':>16}")
        for raw in (False, True):
            r = run(endpoint, args.messages, raw, proc.pid)
            print(
                f"{'raw' if raw else 'envelope':<10} {r['median_ms']:>10.2f} {r['p99_ms']:>8.2f} "
                f"{r['receives_per_message']:>13.2f} {r['publish_per_s']:>10.0f}"
                f" {r['cpu_ms']:>15.3f} {r['cpu_alone_ms']:>16.3f}"
            )
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
