"""Evaluating parsed conditions and projections against an item (wire form)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb.expressions import ast
from cloudtwin.services.dynamodb.values import equal, request_invalid

_ORDERED = ("S", "N", "B")


def resolve(item: dict[str, Any] | None, path: ast.Path) -> dict[str, Any] | None:
    """The value at ``path`` in ``item``, or None when any step is missing."""
    if item is None:
        return None
    elements = path.elements
    current = item.get(elements[0])  # type: ignore[arg-type]
    for element in elements[1:]:
        if current is None:
            return None
        if isinstance(element, int):
            inner = current.get("L")
            if inner is None or element >= len(inner):
                return None
            current = inner[element]
        else:
            inner = current.get("M")
            if inner is None:
                return None
            current = inner.get(element)
    return current


def compare_values(a: dict[str, Any], b: dict[str, Any]) -> int | None:
    """-1/0/1 for two values of the same ordered type (S, N, B); None otherwise."""
    (ta, va), = a.items()
    (tb, vb), = b.items()
    if ta != tb or ta not in _ORDERED:
        return None
    if ta == "N":
        va, vb = Decimal(va), Decimal(vb)
    elif ta == "S":
        va, vb = va.encode("utf-8"), vb.encode("utf-8")
    return (va > vb) - (va < vb)


def operand_value(item: dict[str, Any] | None, operand: ast.Operand) -> dict[str, Any] | None:
    if isinstance(operand, ast.Value):
        return operand.value
    if isinstance(operand, ast.Path):
        return resolve(item, operand)
    value = resolve(item, operand.path)
    if value is None:
        return None
    (tag, inner), = value.items()
    if tag == "S":
        return {"N": str(len(inner))}
    if tag in ("B", "SS", "NS", "BS", "L", "M"):
        return {"N": str(len(inner))}
    return None  # size() of N, BOOL, NULL: no value, the condition is false


def evaluate(condition: ast.Condition, item: dict[str, Any] | None) -> bool:
    kind = type(condition)
    if kind is ast.Compare:
        left = operand_value(item, condition.left)
        right = operand_value(item, condition.right)
        op = condition.op
        if left is None or right is None:
            return op == "<>"  # a missing value differs from everything, even another missing one
        if op == "=":
            return equal(left, right)
        if op == "<>":
            return not equal(left, right)
        order = compare_values(left, right)
        if order is None:
            return False
        if op == "<":
            return order < 0
        if op == "<=":
            return order <= 0
        if op == ">":
            return order > 0
        return order >= 0
    if kind is ast.And:
        return evaluate(condition.left, item) and evaluate(condition.right, item)
    if kind is ast.Or:
        return evaluate(condition.left, item) or evaluate(condition.right, item)
    if kind is ast.Not:
        return not evaluate(condition.operand, item)
    if kind is ast.Between:
        value = operand_value(item, condition.operand)
        low = operand_value(item, condition.low)
        high = operand_value(item, condition.high)
        if value is None or low is None or high is None:
            return False
        a = compare_values(value, low)
        b = compare_values(value, high)
        return a is not None and b is not None and a >= 0 and b <= 0
    if kind is ast.In:
        value = operand_value(item, condition.operand)
        if value is None:
            return False
        for option in condition.options:
            other = operand_value(item, option)
            if other is not None and equal(value, other):
                return True
        return False
    return _function(condition, item)  # type: ignore[arg-type]


def _function(fn: ast.Function, item: dict[str, Any] | None) -> bool:
    name = fn.name
    target = operand_value(item, fn.args[0])
    if name == "attribute_exists":
        return target is not None
    if name == "attribute_not_exists":
        return target is None
    if target is None:
        return False
    arg = operand_value(item, fn.args[1])
    if arg is None:
        return False
    (tag, inner), = target.items()
    (atag, ainner), = arg.items()
    if name == "attribute_type":
        return tag == ainner
    if name == "begins_with":
        if tag != atag or tag not in ("S", "B"):
            return False
        return inner.startswith(ainner)
    # contains
    if tag == "S":
        return atag == "S" and ainner in inner
    if tag == "B":
        return atag == "B" and ainner in inner
    if tag == "SS":
        return atag == "S" and ainner in inner
    if tag == "BS":
        return atag == "B" and ainner in inner
    if tag == "NS":
        return atag == "N" and Decimal(ainner) in {Decimal(x) for x in inner}
    if tag == "L":
        return any(equal(element, arg) for element in inner)
    return False


def project(item: dict[str, Any], paths: list[ast.Path]) -> dict[str, Any]:
    """The parts of ``item`` named by ``paths``, nested the way the item nests them."""
    result: dict[str, Any] = {}
    for path in paths:
        value = resolve(item, path)
        if value is None:
            continue
        elements = path.elements
        if len(elements) == 1:
            result[elements[0]] = value  # type: ignore[index]
            continue
        _place(result, item, elements, value)
    _finish_lists(result)
    return result


def _place(result: dict[str, Any], item: dict[str, Any], elements: tuple, value: Any) -> None:
    """Copy ``value`` into ``result`` at ``elements``, creating the containers on the way.

    List elements picked by index are collected as (index, value) pairs and put in index
    order at the end (``a[3], a[1]`` gives the two-element list ``[a[1], a[3]]``).
    """
    container: Any = result
    source: Any = item
    for depth, element in enumerate(elements):
        last = depth == len(elements) - 1
        if isinstance(container, dict):
            src_value = source[element]
            if last:
                container[element] = value
                return
            existing = container.get(element)
            tag = "L" if "L" in src_value else "M"
            if existing is None:
                existing = {tag: [] if tag == "L" else {}}
                container[element] = existing
            container = existing[tag]
            source = src_value[tag]
        else:  # a list being built: its elements are keyed by their source index
            src_value = source[element]
            holder = getattr_index(container, element)
            if last:
                if holder is None:
                    container.append((element, value))
                return
            if holder is None:
                tag = "L" if "L" in src_value else "M"
                holder = {tag: [] if tag == "L" else {}}
                container.append((element, holder))
            tag = "L" if "L" in holder else "M"
            container = holder[tag]
            source = src_value[tag]


def getattr_index(container: list, index: int) -> Any:
    for idx, held in container:
        if idx == index:
            return held
    return None


def _finish_lists(value: Any) -> None:
    """Replace the (index, value) pairs of projected lists by the values, in index order."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "L" and inner and isinstance(inner[0], tuple):
                inner.sort(key=lambda pair: pair[0])
                value["L"] = [held for _, held in inner]
                for held in value["L"]:
                    _finish_lists(held)
            elif isinstance(inner, (dict, list)):
                _finish_lists(inner)
    elif isinstance(value, list):
        for inner in value:
            _finish_lists(inner)


def operand_type_error(label: str, operator: str, value: dict[str, Any]) -> ServiceError:
    return request_invalid(
        f"Invalid {label}: Incorrect operand type for operator or function; operator: "
        f"{operator}, operand type: {next(iter(value))}"
    )
