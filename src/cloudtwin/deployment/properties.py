"""What most resource handlers do with a template's properties.

- :func:`shaped`: a template's values typed as the operation's input shape wants them.
  CloudFormation accepts ``"30"`` for a number and ``"true"`` for a boolean (a ``Ref`` to a
  parameter is always a string), and a number where the API wants a string; the service's
  handler sees the types an SDK would have sent.
- :func:`tags`: the resource's ``Tags`` plus the stack's ``aws:cloudformation:*`` tags.
- :func:`gone_ok`: a delete that finds the resource already gone succeeds, as
  CloudFormation's does.
"""

from __future__ import annotations

import json
import random
import string
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import Shape

    from cloudtwin.deployment.handler import ResourceRequest

__all__ = ["coerce", "gone_ok", "is_missing", "json_text", "random_suffix", "shaped", "tag_map", "tags", "truthy"]

_TRUE = frozenset({"true", "1", "yes"})


def truthy(value: Any) -> bool:
    """A template's boolean (``true``, ``"true"``, ``"True"``)."""
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def coerce(value: Any, shape: "Shape") -> Any:
    """``value`` converted to the type of ``shape`` where a template may have it otherwise."""
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure":
        if not isinstance(value, dict):
            return value
        members = shape.members
        return {k: coerce(v, members[k]) for k, v in value.items() if k in members and v is not None}
    if kind == "list":
        if not isinstance(value, list):
            value = [value]
        return [coerce(v, shape.member) for v in value]
    if kind == "map":
        if not isinstance(value, dict):
            return value
        return {str(k): coerce(v, shape.value) for k, v in value.items()}
    if kind in ("integer", "long"):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    if kind in ("double", "float"):
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                return value
        return value
    if kind == "boolean":
        return truthy(value) if isinstance(value, str) else value
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return value
    if kind == "blob":
        return value.encode() if isinstance(value, str) else value
    if kind == "timestamp" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, timezone.utc)
    if kind == "timestamp" and isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return value


def shaped(request: "ResourceRequest", service: str, operation: str, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` typed as ``operation``'s input wants; members it does not have are dropped,
    and idempotency tokens the values lack are filled in (as an SDK fills them)."""
    shape = request.internal.operation_model(service, operation).input_shape
    if shape is None:
        return {}
    params = coerce(values, shape)
    for name, member in shape.members.items():
        if member.metadata.get("idempotencyToken") and name not in params:
            params[name] = str(uuid.uuid4())
    return params


def tags(
    request: "ResourceRequest", prop: str = "Tags", *, key: str = "Key", value: str = "Value", stack: bool = True
) -> list[dict[str, str]]:
    """The resource's tags (a ``[{Key, Value}]`` list or a ``{key: value}`` map in the
    template) and the stack's, as ``[{key: ..., value: ...}]``. ``stack=False`` leaves the
    stack's out, for an API whose model refuses keys in the ``aws:`` namespace."""
    merged = tag_map(request, prop, stack=stack)
    return [{key: k, value: v} for k, v in merged.items()]


def tag_map(request: "ResourceRequest", prop: str = "Tags", *, stack: bool = True) -> dict[str, str]:
    """The resource's tags and the stack's, as a map (the template's win)."""
    merged = _stack_tags(request) if stack else {}
    given = request.properties.get(prop) or []
    if isinstance(given, dict):
        merged.update({str(k): str(v) for k, v in given.items()})
    else:
        merged.update({str(t["Key"]): str(t.get("Value", "")) for t in given})
    return merged


def random_suffix(length: int = 12) -> str:
    """The mixed-case random part of the names CloudFormation's newer resource types
    generate (``CFN-MyParameter-ywXNmT4uRH69``)."""
    return "".join(random.choices(string.ascii_letters + string.digits, k=length))


def json_text(value: Any) -> str:
    """A JSON document property as an API takes it (a template gives an object or a string):
    policy documents, dashboard bodies, state machine definitions."""
    return value if isinstance(value, str) else json.dumps(value)


def _stack_tags(request: "ResourceRequest") -> dict[str, str]:
    """The stack's tags in AWS's order: stack name, logical id, stack id (the logical id
    is the resource's own)."""
    given = {t["Key"]: t["Value"] for t in request.stack_tags}
    if not given:
        return {}
    ordered = {}
    for key in ("aws:cloudformation:stack-name", "aws:cloudformation:logical-id", "aws:cloudformation:stack-id"):
        if key == "aws:cloudformation:logical-id":
            ordered[key] = given.get(key, request.logical_id)
        elif key in given:
            ordered[key] = given[key]
    return {**ordered, **given}


def is_missing(error: ServiceError) -> bool:
    """Whether a service's error says the resource does not exist."""
    code = error.code
    return (
        "NotFound" in code
        or "NoSuch" in code
        or "DoesNotExist" in code
        or code in ("ParameterNotFound", "ResourceNotFound")
    )


@contextmanager
def gone_ok() -> Iterator[None]:
    """Swallow the error of a call whose resource is already gone."""
    try:
        yield
    except ServiceError as exc:
        if not is_missing(exc):
            raise
