"""Fixtures of the API Gateway tests: clients, a deployed Lambda function (its zip built by
the Lambda tests' helper), and a plain-HTTP caller of invoke URLs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lambda_"))
from lambda_helpers import zipped  # noqa: E402

TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})


@pytest.fixture
def apigw(aws_client):
    return aws_client("apigateway")


@pytest.fixture
def lam(aws_client):
    return aws_client("lambda")


@pytest.fixture
def function(aws_client, lam) -> Callable[[str, str], str]:
    """``function(name, source)`` deploys ``app.handler`` (python3.12) and returns its ARN."""
    role = aws_client("iam").create_role(RoleName="apigw-lambda", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]

    def make(name: str, source: str) -> str:
        arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                  Code={"ZipFile": zipped({"app.py": source})})["FunctionArn"]  # fmt: skip
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
        return arn

    return make


@pytest.fixture
def call(endpoint) -> Callable[..., httpx.Response]:
    """``call(api_id, "/stage/path", method="GET", host=True, **httpx kwargs)``: a plain HTTP
    request to the invoke URL, by host name (``<id>.execute-api.localhost``) or by path."""

    def make(api_id: str, path: str, method: str = "GET", host: bool = True, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if host:
            headers["Host"] = f"{api_id}.execute-api.localhost"
            url = endpoint + path
        else:
            stage, _, rest = path.lstrip("/").partition("/")
            url = f"{endpoint}/restapis/{api_id}/{stage}/_user_request_/{rest}"
        return httpx.request(method, url, headers=headers, timeout=30, **kwargs)

    return make
