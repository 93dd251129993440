"""What reading a request costs: the request parsers on representative requests.

Run: ``.venv/bin/python benchmarks/bench_parsers.py [--quick]``. Prints the cost per
``parse`` call (best of 5 runs) once the operation's plan is compiled (the first call
compiles it and is reported separately).
"""

from __future__ import annotations

import json
import sys
from urllib.parse import quote

import cbor2
from bench_serializers import _time  # the same timing loop as the serializer benchmark

from cloudtwin.protocol.http import HttpRequest
from cloudtwin.protocol.parsers import get_parser
from cloudtwin.specs.catalog import ServiceCatalog

QUEUE = "http://localhost:4566/000000000000/orders"


def _json(body: object) -> bytes:
    return json.dumps(body).encode()


def _item(n: int) -> dict:
    return {
        "pk": {"S": f"order#{n}"},
        "sk": {"N": str(n)},
        "total": {"N": "12.50"},
        "tags": {"SS": ["a", "b"]},
        "blob": {"B": "AAEC"},
        "lines": {"L": [{"M": {"sku": {"S": "x"}, "qty": {"N": "2"}}}]},
    }


CASES: list[tuple[str, str, str, HttpRequest]] = [
    (
        "json",
        "sqs",
        "SendMessage",
        HttpRequest(
            "POST",
            "/",
            body=_json(
                {
                    "QueueUrl": QUEUE,
                    "MessageBody": "hello",
                    "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}},
                }
            ),
        ),
    ),
    (
        "query",
        "sqs",
        "SendMessage",
        HttpRequest(
            "POST",
            "/",
            body=(
                f"Action=SendMessage&Version=2012-11-05&QueueUrl={quote(QUEUE, safe='')}"
                "&MessageBody=hello&MessageAttribute.1.Name=k"
                "&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v"
            ).encode(),
        ),
    ),
    ("json", "dynamodb", "PutItem", HttpRequest("POST", "/", body=_json({"TableName": "t", "Item": _item(1)}))),
    (
        "json",
        "dynamodb",
        "BatchWriteItem",
        HttpRequest(
            "POST",
            "/",
            body=_json({"RequestItems": {"t": [{"PutRequest": {"Item": _item(n)}} for n in range(25)]}}),
        ),
    ),
    (
        "smithy-rpc-v2-cbor",
        "cloudwatch",
        "PutMetricData",
        HttpRequest(
            "POST",
            "/service/GraniteServiceVersion20100801/operation/PutMetricData",
            body=cbor2.dumps(
                {
                    "Namespace": "App",
                    "MetricData": [
                        {
                            "MetricName": "Latency",
                            "Value": 1.5,
                            "Timestamp": cbor2.CBORTag(1, 1714564800 + n),
                            "Dimensions": [{"Name": "Host", "Value": "a"}],
                        }
                        for n in range(20)
                    ],
                }
            ),
        ),
    ),
    (
        "rest-xml",
        "s3",
        "PutObject",
        HttpRequest(
            "PUT",
            "/bucket/photos/2024/cat.jpg",
            headers={
                "content-type": "image/jpeg",
                "content-length": "1024",
                "x-amz-meta-owner": "me",
                "x-amz-storage-class": "STANDARD",
                "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
            },
            body=b"x" * 1024,
        ),
    ),
    (
        "rest-xml",
        "s3",
        "GetObject",
        HttpRequest("GET", "/bucket/photos/2024/cat.jpg", headers={"range": "bytes=0-99"}),
    ),
    (
        "rest-xml",
        "s3",
        "DeleteObjects",
        HttpRequest(
            "POST",
            "/bucket",
            "delete",
            body=(
                "<Delete>"
                + "".join(f"<Object><Key>photos/{n:04d}.jpg</Key></Object>" for n in range(100))
                + "<Quiet>true</Quiet></Delete>"
            ).encode(),
        ),
    ),
    (
        "rest-json",
        "lambda",
        "Invoke",
        HttpRequest(
            "POST",
            "/2015-03-31/functions/my-function/invocations",
            headers={"x-amz-invocation-type": "RequestResponse"},
            body=b'{"key": "value"}',
        ),
    ),
    (
        "ec2",
        "ec2",
        "DescribeInstances",
        HttpRequest(
            "POST",
            "/",
            body=(
                b"Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-state-name"
                b"&Filter.1.Value.1=running&Filter.1.Value.2=stopped&MaxResults=50"
            ),
        ),
    ),
]


def main() -> None:
    rounds = 200 if "--quick" in sys.argv else 2000
    catalog = ServiceCatalog()
    print(f"{'protocol':<20}{'operation':<28}{'first call':>12}{'per call':>12}{'calls/s':>10}")
    for protocol, service, operation_name, request in CASES:
        operation = catalog.service_model(service).operation_model(operation_name)
        parser = get_parser(protocol)
        first = _time(lambda: parser.parse(request, operation), 1)
        per = _time(lambda: parser.parse(request, operation), rounds, 5)
        label = f"{service}.{operation_name}"
        print(f"{protocol:<20}{label:<28}{first * 1e6:>10.0f}us{per * 1e6:>10.1f}us{1 / per:>10.0f}")


if __name__ == "__main__":
    main()
