"""DynamoDB attribute values: validation, number canonical form, ordering tokens, sizes.

Items are kept in their wire form (``{"name": {"S": "x"}}``) so that reads return them
without conversion; this module knows the rules AWS applies to that form: exactly one
type per value, numbers of at most 38 significant digits between 1E-130 and 1E+126
(stored canonically, as AWS returns them), no empty or duplicate sets, and the size an
item counts against the 400 KB limit (and its 32 levels of nesting).
"""

from __future__ import annotations

import base64
from decimal import Context, Decimal, InvalidOperation
from typing import Any

from cloudtwin.protocol.errors import ServiceError

TYPES = frozenset(("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"))
MAX_ITEM_SIZE = 400 * 1024
MAX_NESTING = 32

_PARSE = Context(prec=200)
_MAX_MAGNITUDE = Decimal("1E+126")
_MIN_MAGNITUDE = Decimal("1E-130")


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


def invalid_param(message: str) -> ServiceError:
    return validation("One or more parameter values were invalid: " + message)


#: AWS words what it refuses while validating a request (expressions and their placeholders,
#: attribute values, parameter combinations) as one validation error; what it finds wrong
#: against the table or the stored item (key types, document paths, sizes) stays bare.
ENVELOPE = "1 validation error detected: "


def request_invalid(message: str) -> ServiceError:
    return validation(ENVELOPE + message)


def request_invalid_param(message: str) -> ServiceError:
    return request_invalid("One or more parameter values were invalid: " + message)


# -- numbers ---------------------------------------------------------------------------------


def parse_number(text: str) -> Decimal:
    """A DynamoDB number from its string, with AWS's errors for what cannot be stored."""
    if not isinstance(text, str):
        raise validation("The parameter cannot be converted to a numeric value")
    stripped = text.strip()
    try:
        value = _PARSE.create_decimal(stripped) if stripped and "_" not in stripped else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise validation(f"The parameter cannot be converted to a numeric value: {text}")
    return check_number(value)


def check_number(value: Decimal) -> Decimal:
    if value.is_zero():
        return Decimal(0)
    digits = value.normalize(_PARSE).as_tuple().digits
    if len(digits) > 38:
        raise validation("Attempting to store more than 38 significant digits in a Number")
    magnitude = abs(value)
    if magnitude >= _MAX_MAGNITUDE:
        raise validation(
            "Number overflow. Attempting to store a number with magnitude larger than supported range"
        )
    if magnitude < _MIN_MAGNITUDE:
        raise validation(
            "Number underflow. Attempting to store a number with magnitude smaller than supported range"
        )
    return value


def format_number(value: Decimal) -> str:
    """The canonical text AWS returns: no exponent, no trailing zeros (``1.50`` -> ``1.5``)."""
    if value.is_zero():
        return "0"
    return format(value.normalize(_PARSE), "f")


def add_numbers(a: str, b: str, subtract: bool = False) -> str:
    """``a + b`` (or ``a - b``) exactly — Python's default context would round at 28 digits."""
    x, y = Decimal(a), Decimal(b)
    return number_result(_PARSE.subtract(x, y) if subtract else _PARSE.add(x, y))


def number_result(value: Decimal) -> str:
    """An arithmetic result (``SET a = b + c``, ``ADD``) checked and formatted."""
    return format_number(check_number(value))


# -- validation of incoming values -----------------------------------------------------------


def value_type(value: Any) -> str:
    """The single type tag of a wire value, with AWS's errors for none or several."""
    if not isinstance(value, dict) or not value:
        raise validation(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        )
    if len(value) > 1:
        raise validation(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
        )
    (tag,) = value
    if tag not in TYPES:
        raise validation(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        )
    return tag


