"""S3 throughput with boto3 against a cloudtwin server in its own process.

    .venv/bin/python benchmarks/bench_s3.py [--count 2000] [--size-mib 100] [--port N]

Measures, one keep-alive connection, sequential requests:

- PutObject and GetObject of 1 KiB objects per second, and PutObject's latency p50 / p99 /
  worst as boto3 sees it and inside the server (request log), with the load average;
- MB/s for one ``--size-mib`` object uploaded (``upload_file``: multipart, 16 MiB parts,
  4 threads, CRC32 per part) and downloaded (``download_file``: ranged GETs);
- the median time inside the server per operation (request log);
- the server's peak resident memory (VmHWM) before and after the big transfer: bodies
  stream to and from files, so the peak should not grow with the object size
  (``--size-mib 0``: no big transfer).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

from _servers import free_port, rss_mib, start_cloudtwin, stop, wait_healthy

MIB = 1024 * 1024


def peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def rate(count: int, fn) -> float:
    started = time.perf_counter()
    for i in range(count):
        fn(i)
    return count / (time.perf_counter() - started)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def server_durations(endpoint: str) -> dict[str, list[float]]:
    """Time inside the server per request, by operation (from the request log): what the
    server costs, apart from boto3's own per-call overhead."""
    import urllib.request

    with urllib.request.urlopen(f"{endpoint}/_cloudtwin/requests?service=s3&limit=10000") as response:
        data = json.loads(response.read())
    records = data if isinstance(data, list) else data.get("requests", [])
    by_operation: dict[str, list[float]] = {}
    for record in records:
        by_operation.setdefault(record["operation"], []).append(record["duration_ms"])
    return by_operation


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--size-mib", type=int, default=100)
    parser.add_argument("--port", type=int, default=0, help="the server's (default: a free one)")
    args = parser.parse_args()

    port = args.port or free_port()
    proc = start_cloudtwin(port)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"{endpoint}/_cloudtwin/health")
        s3 = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
            config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}),
        )
        s3.create_bucket(Bucket="bench")
        body = os.urandom(1024)
        for i in range(50):  # warm-up: imports, plans, connection
            s3.put_object(Bucket="bench", Key=f"warm/{i}", Body=body)
            s3.get_object(Bucket="bench", Key=f"warm/{i}")["Body"].read()
        load = os.getloadavg()[0]
        latencies: list[float] = []

        def put(i: int) -> None:
            started = time.perf_counter()
            s3.put_object(Bucket="bench", Key=f"k/{i}", Body=body)
            latencies.append((time.perf_counter() - started) * 1000)

        put_rate = rate(args.count, put)
        get_rate = rate(args.count, lambda i: s3.get_object(Bucket="bench", Key=f"k/{i}")["Body"].read())
        inside = server_durations(endpoint)
        inside_put = inside.get("PutObject", [])[-args.count:]
        put_latency = {
            "load_average": round(load, 2),
            "client_p50_ms": round(percentile(latencies, 50), 3),
            "client_p99_ms": round(percentile(latencies, 99), 3),
            "client_max_ms": round(max(latencies), 3),
            "server_p50_ms": round(percentile(inside_put, 50), 3) if inside_put else None,
            "server_p99_ms": round(percentile(inside_put, 99), 3) if inside_put else None,
            "server_max_ms": round(max(inside_put), 3) if inside_put else None,
        }
        medians = {op: round(percentile(values, 50), 3) for op, values in inside.items() if len(values) > 10}
        if not args.size_mib:
            print(json.dumps({"put_object_1kib_per_s": round(put_rate), "get_object_1kib_per_s": round(get_rate),
                              "put_object_1kib_latency": put_latency, "server_median_ms": medians}, indent=2))
            return
        rss_before = rss_mib(proc.pid)
        peak_before = peak_rss_mib(proc.pid)
        peak_during = [peak_before]
        stop_sampling = threading.Event()

        def sample() -> None:
            while not stop_sampling.is_set():
                peak_during.append(rss_mib(proc.pid))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        config = TransferConfig(multipart_threshold=16 * MIB, multipart_chunksize=16 * MIB, max_concurrency=4)
        size = args.size_mib * MIB
        with tempfile.TemporaryDirectory() as tmp:
            source = os.path.join(tmp, "big.bin")
            with open(source, "wb") as out:
                for _ in range(args.size_mib):
                    out.write(os.urandom(MIB))
            sampler.start()
            started = time.perf_counter()
            s3.upload_file(source, "bench", "big.bin", Config=config)
            up = size / MIB / (time.perf_counter() - started)
            started = time.perf_counter()
            s3.download_file("bench", "big.bin", os.path.join(tmp, "back.bin"), Config=config)
            down = size / MIB / (time.perf_counter() - started)
            stop_sampling.set()
            sampler.join()
        result = {
            "put_object_1kib_per_s": round(put_rate),
            "get_object_1kib_per_s": round(get_rate),
            "put_object_1kib_latency": put_latency,
            "server_median_ms": medians,
            f"upload_{args.size_mib}mib_MBps": round(up, 1),
            f"download_{args.size_mib}mib_MBps": round(down, 1),
            "rss_before_transfer_mib": round(rss_before, 1),
            "peak_rss_during_transfer_mib": round(max(peak_during), 1),
            "server_vmhwm_mib": round(peak_rss_mib(proc.pid), 1),
        }
        print(json.dumps(result, indent=2))
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
