"""Where a variant changes an input: member paths, and setting or removing a value there.

A path is a tuple of steps from the input structure: a member name inside a structure, ``0``
inside a list, a key inside a map. :func:`slots` lists the paths worth varying (every member of
the input, recursively through structures, list items and map values, to a fixed depth);
:func:`put` writes a value at a path into a copy of a valid base input, creating the missing
parents with valid values so the rest of the request stays valid.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import Shape

    from cloudtwin.conformance.values import ValueFactory

MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Slot:
    """One member of an input, reached by ``path``."""

    path: tuple[Any, ...]
    shape: "Shape"
    #: Required in its parent structure (list items and map values count as required).
    required: bool
    #: The member's HTTP location (``uri``, ``header``, ``querystring``...) at the top level.
    location: str | None = None

    @property
    def label(self) -> str:
        return ".".join(str(step) for step in self.path)


def slots(shape: "Shape", factory: "ValueFactory", max_depth: int = MAX_DEPTH) -> list[Slot]:
    """Every member path of ``shape`` down to ``max_depth``, parents before children."""
    out: list[Slot] = []
    seen: set[int] = set()

    def walk(current: "Shape", path: tuple[Any, ...], depth: int) -> None:
        if depth >= max_depth:
            return
        kind = current.type_name
        if kind == "structure":
            if id(current) in seen:  # recursive shape: stop at the first repeat
                return
            seen.add(id(current))
            required = set(current.required_members)
            for name, member in current.members.items():
                location = member.serialization.get("location") if depth == 0 else None
                out.append(Slot(path + (name,), member, name in required, location))
                walk(member, path + (name,), depth + 1)
            seen.discard(id(current))
        elif kind == "list":
            out.append(Slot(path + (0,), current.member, True))
            walk(current.member, path + (0,), depth + 1)
        elif kind == "map":
            key = factory.key_value(current.key, 0)
            if key is not None:
                out.append(Slot(path + (key,), current.value, True))
                walk(current.value, path + (key,), depth + 1)

    walk(shape, (), 0)
    return out


def put(base: dict[str, Any], shape: "Shape", path: tuple[Any, ...], value: Any,
        factory: "ValueFactory") -> dict[str, Any] | None:
    """A copy of ``base`` with ``value`` at ``path``; None when a parent cannot be built."""
    root = copy.deepcopy(base)
    node: Any = root
    current = shape
    for i, step in enumerate(path):
        last = i == len(path) - 1
        if current.type_name == "structure":
            child_shape = current.members[step]
            if current.metadata.get("union"):
                for other in list(node):
                    if other != step:
                        del node[other]
        elif current.type_name == "list":
            child_shape = current.member
        else:
            child_shape = current.value
        if last:
            if current.type_name == "list":
                if node:
                    node[0] = value
                else:
                    node.append(value)
            else:
                node[step] = value
            return root
        exists = (step < len(node)) if current.type_name == "list" else (step in node)
        if not exists:
            fresh = factory.valid(child_shape)
            if fresh is None:
                return None
            if child_shape.type_name == "list" and not fresh:
                item = factory.valid(child_shape.member)
                if item is None:
                    return None
                fresh = [item]
            if current.type_name == "list":
                node.append(fresh)
            else:
                node[step] = fresh
        node = node[step]
        current = child_shape
        if current.type_name == "list" and not node:
            item = factory.valid(current.member)
            if item is None:
                return None
            node.append(item)
    return root


def remove(base: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any] | None:
    """A copy of ``base`` without the member at ``path``; None when it is not there."""
    root = copy.deepcopy(base)
    node: Any = root
    for step in path[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    if not isinstance(node, dict) or path[-1] not in node:
        return None
    del node[path[-1]]
    return root
