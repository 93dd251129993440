"""Subscription filter policies: validated and compiled once, matched per message.

A filter policy is JSON. Each key names a message attribute (scope ``MessageAttributes``)
or a path into a JSON message body (scope ``MessageBody``, where objects nest), and maps to
a list of *conditions*; a message matches when every key matches (AND) and a key matches
when any condition matches any of its values (OR). ``$or`` takes a list of sub-policies of
which one must match. Conditions::

    "text" / 12.5 / true / null            exact match
    {"prefix": "ab"}                          {"prefix": {"equals-ignore-case": "ab"}}
    {"suffix": "yz"}                          {"suffix": {"equals-ignore-case": "yz"}}
    {"equals-ignore-case": "Ab"}              {"exists": true|false}
    {"anything-but": "x" | 3 | ["x", "y"] | [1, 2] | {"prefix": "x"}
                     | {"equals-ignore-case": "x" | ["x", "y"]}}   (no suffix: SNS refuses it)
    {"numeric": [">", 0, "<=", 5]}            {"cidr": "10.0.0.0/24"}

The policy is compiled into small matcher objects at Subscribe / SetSubscriptionAttributes
time, so a Publish only runs comparisons. Validation failures raise ``InvalidParameter``
with AWS's wording, ``Invalid parameter: FilterPolicy: <reason>``.
"""

from __future__ import annotations

import ipaddress
import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from cloudtwin.protocol import jackson
from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError

__all__ = ["FilterPolicy", "compile_policy", "MAX_KEYS", "MAX_COMBINATIONS"]

MAX_KEYS = 5
MAX_COMBINATIONS = 150
MAX_POLICY_BYTES = 256 * 1024
_NUMERIC_LIMIT = 1_000_000_000
_NUMERIC_OPERATORS = ("<", "<=", "=", ">", ">=")
_MISSING = object()

Values = list[Any]


def _invalid(reason: str) -> ServiceError:
    return ServiceError("InvalidParameterException", f"Invalid parameter: FilterPolicy: {reason}")


# -- conditions -------------------------------------------------------------------------------
# Each has ``test(value) -> bool`` for one value of the key; ``exists`` is special-cased.


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _precise(value: Any) -> float:
    """A number as SNS compares it: five digits after the decimal point."""
    return round(float(value), 5)


@dataclass(frozen=True, slots=True)
class Exact:
    value: Any

    def test(self, value: Any) -> bool:
        expected = self.value
        if _is_number(expected):
            return _is_number(value) and _precise(value) == _precise(expected)
        if isinstance(expected, bool) or expected is None:
            return value is expected
        return isinstance(value, str) and value == expected


