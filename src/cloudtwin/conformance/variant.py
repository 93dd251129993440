"""One generated request and what it is expected to provoke."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
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
        """A readable name: ``Operation/strategy/name``."""
        return f"{self.operation}/{self.strategy}/{self.name}"

    def stable_key(self, service: str) -> str:
        """The key the baseline records failures by: ``service/Operation/strategy/digest``,
        the digest a hash of the generated parameters (and kind and focus), so it is the same
        in every run of a seed, whatever the set-up later fills in."""
        data = [self.params, self.kind, list(self.focus)]
        try:
            text = json.dumps(data, sort_keys=True, default=_plain, ensure_ascii=True)
        except TypeError:  # keys of mixed types (a random map): in generation order
            text = json.dumps(data, default=_plain, ensure_ascii=True)
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        return f"{service}/{self.operation}/{self.strategy}/{digest}"


def _plain(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return "b64:" + base64.b64encode(bytes(value)).decode()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    return repr(value)
