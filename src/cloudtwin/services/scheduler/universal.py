"""Universal targets: ``arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`` calls any
operation through the internal client, with the target's ``Input`` as its parameters.

AWS's universal targets take the parameters as JSON keyed in PascalCase whatever the
service's own casing; each key is matched to the model's member name without regard to
case (``QueueUrl``, ``logGroupName``), recursively through structures, lists and maps.
"""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.protocol.errors import ServiceError

#: SDK service identifiers that differ from botocore's service names
_ALIASES = {"sfn": "stepfunctions", "cloudwatchlogs": "logs", "eventbridge": "events", "lambda": "lambda",
            "cloudwatch": "cloudwatch", "ssm": "ssm"}


def parse(arn: str) -> tuple[str, str] | None:
    """``(service, Operation)`` of a universal target ARN, or None for a templated target."""
    parts = arn.split(":")
    if len(parts) != 8 or parts[2] != "scheduler" or parts[5] != "aws-sdk":
        return None
    service = _ALIASES.get(parts[6].lower(), parts[6].lower())
    action = parts[7]
    return service, action[:1].upper() + action[1:]


def _members(shape: Any, value: Any) -> Any:
    if shape is None:
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        names = {name.lower(): name for name in shape.members}
        out = {}
        for key, item in value.items():
            name = names.get(key.lower(), key)
            out[name] = _members(shape.members.get(name), item)
        return out
    if shape.type_name == "list" and isinstance(value, list):
        return [_members(shape.member, item) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _members(shape.value, v) for k, v in value.items()}
    if shape.type_name == "blob" and isinstance(value, str):
        return value.encode()
    return value


def parameters(catalog: Any, service: str, operation: str, body: str) -> dict[str, Any]:
    try:
        raw = json.loads(body or "{}")
    except ValueError:
        raise ServiceError("ValidationException", "Input of a universal target must be valid JSON.") from None
    try:
        model = catalog.service_model(service).operation_model(operation)
    except Exception:  # noqa: BLE001 - an unknown service or operation
        raise ServiceError("ValidationException", f"Unknown universal target aws-sdk:{service}:{operation}.") from None
    return _members(model.input_shape, raw) if isinstance(raw, dict) else {}
