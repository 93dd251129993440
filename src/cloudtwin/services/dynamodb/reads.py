"""Query and Scan: key conditions to key ranges, 1 MB pages, filters, Select.

A Query finds its partition by dictionary lookup and its sort-key range by bisection, so
its cost depends on what it returns, not on the size of the table.
"""

from __future__ import annotations

import bisect
from decimal import Decimal
from typing import Any, Iterable, Iterator

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb.expressions import ast
from cloudtwin.services.dynamodb.expressions.evaluator import evaluate, project
from cloudtwin.services.dynamodb.items import RequestExpressions, capacity, read_units
from cloudtwin.services.dynamodb.models import IndexRecord, TableData, TableRecord
from cloudtwin.services.dynamodb.storage import KeyedItems, item_token
from cloudtwin.services.dynamodb.stored import StoredItem, decode
from cloudtwin.services.dynamodb.tables import projected_names
from cloudtwin.services.dynamodb.values import (
    clean_value,
    invalid_param,
    key_token,
    request_invalid,
    validation,
)

PAGE_BYTES = 1024 * 1024


def _key_op_error(op: str) -> ServiceError:
    return validation(f"Invalid operator used in KeyConditionExpression: {op}")


class KeyCondition:
    """A KeyConditionExpression reduced to: the hash value, and one range condition."""

    def __init__(self, hash_value: dict[str, Any], range_op: str | None, range_values: list[dict[str, Any]]) -> None:
        self.hash_value = hash_value
        self.range_op = range_op
        self.range_values = range_values


def _conjuncts(cond: ast.Condition) -> list[ast.Condition]:
    """The ANDed parts of a key condition (any other operator is refused)."""
    parts: list[ast.Condition] = []

    def flatten(c: ast.Condition) -> None:
        if isinstance(c, ast.And):
            flatten(c.left)
            flatten(c.right)
        elif isinstance(c, ast.Or):
            raise _key_op_error("OR")
        elif isinstance(c, ast.Not):
            raise _key_op_error("NOT")
        elif isinstance(c, ast.In):
            raise _key_op_error("IN")
        elif isinstance(c, ast.Function) and c.name != "begins_with":
            raise _key_op_error(c.name)
        elif isinstance(c, ast.Compare) and c.op == "<>":
            raise _key_op_error("<>")
        else:
            parts.append(c)

    flatten(cond)
    return parts


class CompositeCondition:
    """A key condition on an index keyed by several attributes: equality on every
    partition-key attribute, then on a leading run of the sort-key attributes, and at most
    one other comparison on the sort-key attribute after them."""

    def __init__(self, hash_token: tuple[Any, ...], prefix: tuple[Any, ...], range_op: str | None, range_tokens: list[Any]) -> None:
        self.hash_token = hash_token
        self.prefix = prefix
        self.range_op = range_op
        self.range_tokens = range_tokens

    def holds(self, sort: tuple[Any, ...]) -> bool:
        n = len(self.prefix)
        if sort[:n] != self.prefix:
            return False
        if self.range_op is None:
            return True
        value, t = sort[n], self.range_tokens[0]
        if type(value) is not type(t):
            return False
        op = self.range_op
        if op == "begins_with":
            return value.startswith(t)
        if op == "BETWEEN":
            return t <= value <= self.range_tokens[1]
        return {"=": value == t, "<": value < t, "<=": value <= t, ">": value > t, ">=": value >= t}[op]


def composite_key_condition(cond: ast.Condition, hash_names: tuple[str, ...], range_names: tuple[str, ...], types: dict[str, str]) -> CompositeCondition:
    found: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for part in _conjuncts(cond):
        name, op, values = _simple(part)
        if name in found:
            raise validation("KeyConditionExpressions must only contain one condition per key")
        if name not in hash_names and name not in range_names:
            raise validation(f"Query condition missed key schema element: {name}")
        for value in values:
            if next(iter(value)) != types[name]:
                raise invalid_param("Condition parameter type does not match schema type")
        found[name] = (op, values)
    for name in hash_names:
        if name not in found:
            raise validation(f"Query condition missed key schema element: {name}")
        if found[name][0] != "=":
            raise validation("Query key condition not supported")
    used = [n for n in range_names if n in found]
    if used != list(range_names[: len(used)]):
        missing = next(n for n in range_names if n not in found)
        raise validation(f"Query condition missed key schema element: {missing}")
    for name in used[:-1]:
        if found[name][0] != "=":
            raise validation("Query key condition not supported")
    prefix = [key_token(found[n][1][0]) for n in used]
    op: str | None = None
    tokens: list[Any] = []
    if used and found[used[-1]][0] != "=":
        op = found[used[-1]][0]
        tokens = [key_token(v) for v in found[used[-1]][1]]
        prefix = prefix[:-1]
    return CompositeCondition(tuple(key_token(found[n][1][0]) for n in hash_names), tuple(prefix), op, tokens)