@dataclass(frozen=True, slots=True)
class Prefix:
    prefix: str
    ignore_case: bool = False

    def test(self, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        if self.ignore_case:
            return value.casefold().startswith(self.prefix.casefold())
        return value.startswith(self.prefix)


@dataclass(frozen=True, slots=True)
class Suffix:
    suffix: str
    ignore_case: bool = False

    def test(self, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        if self.ignore_case:
            return value.casefold().endswith(self.suffix.casefold())
        return value.endswith(self.suffix)


@dataclass(frozen=True, slots=True)
class EqualsIgnoreCase:
    value: str

    def test(self, value: Any) -> bool:
        return isinstance(value, str) and value.casefold() == self.value.casefold()


@dataclass(frozen=True, slots=True)
class AnythingBut:
    """Matches a present value that none of ``excluded`` matches."""

    excluded: tuple[Any, ...]

    def test(self, value: Any) -> bool:
        return not any(condition.test(value) for condition in self.excluded)


@dataclass(frozen=True, slots=True)
class Numeric:
    bounds: tuple[tuple[str, float], ...]

    def test(self, value: Any) -> bool:
        if not _is_number(value):
            return False
        number = _precise(value)
        for op, bound in self.bounds:
            bound = _precise(bound)
            if op == "=" and not number == bound:
                return False
            if op == "<" and not number < bound:
                return False
            if op == "<=" and not number <= bound:
                return False
            if op == ">" and not number > bound:
                return False
            if op == ">=" and not number >= bound:
                return False
        return True


@dataclass(frozen=True, slots=True)
class Cidr:
    network: Any

    def test(self, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        try:
            return ipaddress.ip_address(value) in self.network
        except ValueError:
            return False


@dataclass(frozen=True, slots=True)
class Exists:
    expected: bool

    def test(self, value: Any) -> bool:  # pragma: no cover - handled in KeyMatcher
        return self.expected


@dataclass(frozen=True, slots=True)
class KeyMatcher:
    """The conditions of one key (a path of names)."""

    path: tuple[str, ...]
    conditions: tuple[Any, ...]

    def matches(self, values: Values | None) -> bool:
        present = values is not None
        for condition in self.conditions:
            if type(condition) is Exists:
                if condition.expected == present:
                    return True
                continue
            if not present:
                continue
            for value in values:  # type: ignore[union-attr]
                if condition.test(value):
                    return True
        return False


@dataclass(slots=True)
class Node:
    """All ``keys`` match, and for each group in ``alternatives`` one of its nodes does."""

    keys: list[KeyMatcher] = field(default_factory=list)
    alternatives: list[list["Node"]] = field(default_factory=list)

    def matches(self, lookup: Callable[[tuple[str, ...]], Values | None]) -> bool:
        for key in self.keys:
            if not key.matches(lookup(key.path)):
                return False
        for group in self.alternatives:
            if not any(node.matches(lookup) for node in group):
                return False
        return True


class FilterPolicy:
    """A compiled filter policy for one scope."""

    __slots__ = ("root", "scope")

    def __init__(self, root: Node, scope: str) -> None:
        self.root = root
        self.scope = scope

    def matches(self, message: str, attributes: dict[str, dict[str, Any]] | None) -> bool:
        """True when the message (its attributes, or its JSON body) passes the policy."""
        if self.scope == "MessageBody":
            try:
                body = read_json(message)
            except ValueError:
                return False
            if not isinstance(body, dict):
                return False
            leaves = _leaves(body)
            return self.root.matches(lambda path: leaves.get(".".join(path)))
        attrs = attributes or {}
        return self.root.matches(lambda path: _attribute_values(attrs, path[0]))


def _leaves(body: dict[str, Any]) -> dict[str, Values]:
    """The body's leaf values by dotted path. Arrays (of arrays) are looked through, so a
    key matches any element; ``{"a": {"b": 1}}`` and ``{"a.b": 1}`` both give ``a.b`` (a
    policy key names a path whether it nests or dots it)."""
    out: dict[str, Values] = {}
    stack: list[tuple[str, Any]] = [("", body)]
    while stack:
        prefix, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                stack.append((f"{prefix}.{key}" if prefix else key, item))
        elif isinstance(value, list):
            stack.extend((prefix, item) for item in reversed(value))
        elif prefix:
            out.setdefault(prefix, []).append(value)
    return out


def _attribute_values(attributes: dict[str, dict[str, Any]], name: str) -> Values | None:
    attribute = attributes.get(name)
    if attribute is None:
        return None
    kind = attribute.get("DataType", "")
    value = attribute.get("StringValue")
    if kind.startswith("String.Array"):
        try:
            items = read_json(value or "")
        except ValueError:
            return []
        return list(items) if isinstance(items, list) else [items]
    if kind.startswith("Number"):
        try:
            number = float(value or "")
        except ValueError:
            return []
        return [number]
    if kind.startswith("String"):
        return [value]
    return None  # Binary attributes take no part in filtering


# -- compiling --------------------------------------------------------------------------------


def compile_policy(text: str, scope: str) -> FilterPolicy | None:
    """Validate a policy's JSON and compile it; None for an empty policy (``""``/``{}``)."""
    if text is None or text.strip() == "":
        return None
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise _invalid("Filter policy is too big")
    try:
        document = read_json(text)
    except ValueError:
        detail = jackson.reason(text)
        raise _invalid("failed to parse JSON." + (f" {detail}" if detail else "")) from None
    if not isinstance(document, dict):
        raise _invalid("Filter policy must be a JSON object")
    if not document:
        return None
    compiler = _Compiler(nested=scope == "MessageBody", source=_Source(document))
    root = compiler.node(document, (), ())
    if compiler.keys > MAX_KEYS:
        raise _invalid(f"Filter policy can not have more than {MAX_KEYS} keys")
    if _combinations(root) > MAX_COMBINATIONS:
        raise _invalid("Filter policy is too complex")
    return FilterPolicy(root, scope)


def _combinations(node: Node) -> int:
    """AWS's complexity measure: the product, over the keys, of the number of values times
    the key's nesting depth (1 for attributes and top-level body keys)."""
    total = 1
    for key in node.keys:
        total *= max(1, len(key.conditions)) * len(key.path)
    for group in node.alternatives:
        total *= max(1, sum(_combinations(n) for n in group))
    return total


class _Source:
    """Where each value of a policy sits in its compact JSON text, for the location AWS's
    (Jackson) parser appends to errors about a value: ``at [Source: (String)"…"; line: 1,
    column: N]``, N being just past the value (past the opening quote for a string)."""

    MAX_SHOWN = 500

    def __init__(self, document: Any) -> None:
        self.document = document
        self.columns: dict[tuple[Any, ...], int] = {}
        self.text = ""

    def _measure(self) -> bool:
        """Lay the text out (only when an error needs a place); False if it cannot be."""
        if not self.text:
            parts: list[str] = []
            try:
                self._walk(self.document, (), parts, 0)
            except RecursionError:  # absurdly deep: the error goes out without a place
                return False
            self.text = "".join(parts)
        return True

    def _walk(self, value: Any, path: tuple[Any, ...], parts: list[str], pos: int) -> int:
        if isinstance(value, dict):
            parts.append("{")
            self.columns[path] = pos + 2
            pos += 1
            for index, (key, item) in enumerate(value.items()):
                head = ("," if index else "") + json.dumps(key, ensure_ascii=False) + ":"
                parts.append(head)
                pos = self._walk(item, (*path, key), parts, pos + len(head))
            parts.append("}")
            return pos + 1
        if isinstance(value, list):
            parts.append("[")
            self.columns[path] = pos + 2
            pos += 1
            for index, item in enumerate(value):
                if index:
                    parts.append(",")
                    pos += 1
                pos = self._walk(item, (*path, index), parts, pos)
            parts.append("]")
            return pos + 1
        text = json.dumps(value, ensure_ascii=False)
        parts.append(text)
        self.columns[path] = pos + 2 if isinstance(value, str) else pos + len(text) + 1
        return pos + len(text)

    def locate(self, error: ServiceError, path: tuple[Any, ...]) -> ServiceError:
        if not self._measure():
            return error
        column = self.columns.get(path)
        if column is None or "\n at [Source:" in error.message:
            return error
        shown = self.text
        if len(shown) > self.MAX_SHOWN:
            shown = f'{shown[: self.MAX_SHOWN]}"[truncated {len(shown) - self.MAX_SHOWN} chars]'
        else:
            shown = f'{shown}"'
        return ServiceError(
            error.code, f'{error.message}\n at [Source: (String)"{shown}; line: 1, column: {column}]'
        )


class _Compiler:
    def __init__(self, nested: bool, source: _Source | None = None) -> None:
        self.nested = nested
        self.keys = 0
        self.source = source

    def _located(self, error: ServiceError, at: tuple[Any, ...]) -> ServiceError:
        return self.source.locate(error, at) if self.source is not None else error

    def node(self, document: dict[str, Any], prefix: tuple[str, ...], at: tuple[Any, ...]) -> Node:
        """``prefix`` is the key path the matchers look up; ``at`` the value's JSON path."""
        node = Node()
        for name, value in document.items():
            if name == "$or":
                node.alternatives.append(self.alternatives(value, prefix, (*at, name)))
                continue
            path = (*prefix, name)
            if isinstance(value, dict):
                if not self.nested:
                    raise _invalid(
                        "Filter policy scope MessageAttributes does not support nested filter policy"
                    )
                child = self.node(value, path, (*at, name))
                node.keys.extend(child.keys)
                node.alternatives.extend(child.alternatives)
                continue
            if not isinstance(value, list):
                raise self._located(_invalid(f'"{name}" must be an object or an array'), (*at, name))
            if not value:
                raise _invalid("Empty arrays are not allowed")
            self.keys += 1
            conditions = tuple(self.condition(item, (*at, name, i)) for i, item in enumerate(value))
            node.keys.append(KeyMatcher(path, conditions))
        return node

    def alternatives(self, value: Any, prefix: tuple[str, ...], at: tuple[Any, ...]) -> list[Node]:
        if not isinstance(value, list) or len(value) < 2:
            raise _invalid("Or relationship must have at least 2 elements in the array")
        group = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise _invalid("Or relationship must be a list of objects")
            group.append(self.node(item, prefix, (*at, index)))
        return group

    def condition(self, item: Any, at: tuple[Any, ...] = ()) -> Any:
        if isinstance(item, dict):
            if len(item) == 1:
                (kind, value), = item.items()
                # An error about an operator's operand points at the operand (for
                # anything-but with an inner pattern, at the inner pattern's operand).
                where = (*at, kind)
                if kind == "anything-but" and isinstance(value, dict) and len(value) == 1:
                    where = (*where, next(iter(value)))
                try:
                    return self.operator(item)
                except ServiceError as error:
                    if kind == "numeric":  # numeric errors name the operator, not a place
                        raise
                    raise self._located(error, where) from None
            return self.operator(item)
        if isinstance(item, list):
            raise _invalid("Match value must be String, number, true, false, or null")
        if _is_number(item):
            _check_number(item)
        return Exact(item)

    def operator(self, item: dict[str, Any]) -> Any:
        if len(item) != 1:
            if not item:
                raise _invalid("Empty objects are not allowed")
            raise _invalid(f"Only one key allowed in match expression, found: {', '.join(item)}")
        (kind, value), = item.items()
        if kind == "prefix":
            return Prefix(*_string_or_ignore_case(kind, value))
        if kind == "suffix":
            return Suffix(*_string_or_ignore_case(kind, value))
        if kind == "equals-ignore-case":
            if not isinstance(value, str):
                raise _invalid("equals-ignore-case match pattern must be a string")
            return EqualsIgnoreCase(value)
        if kind == "exists":
            if not isinstance(value, bool):
                raise _invalid("exists match pattern must be either true or false.")
            return Exists(value)
        if kind == "numeric":
            return _numeric(value)
        if kind == "anything-but":
            return _anything_but(value)
        if kind == "cidr":
            if not isinstance(value, str):
                raise _invalid("prefix match pattern must be a string")
            try:
                return Cidr(ipaddress.ip_network(value, strict=False))
            except ValueError:
                raise _invalid(f"Nonstandard IP address: {value}") from None
        raise _invalid(f"Unrecognized match type {kind}")


def _string_or_ignore_case(kind: str, value: Any) -> tuple[str, bool]:
    if isinstance(value, str):
        return value, False
    if isinstance(value, dict) and len(value) == 1 and "equals-ignore-case" in value:
        inner = value["equals-ignore-case"]
        if isinstance(inner, str):
            return inner, True
    raise _invalid(f"{kind} match pattern must be a string")


def _check_number(value: float) -> float:
    number = float(value)
    if not math.isfinite(number) or not -_NUMERIC_LIMIT <= number <= _NUMERIC_LIMIT:
        raise _invalid(
            "Numeric values must be within the range of -1,000,000,000 to 1,000,000,000"
        )
    return number


def _numeric(value: Any) -> Numeric:
    if not isinstance(value, list):
        raise _invalid("Value of numeric must be an array.")
    if not value or len(value) % 2:
        raise _invalid("Value of numeric must be an array of operator and value pairs.")
    if len(value) > 4:
        raise _invalid("Too many elements in numeric expression")
    bounds: list[tuple[str, float]] = []
    for index in range(0, len(value), 2):
        op, operand = value[index], value[index + 1]
        if op not in _NUMERIC_OPERATORS:
            raise _invalid(f"Unrecognized numeric range operator: {op}")
        if not _is_number(operand):
            raise _invalid(f"Value of {op} must be numeric")
        bounds.append((op, _check_number(operand)))
    if len(bounds) == 2:
        (op1, low), (op2, high) = bounds
        if op1 not in (">", ">=") or op2 not in ("<", "<="):
            raise _invalid(f"Bad numeric range operator: {op2 if op1 in ('>', '>=') else op1}")
        if not low < high:
            raise _invalid("Bottom must be less than top")
    elif bounds[0][0] == "=" and len(value) != 2:  # pragma: no cover - caught above
        raise _invalid("Too many elements in numeric expression")
    return Numeric(tuple(bounds))


def _anything_but(value: Any) -> AnythingBut:
    if isinstance(value, dict):
        if len(value) != 1:
            raise _invalid("Value of anything-but must be an array or single string/number value.")
        (kind, inner), = value.items()
        if kind == "prefix":
            if not isinstance(inner, str):
                raise _invalid("prefix match pattern must be a string")
            return AnythingBut((Prefix(inner),))
        if kind == "equals-ignore-case":
            items = inner if isinstance(inner, list) else [inner]
            if not items or not all(isinstance(i, str) for i in items):
                raise _invalid("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
            return AnythingBut(tuple(EqualsIgnoreCase(i) for i in items))
        raise _invalid(f"Unsupported anything-but pattern: {kind}")
    items: Iterable[Any] = value if isinstance(value, list) else [value]
    excluded = []
    kinds = set()
    for item in items:
        if isinstance(item, str):
            kinds.add("string")
        elif _is_number(item):
            kinds.add("number")
            _check_number(item)
        else:
            raise _invalid("Inside anything but list, start|null|boolean is not supported.")
        excluded.append(Exact(item))
    if isinstance(value, list) and not value:
        raise _invalid("Empty arrays are not allowed")
    if len(kinds) > 1:
        raise _invalid("Inside anything but list, mixed types are not supported.")
    return AnythingBut(tuple(excluded))
