"""Strategy 5: the requests of the models' ``examples-1.json``, where the model has them.

Examples are written by AWS for documentation and are not always valid against the model,
so each one is sorted with :func:`conforms`: valid ones are positive, the others negative."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cloudtwin.conformance.generators.conformity import conforms
from cloudtwin.conformance.generators.context import OperationContext
from cloudtwin.conformance.variant import Variant

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import Shape


class ExampleSource:
    """The examples of each service, loaded once per run."""

    def __init__(self) -> None:
        self._examples: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def of(self, service: str) -> dict[str, list[dict[str, Any]]]:
        if service not in self._examples:
            from botocore.exceptions import DataNotFoundError
            from botocore.loaders import create_loader

            try:
                data = create_loader().load_service_model(service, "examples-1")
            except (DataNotFoundError, Exception):
                data = {}
            self._examples[service] = data.get("examples", {}) or {}
        return self._examples[service]


def _typed(shape: "Shape", value: Any) -> Any:
    """Example values are JSON: timestamps as text, blobs as text; make them typed."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {k: _typed(shape.members[k], v) if k in shape.members else v for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_typed(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _typed(shape.value, v) for k, v in value.items()}
    if kind == "timestamp" and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        except ValueError:
            return value
    if kind == "blob" and isinstance(value, str):
        return value.encode()
    return value


def generate(ctx: OperationContext, examples: list[dict[str, Any]]) -> list[Variant]:
    shape = ctx.input_shape
    out: list[Variant] = []
    for index, example in enumerate(examples):
        raw = example.get("input", {}) or {}
        params = _typed(shape, raw) if shape is not None else {}
        verdict = conforms(shape, params, ctx.factory) if shape is not None else True
        kind = "positive" if verdict else ("negative" if verdict is False else "either")
        label = example.get("id") or f"example-{index}"
        out.append(Variant(ctx.name, "example", str(label), params, kind,
                           violation=None if verdict is not False else "model"))
    return out
