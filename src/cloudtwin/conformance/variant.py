"""One generated request and what it is expected to provoke."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

#: positive: valid by the model, must succeed (or fail with a declared/allowed error);
#: negative: breaks one model constraint, must be rejected with AWS's code for it;
#: either: validity unknown (an unreadable pattern), judged as positive *or* negative.
Kind = Literal["positive", "negative", "either"]

STRATEGIES = ("boundary", "enum", "optional", "random", "example", "negative", "roundtrip")


@dataclass(slots=True)
class Variant:
    """A request to one operation, named so a failure can be found again.

    ``focus`` is the member path the variant is about (``("Attributes", "Policy")``): the
    resource set-up never substitutes identifiers there, so a boundary value stays the
    boundary value. ``violation`` names the broken constraint of a negative variant
    (``required``, ``length``, ``range``, ``enum``, ``type``, ``pattern``).
    """

    operation: str
    strategy: str
    name: str
    params: dict[str, Any]
    kind: Kind = "positive"
    focus: tuple[Any, ...] = ()
    violation: str | None = None
    #: Round-trip variants: the set-up request and what the read must return.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """A stable identifier: ``Operation/strategy/name``."""
        return f"{self.operation}/{self.strategy}/{self.name}"
