"""What every strategy needs about one operation, computed once."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from cloudtwin.conformance.generators.paths import Slot, slots

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel, Shape

    from cloudtwin.conformance.values import ValueFactory


@dataclass
class OperationContext:
    """An operation, the value factory, the run's seed, and the valid base inputs."""

    operation: "OperationModel"
    factory: "ValueFactory"
    seed: int = 0
    protocol: str = "json"
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.operation.name

    @property
    def input_shape(self) -> "Shape | None":
        return self.operation.input_shape

    @cached_property
    def base(self) -> dict[str, Any] | None:
        """The required-members-only valid input (None when none can be built)."""
        shape = self.input_shape
        if shape is None:
            return {}
        return self.factory.valid(shape)

    @cached_property
    def full(self) -> dict[str, Any] | None:
        """A valid input with every member set (two levels deep)."""
        shape = self.input_shape
        if shape is None:
            return {}
        return self.factory.valid(shape, all_members=True)

    @cached_property
    def slots(self) -> list[Slot]:
        shape = self.input_shape
        if shape is None:
            return []
        return [s for s in slots(shape, self.factory) if _sendable(s.shape)]


def _sendable(shape: "Shape") -> bool:
    """Event-stream inputs and streaming bodies are not varied member by member."""
    return not (shape.metadata.get("eventstream") or shape.serialization.get("eventstream"))
