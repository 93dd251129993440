"""How much model validation costs a request with valid input (the common case).

Run: ``.venv/bin/python benchmarks/bench_validation.py [--quick]``. Prints the cost per
``Validators.validate`` call for a few representative operations, after the plan is compiled
(the first call per operation compiles and is reported separately).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from cloudtwin.protocol.validation import Validators
from cloudtwin.specs.catalog import ServiceCatalog

CASES: list[tuple[str, str, str | None, dict[str, Any]]] = [
    ("sqs", "SendMessage", None, {"QueueUrl": "http://localhost:4566/000000000000/q", "MessageBody": "hello"}),
    (
        "sqs",
        "ReceiveMessage",
        None,
        {"QueueUrl": "http://localhost:4566/000000000000/q", "MaxNumberOfMessages": 10, "WaitTimeSeconds": 0},
    ),
    (
        "dynamodb",
        "PutItem",
        None,
        {
            "TableName": "orders",
            "Item": {"pk": {"S": "order#1"}, "sk": {"N": "1"}, "tags": {"SS": ["a", "b"]}},
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValues": "NONE",
        },
    ),
    (
        "dynamodb",
        "Query",
        None,
        {
            "TableName": "orders",
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": "order#1"}},
            "Limit": 25,
            "ScanIndexForward": False,
        },
    ),
    (
        "sts",
        "AssumeRole",
        "query",
        {
            "RoleArn": "arn:aws:iam::123456789012:role/demo",
            "RoleSessionName": "session-1",
            "DurationSeconds": 3600,
            "Tags": [{"Key": "team", "Value": "core"}],
        },
    ),
    ("s3", "PutObject", "rest-xml", {"Bucket": "bucket", "Key": "a/b.txt", "Body": b"x" * 100}),
]


def main(quick: bool = False) -> None:
    catalog = ServiceCatalog()
    validators = Validators()
    rounds = 20_000 if quick else 200_000
    print(f"{'operation':32} {'compile (first call)':>22} {'per valid call':>16}")
    for service, op_name, protocol, params in CASES:
        operation = catalog.service_model(service).operation_model(op_name)
        t0 = time.perf_counter()
        validators.validate(params, operation, protocol)
        first = time.perf_counter() - t0
        validate = validators.validate
        t0 = time.perf_counter()
        for _ in range(rounds):
            validate(params, operation, protocol)
        per_call = (time.perf_counter() - t0) / rounds
        print(f"{service + '.' + op_name:32} {first * 1e3:19.2f} ms {per_call * 1e9:13.0f} ns")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
