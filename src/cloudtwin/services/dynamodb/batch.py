"""BatchGetItem and BatchWriteItem: many independent reads or writes in one call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.dynamodb.expressions.evaluator import project
from cloudtwin.services.dynamodb.items import (
    RequestExpressions,
    clean_key,
    item_from_params,
    read_units,
    reject_mixed,
    write_units,
)
from cloudtwin.services.dynamodb.stored import decode
from cloudtwin.services.dynamodb.values import check_item_size, token_text, key_token, validation

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.dynamodb.provider import Provider

MAX_GET_KEYS = 100
MAX_WRITES = 25
MAX_GET_BYTES = 16 * 1024 * 1024


def _key_id(key: dict[str, Any]) -> tuple[str, ...]:
    return tuple(f"{name}={token_text(key_token(value))}" for name, value in sorted(key.items()))


def get(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    requests = params["RequestItems"]
    total = sum(len(r.get("Keys") or []) for r in requests.values())
    if total > MAX_GET_KEYS:
        raise validation("Too many items requested for the BatchGetItem call")
    plans = []
    for name, request in requests.items():
        record = provider._record(ctx, provider._name_from(name))
        reject_mixed(request, ("AttributesToGet",), ("ProjectionExpression",))
        exprs = RequestExpressions(request, expressions=("ProjectionExpression",))
        keys = [clean_key(record, k) for k in request["Keys"]]
        ids = [_key_id(k) for k in keys]
        if len(set(ids)) != len(ids):
            raise validation("Provided list of item keys contains duplicates")
        plans.append((name, record, request, exprs, keys))
    responses: dict[str, list[dict[str, Any]]] = {}
    unprocessed: dict[str, Any] = {}
    consumed: dict[str, float] = {}
    size = 0
    for name, record, request, exprs, keys in plans:
        data = provider._data(ctx, record)
        found = responses.setdefault(name, [])
        for i, key in enumerate(keys):
            if size > MAX_GET_BYTES:
                left = unprocessed.setdefault(name, {k: v for k, v in request.items() if k != "Keys"})
                left.setdefault("Keys", []).extend(keys[i:])
                break
            stored = data.stored(key)
            if stored is None:
                continue
            size += stored.size
            consumed[name] = consumed.get(name, 0.0) + read_units(stored.size, bool(request.get("ConsistentRead")))
            if exprs.projection is not None:
                found.append(project(decode(stored.raw), exprs.projection))
            elif request.get("AttributesToGet"):
                found.append({k: v for k, v in decode(stored.raw).items() if k in request["AttributesToGet"]})
            else:
                found.append(provider._whole(ctx, stored))
    out: dict[str, Any] = {"Responses": responses, "UnprocessedKeys": unprocessed}
    if params.get("ReturnConsumedCapacity") in ("TOTAL", "INDEXES"):
        out["ConsumedCapacity"] = [
            {"TableName": name, "CapacityUnits": consumed.get(name, 0.0)} for name in requests
        ]
    return out


def write(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    requests = params["RequestItems"]
    total = sum(len(r) for r in requests.values())
    if total > MAX_WRITES:
        raise validation("Too many items requested for the BatchWriteItem call")
    planned = []
    for name, writes in requests.items():
        record = provider._record(ctx, provider._name_from(name))
        seen: set[tuple[str, ...]] = set()
        for request in writes:
            if ("PutRequest" in request) == ("DeleteRequest" in request):
                raise validation(
                    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
                    if request else "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
                )
            if "PutRequest" in request:
                raw = request["PutRequest"]["Item"]
                # Within a batch, AWS words a missing or mistyped table key as a schema
                # mismatch (PutItem names the key instead).
                for element in record.key_schema:
                    value = raw.get(element["AttributeName"])
                    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) != record.attribute_type(element["AttributeName"]):
                        raise validation("The provided key element does not match the schema")
                item = item_from_params(record, raw)
                check_item_size(item)
                key = {e["AttributeName"]: item[e["AttributeName"]] for e in record.key_schema}
                planned.append((record, "put", item))
            else:
                key = clean_key(record, request["DeleteRequest"]["Key"])
                planned.append((record, "delete", key))
            ident = _key_id(key)
            if ident in seen:
                raise validation("Provided list of item keys contains duplicates")
            seen.add(ident)
    consumed: dict[str, float] = {}
    for record, kind, value in planned:
        data = provider._data(ctx, record)
        if kind == "put":
            old = provider.changes.put(ctx.account_id, ctx.region, record, data, value)
            units = write_units(old, value)
        else:
            old = provider.changes.delete(ctx.account_id, ctx.region, record, data, value)
            units = write_units(old)
        consumed[record.name] = consumed.get(record.name, 0.0) + units
    out: dict[str, Any] = {"UnprocessedItems": {}}
    if params.get("ReturnConsumedCapacity") in ("TOTAL", "INDEXES"):
        out["ConsumedCapacity"] = [
            {"TableName": name, "CapacityUnits": units} for name, units in consumed.items()
        ]
    if params.get("ReturnItemCollectionMetrics") == "SIZE":
        out["ItemCollectionMetrics"] = {}
    return out
