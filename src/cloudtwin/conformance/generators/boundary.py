"""Strategy 1: values at, just inside and just outside every ``min``/``max`` bound.

Lengths of strings and blobs, sizes of lists and maps, ranges of numbers. At and inside a
bound the variant is positive; one past it, negative (``length`` or ``range``).
"""

from __future__ import annotations

from typing import Any, Iterator

from cloudtwin.conformance.generators.context import OperationContext
from cloudtwin.conformance.generators.paths import put
from cloudtwin.conformance.values import MAX_GENERATED_ITEMS, MAX_GENERATED_LENGTH
from cloudtwin.conformance.variant import Variant


def _length_points(lo: int, hi: int | None) -> Iterator[tuple[str, int, bool]]:
    """(label, length, within bounds) for each interesting length."""
    points: dict[int, tuple[str, bool]] = {}
    points.setdefault(lo, ("min", True))
    points.setdefault(lo + 1, ("min+1", hi is None or lo + 1 <= hi))
    if lo > 0:
        points.setdefault(lo - 1, ("min-1", False))
    if hi is not None:
        points.setdefault(hi, ("max", True))
        if hi - 1 >= lo:
            points.setdefault(hi - 1, ("max-1", True))
        points.setdefault(hi + 1, ("max+1", False))
    for length, (label, inside) in points.items():
        yield label, length, inside


def _collection(ctx: OperationContext, shape: Any, count: int) -> Any:
    factory = ctx.factory
    if shape.type_name == "list":
        item = factory.valid(shape.member)
        if item == {} and ctx.protocol in ("query", "ec2"):
            return None  # empty structures leave nothing on a query string: no list to count
        return None if item is None else [item] * count
    out: dict[str, Any] = {}
    value = factory.valid(shape.value)
    if value is None:
        return None
    for i in range(count):
        key = factory.key_value(shape.key, i)
        if key is None:
            return None
        out[key] = value
    return out


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
        if "min" not in meta and "max" not in meta:
            continue
        if kind == "string" and meta.get("enum"):
            continue
        if kind in ("string", "blob", "list", "map"):
            lo, hi = factory.length_bounds(member)
            limit = MAX_GENERATED_ITEMS if kind in ("list", "map") else MAX_GENERATED_LENGTH
            for label, length, inside in _length_points(lo, hi):
                if length > limit:
                    continue
                if kind == "string":
                    value: Any = factory.string_of_length(member, length)
                    if value is None and not inside:
                        value = "a" * length
                elif kind == "blob":
                    value = b"x" * length
                else:
                    value = _collection(ctx, member, length)
                if value is None:
                    continue
                if slot.location in ("uri",) and length == 0:
                    continue  # an empty path segment is another request, not an empty value
                params = put(base, shape, slot.path, value, factory)
                if params is None:
                    continue
                out.append(Variant(
                    ctx.name, "boundary", f"{slot.label}:len={label}({length})", params,
                    "positive" if inside else "negative", slot.path,
                    None if inside else "length",
                ))
        elif kind in ("integer", "long", "float", "double"):
            lo, hi = meta.get("min"), meta.get("max")
            points: list[tuple[str, float, bool]] = []
            if lo is not None:
                points += [("min", lo, True), ("min+1", lo + 1, hi is None or lo + 1 <= hi),
                           ("min-1", lo - 1, False)]
            if hi is not None:
                points += [("max", hi, True), ("max-1", hi - 1, lo is None or hi - 1 >= lo),
                           ("max+1", hi + 1, False)]
            for label, number, inside in points:
                value = int(number) if kind in ("integer", "long") else float(number)
                params = put(base, shape, slot.path, value, factory)
                if params is None:
                    continue
                out.append(Variant(
                    ctx.name, "boundary", f"{slot.label}:{label}({value})", params,
                    "positive" if inside else "negative", slot.path,
                    None if inside else "range",
                ))
    return out
