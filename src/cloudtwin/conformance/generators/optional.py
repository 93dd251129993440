"""Strategy 3: optional-member permutations — required only, all members, and required plus
each optional member on its own (top-level members, and the members of top-level
structures)."""

from __future__ import annotations

from cloudtwin.conformance.generators.context import OperationContext
from cloudtwin.conformance.generators.paths import put
from cloudtwin.conformance.variant import Variant


def generate(ctx: OperationContext) -> list[Variant]:
    base = ctx.base
    shape = ctx.input_shape
    if base is None or shape is None:
        return []
    out = [Variant(ctx.name, "optional", "required-only", base, "positive")]
    if ctx.full is not None and ctx.full != base:
        out.append(Variant(ctx.name, "optional", "all-members", ctx.full, "positive"))
    for slot in ctx.slots:
        if slot.required or len(slot.path) > 2 or any(isinstance(s, int) for s in slot.path):
            continue
        if len(slot.path) == 2 and slot.path[0] not in base:
            continue  # a member of an optional structure: covered when its parent is set
        value = ctx.factory.valid(slot.shape, 1, all_members=slot.shape.type_name == "structure")
        if value is None:
            continue
        params = put(base, shape, slot.path, value, ctx.factory)
        if params is not None:
            out.append(Variant(ctx.name, "optional", f"+{slot.label}", params, "positive"))
    return out
