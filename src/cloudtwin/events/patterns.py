"""The event-pattern language of EventBridge, shared by everything that filters events
(Lambda event source mappings' filter criteria, EventBridge rules, Pipes).

A pattern is a JSON object whose leaves are lists of conditions; an event matches when
every key matches (nested objects descend) and a leaf matches when any condition matches
any of the event's values there (an array in the event is a set of values). Conditions:

    "text" / 12.5 / true / null                    exact
    {"prefix": "a"}  {"suffix": "z"}                (or {"prefix": {"equals-ignore-case": "a"}})
    {"equals-ignore-case": "Ab"}                    {"wildcard": "*.png"}
    {"anything-but": v | [v, ...] | {"prefix"|"suffix"|"wildcard"|"equals-ignore-case": ...}}
    {"numeric": [">", 0, "<=", 5]}                  {"exists": true | false}
    {"cidr": "10.0.0.0/24"}                         {"$or": [pattern, pattern, ...]} at any level

``compile_pattern`` validates once (``PatternError`` with the reason AWS gives) and returns
a :class:`Pattern` whose ``matches(event)`` only compares.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from typing import Any, Callable

from cloudtwin.protocol import jackson

__all__ = ["Pattern", "PatternError", "compile_pattern", "matches"]

_MISSING = object()
_NUMERIC_OPS = ("<", "<=", "=", ">", ">=")
_NUMERIC_LIMIT = 5e9
_MAX_WILDCARDS = 5


class PatternError(ValueError):
    """The pattern is not valid; ``str()`` is the reason."""


Test = Callable[[Any], bool]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _wildcard(pattern: str) -> re.Pattern:
    if "**" in pattern:
        raise PatternError("Consecutive wildcard characters at pos " + str(pattern.index("**") + 1))
    if len(re.findall(r"(?<!\\)\*", pattern)) > _MAX_WILDCARDS:
        raise PatternError("Rule is too complex - try using fewer wildcard characters or fewer repeating "
                           "character sequences after a wildcard character")
    parts = re.split(r"(?<!\\)\*", pattern)
    return re.compile(".*".join(re.escape(p.replace("\\*", "*")) for p in parts), re.DOTALL)


def _string_test(kind: str, operand: Any, owner: str) -> Test:
    """prefix / suffix / equals-ignore-case / wildcard, with the ignore-case forms."""
    if kind in ("prefix", "suffix") and isinstance(operand, dict):
        if list(operand) != ["equals-ignore-case"] or not isinstance(operand["equals-ignore-case"], str):
            raise PatternError(f"Unsupported {kind} pattern: {json.dumps(operand)}")
        text = operand["equals-ignore-case"].lower()
        if kind == "prefix":
            return lambda v: isinstance(v, str) and v.lower().startswith(text)
        return lambda v: isinstance(v, str) and v.lower().endswith(text)
    if kind == "wildcard":
        if not isinstance(operand, str):
            raise PatternError(f'"wildcard" match pattern must be a string, not {json.dumps(operand)}')
        regex = _wildcard(operand)
        return lambda v: isinstance(v, str) and regex.fullmatch(v) is not None
    if not isinstance(operand, str):
        raise PatternError(f'"{kind}" match pattern must be a string, not {json.dumps(operand)}')
    if kind == "prefix":
        return lambda v: isinstance(v, str) and v.startswith(operand)
    if kind == "suffix":
        return lambda v: isinstance(v, str) and v.endswith(operand)
    lowered = operand.lower()
    return lambda v: isinstance(v, str) and v.lower() == lowered


def _numeric(spec: Any) -> Test:
    if not isinstance(spec, list) or not spec or len(spec) % 2:
        raise PatternError("Value of numeric must be an array.")
    checks: list[tuple[str, float]] = []
    for op, bound in zip(spec[::2], spec[1::2]):
        if op not in _NUMERIC_OPS:
            raise PatternError(f"Unrecognized numeric range operator: {op}")
        if not _is_number(bound) or not math.isfinite(bound) or abs(bound) > _NUMERIC_LIMIT:
            raise PatternError(f"Value of {op} must be numeric")
        checks.append((op, float(bound)))
    if len(checks) > 2 or (len(checks) == 2 and checks[0][0] in ("=",)):
        raise PatternError("Too many elements in numeric expression")
    if len(checks) == 2:
        lower = [op for op, _ in checks if op in (">", ">=")]
        upper = [op for op, _ in checks if op in ("<", "<=")]
        if len(lower) != 1 or len(upper) != 1 or checks[0][0] not in (">", ">="):
            raise PatternError("Bad numeric range operator")

    def test(value: Any) -> bool:
        if not _is_number(value):
            return False
        v = float(value)
        for op, bound in checks:
            if not {"<": v < bound, "<=": v <= bound, "=": v == bound, ">": v > bound, ">=": v >= bound}[op]:
                return False
        return True

    return test


def _anything_but(operand: Any) -> Test:
    """The negation of a condition: any value (a number, null...) that does not match it."""
    if isinstance(operand, dict):
        if len(operand) != 1:
            raise PatternError("Value of anything-but must be an array or single string/number value.")
        (kind, inner), = operand.items()
        if kind not in ("prefix", "suffix", "wildcard", "equals-ignore-case"):
            raise PatternError(f"Unsupported anything-but pattern: {kind}")
        items = inner if isinstance(inner, list) else [inner]
        if not items or any(not isinstance(x, str) for x in items):
            raise PatternError(f"Inside anything-but/{kind} list, number|start|null|boolean is not supported.")
        if kind in ("prefix", "suffix") and any(x == "" for x in items):
            raise PatternError(f"Null {kind} not allowed")
        tests = [_string_test(kind, x, "anything-but") for x in items]
        return lambda v: not any(t(v) for t in tests)
    values = operand if isinstance(operand, list) else [operand]
    for value in values:
        if isinstance(value, (dict, list)) or value is None or isinstance(value, bool):
            raise PatternError("Inside anything but list, start|null|boolean is not supported.")
    numbers = {float(v) for v in values if _is_number(v)}
    strings = {v for v in values if isinstance(v, str)}
    return lambda v: not ((isinstance(v, str) and v in strings) or (_is_number(v) and float(v) in numbers))


def _cidr(operand: Any) -> Test:
    try:
        network = ipaddress.ip_network(operand, strict=False)
    except (TypeError, ValueError):
        raise PatternError(f"Malformed CIDR, one '/' required: {operand}") from None

    def test(value: Any) -> bool:
        try:
            return isinstance(value, str) and ipaddress.ip_address(value) in network
        except ValueError:
            return False

    return test


def _condition(spec: Any) -> tuple[Test, bool | None]:
    """``(test, exists)``: exists is True/False for ``{"exists": ...}``, else None."""
    if not isinstance(spec, dict):
        if isinstance(spec, list):
            raise PatternError("Match value must be String, number, true, false, or null")
        if _is_number(spec):
            number = float(spec)
            return (lambda v: _is_number(v) and float(v) == number), None
        return (lambda v: v == spec and type(v) is type(spec)), None
    if len(spec) != 1:
        raise PatternError("Only one key allowed in match expression")
    (kind, operand), = spec.items()
    if kind == "exists":
        if not isinstance(operand, bool):
            raise PatternError("exists match pattern must be either true or false.")
        return (lambda v: True), operand
    if kind in ("prefix", "suffix", "equals-ignore-case", "wildcard"):
        return _string_test(kind, operand, kind), None
    if kind == "anything-but":
        return _anything_but(operand), None
    if kind == "numeric":
        return _numeric(operand), None
    if kind == "cidr":
        return _cidr(operand), None
    raise PatternError(f"Unrecognized match type {kind}")


class _Leaf:
    __slots__ = ("tests", "exists")

    def __init__(self, specs: list) -> None:
        if not specs:
            raise PatternError("Empty arrays are not allowed")
        self.tests: list[Test] = []
        self.exists: list[bool] = []
        for spec in specs:
            test, exists = _condition(spec)
            if exists is None:
                self.tests.append(test)
            else:
                self.exists.append(exists)

    def match(self, value: Any) -> bool:
        present = value is not _MISSING and value != []
        if any(e == present for e in self.exists):
            if not present or not isinstance(value, dict):
                return True
        if value is _MISSING:
            return False
        values = value if isinstance(value, list) else [value]
        return any(test(v) for test in self.tests for v in values)


class Pattern:
    """A compiled pattern: ``matches(event)``."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.fields: list[tuple[str, Any]] = []
        self.alternatives: list[list[Pattern]] = []
        for key, value in spec.items():
            if key == "$or":
                if not isinstance(value, list) or len(value) < 2:
                    raise PatternError("Value of $or must be an array of at least 2 patterns.")
                self.alternatives.append([Pattern(_object(v)) for v in value])
            elif isinstance(value, dict):
                self.fields.append((key, Pattern(value)))
            elif isinstance(value, list):
                self.fields.append((key, _Leaf(value)))
            else:
                raise PatternError("Match value must be String, number, true, false, or null")

    def matches(self, event: Any) -> bool:
        if not isinstance(event, dict):
            return False
        for key, node in self.fields:
            value = _lookup(event, key)
            if isinstance(node, Pattern):
                if value is _MISSING:
                    value = _flattened(event, key)
                candidates = value if isinstance(value, list) else [value]
                if not any(isinstance(c, dict) and node.matches(c) for c in candidates):
                    if not (value is _MISSING and node._all_absent()):
                        return False
            elif not node.match(value):
                return False
        return all(any(p.matches(event) for p in group) for group in self.alternatives)

    def _all_absent(self) -> bool:
        """A nested pattern made only of ``exists: false`` matches an absent object."""
        return bool(self.fields) and all(
            (isinstance(n, _Leaf) and False in n.exists) or (isinstance(n, Pattern) and n._all_absent())
            for _, n in self.fields
        )


