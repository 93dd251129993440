"""Compiled check plans for the model's input constraints (the engine under ``validation``).

A :class:`PlanCompiler` turns an operation's input shape into a tree of plans once: every
``required`` member, ``min``/``max`` length or value, ``pattern`` and ``enum`` becomes a small
closure, and subtrees with nothing to check are pruned away (including recursive shapes such
as DynamoDB's ``AttributeValue``, which would otherwise be walked for every attribute). A plan
answers two questions:

- ``check(value) -> bool``: the hot path, no allocation, no path strings;
- ``collect(value, ctx, out)``: only for invalid input, lists every :class:`Violation` with
  AWS's path (``keySchema.1.member.attributeName``) and constraint text.

Element constraints of lists and maps are reported once on the collection, as AWS does
(``Member must satisfy constraint: [...]``, ``Map keys must satisfy constraint: [...]``,
``Map value must satisfy constraint: [...]``), listing the element's declared constraints
(maximum before minimum, as AWS lists them).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .patterns import JavaPatterns

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel, Shape

__all__ = ["CHECKS", "Ctx", "Plan", "PlanCompiler", "Violation", "format_number"]

CHECKS: frozenset[str] = frozenset({"required", "length", "range", "pattern", "enum"})
"""Every check kind; a compiler builds plans for the subset it is given."""

_NUMERIC = frozenset({"integer", "long", "float", "double", "bigdecimal", "biginteger"})
_INF = float("inf")
Check = Callable[[Any], bool]


@dataclass(frozen=True, slots=True)
class Violation:
    """One failed constraint, with everything a wording needs.

    ``kind`` is ``required``, ``length``, ``range``, ``pattern``, ``enum`` for a value's own
    constraint, or ``member`` / ``map_key`` / ``map_value`` for the collection-level report of
    its elements. ``path`` is AWS's (``keySchema.1.member.attributeName``); ``member_path`` is
    the model's member names without indexes (``KeySchema.AttributeName``). ``wire_path`` uses
    the members' serialized names (header name, query key). ``location`` is the serialization
    location of the top-level member (``header``, ``querystring``, ``uri``; ``None`` for the
    body); ``depth`` is 1 for a top-level member.
    """

    kind: str
    path: str
    member_path: str
    constraint: str
    value: Any
    wire_path: str
    location: str | None
    sensitive: bool
    depth: int


def format_number(x: int | float) -> str:
    """A number as Java prints it (``Double.toString`` for floats: ``1.0E7``, ``NaN``)."""
    if isinstance(x, int):
        return str(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0 or 1e-3 <= abs(x) < 1e7:
        return repr(float(x))  # Python's shortest repr is plain in this range, like Java's
    sign, digits, exponent = Decimal(repr(float(x))).normalize().as_tuple()
    text = "".join(map(str, digits))
    mantissa = text[0] + "." + (text[1:] or "0")
    return ("-" if sign else "") + f"{mantissa}E{int(exponent) + len(text) - 1}"


# --------------------------------------------------------------------------- own constraints


class _Own:
    """The constraints on one value itself (not on its members or elements)."""

    __slots__ = ("enum", "enum_text", "max_len", "max_val", "min_len", "min_val", "pattern", "ranged", "regex", "sized")

    def __init__(self) -> None:
        self.sized = False
        self.min_len = 0
        self.max_len = sys.maxsize
        self.ranged = False
        self.min_val: int | float = -_INF
        self.max_val: int | float = _INF
        self.regex: Any = None
        self.pattern: str | None = None
        self.enum: frozenset[str] | None = None
        self.enum_text = ""

    @classmethod
    def build(
        cls, shape: Shape, checks: frozenset[str], patterns: JavaPatterns,
        hash_set_enums: bool | Callable[[list[str]], list[str]] = False,
    ) -> _Own | None:
        meta = shape.metadata
        kind = shape.type_name
        own = cls()
        if "length" in checks and kind in ("string", "blob", "list", "map"):
            lo, hi = meta.get("min"), meta.get("max")
            if isinstance(lo, (int, float)) and lo > 0:
                own.min_len, own.sized = int(lo), True
            if isinstance(hi, (int, float)):
                own.max_len, own.sized = int(hi), True
        if "range" in checks and kind in _NUMERIC:
            lo, hi = meta.get("min"), meta.get("max")
            if isinstance(lo, (int, float)):
                own.min_val, own.ranged = lo, True
            if isinstance(hi, (int, float)):
                own.max_val, own.ranged = hi, True
        if kind == "string":
            if "pattern" in checks and meta.get("pattern"):
                own.pattern = meta["pattern"]
                own.regex = patterns.compile(own.pattern)  # None: not expressible, skipped
            if "enum" in checks and getattr(shape, "enum", None):
                own.enum = frozenset(shape.enum)
                order = hash_set_enums if callable(hash_set_enums) else java_hash_set_order
                listed = order(list(shape.enum)) if hash_set_enums else shape.enum
                own.enum_text = "[" + ", ".join(listed) + "]"
        if not (own.sized or own.ranged or own.regex is not None or own.enum is not None):
            return None
        return own

    def checker(self) -> Check:
        """The fastest closure answering "does a value satisfy these constraints?".

        Values of another type than the shape's (a stream where a blob is expected...) pass:
        types are the parsers' business.
        """
        lo, hi, vlo, vhi = self.min_len, self.max_len, self.min_val, self.max_val
        enum = self.enum
        match = self.regex.fullmatch if self.regex is not None else None
        if self.ranged:

            def check_range(v: Any) -> bool:
                cls = v.__class__
                if cls is int or cls is float:
                    return vlo <= v <= vhi or v != v  # NaN passes, as in Java
                return True

            return check_range
        if self.sized and enum is None and match is None:

            def check_len(v: Any) -> bool:
                try:
                    return lo <= len(v) <= hi
                except TypeError:
                    return True

            return check_len
        if enum is not None and not self.sized and match is None:

            def check_enum(v: Any) -> bool:
                return v in enum if v.__class__ is str or isinstance(v, str) else True

            return check_enum
        sized = self.sized

        def check(v: Any) -> bool:
            if v.__class__ is not str and not isinstance(v, str):
                if sized:
                    try:
                        return lo <= len(v) <= hi
                    except TypeError:
                        return True
                return True
            if sized and not lo <= len(v) <= hi:
                return False
            if enum is not None and v not in enum:
                return False
            return match is None or match(v) is not None

        return check

    def failures(self, v: Any) -> list[tuple[str, str]]:
        """``(kind, constraint text)`` of each constraint ``v`` breaks."""
        out: list[tuple[str, str]] = []
        if self.sized and isinstance(v, (str, bytes, bytearray, list, dict)):
            n = len(v)
            if n < self.min_len:
                out.append(("length", f"Member must have length greater than or equal to {self.min_len}"))
            elif n > self.max_len:
                out.append(("length", f"Member must have length less than or equal to {self.max_len}"))
        if self.ranged and v.__class__ in (int, float) and v == v:
            if v < self.min_val:
                out.append(("range", f"Member must have value greater than or equal to {format_number(self.min_val)}"))
            elif v > self.max_val:
                out.append(("range", f"Member must have value less than or equal to {format_number(self.max_val)}"))
        if isinstance(v, str):
            if self.regex is not None and self.regex.fullmatch(v) is None:
                out.append(("pattern", f"Member must satisfy regular expression pattern: {self.pattern}"))
            if self.enum is not None and v not in self.enum:
                out.append(("enum", f"Member must satisfy enum value set: {self.enum_text}"))
        return out

    def declared(self) -> list[str]:
        """Every constraint, as listed inside ``Member must satisfy constraint: [...]``."""
        out = []
        if self.sized:
            if self.max_len != sys.maxsize:
                out.append(f"Member must have length less than or equal to {self.max_len}")
            if self.min_len > 0:
                out.append(f"Member must have length greater than or equal to {self.min_len}")
        if self.ranged:
            if self.max_val != _INF:
                out.append(f"Member must have value less than or equal to {format_number(self.max_val)}")
            if self.min_val != -_INF:
                out.append(f"Member must have value greater than or equal to {format_number(self.min_val)}")
        if self.regex is not None:
            out.append(f"Member must satisfy regular expression pattern: {self.pattern}")
        if self.enum is not None:
            out.append(f"Member must satisfy enum value set: {self.enum_text}")
        return out


# --------------------------------------------------------------------------- plans


class Ctx:
    """Where a value sits, for the slow path that reports violations."""

    __slots__ = ("depth", "location", "member_path", "path", "wire_path")

    def __init__(self, path: str, member_path: str, wire_path: str, location: str | None, depth: int) -> None:
        self.path = path
        self.member_path = member_path
        self.wire_path = wire_path
        self.location = location
        self.depth = depth


ROOT = Ctx("", "", "", None, 0)


class Plan:
    """Checks for one shape: its ``own`` constraints plus, per kind, its members/elements.

    ``check`` is set by :meth:`finalize` to the fastest callable for this plan.
    """

    __slots__ = ("check", "own", "own_check", "sensitive")

    def __init__(self, own: _Own | None, sensitive: bool = False) -> None:
        self.own = own
        self.sensitive = sensitive
        self.own_check: Check | None = None
        self.check: Check = _always

    def children(self) -> tuple[Plan | None, ...]:
        return ()

    def keep_children(self, dead: set[int]) -> None:
        """Drop references to children that check nothing (their ids are in ``dead``)."""

    def finalize(self) -> None:
        self.own_check = self.own.checker() if self.own is not None else None
        self.check = self.own_check or _always

    def collect(self, v: Any, ctx: Ctx, out: list[Violation]) -> None:
        own = self.own
        if own is not None:
            for kind, text in own.failures(v):
                out.append(
                    Violation(kind, ctx.path, ctx.member_path, text, v, ctx.wire_path, ctx.location, self.sensitive, ctx.depth)
                )
        self.collect_inner(v, ctx, out)

    def collect_inner(self, v: Any, ctx: Ctx, out: list[Violation]) -> None:
        return None


def _always(v: Any) -> bool:
    return True


def _own_ok(plan: Plan | None, v: Any) -> bool:
    return plan is None or plan.own_check is None or plan.own_check(v)


class StructPlan(Plan):
    __slots__ = ("_by_name", "_fast", "checked", "members", "required")

    def __init__(self, sensitive: bool = False) -> None:
        super().__init__(None, sensitive)
        self.required: tuple[str, ...] = ()
        self.checked: tuple[tuple[str, Plan], ...] = ()
        self._fast: tuple[tuple[str, Check], ...] = ()
        self._by_name: dict[str, Check] = {}
        # (name, path segment, wire name, location, plan, required, sensitive)
        self.members: tuple[tuple[str, str, str, str | None, Plan | None, bool, bool], ...] = ()

    def children(self) -> tuple[Plan | None, ...]:
        return tuple(plan for _, plan in self.checked)

    def keep_children(self, dead: set[int]) -> None:
        self.checked = tuple((name, plan) for name, plan in self.checked if id(plan) not in dead)
        members = (m[:4] + (None if id(m[4]) in dead else m[4],) + m[5:] for m in self.members)
        self.members = tuple(m for m in members if m[4] is not None or m[5])

    def finalize(self) -> None:
        self.check = self._check

    def link(self) -> None:
        """Bind children's checks; after every plan of the graph is finalized."""
        self._fast = tuple((name, plan.check) for name, plan in self.checked)
        self._by_name = dict(self._fast)

    def _check(self, v: Any) -> bool:
        if v.__class__ is not dict and not isinstance(v, dict):
            return True  # not a structure: the parser's business, not ours
        get = v.get
        for name in self.required:
            if get(name) is None:
                return False
        fast = self._fast
        if len(v) < len(fast):
            # Walk whichever is shorter: requests usually set a few of many members.
            by_name = self._by_name
            for name, x in v.items():
                check = by_name.get(name)
                if check is not None and x is not None and not check(x):
                    return False
            return True
        for name, check in fast:
            x = get(name)
            if x is not None and not check(x):
                return False
        return True

    def collect_inner(self, v: Any, ctx: Ctx, out: list[Violation]) -> None:
        if not isinstance(v, dict):
            return
        top = ctx.depth == 0
        for name, seg, wire, location, plan, required, sensitive in self.members:
            x = v.get(name)
            if x is None and not required:
                continue
            child = Ctx(
                f"{ctx.path}.{seg}" if ctx.path else seg,
                f"{ctx.member_path}.{name}" if ctx.member_path else name,
                f"{ctx.wire_path}.{wire}" if ctx.wire_path else wire,
                location if top else ctx.location,
                ctx.depth + 1,
            )
            if x is None:
                out.append(
                    Violation(
                        "required", child.path, child.member_path, "Member must not be null", None,
                        child.wire_path, child.location, sensitive, child.depth,
                    )  # fmt: skip
                )
            elif plan is not None:
                plan.collect(x, child, out)


