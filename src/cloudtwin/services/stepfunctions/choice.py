"""Choice rules in the JSONPath query language: every comparison operator (and its
``...Path`` form), ``Is...`` tests, ``And``/``Or``/``Not`` and ``StringMatches`` wildcards."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Callable

from cloudtwin.services.stepfunctions.errors import QueryError

_OPS = ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")


def parse_timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or "T" not in value:
        return None
    text = value.replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "Equals":
        return left == right
    if op == "LessThan":
        return left < right
    if op == "GreaterThan":
        return left > right
    if op == "LessThanEquals":
        return left <= right
    return left >= right


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _matches(text: str, pattern: str) -> bool:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else re.escape(ch))
        i += 1
    return re.fullmatch("".join(out), text, re.DOTALL) is not None


def evaluate(rule: dict[str, Any], read: Callable[[str], Any], has: Callable[[str], bool]) -> bool:
    """Whether ``rule`` holds; ``read(path)`` reads a path (raises ``QueryError`` when it
    selects nothing), ``has(path)`` tells whether it selects something."""
    if "And" in rule:
        return all(evaluate(r, read, has) for r in rule["And"])
    if "Or" in rule:
        return any(evaluate(r, read, has) for r in rule["Or"])
    if "Not" in rule:
        return not evaluate(rule["Not"], read, has)
    variable = rule.get("Variable")
    if "IsPresent" in rule:
        return has(variable) == bool(rule["IsPresent"])
    value = read(variable)
    for key, expected in rule.items():
        if key in ("Variable", "Next", "Comment", "Assign", "Output"):
            continue
        if key == "IsNull":
            return (value is None) == bool(expected)
        if key == "IsNumeric":
            return _is_number(value) == bool(expected)
        if key == "IsString":
            return isinstance(value, str) == bool(expected)
        if key == "IsBoolean":
            return isinstance(value, bool) == bool(expected)
        if key == "IsTimestamp":
            return (parse_timestamp(value) is not None) == bool(expected)
        if key.endswith("Path"):
            key = key[:-4]
            expected = read(expected)
        if key == "StringMatches":
            return isinstance(value, str) and _matches(value, expected)
        for kind in ("String", "Numeric", "Boolean", "Timestamp"):
            if key.startswith(kind) and key[len(kind):] in _OPS:
                op = key[len(kind):]
                if kind == "String":
                    return isinstance(value, str) and isinstance(expected, str) and _compare(op, value, expected)
                if kind == "Numeric":
                    return _is_number(value) and _is_number(expected) and _compare(op, value, expected)
                if kind == "Boolean":
                    return isinstance(value, bool) and isinstance(expected, bool) and _compare(op, value, expected)
                left, right = parse_timestamp(value), parse_timestamp(expected)
                return left is not None and right is not None and _compare(op, left, right)
        raise QueryError(f"Unsupported choice rule operator: {key}")
    raise QueryError("A choice rule has no comparison operator")
