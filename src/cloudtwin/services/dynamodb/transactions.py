"""TransactWriteItems and TransactGetItems: all-or-nothing, with per-item reasons.

A write transaction is planned completely (every condition checked, every new item
computed) before anything is written; if any item fails, nothing is written and the
caller gets ``TransactionCanceledException`` with one reason per item, in order.
A ``ClientRequestToken`` makes a retried transaction answer like the first one for ten
minutes (and refuses the same token with different parameters).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb.batch import _key_id
from cloudtwin.services.dynamodb.expressions.evaluator import project
from cloudtwin.services.dynamodb.expressions.updater import apply_update
from cloudtwin.services.dynamodb.items import (
    RequestExpressions,
    check_item_keys,
    clean_key,
    item_from_params,
    write_units,
)
from cloudtwin.services.dynamodb.values import check_item_size, validation

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.dynamodb.provider import Provider

TOKEN_SECONDS = 600
_KINDS = ("ConditionCheck", "Put", "Delete", "Update")


def _fingerprint(params: dict[str, Any]) -> str:
    body = {k: v for k, v in params.items() if k != "ClientRequestToken"}
    text = json.dumps(body, sort_keys=True, default=lambda o: o.hex() if isinstance(o, bytes) else str(o))
    return hashlib.sha256(text.encode()).hexdigest()


def write(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store = ctx.store
    now = ctx.clock.now()
    token = params.get("ClientRequestToken")
    fingerprint = _fingerprint(params) if token else ""
    if token:
        seen = store.tokens.get(token)
        if seen is not None and now - seen[1] < TOKEN_SECONDS:
            if seen[0] != fingerprint:
                raise ServiceError(
                    "IdempotentParameterMismatchException",
                    "Request parameters are not the same as the previous request with the same client token",
                )
            return _capacity(params, [])
    planned: list[tuple[Any, Any, str, dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]] = []
    reasons: list[dict[str, Any]] = []
    failed = False
    seen_keys: set[tuple[str, tuple[str, ...]]] = set()
    for entry in params["TransactItems"]:
        kinds = [k for k in _KINDS if k in entry]
        if len(kinds) != 1:
            raise validation(
                "TransactItems can only contain one of Check, Put, Update or Delete"
            )
        kind = kinds[0]
        op = entry[kind]
        record = provider._record(ctx, provider._name_from(op["TableName"]))
        data = provider._data(ctx, record)
        exprs = RequestExpressions(
            op,
            expressions=("ConditionExpression", "UpdateExpression") if kind == "Update" else ("ConditionExpression",),
        )
        if kind == "ConditionCheck" and exprs.condition is None:
            raise validation("The ConditionExpression parameter is required for ConditionCheck")
        if kind == "Put":
            item = item_from_params(record, op["Item"])
            check_item_size(item)
            key = {e["AttributeName"]: item[e["AttributeName"]] for e in record.key_schema}
        else:
            key = clean_key(record, op["Key"])
        ident = (record.name, _key_id(key))
        if ident in seen_keys:
            raise validation("Transaction request cannot include multiple operations on one item")
        seen_keys.add(ident)
        old = data.get(key)
        if not exprs.check(old):
            failed = True
            reason: dict[str, Any] = {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
            if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and old is not None:
                reason["Item"] = old
            reasons.append(reason)
            continue
        new: dict[str, Any] | None
        try:
            if kind == "Put":
                new = item
            elif kind == "Update":
                new = apply_update(old, exprs.update, tuple(key))  # type: ignore[arg-type]
                new.update(key)
                check_item_keys(record, new)
                check_item_size(new)
            elif kind == "Delete":
                new = None
            else:
                new = old
        except ServiceError as error:
            failed = True
            reasons.append({"Code": "ValidationError", "Message": error.message})
            continue
        reasons.append({"Code": "None"})
        planned.append((record, data, kind, key, old, new))
    if failed:
        codes = ", ".join(r["Code"] for r in reasons)
        raise ServiceError(
            "TransactionCanceledException",
            f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
            fields={"CancellationReasons": reasons},
        )
    for record, data, kind, key, old, new in planned:
        if kind in ("Put", "Update"):
            provider.changes.put(ctx.account_id, ctx.region, record, data, new)  # type: ignore[arg-type]
        elif kind == "Delete":
            provider.changes.delete(ctx.account_id, ctx.region, record, data, key)
    if token:
        store.tokens[token] = (fingerprint, now)
    return _capacity(params, planned)


def _capacity(params: dict[str, Any], planned: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if params.get("ReturnConsumedCapacity") in ("TOTAL", "INDEXES"):
        units: dict[str, float] = {}
        for record, _data, _kind, _key, old, new in planned:
            units[record.name] = units.get(record.name, 0.0) + 2 * write_units(old, new)
        out["ConsumedCapacity"] = [{"TableName": n, "CapacityUnits": u} for n, u in units.items()]
    return out


def get(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    responses = []
    reads = []
    for entry in params["TransactItems"]:
        op = entry["Get"]
        record = provider._record(ctx, provider._name_from(op["TableName"]))
        exprs = RequestExpressions(op, expressions=("ProjectionExpression",))
        key = clean_key(record, op["Key"])
        reads.append((record, exprs, key))
    for record, exprs, key in reads:
        item = provider._data(ctx, record).get(key)
        if item is None:
            responses.append({})
        elif exprs.projection is not None:
            responses.append({"Item": project(item, exprs.projection)})
        else:
            responses.append({"Item": item})
    return {"Responses": responses}
