"""Function resource policies (``AddPermission`` / ``RemovePermission`` / ``GetPolicy``):
one policy per qualifier, statements in AWS's shape."""

from __future__ import annotations

import json
import re
from typing import Any

from cloudtwin.services.lambda_.errors import lambda_error

_ACCOUNT = re.compile(r"\d{12}")


def principal(value: str, partition: str) -> Any:
    if value == "*":
        return "*"
    if _ACCOUNT.fullmatch(value):
        return {"AWS": f"arn:{partition}:iam::{value}:root"}
    if value.startswith("arn:"):
        return {"AWS": value}
    if not value.endswith(_SERVICE_DOMAINS):
        raise lambda_error(
            "InvalidParameterValueException", "The provided principal was invalid. Please check the principal and try again."
        )
    return {"Service": value}


#: The domains AWS service principals live under.
_SERVICE_DOMAINS = (".amazonaws.com", ".amazonaws.com.cn", ".amazon.com")


def statement(params: dict[str, Any], resource: str, partition: str) -> dict[str, Any]:
    action = params["Action"]
    if not re.fullmatch(r"(lambda:[*]|lambda:[a-zA-Z]+|[*])", action):
        raise lambda_error(
            "ValidationException",
            f"1 validation error detected: Value '{action}' at 'action' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])",
        )
    out: dict[str, Any] = {
        "Sid": params["StatementId"],
        "Effect": "Allow",
        "Principal": principal(params["Principal"], partition),
        "Action": action,
        "Resource": resource,
    }
    condition: dict[str, dict[str, str]] = {}
    if params.get("SourceAccount"):
        condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = params["SourceAccount"]
    if params.get("PrincipalOrgID"):
        condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = params["PrincipalOrgID"]
    if params.get("EventSourceToken"):
        condition.setdefault("StringEquals", {})["lambda:EventSourceToken"] = params["EventSourceToken"]
    if params.get("FunctionUrlAuthType"):
        condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = params["FunctionUrlAuthType"]
    if params.get("InvokedViaFunctionUrl"):
        condition.setdefault("Bool", {})["lambda:InvokedViaFunctionUrl"] = "true"
    if params.get("SourceArn"):
        condition.setdefault("ArnLike", {})["AWS:SourceArn"] = params["SourceArn"]
    if condition:
        out["Condition"] = condition
    return out


def add(statements: list[dict[str, Any]], new: dict[str, Any]) -> None:
    if any(s["Sid"] == new["Sid"] for s in statements):
        raise lambda_error(
            "ResourceConflictException",
            "The statement id (" + new["Sid"] + ") provided already exists. Please provide a new "
            "statement id, or remove the existing statement.",
        )
    statements.append(new)


def remove(statements: list[dict[str, Any]], sid: str) -> None:
    for index, existing in enumerate(statements):
        if existing["Sid"] == sid:
            del statements[index]
            return
    raise lambda_error("ResourceNotFoundException", f"Statement {sid} is not found in resource policy.", 404)


def document(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Id": "default", "Statement": statements}, separators=(",", ":"))
