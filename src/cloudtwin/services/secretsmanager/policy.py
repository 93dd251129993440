"""Resource policies of secrets: structure checks and the broad-access ("public") check
behind ``BlockPublicPolicy`` and ``ValidateResourcePolicy``."""

from __future__ import annotations

import fnmatch
from typing import Any

from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError

_MALFORMED = "This resource policy contains an unsupported operation."


def parse(policy: str) -> dict[str, Any]:
    """The policy document, or MalformedPolicyDocumentException for one IAM would refuse."""
    try:
        document = read_json(policy)
    except ValueError:
        raise ServiceError(
            "MalformedPolicyDocumentException", "This resource policy contains a syntax error."
        ) from None
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise ServiceError("MalformedPolicyDocumentException", _MALFORMED)
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            raise ServiceError("MalformedPolicyDocumentException", _MALFORMED)
        if "Action" not in statement and "NotAction" not in statement:
            raise ServiceError("MalformedPolicyDocumentException", _MALFORMED)
    return document


def _is_everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        values = principal.get("AWS")
        if isinstance(values, str):
            values = [values]
        return isinstance(values, list) and "*" in values
    return False


def grants_broad_access(document: dict[str, Any]) -> bool:
    """An Allow to every principal with no condition to narrow it."""
    statements = document["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    return any(
        s.get("Effect") == "Allow" and _is_everyone(s.get("Principal")) and not s.get("Condition")
        for s in statements
    )


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _names_principal(principal: Any, caller_arn: str, account_id: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    wanted = {"*", caller_arn, account_id, f"arn:{caller_arn.split(':')[1]}:iam::{account_id}:root"}
    return any(value in wanted for value in _listed(principal.get("AWS")))


def _names_action(actions: Any, action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), str(a).lower()) for a in _listed(actions))


def allows(document: dict[str, Any], caller_arn: str, account_id: str, action: str) -> bool:
    """Whether the policy lets this principal (of another account) do ``action``: an Allow
    names it and no Deny does."""
    allowed = False
    for statement in _listed(document.get("Statement")):
        if not isinstance(statement, dict):
            continue
        if not _names_principal(statement.get("Principal"), caller_arn, account_id):
            continue
        if not _names_action(statement.get("Action"), action):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = True
    return allowed