def _element_report(plan: Plan | None, null: bool) -> str:
    texts = plan.own.declared() if plan is not None and plan.own is not None else []
    if null:
        texts.append("Member must not be null")
    return "[" + ", ".join(texts) + "]"


class ListPlan(Plan):
    __slots__ = ("elem", "null_always")

    def __init__(self, own: _Own | None, elem: Plan | None, sensitive: bool = False, null_always: bool = False) -> None:
        super().__init__(own, sensitive)
        self.elem = elem
        #: the element report always ends with "Member must not be null" (some services)
        self.null_always = null_always

    def children(self) -> tuple[Plan | None, ...]:
        return (self.elem,)

    def keep_children(self, dead: set[int]) -> None:
        if id(self.elem) in dead:
            self.elem = None

    def finalize(self) -> None:
        super().finalize()
        self.check = self._check

    def _check(self, v: Any) -> bool:
        own_check = self.own_check
        if own_check is not None and not own_check(v):
            return False
        if v.__class__ is not list and not isinstance(v, list):
            return True
        elem = self.elem
        if elem is None:
            return None not in v
        check = elem.check
        for x in v:
            if x is None or not check(x):
                return False
        return True

    def collect_inner(self, v: Any, ctx: Ctx, out: list[Violation]) -> None:
        if not isinstance(v, list):
            return
        elem = self.elem
        null = bad = False
        inner: list[Violation] = []
        for i, x in enumerate(v, 1):
            if x is None:
                null = True
            elif elem is not None:
                bad = bad or not _own_ok(elem, x)
                child = Ctx(f"{ctx.path}.{i}.member", ctx.member_path, f"{ctx.wire_path}.{i}", ctx.location, ctx.depth)
                elem.collect_inner(x, child, inner)
        if bad or null:
            sensitive = self.sensitive or (elem is not None and elem.sensitive)
            text = "Member must satisfy constraint: " + _element_report(elem, null or self.null_always)
            out.append(Violation("member", ctx.path, ctx.member_path, text, v, ctx.wire_path, ctx.location, sensitive, ctx.depth))
        out.extend(inner)


