"""Fixtures of the Step Functions tests: a client, a role, and helpers that create a state
machine, run an execution to its end and read its history."""

from __future__ import annotations

import json
import uuid
from typing import Any, Callable

import pytest

from sfn_helpers import ROLE, finished


@pytest.fixture
def sfn(aws_client):
    from botocore.config import Config

    # StartSyncExecution and TestState go to a "sync-" host prefix: keep the endpoint's host
    return aws_client("stepfunctions", config=Config(inject_host_prefix=False, retries={"total_max_attempts": 1}))


@pytest.fixture
def machine(sfn) -> Callable[..., str]:
    """``machine(definition, type="STANDARD", **extra)`` -> the new state machine's ARN."""

    def make(definition: dict | str, machine_type: str = "STANDARD", **extra: Any) -> str:
        text = definition if isinstance(definition, str) else json.dumps(definition)
        name = extra.pop("name", f"sm-{uuid.uuid4().hex[:8]}")
        return sfn.create_state_machine(name=name, definition=text, roleArn=ROLE, type=machine_type,
                                        **extra)["stateMachineArn"]

    return make


@pytest.fixture
def run(sfn, machine) -> Callable[..., dict]:
    """``run(definition, input)`` -> DescribeExecution of the finished execution."""

    def go(definition: dict, value: Any = None, **extra: Any) -> dict:
        arn = machine(definition, **extra)
        started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({} if value is None else value))
        return finished(sfn, started["executionArn"])

    return go
