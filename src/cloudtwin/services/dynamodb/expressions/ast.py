"""The nodes a parsed expression is made of.

Placeholders are resolved while parsing: a ``Path`` holds the real attribute names and
list indexes, a ``Value`` holds the attribute value itself, so evaluating never looks
at ``ExpressionAttributeNames``/``Values`` again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union


@dataclass(frozen=True, slots=True)
class Path:
    elements: tuple[str | int, ...]

    def show(self) -> str:
        return "[" + ", ".join(f"[{e}]" if isinstance(e, int) else e for e in self.elements) + "]"


@dataclass(frozen=True, slots=True)
class Value:
    value: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Size:
    path: Path


Operand = Union[Path, Value, Size]


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Operand
    right: Operand


@dataclass(frozen=True, slots=True)
class Between:
    operand: Operand
    low: Operand
    high: Operand


@dataclass(frozen=True, slots=True)
class In:
    operand: Operand
    options: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class Function:
    name: str  # attribute_exists, attribute_not_exists, attribute_type, begins_with, contains
    args: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class And:
    left: "Condition"
    right: "Condition"


@dataclass(frozen=True, slots=True)
class Or:
    left: "Condition"
    right: "Condition"


@dataclass(frozen=True, slots=True)
class Not:
    operand: "Condition"


Condition = Union[Compare, Between, In, Function, And, Or, Not]


# -- update expressions ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IfNotExists:
    path: Path
    default: "SetValue"


@dataclass(frozen=True, slots=True)
class ListAppend:
    first: "SetValue"
    second: "SetValue"


@dataclass(frozen=True, slots=True)
class Arithmetic:
    op: str  # + or -
    left: "SetValue"
    right: "SetValue"


SetValue = Union[Path, Value, IfNotExists, ListAppend, Arithmetic]


@dataclass(frozen=True, slots=True)
class Action:
    kind: str  # SET, REMOVE, ADD, DELETE
    path: Path
    value: SetValue | None = None


@dataclass(frozen=True, slots=True)
class Update:
    actions: tuple[Action, ...]
