"""Per-item request rules: key checks, expressions of a request, return values, capacity."""

from __future__ import annotations

import math
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb.expressions import ast
from cloudtwin.services.dynamodb.expressions.evaluator import evaluate, project
from cloudtwin.services.dynamodb.expressions.parser import (
    Placeholders,
    parse_condition,
    parse_projection,
    parse_update,
)
from cloudtwin.services.dynamodb.models import TableRecord
from cloudtwin.services.dynamodb.values import (
    clean_item,
    clean_value,
    invalid_param,
    item_size,
    request_invalid,
    validation,
    value_size,
    value_type,
)

MAX_HASH_KEY_BYTES = 2048
MAX_RANGE_KEY_BYTES = 1024


def check_item_keys(record: TableRecord, item: dict[str, Any]) -> None:
    """An item to write must carry its table's keys (and its indexes' keys, if any) typed
    as declared."""
    for element in record.key_schema:
        name = element["AttributeName"]
        value = item.get(name)
        if value is None:
            raise invalid_param(f"Missing the key {name} in the item")
        _check_key_value(record, name, value)
    for index in (*record.gsis, *record.lsis):
        for element in index.key_schema:
            name = element["AttributeName"]
            value = item.get(name)
            if value is None:
                continue
            expected = record.attribute_type(name)
            actual = next(iter(value))
            if actual != expected:
                raise invalid_param(
                    f"Type mismatch for Index Key {name} Expected: {expected} Actual: {actual} IndexName: {index.name}"
                )
            if value.get(actual) in ("", b""):
                raise validation(
                    "One or more parameter values are not valid. A value specified for a "
                    "secondary index key is not supported. The AttributeValue for a key attribute "
                    f"cannot contain an empty {'string' if actual == 'S' else 'binary'} value. "
                    f"IndexName: {index.name}, IndexKey: {name}"
                )


def _check_key_value(record: TableRecord, name: str, value: dict[str, Any]) -> None:
    expected = record.attribute_type(name)
    actual = value_type(value)
    if actual != expected:
        raise invalid_param(f"Type mismatch for key {name} expected: {expected} actual: {actual}")
    _check_key_size(name, actual, value, hash_key=name == record.hash_name, range_key=name == record.range_name)


def _check_key_size(name: str, actual: str, value: dict[str, Any], hash_key: bool, range_key: bool) -> None:
    """A key value of the right type: within its size limit, and not empty."""
    inner = value[actual]
    size = value_size(value)
    if hash_key and size > MAX_HASH_KEY_BYTES:
        raise invalid_param(
            f"Size of hashkey has exceeded the maximum size limit of{MAX_HASH_KEY_BYTES} bytes"
        )
    if range_key and size > MAX_RANGE_KEY_BYTES:
        raise invalid_param(
            f"Aggregated size of all range keys has exceeded the size limit of {MAX_RANGE_KEY_BYTES} bytes"
        )
    if inner == "" or inner == b"":
        kind = "string" if actual == "S" else "binary"
        raise validation(
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            f"cannot contain an empty {kind} value. Key: {name}"
        )


def clean_key(record: TableRecord, key: dict[str, Any] | None) -> dict[str, Any]:
    """A Key parameter: exactly the table's key attributes, of the declared types."""
    schema = record.key_schema
    if not key or len(key) != len(schema):
        raise validation("The provided key element does not match the schema")
    for element in schema:
        if element["AttributeName"] not in key:
            raise validation("The provided key element does not match the schema")
    cleaned: dict[str, Any] = {}
    for element in schema:
        name = element["AttributeName"]
        value = clean_value(key[name])
        actual = next(iter(value))
        if actual != record.attribute_type(name):
            raise validation("The provided key element does not match the schema")
        hash_key = element["KeyType"] == "HASH"
        _check_key_size(name, actual, value, hash_key, not hash_key)
        cleaned[name] = value
    return cleaned


def key_of(record: TableRecord, item: dict[str, Any]) -> dict[str, Any]:
    return {e["AttributeName"]: item[e["AttributeName"]] for e in record.key_schema}


def _are_null(names: tuple[str, ...]) -> str:
    """``A is null``, ``A and B are null``, ``A, B and C are null`` (AWS's wording)."""
    if len(names) == 1:
        return f"{names[0]} is null"
    return ", ".join(names[:-1]) + f" and {names[-1]} are null"