class MapPlan(Plan):
    __slots__ = ("key", "null_always", "value")

    def __init__(
        self, own: _Own | None, key: Plan | None, value: Plan | None, sensitive: bool = False, null_always: bool = False
    ) -> None:
        super().__init__(own, sensitive)
        self.key = key
        self.value = value
        #: the value report always ends with "Member must not be null" (as ListPlan's)
        self.null_always = null_always

    def children(self) -> tuple[Plan | None, ...]:
        return (self.key, self.value)

    def keep_children(self, dead: set[int]) -> None:
        if id(self.key) in dead:
            self.key = None
        if id(self.value) in dead:
            self.value = None

    def finalize(self) -> None:
        super().finalize()
        self.check = self._check

    def _check(self, v: Any) -> bool:
        own_check = self.own_check
        if own_check is not None and not own_check(v):
            return False
        if v.__class__ is not dict and not isinstance(v, dict):
            return True
        key, value = self.key, self.value
        if key is not None:
            check = key.check
            for k in v:
                if not check(k):
                    return False
        if value is None:
            return None not in v.values()
        check = value.check
        for x in v.values():
            if x is None or not check(x):
                return False
        return True

    def collect_inner(self, v: Any, ctx: Ctx, out: list[Violation]) -> None:
        if not isinstance(v, dict):
            return
        key, value = self.key, self.value
        bad_key = key is not None and not all(key.check(k) for k in v)
        null = bad_value = False
        inner: list[Violation] = []
        for k, x in v.items():
            if x is None:
                null = True
            elif value is not None:
                bad_value = bad_value or not _own_ok(value, x)
                child = Ctx(f"{ctx.path}.{k}.member", ctx.member_path, f"{ctx.wire_path}.{k}", ctx.location, ctx.depth)
                value.collect_inner(x, child, inner)
        sensitive = self.sensitive or any(p is not None and p.sensitive for p in (key, value))
        if bad_key:
            text = "Map keys must satisfy constraint: " + _element_report(key, False)
            out.append(Violation("map_key", ctx.path, ctx.member_path, text, v, ctx.wire_path, ctx.location, sensitive, ctx.depth))
        if bad_value or null:
            text = "Map value must satisfy constraint: " + _element_report(value, null or self.null_always)
            out.append(
                Violation("map_value", ctx.path, ctx.member_path, text, v, ctx.wire_path, ctx.location, sensitive, ctx.depth)
            )
        out.extend(inner)


