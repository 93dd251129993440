"""Applying a parsed UpdateExpression to an item.

Every right-hand side is evaluated against the item as it was before the update (AWS's
semantics), then the actions are applied to a copy, containers being copied only along
the paths that change.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb.expressions import ast
from cloudtwin.services.dynamodb.expressions.evaluator import resolve
from cloudtwin.services.dynamodb.values import add_numbers, equal, request_invalid, validation

_INVALID_PATH = "The document path provided in the update expression is invalid for update"
_BAD_TYPE = "An operand in the update expression has an incorrect data type"


def set_value(item: dict[str, Any] | None, value: ast.SetValue) -> dict[str, Any]:
    kind = type(value)
    if kind is ast.Value:
        return value.value
    if kind is ast.Path:
        found = resolve(item, value)
        if found is None:
            raise validation(
                "The provided expression refers to an attribute that does not exist in the item"
            )
        return found
    if kind is ast.IfNotExists:
        found = resolve(item, value.path)
        return found if found is not None else set_value(item, value.default)
    if kind is ast.ListAppend:
        first = set_value(item, value.first)
        second = set_value(item, value.second)
        if "L" not in first or "L" not in second:
            raise validation(_BAD_TYPE)
        return {"L": first["L"] + second["L"]}
    left = set_value(item, value.left)
    right = set_value(item, value.right)
    if "N" not in left or "N" not in right:
        raise validation(_BAD_TYPE)
    return {"N": add_numbers(left["N"], right["N"], subtract=value.op == "-")}


def apply_update(
    item: dict[str, Any] | None, update: ast.Update, key_names: tuple[str, ...]
) -> dict[str, Any]:
    """The item after ``update``; ``item`` itself is not changed."""
    for action in update.actions:
        if action.path.elements[0] in key_names:
            raise validation(
                "One or more parameter values were invalid: Cannot update attribute "
                f"{action.path.elements[0]}. This attribute is part of the key"
            )
    planned: list[tuple[ast.Action, dict[str, Any] | None]] = []
    for action in update.actions:
        if action.kind == "SET":
            planned.append((action, set_value(item, action.value)))  # type: ignore[arg-type]
        else:
            planned.append((action, action.value.value if action.value is not None else None))  # type: ignore[union-attr]
    result = dict(item) if item else {}
    copied: set[int] = set()
    # REMOVEs of list elements go from the highest index down, so earlier removals do not
    # shift later ones.
    removals = [p for p in planned if p[0].kind == "REMOVE"]
    others = [p for p in planned if p[0].kind != "REMOVE"]
    removals.sort(key=lambda p: [(-e if isinstance(e, int) else 0) for e in p[0].path.elements])
    for action, value in others + removals:
        _apply(result, action, value, copied)
    return result


def _container(result: dict[str, Any], elements: tuple, copied: set[int], create: bool) -> tuple[Any, Any] | None:
    """The (parent container, last element) for a path, copying containers on the way."""
    parent: Any = result
    for element in elements[:-1]:
        if isinstance(parent, dict):
            child = parent.get(element)
        else:
            child = parent[element] if isinstance(element, int) and element < len(parent) else None
        if child is None:
            return None
        tag = "M" if isinstance(element, str) and "M" in child else ("L" if "L" in child else None)
        if tag is None or (isinstance(element, str) and "M" not in child and "L" not in child):
            return None
        # copy the child on first touch
        if id(child) not in copied:
            child = {tag: copy.copy(child[tag])}
            copied.add(id(child))
            copied.add(id(child[tag]))
            parent[element] = child
        parent = child[tag]
    last = elements[-1]
    if isinstance(last, int) and not isinstance(parent, list):
        return None
    if isinstance(last, str) and not isinstance(parent, dict):
        return None
    return parent, last


def _apply(result: dict[str, Any], action: ast.Action, value: Any, copied: set[int]) -> None:
    elements = action.path.elements
    found = _container(result, elements, copied, action.kind == "SET")
    if found is None:
        if action.kind == "REMOVE":
            return
        raise validation(_INVALID_PATH)
    parent, last = found
    if action.kind == "SET":
        if isinstance(parent, list) and last >= len(parent):
            parent.append(value)
        else:
            parent[last] = value
        return
    if action.kind == "REMOVE":
        if isinstance(parent, list):
            if last < len(parent):
                del parent[last]
        else:
            parent.pop(last, None)
        return
    current = parent.get(last) if isinstance(parent, dict) else (parent[last] if last < len(parent) else None)
    if action.kind == "ADD":
        new = _add(current, value)
    else:
        new = _delete(current, value)
    if new is None:
        if isinstance(parent, dict):
            parent.pop(last, None)
        else:
            del parent[last]
    elif isinstance(parent, list) and last >= len(parent):
        parent.append(new)
    else:
        parent[last] = new


def _add(current: dict[str, Any] | None, value: dict[str, Any]) -> dict[str, Any]:
    tag = next(iter(value))
    if tag not in ("N", "SS", "NS", "BS"):
        raise _operand_error("ADD", value)
    if current is None:
        return value
    ctag = next(iter(current))
    if tag == "N":
        if ctag != "N":
            raise validation(_BAD_TYPE)
        return {"N": add_numbers(current["N"], value["N"])}
    if ctag != tag:
        raise validation(_BAD_TYPE)
    if tag == "NS":
        have = {Decimal(x) for x in current["NS"]}
        return {"NS": current["NS"] + [x for x in value["NS"] if Decimal(x) not in have]}
    have_set = set(current[tag])
    return {tag: current[tag] + [x for x in value[tag] if x not in have_set]}


def _delete(current: dict[str, Any] | None, value: dict[str, Any]) -> dict[str, Any] | None:
    tag = next(iter(value))
    if tag not in ("SS", "NS", "BS"):
        raise _operand_error("DELETE", value)
    if current is None:
        return None
    if next(iter(current)) != tag:
        raise validation(_BAD_TYPE)
    if tag == "NS":
        gone = {Decimal(x) for x in value["NS"]}
        left = [x for x in current["NS"] if Decimal(x) not in gone]
    else:
        gone_set = set(value[tag])
        left = [x for x in current[tag] if x not in gone_set]
    return {tag: left} if left else None


_TYPE_NAMES = {
    "S": "STRING", "N": "NUMBER", "B": "BINARY", "SS": "SET", "NS": "SET", "BS": "SET",
    "M": "MAP", "L": "LIST", "NULL": "NULL", "BOOL": "BOOLEAN",
}


def _operand_error(operator: str, value: dict[str, Any]) -> ServiceError:
    return request_invalid(
        "Invalid UpdateExpression: Incorrect operand type for operator or function; "
        f"operator: {operator}, operand type: {_TYPE_NAMES[next(iter(value))]}"
    )


def updated_paths_equal(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    if a is None or b is None:
        return a is b
    return equal(a, b)
