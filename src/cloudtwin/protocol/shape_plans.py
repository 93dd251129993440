"""Compile-once plans for botocore shapes, shared by every serializer.

A serializer walks the model once per operation (or error shape) and keeps the result, a
tree of small closures, so a response costs one call per value instead of a model walk.
Two pieces make that safe and cheap:

* :class:`PlanCache` keeps plans keyed by the identity of the botocore object they were
  compiled for (an ``OperationModel``, a ``Shape``). botocore caches those objects, so the
  same object comes back on every request; the cache holds a reference to each key so an
  ``id`` is never reused while its plan is alive.
* :class:`ShapeCompiler` compiles one shape tree. botocore builds a new ``Shape`` object for
  every member it resolves, so a recursive shape is an endless chain of distinct objects:
  the compiler memoises by (name, serialization traits) instead and ties a recursion back to
  the plan being built through a late-bound reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Generic, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import Shape

P = TypeVar("P")
K = TypeVar("K")

# Member locations that are not part of a response body.
NON_BODY_LOCATIONS = frozenset({"header", "headers", "statusCode"})

_PENDING = object()


def shape_key(shape: Shape) -> tuple[str, str, str]:
    """What decides how a shape serializes: its name plus the member traits merged into it."""
    serialization = shape.serialization
    traits = repr(sorted(serialization.items())) if serialization else ""
    return (shape.name, shape.type_name, traits)


def is_body_member(member: Shape) -> bool:
    """Whether a structure member travels in the body (not a header, status code or stream)."""
    serialization = member.serialization
    if not serialization:
        return True
    return not (
        serialization.get("location") in NON_BODY_LOCATIONS
        or serialization.get("eventheader")
        or serialization.get("eventstream")
    )


class PlanCache(Generic[K, P]):
    """Plans keyed by the identity of the object they describe; built on first use."""

    __slots__ = ("_plans",)

    def __init__(self) -> None:
        self._plans: dict[int, tuple[K, P]] = {}

    def get(self, key: K, build: Callable[[K], P]) -> P:
        entry = self._plans.get(id(key))
        if entry is not None:
            return entry[1]
        plan = build(key)
        # Keeping ``key`` alive in the entry guarantees its id is not recycled.
        self._plans[id(key)] = (key, plan)
        return plan

    def __len__(self) -> int:
        return len(self._plans)


class ShapeCompiler(Generic[P]):
    """Compiles one shape tree into plans; subclasses say how each shape type compiles.

    Use a fresh compiler per root (operation output, error shape): shape names are only
    unique within one service model.
    """

    def __init__(self) -> None:
        self._memo: dict[tuple[str, str, str], list[Any]] = {}

    def plan(self, shape: Shape) -> P:
        key = shape_key(shape)
        cell = self._memo.get(key)
        if cell is not None:
            if cell[0] is _PENDING:
                return self._deferred(cell)
            return cell[0]
        cell = [_PENDING]
        self._memo[key] = cell
        plan = self.compile(shape)
        cell[0] = plan
        return plan

    def compile(self, shape: Shape) -> P:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _deferred(cell: list[Any]) -> Any:
        """A stand-in for a plan still being compiled (a recursive shape): calls through."""

        def call_through(*args: Any) -> Any:
            return cell[0](*args)

        return call_through