def query_composite(plan: "ReadPlan", cond: CompositeCondition, start: tuple[Any, Any] | None, forward: bool) -> Iterator[StoredItem]:
    partition = plan.keyed.partition(cond.hash_token)
    if partition is None:
        return iter(())
    if start is not None and start[0] != partition.token:
        raise validation("The provided starting key is outside query boundaries based on provided conditions")
    chosen = [
        item for key, item in zip(partition.keys, partition.items)
        if cond.holds(key[0] if isinstance(key[0], tuple) else (key[0],))
        and (start is None or (key > start[1] if forward else key < start[1]))
    ]  # fmt: skip
    return iter(chosen) if forward else reversed(chosen)


def key_condition(cond: ast.Condition, hash_name: str, range_name: str | None, types: dict[str, str]) -> KeyCondition:
    parts = _conjuncts(cond)
    found: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for part in parts:
        name, op, values = _simple(part)
        if name in found:
            raise validation("KeyConditionExpressions must only contain one condition per key")
        if name not in (hash_name, range_name):
            raise validation(
                f"Query condition missed key schema element: {range_name or hash_name}"
                if name not in (hash_name,) and hash_name in [ _simple(p)[0] for p in parts]
                else f"Query condition missed key schema element: {hash_name}"
            )
        for value in values:
            if next(iter(value)) != types[name]:
                raise invalid_param("Condition parameter type does not match schema type")
        found[name] = (op, values)
    if len(parts) > 2:
        raise validation("Conditions can be of length 1 or 2 only")
    if hash_name not in found:
        raise validation(f"Query condition missed key schema element: {hash_name}")
    op, values = found[hash_name]
    if op != "=":
        raise validation("Query key condition not supported")
    if range_name in found:
        rop, rvalues = found[range_name]  # type: ignore[index]
        return KeyCondition(values[0], rop, rvalues)
    return KeyCondition(values[0], None, [])


def _simple(part: ast.Condition) -> tuple[str, str, list[dict[str, Any]]]:
    if isinstance(part, ast.Compare):
        left, right, op = part.left, part.right, part.op
        if isinstance(right, ast.Path) and isinstance(left, ast.Value):
            left, right = right, left
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        if not isinstance(left, ast.Path) or not isinstance(right, ast.Value) or len(left.elements) != 1:
            raise validation("Query key condition not supported")
        return left.elements[0], op, [right.value]  # type: ignore[return-value]
    if isinstance(part, ast.Between):
        if not isinstance(part.operand, ast.Path) or not isinstance(part.low, ast.Value) or not isinstance(part.high, ast.Value):
            raise validation("Query key condition not supported")
        return part.operand.elements[0], "BETWEEN", [part.low.value, part.high.value]  # type: ignore[return-value]
    if isinstance(part, ast.Function):
        target, prefix = part.args
        if not isinstance(target, ast.Path) or not isinstance(prefix, ast.Value):
            raise validation("Query key condition not supported")
        if next(iter(prefix.value)) not in ("S", "B"):
            raise request_invalid(
                "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
                f"operator or function: begins_with, operand type: {next(iter(prefix.value))}"
            )
        return target.elements[0], "begins_with", [prefix.value]  # type: ignore[return-value]
    raise validation("Query key condition not supported")


