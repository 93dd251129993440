"""Resource policies of secrets: structure checks and the broad-access ("public") check
behind ``BlockPublicPolicy`` and ``ValidateResourcePolicy``."""

from __future__ import annotations

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
