"""Helpers of the CloudFormation tests: deploy a template and wait the way users do (boto3's
waiters, which must answer on their first poll)."""

from __future__ import annotations

import json
from typing import Any

import pytest


@pytest.fixture
def cfn(aws_client):
    return aws_client("cloudformation")


@pytest.fixture
def deploy(cfn):
    """``deploy(name, template, **kwargs)`` -> the described stack once the waiter is done."""

    def run(name: str, template: Any, *, wait: str = "stack_create_complete", **kwargs: Any) -> dict:
        body = template if isinstance(template, str) else json.dumps(template)
        cfn.create_stack(StackName=name, TemplateBody=body, **kwargs)
        if wait:
            cfn.get_waiter(wait).wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
        return cfn.describe_stacks(StackName=name)["Stacks"][0]

    return run