def _range_bounds(keys: list[Any], cond: KeyCondition, indexed: bool) -> tuple[int, int]:
    """Slice [lo, hi) of a partition's sorted keys matching the range condition."""
    if cond.range_op is None:
        return 0, len(keys)
    kf = (lambda k: k[0]) if indexed else None
    tokens = [key_token(v) for v in cond.range_values]
    op = cond.range_op
    t = tokens[0]
    if op == "=":
        return bisect.bisect_left(keys, t, key=kf), bisect.bisect_right(keys, t, key=kf)
    if op == "<":
        return 0, bisect.bisect_left(keys, t, key=kf)
    if op == "<=":
        return 0, bisect.bisect_right(keys, t, key=kf)
    if op == ">":
        return bisect.bisect_right(keys, t, key=kf), len(keys)
    if op == ">=":
        return bisect.bisect_left(keys, t, key=kf), len(keys)
    if op == "BETWEEN":
        lo, hi = tokens
        if lo > hi:
            raise request_invalid(
                "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be "
                "greater than or equal to lower bound; lower operand: AttributeValue: "
                f"{_show(cond.range_values[0])}, upper operand: AttributeValue: {_show(cond.range_values[1])}"
            )
        return bisect.bisect_left(keys, lo, key=kf), bisect.bisect_right(keys, hi, key=kf)
    # begins_with
    lo_i = bisect.bisect_left(keys, t, key=kf)
    hi_i = lo_i
    while hi_i < len(keys):
        k = keys[hi_i][0] if indexed else keys[hi_i]
        if not isinstance(k, type(t)) or not k.startswith(t):
            break
        hi_i += 1
    return lo_i, hi_i


def _show(value: dict[str, Any]) -> str:
    (tag, inner), = value.items()
    return "{" + f"{tag}:{inner}" + "}"


