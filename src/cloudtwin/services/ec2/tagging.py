"""Tags on EC2 resources: ``TagSpecifications`` on creates, CreateTags, DeleteTags,
DescribeTags. Tags live on the resource itself (its ``Tags`` list, in the order set)."""

from __future__ import annotations

from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2.errors import invalid_parameter, not_found
from cloudtwin.services.ec2.filters import page, select
from cloudtwin.services.ec2.models import Ec2Store

MAX_TAGS = 50

#: DescribeTags' resource-type names, by id prefix.
RESOURCE_TYPES = {
    "vpc": "vpc", "subnet": "subnet", "sg": "security-group", "sgr": "security-group-rule",
    "igw": "internet-gateway", "eigw": "egress-only-internet-gateway", "rtb": "route-table",
    "nat": "natgateway", "eipalloc": "elastic-ip", "acl": "network-acl", "vpce": "vpc-endpoint",
    "pcx": "vpc-peering-connection", "eni": "network-interface", "key": "key-pair",
    "lt": "launch-template", "dopt": "dhcp-options", "pl": "prefix-list", "i": "instance",
}  # fmt: skip


def spec_tags(params: dict[str, Any], resource_type: str) -> list[dict[str, str]]:
    """The tags a create's ``TagSpecifications`` give to the resource it makes."""
    tags: list[dict[str, str]] = []
    for spec in params.get("TagSpecifications") or ():
        if spec.get("ResourceType") not in (None, resource_type):
            raise invalid_parameter(f"'{spec.get('ResourceType')}' is not a valid taggable resource type for this operation.")
        for tag in spec.get("Tags") or ():
            _check_key(tag.get("Key"))
            set_tag(tags, tag["Key"], tag.get("Value", ""))
    return tags


def _check_key(key: str | None) -> None:
    if key is None:
        raise ServiceError("InvalidParameterValue", "Tag keys must be specified")


def check_reserved(params: dict[str, Any]) -> None:
    """Clients may not set tags in AWS's ``aws:`` namespace (CloudFormation may)."""
    tags = [t for s in params.get("TagSpecifications") or () for t in s.get("Tags") or ()] + list(params.get("Tags") or ())
    for tag in tags:
        if str(tag.get("Key") or "").lower().startswith("aws:"):
            raise ServiceError("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use")


def set_tag(tags: list[dict[str, str]], key: str, value: str) -> None:
    for tag in tags:
        if tag["Key"] == key:
            tag["Value"] = value
            return
    tags.append({"Key": key, "Value": value})


def create_tags(store: Ec2Store, resource_ids: list[str], tags: list[dict[str, Any]]) -> None:
    resources = []
    for rid in resource_ids:
        found = store.find(rid)
        if found is None:
            raise not_found(rid)
        resources.append((rid, found))
    for tag in tags:
        _check_key(tag.get("Key"))
    for rid, resource in resources:
        current = resource.setdefault("Tags", [])
        for tag in tags:
            set_tag(current, tag["Key"], tag.get("Value") or "")
        if len(current) > MAX_TAGS:
            raise ServiceError("TagLimitExceeded", f"The maximum number of Tags for a resource is {MAX_TAGS}.")
        store.table_of(rid).save(rid)  # type: ignore[union-attr]


def delete_tags(store: Ec2Store, resource_ids: list[str], tags: list[dict[str, Any]] | None) -> None:
    for rid in resource_ids:
        resource = store.find(rid)
        if resource is None:
            raise not_found(rid)
        current = resource.get("Tags") or []
        if not tags:
            kept: list[dict[str, str]] = [t for t in current if t["Key"].startswith("aws:")]
        else:
            kept = [
                t for t in current
                if not any(t["Key"] == d["Key"] and (d.get("Value") is None or d["Value"] == t["Value"]) for d in tags)
            ]  # fmt: skip
        resource["Tags"] = kept
        store.table_of(rid).save(rid)  # type: ignore[union-attr]


def _kind(rid: str) -> str:
    return rid.rsplit("-", 1)[0]


TAG_FIELDS = {
    "key": lambda t: t["Key"],
    "value": lambda t: t["Value"],
    "resource-id": lambda t: t["ResourceId"],
    "resource-type": lambda t: t["ResourceType"],
}


def describe_tags(store: Ec2Store, params: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for prefix, resource_type in RESOURCE_TYPES.items():
        table = getattr(store, _table_name(prefix))
        for rid, resource in table.items():
            for tag in resource.get("Tags") or ():
                rows.append({"Key": tag["Key"], "Value": tag["Value"], "ResourceId": rid, "ResourceType": resource_type})
    rows = select(rows, params.get("Filters"), TAG_FIELDS)
    items, token = page(rows, params, minimum=5, maximum=1000)
    return {"Tags": items, "NextToken": token}


def _table_name(prefix: str) -> str:
    from cloudtwin.services.ec2.models import KINDS

    return KINDS[prefix][0]