def _flattened(event: dict[str, Any], key: str) -> Any:
    """The object an event spells with dotted keys (``{"a.b": 1}`` is ``a`` → ``b``)."""
    prefix = key + "."
    inner = {k[len(prefix):]: v for k, v in event.items() if isinstance(k, str) and k.startswith(prefix)}
    return inner or _MISSING


def _lookup(event: dict[str, Any], key: str) -> Any:
    """The event's value at ``key``; a dotted key also reaches into nested objects
    (``"a.b"`` is ``a`` → ``b``), since the matcher sees the event's fields flattened."""
    value = event.get(key, _MISSING)
    if value is not _MISSING or "." not in key:
        return value
    head, _, rest = key.partition(".")
    while True:
        inner = event.get(head, _MISSING)
        if isinstance(inner, dict):
            found = _lookup(inner, rest)
            if found is not _MISSING:
                return found
        if "." not in rest:
            return _MISSING
        extra, _, rest = rest.partition(".")
        head = f"{head}.{extra}"


def _object(spec: Any) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise PatternError("Filter is not an object")
    return spec


def compile_pattern(source: str | dict[str, Any]) -> Pattern:
    if isinstance(source, str):
        try:
            spec = json.loads(source)
        except json.JSONDecodeError as error:
            raise PatternError(jackson.syntax_error(source, error, redacted=False)) from None
        if not isinstance(spec, dict):
            start = len(source) - len(source.lstrip())
            raise PatternError("Filter is not an object" + jackson.location(source, start + 1, redacted=False))
    else:
        spec = source
    return Pattern(_object(spec))


def matches(pattern: str | dict[str, Any], event: Any) -> bool:
    return compile_pattern(pattern).matches(event)
