"""Whether a typed input value satisfies the model — our own reading, independent of the
server's validator — so inputs nobody hand-picked (random draws, the models' examples) can
be sorted into positive and negative variants."""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cloudtwin.conformance.values import matches

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import Shape

    from cloudtwin.conformance.values import ValueFactory

#: Verdicts: True (valid), False (breaks a constraint), None (depends on a pattern we cannot read).
Verdict = bool | None


def conforms(shape: "Shape", value: Any, factory: "ValueFactory", depth: int = 0) -> Verdict:
    kind = shape.type_name
    meta = shape.metadata
    unknown = False

    def fold(result: Verdict) -> bool:
        nonlocal unknown
        if result is None:
            unknown = True
            return True
        return result

    if kind == "structure":
        if not isinstance(value, dict):
            return False
        for name in shape.required_members:
            if name not in value:
                return False
        for name, item in value.items():
            member = shape.members.get(name)
            if member is None or not fold(conforms(member, item, factory, depth + 1)):
                return False
        if meta.get("union") and len(value) != 1:
            return False
    elif kind in ("list", "map"):
        if not isinstance(value, (list, dict)) or (kind == "map") != isinstance(value, dict):
            return False
        lo, hi = factory.length_bounds(shape)
        if len(value) < lo or (hi is not None and len(value) > hi):
            return False
        if kind == "list":
            for item in value:
                if not fold(conforms(shape.member, item, factory, depth + 1)):
                    return False
        else:
            for key, item in value.items():
                if not fold(conforms(shape.key, key, factory, depth + 1)):
                    return False
                if not fold(conforms(shape.value, item, factory, depth + 1)):
                    return False
    elif kind == "string":
        if not isinstance(value, str):
            return False
        enum = meta.get("enum")
        if enum and value not in enum:
            return False
        lo, hi = factory.length_bounds(shape)
        if len(value) < lo or (hi is not None and len(value) > hi):
            return False
        if "pattern" in meta:
            if not factory.pattern_known(shape):
                unknown = True
            elif not matches(factory.pattern(shape), value):
                return False
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        if not _in_range(meta, value):
            return False
    elif kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if isinstance(value, float) and math.isnan(value):
            return "min" not in meta and "max" not in meta
        if not _in_range(meta, value):
            return False
    elif kind == "boolean":
        if not isinstance(value, bool):
            return False
    elif kind == "blob":
        if not isinstance(value, (bytes, bytearray, str)):
            return False
        lo, hi = factory.length_bounds(shape)
        size = len(value.encode() if isinstance(value, str) else value)
        if size < lo or (hi is not None and size > hi):
            return False
    elif kind == "timestamp":
        if not isinstance(value, (datetime, int, float, str)):
            return False
    return None if unknown else True


def _in_range(meta: dict[str, Any], value: float) -> bool:
    lo, hi = meta.get("min"), meta.get("max")
    return (lo is None or value >= lo) and (hi is None or value <= hi)
