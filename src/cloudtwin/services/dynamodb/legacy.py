"""The pre-expression parameters (Expected, KeyConditions, QueryFilter, ScanFilter,
AttributeUpdates), translated into the same syntax tree the expression parser builds, so
there is one evaluator."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cloudtwin.services.dynamodb.expressions import ast
from cloudtwin.services.dynamodb.expressions.evaluator import evaluate
from cloudtwin.services.dynamodb.items import reject_mixed
from cloudtwin.services.dynamodb.reads import KeyCondition, key_condition
from cloudtwin.services.dynamodb.values import add_numbers, clean_value, validation

_OPS = {"EQ": "=", "NE": "<>", "LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}
_ARITY = {
    "EQ": 1, "NE": 1, "LE": 1, "LT": 1, "GE": 1, "GT": 1, "NOT_NULL": 0, "NULL": 0,
    "CONTAINS": 1, "NOT_CONTAINS": 1, "BEGINS_WITH": 1, "BETWEEN": 2,
}


def reject_put(params: dict[str, Any]) -> None:
    reject_mixed(params, ("Expected", "ConditionalOperator"), ("ConditionExpression",))


def _condition(name: str, spec: dict[str, Any]) -> ast.Condition:
    op = spec.get("ComparisonOperator")
    values = [clean_value(v) for v in spec.get("AttributeValueList") or []]
    path = ast.Path((name,))
    if op is None:
        raise validation("ComparisonOperator must be specified")
    if op != "IN":
        want = _ARITY[op]
        if len(values) != want:
            raise validation(
                f"One or more parameter values were invalid: Invalid number of argument(s) for the {op} ComparisonOperator"
            )
    elif not values:
        raise validation(
            "One or more parameter values were invalid: Invalid number of argument(s) for the IN ComparisonOperator"
        )
    if op in _OPS:
        return ast.Compare(_OPS[op], path, ast.Value(values[0]))
    if op == "NOT_NULL":
        return ast.Function("attribute_exists", (path,))
    if op == "NULL":
        return ast.Function("attribute_not_exists", (path,))
    if op == "CONTAINS":
        return ast.Function("contains", (path, ast.Value(values[0])))
    if op == "NOT_CONTAINS":
        return ast.And(ast.Function("attribute_exists", (path,)), ast.Not(ast.Function("contains", (path, ast.Value(values[0])))))
    if op == "BEGINS_WITH":
        return ast.Function("begins_with", (path, ast.Value(values[0])))
    if op == "BETWEEN":
        return ast.Between(path, ast.Value(values[0]), ast.Value(values[1]))
    return ast.In(path, tuple(ast.Value(v) for v in values))


def _combine(parts: list[ast.Condition], operator: str | None) -> ast.Condition | None:
    if not parts:
        return None
    result = parts[0]
    for part in parts[1:]:
        result = ast.Or(result, part) if operator == "OR" else ast.And(result, part)
    return result


def filter_condition(filters: dict[str, Any], operator: str | None) -> ast.Condition | None:
    return _combine([_condition(name, spec) for name, spec in filters.items()], operator)


def expected_ok(params: dict[str, Any], old: dict[str, Any] | None) -> bool:
    expected = params.get("Expected")
    if not expected:
        return True
    parts: list[ast.Condition] = []
    for name, spec in expected.items():
        path = ast.Path((name,))
        if "ComparisonOperator" in spec:
            parts.append(_condition(name, spec))
        elif spec.get("Exists") is False:
            if "Value" in spec:
                raise validation(
                    "One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: " + name
                )
            parts.append(ast.Function("attribute_not_exists", (path,)))
        elif "Value" in spec:
            parts.append(ast.Compare("=", path, ast.Value(clean_value(spec["Value"]))))
        else:
            raise validation(
                "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: " + name
                if spec.get("Exists")
                else "One or more parameter values were invalid: Value must be provided when Exists is null for Attribute: " + name
            )
    condition = _combine(parts, params.get("ConditionalOperator"))
    return condition is None or evaluate(condition, old)


def key_conditions(conditions: dict[str, Any], hash_name: str, range_name: str | None, types: dict[str, str]) -> KeyCondition:
    for spec in conditions.values():
        if spec.get("ComparisonOperator") not in ("EQ", "LE", "LT", "GE", "GT", "BEGINS_WITH", "BETWEEN"):
            raise validation("Attempted conditional constraint is not an indexable operation")
    parts = [_condition(name, spec) for name, spec in conditions.items()]
    condition = _combine(parts, "AND")
    return key_condition(condition, hash_name, range_name, types)  # type: ignore[arg-type]


def apply_attribute_updates(old: dict[str, Any] | None, updates: dict[str, Any], key_names: tuple[str, ...]) -> dict[str, Any]:
    new = dict(old) if old else {}
    for name, spec in updates.items():
        if name in key_names:
            raise validation(
                f"One or more parameter values were invalid: Cannot update attribute {name}. This attribute is part of the key"
            )
        action = spec.get("Action", "PUT")
        value = clean_value(spec["Value"]) if "Value" in spec else None
        if action == "PUT":
            if value is None:
                raise validation(
                    "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified"
                )
            new[name] = value
        elif action == "DELETE":
            if value is None:
                new.pop(name, None)
                continue
            current = new.get(name)
            tag = next(iter(value))
            if tag not in ("SS", "NS", "BS"):
                raise validation(
                    "One or more parameter values were invalid: DELETE action with value is not supported for the type " + tag
                )
            if current is None:
                continue
            if tag not in current:
                raise validation("Type mismatch for attribute to update")
            gone = {Decimal(x) for x in value[tag]} if tag == "NS" else set(value[tag])
            left = [x for x in current[tag] if (Decimal(x) if tag == "NS" else x) not in gone]
            if left:
                new[name] = {tag: left}
            else:
                new.pop(name)
        else:  # ADD
            if value is None:
                raise validation(
                    "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified"
                )
            tag = next(iter(value))
            current = new.get(name)
            if tag == "N":
                if current is None:
                    new[name] = value
                elif "N" not in current:
                    raise validation("Type mismatch for attribute to update")
                else:
                    new[name] = {"N": add_numbers(current["N"], value["N"])}
            elif tag in ("SS", "NS", "BS"):
                if current is None:
                    new[name] = value
                elif tag not in current:
                    raise validation("Type mismatch for attribute to update")
                else:
                    have = {Decimal(x) for x in current[tag]} if tag == "NS" else set(current[tag])
                    new[name] = {tag: current[tag] + [x for x in value[tag] if (Decimal(x) if tag == "NS" else x) not in have]}
            elif tag == "L" and (current is None or "L" in current):
                new[name] = {"L": (current["L"] if current else []) + value["L"]}
            else:
                raise validation(
                    "One or more parameter values were invalid: ADD action is not supported for the type " + tag
                )
    return new