def _segment(name: str) -> str:
    """AWS's path segment for a member: the name with its first letter lower-cased."""
    return name[:1].lower() + name[1:]


# --------------------------------------------------------------------------- compiler


class PlanCompiler:
    """Builds and caches plans for one set of checks; shapes are shared across operations."""

    def __init__(
        self, checks: frozenset[str], patterns: JavaPatterns, list_nulls_always: bool = False,
        hash_set_enums: bool | Callable[[list[str]], list[str]] = False,
    ) -> None:
        self.checks = checks
        self.patterns = patterns
        self.list_nulls_always = list_nulls_always
        self.hash_set_enums = hash_set_enums
        self._shapes: dict[tuple[str, str, str], Plan | None] = {}

    def compile_operation(self, operation: OperationModel) -> Plan | None:
        shape = operation.input_shape
        if shape is None or not self.checks:
            return None
        service = operation.service_model
        prefix = (service.service_name, service.api_version or "")
        fresh: list[tuple[tuple[str, str, str], Plan]] = []
        self._compile(shape, prefix, fresh)
        if fresh:
            self._prune(fresh)
        return self._shapes.get((prefix[0], prefix[1], shape.name))

    def _prune(self, fresh_entries: list[tuple[tuple[str, str, str], Plan]]) -> None:
        """Drop plans that check nothing, even through cycles; then bind the survivors.

        A plan is live if it has own constraints or required members, or reaches a live
        plan: the least fixpoint over the graph built in this compilation (plans from earlier
        compilations are final and live).
        """
        fresh = [plan for _, plan in fresh_entries]
        fresh_ids = {id(p) for p in fresh}
        live = {id(p) for p in fresh if p.own is not None or (isinstance(p, StructPlan) and p.required)}
        changed = True
        while changed:
            changed = False
            for plan in fresh:
                if id(plan) in live:
                    continue
                for child in plan.children():
                    if child is not None and (id(child) in live or id(child) not in fresh_ids):
                        live.add(id(plan))
                        changed = True
                        break
        dead = fresh_ids - live
        for key, plan in fresh_entries:
            if id(plan) in dead:
                self._shapes[key] = None
        survivors = [p for p in fresh if id(p) in live]
        for plan in survivors:
            plan.keep_children(dead)
            plan.finalize()
        for plan in survivors:
            if isinstance(plan, StructPlan):
                plan.link()

    def _compile(self, shape: Shape, prefix: tuple[str, str], fresh: list[tuple[tuple[str, str, str], Plan]]) -> Plan | None:
        key = (prefix[0], prefix[1], shape.name)
        if key in self._shapes:
            return self._shapes[key]
        kind = shape.type_name
        sensitive = bool(shape.metadata.get("sensitive"))
        plan: Plan | None = None
        if kind == "structure":
            if not (shape.metadata.get("document") or shape.serialization.get("eventstream")):
                struct = StructPlan(sensitive)
                self._shapes[key] = struct  # placeholder first: recursive shapes resolve to it
                fresh.append((key, struct))
                self._fill_structure(struct, shape, prefix, fresh)
                return struct
        elif kind == "list":
            lst = ListPlan(_Own.build(shape, self.checks, self.patterns, self.hash_set_enums), None, sensitive, self.list_nulls_always)
            self._shapes[key] = lst  # placeholder first, as for structures
            fresh.append((key, lst))
            lst.elem = self._compile(shape.member, prefix, fresh)
            return lst
        elif kind == "map":
            mapping = MapPlan(_Own.build(shape, self.checks, self.patterns, self.hash_set_enums), None, None, sensitive, self.list_nulls_always)
            self._shapes[key] = mapping
            fresh.append((key, mapping))
            mapping.key = self._compile(shape.key, prefix, fresh)
            mapping.value = self._compile(shape.value, prefix, fresh)
            return mapping
        elif not (kind == "blob" and shape.serialization.get("streaming")):
            # (a streaming blob is read as it arrives; its size is the service's business)
            own = _Own.build(shape, self.checks, self.patterns, self.hash_set_enums)
            if own is not None:
                plan = Plan(own, sensitive)
        if plan is not None:
            fresh.append((key, plan))
        self._shapes[key] = plan
        return plan

    def _fill_structure(self, struct: StructPlan, shape: Shape, prefix: tuple[str, str], fresh: list[tuple[tuple[str, str, str], Plan]]) -> None:
        required = set(shape.required_members) if "required" in self.checks else set()
        members = []
        checked = []
        for name, member in shape.members.items():
            sub = self._compile(member, prefix, fresh)
            serialization = member.serialization
            wire = serialization.get("queryName") or serialization.get("name") or name
            sensitive = bool(member.metadata.get("sensitive"))
            members.append((name, _segment(name), wire, serialization.get("location"), sub, name in required, sensitive))
            if sub is not None:
                checked.append((name, sub))
        struct.required = tuple(name for name in shape.members if name in required)
        struct.checked = tuple(checked)
        struct.members = tuple(m for m in members if m[4] is not None or m[5])


