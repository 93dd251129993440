"""What writing a response costs: the response serializers on representative results.

Run: ``.venv/bin/python benchmarks/bench_serializers.py [--quick]``. Prints the cost per
``serialize_result`` / ``serialize_error`` call (best of 5 runs) once the operation's plan
is compiled (the first call compiles it and is reported separately).
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.serializers import get_serializer
from cloudtwin.specs.catalog import ServiceCatalog

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


def _messages(count: int) -> dict[str, Any]:
    return {
        "Messages": [
            {
                "MessageId": f"5fea7756-0ea4-451a-a703-a558b933e27{n}",
                "ReceiptHandle": "AQEBzWwaftRI0KuVm4tP+/7q1rGgNqicHq" * 3,
                "MD5OfBody": "fafb00f5732ab283681e124bf8747ed1",
                "Body": "This is a test message",
                "Attributes": {"SentTimestamp": "1700000000000", "ApproximateReceiveCount": "1"},
            }
            for n in range(count)
        ]
    }


def _items(count: int) -> dict[str, Any]:
    return {
        "Items": [
            {
                "pk": {"S": f"order#{n}"},
                "sk": {"N": str(n)},
                "total": {"N": "12.50"},
                "tags": {"SS": ["a", "b"]},
                "blob": {"B": b"\x00\x01\x02"},
            }
            for n in range(count)
        ],
        "Count": count,
        "ScannedCount": count,
    }


def _objects(count: int) -> dict[str, Any]:
    return {
        "Name": "bucket",
        "KeyCount": count,
        "IsTruncated": False,
        "Contents": [
            {"Key": f"photos/{n:06d}.jpg", "Size": 1024 + n, "ETag": '"abc"', "LastModified": NOW}
            for n in range(count)
        ],
    }


CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("json", "sqs", "ReceiveMessage", _messages(10)),
    ("query", "sqs", "ReceiveMessage", _messages(10)),
    ("json", "sqs", "SendMessage", {"MessageId": "m-1", "MD5OfMessageBody": "abc"}),
    ("json", "dynamodb", "Query", _items(100)),
    (
        "smithy-rpc-v2-cbor",
        "cloudwatch",
        "GetMetricData",
        {"MetricDataResults": [{"Id": "m1", "Timestamps": [NOW] * 60, "Values": [1.5] * 60}]},
    ),
    ("rest-xml", "s3", "ListObjectsV2", _objects(1000)),
    ("rest-xml", "s3", "HeadObject", {"ContentLength": 3, "ETag": '"e"', "LastModified": NOW}),
    ("rest-json", "lambda", "GetFunction", {"Configuration": {"FunctionName": "f"}}),
    ("ec2", "ec2", "DescribeVpcs", {"Vpcs": [{"VpcId": f"vpc-{n}"} for n in range(20)]}),
]

ERRORS: list[tuple[str, str, str]] = [
    ("json", "sqs", "QueueDoesNotExist"),
    ("query", "sqs", "QueueDoesNotExist"),
    ("rest-xml", "s3", "NoSuchKey"),
]


def _time(call, rounds: int, repeats: int = 1) -> float:
    """Seconds per call; the best of ``repeats`` runs (other load only ever adds time)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(rounds):
            call()
        best = min(best, (time.perf_counter() - start) / rounds)
    return best


def _row(protocol: str, label: str, first: float, per: float) -> None:
    print(f"{protocol:<20}{label:<28}{first * 1e6:>10.0f}us{per * 1e6:>10.1f}us{1 / per:>10.0f}")


def main() -> None:
    rounds = 100 if "--quick" in sys.argv else 1000
    catalog = ServiceCatalog()
    print(f"{'protocol':<20}{'operation':<28}{'first call':>12}{'per call':>12}{'calls/s':>10}")
    for protocol, service, operation_name, result in CASES:
        operation = catalog.service_model(service).operation_model(operation_name)
        serializer = get_serializer(protocol)
        first = _time(lambda: serializer.serialize_result(result, operation, "rid"), 1)
        per = _time(lambda: serializer.serialize_result(result, operation, "rid"), rounds, 5)
        label = f"{service}.{operation_name}"
        _row(protocol, label, first, per)
    for protocol, service, code in ERRORS:
        model = catalog.service_model(service)
        serializer = get_serializer(protocol)
        error = ServiceError(code, "not found")
        first = _time(lambda: serializer.serialize_error(error, model, None, "rid"), 1)
        per = _time(lambda: serializer.serialize_error(error, model, None, "rid"), rounds, 5)
        label = f"{service} error {code}"
        _row(protocol, label, first, per)


if __name__ == "__main__":
    main()
