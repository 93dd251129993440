"""``TestState`` mocks checked against the output shape of the integration they stand for
(``fieldValidationMode``: ``STRICT`` — types and required fields —, ``PRESENT`` — the types
of the fields given —, ``NONE``), with AWS's messages."""

from __future__ import annotations

from typing import Any

from cloudtwin.services.stepfunctions.errors import QueryError, validation
from cloudtwin.services.stepfunctions.integrations import OPTIMIZED, parse_resource

_NUMBERS = ("integer", "long", "float", "double")


def output_shape(catalog: Any, resource: Any) -> Any:
    """The botocore output shape of the operation a Task's resource calls (None if unknown)."""
    try:
        target = parse_resource(resource)
    except QueryError:
        return None
    try:
        if target["kind"] == "service" and (target["service"], target["action"]) in OPTIMIZED:
            service, operation, _ = OPTIMIZED[(target["service"], target["action"])]
            shape = catalog.service_model(service).operation_model(operation).output_shape
            if service == "lambda":
                return _Without(shape, "Payload")  # its Payload is the function's JSON answer, any type
            return shape
        if target["kind"] == "sdk":
            model = catalog.service_model(target["service"].lower())
            name = next((op for op in model.operation_names if op.lower() == target["action"].lower()), None)
            return model.operation_model(name).output_shape if name else None
    except Exception:  # noqa: BLE001 - a service botocore does not know: nothing to check against
        return None
    return None


class _Without:
    """A structure shape less one member (which then takes any value)."""

    def __init__(self, shape: Any, member: str) -> None:
        self.type_name = shape.type_name
        self.members = {k: v for k, v in shape.members.items() if k != member}
        self.required_members = [k for k in shape.required_members if k != member]
        self.metadata = shape.metadata


def check(shape: Any, value: Any, mode: str) -> None:
    """Raise AWS's ``ValidationException`` when ``value`` does not fit ``shape``."""
    if shape is None or mode == "NONE":
        return
    problem = _check(shape, value, mode, None)
    if problem:
        raise validation(f"Mock result schema validation error: {problem}")


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _check(shape: Any, value: Any, mode: str, field: str | None) -> str | None:
    kind = shape.type_name
    label = f"Field '{field}'" if field else "The result"
    if kind == "structure":
        if not isinstance(value, dict):
            return f"{label} must be an object"
        members = {_pascal(name): member for name, member in shape.members.items()}
        if mode == "STRICT":
            for name in shape.required_members:
                if _pascal(name) not in value:
                    return f"Required field '{_pascal(name)}' is missing"
        for key, item in value.items():
            member = members.get(key)
            if member is not None:
                problem = _check(member, item, mode, key)
                if problem:
                    return problem
        return None
    if kind == "list":
        if not isinstance(value, list):
            return f"{label} must be an array"
        for item in value:
            problem = _check(shape.member, item, mode, field)
            if problem:
                return problem
        return None
    if kind == "map":
        if not isinstance(value, dict):
            return f"{label} must be an object"
        return next((p for p in (_check(shape.value, v, mode, k) for k, v in value.items()) if p), None)
    metadata = shape.metadata
    if kind in ("string", "blob", "timestamp"):
        if not isinstance(value, str):
            return f"{label} must be a string"
        if kind == "string" and shape.enum and value not in shape.enum:
            return f"{label} is not an expected value"
        if "min" in metadata and len(value) < metadata["min"]:
            return f"{label} is smaller than the minimum length"
        if "max" in metadata and len(value) > metadata["max"]:
            return f"{label} exceeds the maximum length"
        return None
    if kind in _NUMBERS:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{label} must be a number"
        if "min" in metadata and value < metadata["min"]:
            return f"{label} is less than the minimum value"
        if "max" in metadata and value > metadata["max"]:
            return f"{label} exceeds the maximum value"
        return None
    if kind == "boolean" and not isinstance(value, bool):
        return f"{label} must be a boolean"
    return None