class ReadPlan:
    """What a Query or Scan reads from (table or index) and how it shapes its results."""

    def __init__(self, record: TableRecord, data: TableData, params: dict[str, Any], exprs: RequestExpressions, *, legacy_attrs: list[str] | None = None, wire: bool = False) -> None:
        self.record = record
        #: whole items may go out as their stored JSON text (a JSON response)
        self.wire = wire
        self.data = data
        self.index: IndexRecord | None = None
        name = params.get("IndexName")
        if name is not None:
            self.index = record.index(name)
            if self.index is None:
                raise validation(f"The table does not have the specified index: {name}")
            if self.index.is_global and params.get("ConsistentRead"):
                raise validation("Consistent reads are not supported on global secondary indexes")
            self.keyed: KeyedItems = data.indexes[name]
            self.hash_name, self.range_name = self.index.hash_name, self.index.range_name
        else:
            self.keyed = data.primary
            self.hash_name, self.range_name = record.hash_name, record.range_name
        #: the attributes of a LastEvaluatedKey / ExclusiveStartKey: the table's keys, then
        #: the index's
        self.key_names = [n for n in (record.hash_name, record.range_name) if n is not None]
        if self.index is not None:
            for n in (*self.index.hash_names, *self.index.range_names):
                if n not in self.key_names:
                    self.key_names.append(n)
        self.exprs = exprs
        self.projection = exprs.projection
        if legacy_attrs:
            self.projection = [ast.Path((n,)) for n in legacy_attrs]
        select = params.get("Select")
        has_projection = self.projection is not None
        if select is None:
            select = "SPECIFIC_ATTRIBUTES" if has_projection else ("ALL_PROJECTED_ATTRIBUTES" if self.index else "ALL_ATTRIBUTES")
        if select == "SPECIFIC_ATTRIBUTES" and not has_projection:
            raise validation(
                "Select type SPECIFIC_ATTRIBUTES requires either ProjectionExpression or AttributesToGet"
            )
        if has_projection and select not in ("SPECIFIC_ATTRIBUTES",):
            which = "ProjectionExpression" if exprs.projection is not None else "AttributesToGet"
            raise validation(f"Cannot specify the {which} when choosing to get {select}")
        if select == "ALL_PROJECTED_ATTRIBUTES" and self.index is None:
            raise validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
        self.index_names = projected_names(record, self.index) if self.index is not None else None
        if select == "ALL_ATTRIBUTES" and self.index is not None and self.index.is_global and self.index_names is not None:
            raise invalid_param(
                f"Select type ALL_ATTRIBUTES is not supported for global secondary index {self.index.name} because its projection type is not ALL"
            )
        if select == "ALL_ATTRIBUTES":
            self.index_names = None  # an LSI fetches the rest of the item from the table
        self.select = select
        self.limit = params.get("Limit")
        self.consistent = bool(params.get("ConsistentRead"))

    def start(self, esk: dict[str, Any] | None) -> tuple[Any, Any] | None:
        if not esk:
            return None
        names = set(self.key_names)
        if set(esk) != names:
            raise validation("The provided starting key is invalid: The provided key element does not match the schema")
        esk = {k: clean_value(v) for k, v in esk.items()}
        for k, v in esk.items():
            if next(iter(v)) != self.record.attribute_type(k):
                raise validation("The provided starting key is invalid: The provided key element does not match the schema")
        if self.index is not None:
            return self.data.index_hash(self.index.name, esk), self.data.index_sort(self.index.name, esk)
        hash_token = item_token(esk, self.hash_name)
        if self.index is None:
            sort = item_token(esk, self.range_name) if self.range_name else 0
        else:
            sort = self.data.index_sort(self.index.name, esk)
        return hash_token, sort

    def last_key(self, item: dict[str, Any]) -> dict[str, Any]:
        return {n: item[n] for n in self.key_names if n in item}

    def shape(self, item: dict[str, Any]) -> dict[str, Any]:
        if self.index_names is not None:
            item = {k: v for k, v in item.items() if k in self.index_names}
        if self.projection is not None:
            return project(item, self.projection)
        return item

    def page(self, items: Iterable[StoredItem], params: dict[str, Any]) -> dict[str, Any]:
        """Read items until Limit or 1 MB; filter, shape, and say where to resume."""
        out: list[Any] = []
        scanned = 0
        size = 0
        last: StoredItem | None = None
        limit = self.limit
        filt = self.exprs.filter
        count_only = self.select == "COUNT"
        # whole items: as stored (JSON text) when the response is JSON, else decoded
        whole = self.index_names is None and self.projection is None
        as_stored = whole and self.wire
        for stored in items:
            if size >= PAGE_BYTES:
                break
            scanned += 1
            size += stored.size
            if filt is None:
                if count_only:
                    out.append(None)
                elif as_stored:
                    out.append(stored.wire())
                else:
                    item = decode(stored.raw)
                    out.append(item if whole else self.shape(item))
            else:
                item = decode(stored.raw)
                if evaluate(filt, item):
                    if count_only:
                        out.append(None)
                    elif as_stored:
                        out.append(stored.wire())
                    else:
                        out.append(item if whole else self.shape(item))
            last = stored
            if limit is not None and scanned >= limit:
                break
        else:
            last = None
        if last is not None and size < PAGE_BYTES and (limit is None or scanned < limit):
            last = None
        result: dict[str, Any] = {"Count": len(out), "ScannedCount": scanned}
        if not count_only:
            result["Items"] = out
        if last is not None:
            result["LastEvaluatedKey"] = self.last_key(decode(last.raw))
        units = read_units(size, self.consistent)
        index_units = {self.index.name: units} if self.index is not None and self.index.is_global else None
        cap = capacity(params, self.record.name, 0.0 if index_units else units, index_units)
        if cap is not None:
            if index_units:
                cap["CapacityUnits"] = units
                if "Table" in cap:
                    cap["Table"] = {"CapacityUnits": 0.0}
            result["ConsumedCapacity"] = cap
        return result


def query_items(plan: ReadPlan, cond: KeyCondition, start: tuple[Any, Any] | None, forward: bool) -> Iterator[StoredItem]:
    partition = plan.keyed.partition(key_token(cond.hash_value))
    if partition is None:
        return iter(())
    keys = partition.keys
    indexed = plan.index is not None
    if not indexed and plan.range_name is None:
        lo, hi = 0, len(keys)
    else:
        lo, hi = _range_bounds(keys, cond, indexed)
    if start is not None:
        if start[0] != partition.token:
            raise validation("The provided starting key is outside query boundaries based on provided conditions")
        if forward:
            lo = max(lo, bisect.bisect_right(keys, start[1]))
        else:
            hi = min(hi, bisect.bisect_left(keys, start[1]))
    items = partition.items
    if forward:
        return iter(items[lo:hi])
    return reversed(items[lo:hi])


def check_key_types(cond: KeyCondition) -> None:
    for value in (cond.hash_value, *cond.range_values):
        tag = next(iter(value))
        if tag == "N":
            Decimal(value["N"])
