"""The generation strategies, each in its own module, put together per operation.

=========== =================================================================
boundary    values at, inside and outside each ``min``/``max`` (1)
enums       every enum value of every enum-typed member (2)
optional    required only, all members, required plus each optional (3)
random      hypothesis draws with a fixed seed, shrunk when failing (4)
examples    the models' ``examples-1.json`` requests (5)
negative    one broken constraint per variant (6)
=========== =================================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cloudtwin.conformance.generators import boundary, enums, examples, negative, optional, random_inputs
from cloudtwin.conformance.generators.context import OperationContext
from cloudtwin.conformance.variant import Variant

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel

    from cloudtwin.conformance.values import ValueFactory

__all__ = ["Generator", "OperationContext"]


class Generator:
    """All variants of the operations of one run, deterministic for a seed."""

    def __init__(self, factory: "ValueFactory", seed: int = 0) -> None:
        self.factory = factory
        self.seed = seed
        self.examples = examples.ExampleSource()
        self.strategies = random_inputs.StrategyBuilder(factory)

    def context(self, operation: "OperationModel") -> OperationContext:
        protocol = operation.service_model.protocol
        return OperationContext(operation, self.factory, self.seed, protocol)

    def deterministic(self, operation: "OperationModel") -> list[Variant]:
        """The variants of strategies 1, 2, 3, 5 and 6 (no randomness)."""
        ctx = self.context(operation)
        service = operation.service_model.service_name
        out: list[Variant] = []
        out += optional.generate(ctx)
        out += boundary.generate(ctx)
        out += enums.generate(ctx)
        out += examples.generate(ctx, self.examples.of(service).get(operation.name, []))
        out += negative.generate(ctx)
        return _unique(out)

    def random(self, operation: "OperationModel", count: int) -> list[Variant]:
        return random_inputs.generate(self.context(operation), self.strategies, count)


def _unique(variants: list[Variant]) -> list[Variant]:
    """Drop repeated names (two strategies may reach the same member path and label)."""
    seen: set[str] = set()
    out = []
    for v in variants:
        if v.key not in seen:
            seen.add(v.key)
            out.append(v)
    return out
