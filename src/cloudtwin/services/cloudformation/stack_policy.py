"""Stack policies: which updates a stack's resources accept.

A policy is a JSON document of statements (``Effect``, ``Action``/``NotAction`` among
``Update:Modify``, ``Update:Replace``, ``Update:Delete`` and ``Update:*``, ``Principal`` ``*``,
``Resource``/``NotResource`` as ``LogicalResourceId/<pattern>``, an optional ``Condition`` on the
``ResourceType``). Once a stack has a policy every resource is protected unless a statement
allows the update; an explicit ``Deny`` wins over any ``Allow`` (AWS's documented evaluation).
A refused update fails the resource with AWS's reason and the stack update rolls back.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from cloudtwin.services.cloudformation.errors import validation

ACTIONS = ("Update:Modify", "Update:Replace", "Update:Delete")
_ACTION_PATTERNS = frozenset({"Update:*", *ACTIONS})
_CONDITIONS = frozenset({"StringEquals", "StringLike", "StringNotEquals", "StringNotLike"})


def _invalid() -> Exception:
    return validation("Error validating stack policy: Invalid stack policy")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def parse(text: str) -> dict[str, Any]:
    """The policy document, or AWS's validation error for one it does not accept."""
    try:
        document = json.loads(text)
    except (TypeError, ValueError):
        raise _invalid() from None
    if not isinstance(document, dict):
        raise _invalid()
    statements = document.get("Statement", [])
    for statement in _listed(statements):
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            raise _invalid()
        if statement.get("Principal") != "*":
            raise _invalid()
        actions = statement.get("Action", statement.get("NotAction"))
        if actions is None or any(a not in _ACTION_PATTERNS for a in _listed(actions)):
            raise _invalid()
        resources = statement.get("Resource", statement.get("NotResource"))
        if resources is None or any(not isinstance(r, str) for r in _listed(resources)):
            raise _invalid()
        condition = statement.get("Condition") or {}
        if not isinstance(condition, dict) or any(op not in _CONDITIONS for op in condition):
            raise _invalid()
    return document


def _action_matches(statement: dict[str, Any], action: str) -> bool:
    if "Action" in statement:
        return any(fnmatch.fnmatchcase(action, a) for a in _listed(statement["Action"]))
    return not any(fnmatch.fnmatchcase(action, a) for a in _listed(statement.get("NotAction")))


def _resource_matches(statement: dict[str, Any], logical_id: str) -> bool:
    name = f"LogicalResourceId/{logical_id}"

    def hit(patterns: Any) -> bool:
        return any(p == "*" or fnmatch.fnmatchcase(name, p) for p in _listed(patterns))

    if "Resource" in statement:
        return hit(statement["Resource"])
    return not hit(statement.get("NotResource"))


def _condition_matches(statement: dict[str, Any], resource_type: str) -> bool:
    for operator, tests in (statement.get("Condition") or {}).items():
        values = [str(v) for v in _listed((tests or {}).get("ResourceType", []))]
        if operator == "StringEquals":
            ok = resource_type in values
        elif operator == "StringLike":
            ok = any(fnmatch.fnmatchcase(resource_type, v) for v in values)
        elif operator == "StringNotEquals":
            ok = resource_type not in values
        else:
            ok = not any(fnmatch.fnmatchcase(resource_type, v) for v in values)
        if not ok:
            return False
    return True


def refusal(document: dict[str, Any] | None, logical_id: str, resource_type: str, action: str) -> str | None:
    """Why the policy refuses ``action`` on the resource, or None when it allows it."""
    if document is None:
        return None
    allowed = False
    for number, statement in enumerate(_listed(document.get("Statement", [])), start=1):
        if not (_action_matches(statement, action) and _resource_matches(statement, logical_id)
                and _condition_matches(statement, resource_type)):  # fmt: skip
            continue
        if statement["Effect"] == "Deny":
            return (
                f"Action denied by stack policy: Statement [#{number}] does not allow [{action}] "
                f"for resource [LogicalResourceId/{logical_id}]"
            )
        allowed = True
    if allowed:
        return None
    return f"Action not allowed by stack policy: No statement allows [{action}] for resource [LogicalResourceId/{logical_id}]"