class RequestExpressions:
    """The expressions of one request, parsed against its placeholders.

    AWS checks unused placeholders across all of a request's expressions together, so
    the parsing happens in one place and :meth:`done` reports the leftovers.
    """

    def __init__(self, params: dict[str, Any], *, expressions: tuple[str, ...]) -> None:
        names = params.get("ExpressionAttributeNames")
        values = params.get("ExpressionAttributeValues")
        present = [e for e in expressions if params.get(e) is not None]
        if names is not None and not names:
            raise request_invalid("ExpressionAttributeNames must not be empty")
        if values is not None and not values:
            raise request_invalid("ExpressionAttributeValues must not be empty")
        if names and not present:
            raise request_invalid(
                "ExpressionAttributeNames can only be specified when using expressions: "
                + _are_null(expressions)
            )
        if values and not present:
            raise request_invalid(
                "ExpressionAttributeValues can only be specified when using expressions: "
                + _are_null(expressions)
            )
        self.ph = Placeholders(names, values)
        self.condition: ast.Condition | None = None
        self.filter: ast.Condition | None = None
        self.key_condition: ast.Condition | None = None
        self.projection: list[ast.Path] | None = None
        self.update: ast.Update | None = None
        for name in present:
            text = params[name]
            if name == "ConditionExpression":
                self.condition = parse_condition(text, "ConditionExpression", self.ph)
            elif name == "FilterExpression":
                self.filter = parse_condition(text, "FilterExpression", self.ph)
            elif name == "KeyConditionExpression":
                self.key_condition = parse_condition(text, "KeyConditionExpression", self.ph)
            elif name == "ProjectionExpression":
                self.projection = parse_projection(text, self.ph)
            elif name == "UpdateExpression":
                self.update = parse_update(text, self.ph)
        self.ph.check_unused()

    def check(self, item: dict[str, Any] | None) -> bool:
        return self.condition is None or evaluate(self.condition, item)


def reject_mixed(params: dict[str, Any], legacy: tuple[str, ...], modern: tuple[str, ...]) -> None:
    old = [p for p in legacy if params.get(p) is not None]
    new = [p for p in modern if params.get(p) is not None]
    if old and new:
        raise request_invalid(
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {" + ", ".join(old) + "} Expression parameters: {"
            + ", ".join(new) + "}"
        )


def condition_failed(params: dict[str, Any], old: dict[str, Any] | None) -> ServiceError:
    fields: dict[str, Any] = {}
    if params.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and old is not None:
        fields["Item"] = old
    return ServiceError(
        "ConditionalCheckFailedException", "The conditional request failed", fields=fields
    )


def capacity(
    params: dict[str, Any], table: str, units: float, indexes: dict[str, float] | None = None
) -> dict[str, Any] | None:
    mode = params.get("ReturnConsumedCapacity")
    if mode not in ("TOTAL", "INDEXES"):
        return None
    total = units + sum((indexes or {}).values())
    out: dict[str, Any] = {"TableName": table, "CapacityUnits": total}
    if mode == "INDEXES":
        out["Table"] = {"CapacityUnits": units}
        if indexes:
            out["GlobalSecondaryIndexes"] = {n: {"CapacityUnits": u} for n, u in indexes.items()}
    return out


def write_units(*items: dict[str, Any] | None) -> float:
    size = max((item_size(i) for i in items if i is not None), default=0)
    return float(max(1, math.ceil(size / 1024)))


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


def return_values(
    mode: str | None,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    update: ast.Update | None = None,
) -> dict[str, Any] | None:
    if not mode or mode == "NONE":
        return None
    if mode == "ALL_OLD":
        return old or None
    if mode == "ALL_NEW":
        return new or None
    paths = [a.path for a in update.actions] if update is not None else []
    # UPDATED_* report the top-level attributes touched, as projected paths
    if mode == "UPDATED_OLD":
        return project(old, paths) if old else None
    return project(new, [p for p in paths]) if new else None


def item_from_params(record: TableRecord, item: dict[str, Any]) -> dict[str, Any]:
    cleaned = clean_item(item)
    check_item_keys(record, cleaned)
    return cleaned
