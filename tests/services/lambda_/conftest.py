"""Fixtures of the Lambda tests: zips built in the test, an execution role, and a helper
that deploys a function and waits until it is Active (as SDK waiters do)."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from lambda_helpers import zipped

TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})


@pytest.fixture
def lam(aws_client):
    return aws_client("lambda")


@pytest.fixture
def role(aws_client) -> str:
    iam = aws_client("iam")
    return iam.create_role(RoleName="lambda-exec", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]


@pytest.fixture
def deploy(lam, role) -> Callable[..., dict[str, Any]]:
    """``deploy(name, {"app.py": source}, handler="app.handler", runtime="python3.12", **extra)``."""

    def make(name: str, files: dict[str, str | bytes], handler: str = "app.handler",
             runtime: str = "python3.12", modes: dict[str, int] | None = None, **extra: Any) -> dict:  # fmt: skip
        created = lam.create_function(
            FunctionName=name, Runtime=runtime, Role=role, Handler=handler,
            Code={"ZipFile": zipped(files, modes)}, **extra,
        )  # fmt: skip
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
        return created

    return make


