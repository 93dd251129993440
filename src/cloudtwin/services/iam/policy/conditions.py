"""Condition operators.

A condition block ``{"StringLike": {"aws:username": ["a*", "b*"]}}`` holds when, for
every key, the request's value matches one of the listed values (values are ORed, keys
and operators ANDed). Negated operators (``StringNotEquals``, ``NotIpAddress``...) hold
when the request's value matches none of them, and when the key is absent. ``...IfExists``
holds when the key is absent; ``Null`` tests presence; ``ForAllValues:`` /
``ForAnyValue:`` compare multi-valued keys as sets.
"""

from __future__ import annotations

import base64
import ipaddress
from datetime import datetime, timezone
from typing import Callable, Sequence

from cloudtwin.services.iam.policy.patterns import PatternCache, arn_matches

#: (request value, policy value, patterns) -> match
Matcher = Callable[[str, str, PatternCache], bool]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _compare(parse: Callable[[str], float | None], test: Callable[[float, float], bool]) -> Matcher:
    def match(value: str, expected: str, _: PatternCache) -> bool:
        a, b = parse(value), parse(expected)
        return a is not None and b is not None and test(a, b)

    return match


def _ip(value: str, expected: str, _: PatternCache) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(expected, strict=False)
    except ValueError:
        return False


def _binary(value: str, expected: str, _: PatternCache) -> bool:
    try:
        return base64.b64decode(value) == base64.b64decode(expected)
    except ValueError:
        return value == expected


_EQ = lambda a, b: a == b  # noqa: E731
_BASE: dict[str, tuple[Matcher, bool]] = {
    # name: (positive matcher, negated)
    "StringEquals": (lambda v, e, _: v == e, False),
    "StringNotEquals": (lambda v, e, _: v == e, True),
    "StringEqualsIgnoreCase": (lambda v, e, _: v.lower() == e.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda v, e, _: v.lower() == e.lower(), True),
    "StringLike": (lambda v, e, p: p.match(e, v), False),
    "StringNotLike": (lambda v, e, p: p.match(e, v), True),
    "NumericEquals": (_compare(_number, _EQ), False),
    "NumericNotEquals": (_compare(_number, _EQ), True),
    "NumericLessThan": (_compare(_number, lambda a, b: a < b), False),
    "NumericLessThanEquals": (_compare(_number, lambda a, b: a <= b), False),
    "NumericGreaterThan": (_compare(_number, lambda a, b: a > b), False),
    "NumericGreaterThanEquals": (_compare(_number, lambda a, b: a >= b), False),
    "DateEquals": (_compare(_date, _EQ), False),
    "DateNotEquals": (_compare(_date, _EQ), True),
    "DateLessThan": (_compare(_date, lambda a, b: a < b), False),
    "DateLessThanEquals": (_compare(_date, lambda a, b: a <= b), False),
    "DateGreaterThan": (_compare(_date, lambda a, b: a > b), False),
    "DateGreaterThanEquals": (_compare(_date, lambda a, b: a >= b), False),
    "Bool": (lambda v, e, _: v.lower() == e.lower(), False),
    "BinaryEquals": (_binary, False),
    "IpAddress": (_ip, False),
    "NotIpAddress": (_ip, True),
    "ArnEquals": (lambda v, e, p: arn_matches(p, e, v), False),
    "ArnLike": (lambda v, e, p: arn_matches(p, e, v), False),
    "ArnNotEquals": (lambda v, e, p: arn_matches(p, e, v), True),
    "ArnNotLike": (lambda v, e, p: arn_matches(p, e, v), True),
}


def split_operator(operator: str) -> tuple[str | None, str, bool]:
    """``ForAnyValue:StringLikeIfExists`` -> ("ForAnyValue", "StringLike", True)."""
    qualifier = None
    if ":" in operator:
        qualifier, _, operator = operator.partition(":")
    if_exists = operator.endswith("IfExists") and operator != "IfExists"
    if if_exists:
        operator = operator[: -len("IfExists")]
    return qualifier, operator, if_exists


def is_known_operator(operator: str) -> bool:
    qualifier, base, if_exists = split_operator(operator)
    if qualifier not in (None, "ForAllValues", "ForAnyValue"):
        return False
    if base == "Null":
        return not if_exists
    return base in _BASE


def condition_holds(
    operator: str,
    expected: Sequence[str],
    actual: Sequence[str] | None,
    patterns: PatternCache,
) -> bool:
    """Whether one (operator, key) pair holds for the request's values of the key."""
    qualifier, base, if_exists = split_operator(operator)
    present = bool(actual)
    if base == "Null":
        want_absent = any(e.lower() == "true" for e in expected)
        return (not present) == want_absent
    matcher, negated = _BASE[base]

    def one(value: str) -> bool:
        hit = any(matcher(value, e, patterns) for e in expected)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in actual or ())
    if qualifier == "ForAnyValue":
        return present and any(one(v) for v in actual or ())
    if not present:
        return if_exists or negated
    # A single-valued key; a multi-valued key without a set qualifier matches if any does.
    if negated:
        return all(one(v) for v in actual or ())
    return any(one(v) for v in actual or ())
