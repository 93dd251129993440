"""Helpers of the Step Functions tests (imported by name, as lambda_helpers is): the role
machines run as, and reading an execution to its end."""

from __future__ import annotations

import time

ROLE = "arn:aws:iam::000000000000:role/sfn"


def finished(sfn, arn: str, seconds: float = 10.0) -> dict:
    """DescribeExecution once the execution has ended (work on the event loop, not the clock)."""
    deadline = time.monotonic() + seconds
    while True:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.02)


def history(sfn, arn: str) -> list[dict]:
    return sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]


def types(sfn, arn: str) -> list[str]:
    return [e["type"] for e in history(sfn, arn)]
