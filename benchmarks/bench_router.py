"""Routing throughput: how many requests per second ``Router.route`` resolves, per protocol.

Routing runs on every request, before any parsing, so it must stay a small fraction of the
per-request budget (thousands of requests/s per core). The requests are what botocore
sends (SigV4-signed, ``Host: localhost:4566``); each iteration builds a fresh
``HttpRequest`` (so no per-request cache is reused) and parses its credentials, then routes.

    .venv/bin/python benchmarks/bench_router.py [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import time

from cloudtwin.gateway.router import Router
from cloudtwin.gateway.signing import parse_credentials
from cloudtwin.protocol.http import HttpRequest
from cloudtwin.specs.catalog import ServiceCatalog
from cloudtwin.specs.index import ServiceIndex


def _auth(service: str) -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/{service}/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, Signature=" + "0" * 64
    )


CASES = {
    "json (SQS SendMessage)": (
        "POST", "/", "",
        {
            "host": "localhost:4566",
            "content-type": "application/x-amz-json-1.0",
            "x-amz-target": "AmazonSQS.SendMessage",
            "authorization": _auth("sqs"),
        },
        b'{"QueueUrl": "http://localhost:4566/000000000000/q", "MessageBody": "hello"}',
    ),
    "query (SNS Publish)": (
        "POST", "/", "",
        {
            "host": "localhost:4566",
            "content-type": "application/x-www-form-urlencoded; charset=utf-8",
            "authorization": _auth("sns"),
        },
        b"Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At"
        b"&Message=hello",
    ),
    "rest-xml (S3 GetObject, path style)": (
        "GET", "/my-bucket/some/deep/key.txt", "",
        {"host": "localhost:4566", "authorization": _auth("s3")},
        b"",
    ),
    "rest-xml (S3 PutObjectTagging, virtual host)": (
        "PUT", "/some/key.txt", "tagging",
        {"host": "my-bucket.s3.localhost:4566", "authorization": _auth("s3")},
        b"<Tagging/>",
    ),
    "rest-json (Lambda Invoke)": (
        "POST", "/2015-03-31/functions/my-function/invocations", "",
        {"host": "localhost:4566", "authorization": _auth("lambda")},
        b"{}",
    ),
}


def measure(router: Router, case: tuple, seconds: float) -> tuple[float, str]:
    method, path, query, headers, body = case
    route = None
    # Warm up: compile the service's matcher, load its model.
    for _ in range(100):
        request = HttpRequest(method, path, query, dict(headers), body)
        route = router.route(request, parse_credentials(request))
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(500):
            request = HttpRequest(method, path, query, dict(headers), body)
            router.route(request, parse_credentials(request))
        count += 500
        now = time.perf_counter()
        if now >= deadline:
            break
    assert route is not None
    return count / (now - start), f"{route.service}.{route.operation.name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per case")
    args = parser.parse_args()
    started = time.perf_counter()
    ServiceCatalog.botocore_version()  # imports botocore, which a server has done anyway
    imported = time.perf_counter()
    index = ServiceIndex.load()
    loaded = time.perf_counter()
    router = Router(ServiceCatalog(), index)
    print(
        f"import botocore {(imported - started) * 1000:.1f} ms; shipped service index loaded in "
        f"{(loaded - imported) * 1000:.1f} ms ({len(index)} services)"
    )
    print(f"{'request':46} {'routes/s':>12} {'us/route':>9}  routed to")
    for name, case in CASES.items():
        rate, target = measure(router, case, args.seconds)
        print(f"{name:46} {rate:12,.0f} {1e6 / rate:9.2f}  {target}")


if __name__ == "__main__":
    main()
