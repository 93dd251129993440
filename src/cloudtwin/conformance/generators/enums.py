"""Strategy 2: every value of every enum-typed member, in every operation that uses it."""

from __future__ import annotations

from cloudtwin.conformance.generators.context import OperationContext
from cloudtwin.conformance.generators.paths import put
from cloudtwin.conformance.variant import Variant


def generate(ctx: OperationContext) -> list[Variant]:
    base = ctx.base
    shape = ctx.input_shape
    if base is None or shape is None:
        return []
    out: list[Variant] = []
    for slot in ctx.slots:
        enum = slot.shape.metadata.get("enum")
        if not enum or slot.shape.type_name != "string":
            continue
        for value in enum:
            params = put(base, shape, slot.path, value, ctx.factory)
            if params is not None:
                out.append(Variant(ctx.name, "enum", f"{slot.label}={value}", params,
                                   "positive", slot.path))
    return out
