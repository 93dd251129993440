"""What EC2's CloudFormation resource handlers share: tags from a template, property
conversions, and deletes that tolerate a resource already gone."""

from __future__ import annotations

from typing import Any

from cloudtwin.deployment.handler import ResourceRequest
from cloudtwin.deployment.properties import is_missing, tags
from cloudtwin.protocol.errors import ServiceError



def as_int(value: Any) -> int:
    return int(value)


def tag_specs(request: ResourceRequest, resource_type: str, *, stack: bool = True) -> list[dict[str, Any]]:
    """The TagSpecifications of a create: the template's tags and the stack's."""
    given = tags(request, stack=stack)
    return [{"ResourceType": resource_type, "Tags": given}] if given else []


def retag(request: ResourceRequest, resource_id: str) -> None:
    """Apply a changed ``Tags`` property."""
    new = {t["Key"]: str(t.get("Value", "")) for t in request.properties.get("Tags") or ()}
    old = {t["Key"]: str(t.get("Value", "")) for t in (request.previous_properties or {}).get("Tags") or ()}
    gone = [{"Key": k} for k in old if k not in new]
    if gone:
        request.call("ec2", "DeleteTags", {"Resources": [resource_id], "Tags": gone})
    changed = [{"Key": k, "Value": v} for k, v in new.items() if old.get(k) != v]
    if changed:
        request.call("ec2", "CreateTags", {"Resources": [resource_id], "Tags": changed})


def quietly(request: ResourceRequest, operation: str, params: dict[str, Any]) -> None:
    """A delete whose resource may be gone already."""
    try:
        request.call("ec2", operation, params)
    except ServiceError as error:
        if not (is_missing(error) or error.code == "Gateway.NotAttached"):
            raise


def given(props: dict[str, Any], names: dict[str, str], converters: dict[str, Any] | None = None) -> dict[str, Any]:
    """Template properties renamed to API parameters (those given)."""
    out = {}
    for prop, param in names.items():
        if props.get(prop) is not None:
            value = props[prop]
            out[param] = (converters or {}).get(prop, lambda v: v)(value)
    return out