def java_string_hash(value: str) -> int:
    """Java's ``String.hashCode`` (over UTF-16 code units), as an unsigned 32-bit value."""
    h = 0
    for unit in value.encode("utf-16-be").hex(" ", 2).split():
        h = (31 * h + int(unit, 16)) & 0xFFFFFFFF
    return h


def java_hash_set_order(values: list[str]) -> list[str]:
    """The iteration order of a Java ``HashSet<String>`` built from ``values`` (in order):
    by bucket (``String.hashCode`` spread as ``HashMap`` does, over the table size
    ``HashSet(Collection)`` picks), then insertion order within a bucket. AWS prints some
    sets (e.g. Lambda's runtimes) in this order."""
    size = 1
    while size < max(int(len(values) / 0.75) + 1, 16):
        size *= 2

    def bucket(value: str) -> int:
        h = java_string_hash(value)
        return (h ^ (h >> 16)) & (size - 1)

    return sorted(dict.fromkeys(values), key=bucket)


def java_hash_table_order(values: list[str]) -> list[str]:
    """The order AWS's services list an enum's values in: a hash table of at least 32 slots
    indexed by ``String.hashCode`` (unspread), each slot's entries newest first (values
    added in the model's order). It reproduces every set AWS was recorded answering, where
    the model's order mostly does not: API Gateway's endpoint types, patch operations,
    documentation locations and gateway responses; Lambda's starting positions and invoke
    modes; Logs' output formats; EventBridge's HTTP methods; KMS's MAC algorithms;
    CloudWatch's alarm states; Step Functions' execution statuses."""
    size = 32
    while len(values) > size * 0.75:
        size *= 2

    def slot(item: tuple[int, str]) -> tuple[int, int]:
        return java_string_hash(item[1]) & (size - 1), -item[0]

    return [value for _, value in sorted(enumerate(dict.fromkeys(values)), key=slot)]