def clean_value(value: Any) -> dict[str, Any]:
    """Validate one wire value and return it with numbers in canonical form."""
    tag = value_type(value)
    inner = value[tag]
    if tag == "S":
        return value
    if tag == "B":  # bytes; text (from an internal caller) as its UTF-8, as the wire writes it
        return value if isinstance(inner, (bytes, bytearray)) else {"B": str(inner).encode("utf-8")}
    if tag == "N":
        canonical = format_number(parse_number(inner))
        return value if canonical == inner else {"N": canonical}
    if tag == "BOOL":
        return value
    if tag == "NULL":
        if inner is not True:
            raise request_invalid_param("Null attribute value types must have the value of true")
        return value
    if tag in ("SS", "NS", "BS"):
        if not inner:
            kind = {"SS": "string", "NS": "number", "BS": "binary"}[tag]
            raise request_invalid_param(f"An {kind} set  may not be empty")
        if tag == "NS":
            parsed = [parse_number(n) for n in inner]
            items = [format_number(n) for n in parsed]
            if len(set(parsed)) != len(parsed):
                raise request_invalid_param(f"Input collection {_show(inner)} contains duplicates.")
            return {"NS": items}
        if len(set(inner)) != len(inner):
            raise request_invalid_param(f"Input collection {_show(inner)} contains duplicates.")
        if tag == "BS" and not all(isinstance(b, (bytes, bytearray)) for b in inner):
            return {"BS": [b if isinstance(b, (bytes, bytearray)) else str(b).encode("utf-8") for b in inner]}
        return value
    if tag == "L":
        return {"L": [clean_value(v) for v in inner]}
    if tag == "M":
        return {"M": {k: clean_value(v) for k, v in inner.items()}}
    return value


def _show(items: list[Any]) -> str:
    return "[" + ", ".join(str(i) for i in items) + "]"


def clean_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: clean_value(value) for name, value in item.items()}


# -- ordering and identity -------------------------------------------------------------------


def key_token(value: dict[str, Any]) -> Any:
    """What orders and identifies a key value: str, Decimal or bytes."""
    tag, inner = next(iter(value.items()))
    if tag == "N":
        return Decimal(inner)
    return inner


def token_text(token: Any) -> str:
    """A key token as text, for persistence row keys."""
    if isinstance(token, bytes):
        return "b:" + base64.b64encode(token).decode()
    if isinstance(token, Decimal):
        return "n:" + format_number(token)
    return "s:" + token


def equal(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Value equality as DynamoDB sees it (numbers by value, sets unordered)."""
    (ta, va), = a.items()
    (tb, vb), = b.items()
    if ta != tb:
        return False
    if ta == "N":
        return Decimal(va) == Decimal(vb)
    if ta == "NS":
        return {Decimal(x) for x in va} == {Decimal(x) for x in vb}
    if ta in ("SS", "BS"):
        return set(va) == set(vb)
    if ta == "L":
        return len(va) == len(vb) and all(equal(x, y) for x, y in zip(va, vb))
    if ta == "M":
        return va.keys() == vb.keys() and all(equal(va[k], vb[k]) for k in va)
    return va == vb


# -- sizes -----------------------------------------------------------------------------------


def number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").strip("0")
    return (len(digits) + 1) // 2 + 1


def value_size(value: dict[str, Any]) -> int:
    (tag, inner), = value.items()
    if tag == "S":
        return len(inner.encode("utf-8"))
    if tag == "N":
        return number_size(inner)
    if tag == "B":
        return len(inner)
    if tag == "SS":
        return sum(len(s.encode("utf-8")) for s in inner)
    if tag == "NS":
        return sum(number_size(n) for n in inner)
    if tag == "BS":
        return sum(len(b) for b in inner)
    if tag == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    if tag == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in inner.items())
    return 1  # NULL, BOOL


def item_size(item: dict[str, Any]) -> int:
    """The item's size as DynamoDB counts it: names plus values (UTF-8 bytes)."""
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def _too_deep(value: dict[str, Any], level: int) -> bool:
    if level > MAX_NESTING:
        return True
    (tag, inner), = value.items()
    if tag == "M":
        return any(_too_deep(v, level + 1) for v in inner.values())
    if tag == "L":
        return any(_too_deep(v, level + 1) for v in inner)
    return False


def check_item_size(item: dict[str, Any]) -> None:
    """The limits of an item about to be stored: 400 KB, and values nested at most 32 levels
    deep (an attribute's value is level 1: a scalar inside 31 maps or lists is the deepest)."""
    if any(_too_deep(value, 1) for value in item.values()):
        raise validation(
            "Nesting Levels have exceeded supported limits: "
            "Attributes in the item have nested levels beyond supported limit"
        )
    if item_size(item) > MAX_ITEM_SIZE:
        raise validation("Item size has exceeded the maximum allowed size")
