"""Requests per second over keep-alive connections: cloudtwin against the bare-ASGI limit.

    .venv/bin/python benchmarks/throughput.py [--connections 16] [--duration 10]

Each server runs in its own process on a free loopback port, with the same ASGI server
settings (uvicorn, httptools, uvloop). The load comes from `wrk` (Debian package `wrk`)
when it is installed, else from a Python client with one thread per connection (slower:
then the client, not the server, may be the limit).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _servers import free_port, start_cloudtwin, stop, wait_healthy

HERE = Path(__file__).resolve().parent
AUTH = (
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{svc}/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, Signature=" + "0" * 64
)

REQUESTS = {
    "sts:GetCallerIdentity": {
        "method": "POST",
        "headers": {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "X-Amz-Date": "20260101T000000Z",
            "Authorization": AUTH.format(svc="sts"),
        },
        "body": "Action=GetCallerIdentity&Version=2011-06-15",
        "expect": 200,
    },
    "gamelift:ListFleets (not implemented)": {
        "method": "POST",
        "headers": {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "GameLift.ListFleets",
            "X-Amz-Date": "20260101T000000Z",
            "Authorization": AUTH.format(svc="gamelift"),
        },
        "body": "{}",
        "expect": 501,
    },
    "sqs:SendMessage": {
        "method": "POST",
        "headers": {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "AmazonSQS.SendMessage",
            "X-Amz-Date": "20260101T000000Z",
            "Authorization": AUTH.format(svc="sqs"),
        },
        "body": '{"QueueUrl":"http://127.0.0.1/000000000000/bench","MessageBody":"hello from the benchmark"}',
        "expect": 200,
        "setup": {
            "X-Amz-Target": "AmazonSQS.CreateQueue",
            "body": '{"QueueName":"bench"}',
        },
    },
}


def setup(url: str, spec: dict) -> None:
    """Create what the request needs (e.g. the queue SendMessage sends to)."""
    extra = spec.get("setup")
    if not extra:
        return
    host, port = url.split("//")[1].rstrip("/").split(":")
    headers = {**spec["headers"], "X-Amz-Target": extra["X-Amz-Target"]}
    conn = http.client.HTTPConnection(host, int(port))
    conn.request("POST", "/", body=extra["body"].encode(), headers=headers)
    resp = conn.getresponse()
    resp.read()
    if resp.status != 200:
        raise RuntimeError(f"set-up failed: {resp.status}")


def wrk_script(spec: dict) -> str:
    lines = [f'wrk.method = "{spec["method"]}"', f"wrk.body = {json.dumps(spec['body'])}"]
    for name, value in spec["headers"].items():
        lines.append(f'wrk.headers["{name}"] = {json.dumps(value)}')
    return "\n".join(lines) + "\n"


def run_wrk(url: str, spec: dict, connections: int, duration: int) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(spec))
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "-s", script.name, url],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    if "Non-2xx" in out and spec["expect"] < 300:
        raise RuntimeError(f"unexpected error responses:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def run_python(url: str, spec: dict, connections: int, duration: int) -> float:
    host, port = url.split("//")[1].rstrip("/").split(":")
    body = spec["body"].encode()
    counts = [0] * connections
    deadline = time.perf_counter() + duration

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(host, int(port))
        while time.perf_counter() < deadline:
            conn.request(spec["method"], "/", body=body, headers=spec["headers"])
            resp = conn.getresponse()
            resp.read()
            if resp.status != spec["expect"]:
                raise RuntimeError(f"status {resp.status}")
            counts[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / duration


def check(url: str, spec: dict) -> None:
    host, port = url.split("//")[1].rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port))
    conn.request(spec["method"], "/", body=spec["body"].encode(), headers=spec["headers"])
    resp = conn.getresponse()
    resp.read()
    if resp.status != spec["expect"]:
        raise RuntimeError(f"{url}: expected {spec['expect']}, got {resp.status}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    load = run_wrk if shutil.which("wrk") else run_python
    print(f"load generator: {'wrk' if load is run_wrk else 'python threads'}, "
          f"{args.connections} connections, {args.duration} s each")

    port = free_port()
    bare = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/")
        limit = load(f"http://127.0.0.1:{port}/", REQUESTS["sts:GetCallerIdentity"] | {"expect": 200},
                     args.connections, args.duration)
    finally:
        stop(bare)
    print(f"{'bare ASGI app (limit)':<36} {limit:>10,.0f} req/s")

    port = free_port()
    proc = start_cloudtwin(port)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_healthy(url + "_cloudtwin/health")
        for name, spec in REQUESTS.items():
            setup(url, spec)
            check(url, spec)
            load(url, spec, args.connections, 2)  # warm-up: models load, caches fill
            rate = load(url, spec, args.connections, args.duration)
            print(f"{name:<36} {rate:>10,.0f} req/s  ({rate / limit:.0%} of the limit)")
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
