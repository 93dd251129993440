"""Strategy 6: one broken constraint per variant — a missing required member, an
out-of-range number, a too-long value, an invalid enum value, a wrong type, a pattern
violation. Each is negative: it must be rejected with AWS's code for that violation.

Not generated, because the wire cannot carry them: a missing member bound to the URI path
(botocore would build another operation's URL), and wrong types the protocol's serializer
rewrites into valid values (query and REST send every scalar as text, so only numbers and
booleans given words are wrong there).
"""

from __future__ import annotations

from typing import Any

from cloudtwin.conformance.generators.context import OperationContext
from cloudtwin.conformance.generators.paths import put, remove
from cloudtwin.conformance.values import MAX_GENERATED_LENGTH, matches
from cloudtwin.conformance.variant import Variant

#: Values that rarely satisfy an AWS pattern, tried in order.
_PATTERN_BREAKERS = ("\u00e9\u00e9\u00e9", "!!!", "a b", "<>", "\u2603", "\n")
_JSON_FAMILY = ("json", "rest-json", "smithy-rpc-v2-cbor")


def _wrong_type(kind: str, protocol: str, location: str | None) -> Any:
    """A value of the wrong type that survives botocore's serializer, or a sentinel None."""
    json_body = protocol in _JSON_FAMILY and location is None
    if kind in ("integer", "long", "float", "double"):
        return "not-a-number"
    if json_body and kind == "string":
        return 12345
    if json_body and kind == "boolean":
        return "not-a-boolean"
    # no list: botocore's JSON serializer iterates whatever it is given, so a dict goes out as
    # the list of its keys and a string as the list of its characters — a valid list
    return None


def generate(ctx: OperationContext) -> list[Variant]:
    base = ctx.base
    shape = ctx.input_shape
    if base is None or shape is None:
        return []
    factory = ctx.factory
    out: list[Variant] = []
    for slot in ctx.slots:
        member = slot.shape
        kind = member.type_name
        meta = member.metadata
        name = slot.label
        # a missing required member (where the parent is present in the base input)
        if slot.required and not isinstance(slot.path[-1], int) and slot.location != "uri":
            parent_present = len(slot.path) == 1 or _present(base, slot.path[:-1])
            if parent_present and not _in_map(shape, slot.path):
                params = remove(base, slot.path)
                if params is not None:
                    out.append(Variant(ctx.name, "negative", f"{name}:missing", params,
                                       "negative", slot.path, "required"))
        variants: list[tuple[str, Any, str]] = []
        if kind == "string" and meta.get("enum"):
            variants.append(("invalid-enum", "NOT_A_VALID_ENUM_VALUE", "enum"))
        if kind == "string" and "max" in meta and not meta.get("enum"):
            length = min(int(meta["max"]) * 2 + 10, MAX_GENERATED_LENGTH)
            if length > int(meta["max"]):
                variants.append(("too-long", "a" * length, "length"))
        if kind in ("integer", "long", "float", "double"):
            if "max" in meta:
                variants.append(("far-above-max", _number(kind, meta["max"] + 1000), "range"))
            if "min" in meta:
                variants.append(("far-below-min", _number(kind, meta["min"] - 1000), "range"))
        if kind == "string" and "pattern" in meta and not meta.get("enum") and factory.pattern_known(member):
            breaker = _pattern_breaker(ctx, member)
            if breaker is not None:
                variants.append(("pattern-violation", breaker, "pattern"))
        wrong = _wrong_type(kind, ctx.protocol, slot.location)
        if wrong is not None and not (kind == "string" and ctx.protocol not in _JSON_FAMILY):
            variants.append(("wrong-type", wrong, "type"))
        for label, value, violation in variants:
            params = put(base, shape, slot.path, value, factory)
            if params is not None:
                out.append(Variant(ctx.name, "negative", f"{name}:{label}", params,
                                   "negative", slot.path, violation))
    return out


def _number(kind: str, value: float) -> int | float:
    return int(value) if kind in ("integer", "long") else float(value)


def _present(base: dict[str, Any], path: tuple[Any, ...]) -> bool:
    node: Any = base
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return False
    return True


def _in_map(shape: Any, path: tuple[Any, ...]) -> bool:
    """Whether the last step is a map key (removing it is not a missing member)."""
    current = shape
    for step in path[:-1]:
        kind = current.type_name
        current = current.members[step] if kind == "structure" else (
            current.member if kind == "list" else current.value)
    return current.type_name == "map"


def _pattern_breaker(ctx: OperationContext, member: Any) -> str | None:
    factory = ctx.factory
    regex = factory.pattern(member)
    lo, hi = factory.length_bounds(member)
    for candidate in _PATTERN_BREAKERS:
        value = candidate
        if len(value) < lo:
            value = value + "a" * (lo - len(value))
        if hi is not None and len(value) > hi:
            value = value[:hi]
        if value and not matches(regex, value):
            return value
    return None
