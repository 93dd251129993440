"""Network ACLs: Create/Describe/DeleteNetworkAcl, their entries, and the association of
each subnet (a subnet always belongs to exactly one ACL: its VPC's default until replaced)."""

from __future__ import annotations

from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2.errors import dependency_violation, invalid_parameter, not_found
from cloudtwin.services.ec2.filters import by_ids, page, select
from cloudtwin.services.ec2.ids import new_id
from cloudtwin.services.ec2.models import Ec2Store
from cloudtwin.services.ec2.tagging import spec_tags

LAST_RULE = 32767


def _entry(number: int, action: str, egress: bool, cidr: str = "0.0.0.0/0", protocol: str = "-1") -> dict[str, Any]:
    return {"CidrBlock": cidr, "Egress": egress, "Protocol": protocol, "RuleAction": action, "RuleNumber": number}


def _sorted(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda e: (not e["Egress"], e["RuleNumber"]))


def new_network_acl(store: Ec2Store, vpc_id: str, *, default: bool = False, tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
    acl_id = new_id("acl")
    entries = []
    for egress in (True, False):
        if default:
            entries.append(_entry(100, "allow", egress))
        entries.append(_entry(LAST_RULE, "deny", egress))
    acl: dict[str, Any] = {
        "Associations": [], "Entries": _sorted(entries), "IsDefault": default, "NetworkAclId": acl_id,
        "VpcId": vpc_id, "OwnerId": store.account_id,
    }  # fmt: skip
    if tags:
        acl["Tags"] = tags
    store.network_acls[acl_id] = acl
    return acl


def associate_default_acl(store: Ec2Store, subnet: dict[str, Any]) -> None:
    for acl in store.network_acls.values():
        if acl["VpcId"] == subnet["VpcId"] and acl["IsDefault"]:
            acl["Associations"].append(
                {"NetworkAclAssociationId": new_id("aclassoc"), "NetworkAclId": acl["NetworkAclId"], "SubnetId": subnet["SubnetId"]}
            )
            store.network_acls.save(acl["NetworkAclId"])
            return


def drop_subnet_associations(store: Ec2Store, subnet_id: str) -> None:
    for acl in store.network_acls.values():
        kept = [a for a in acl["Associations"] if a["SubnetId"] != subnet_id]
        if len(kept) != len(acl["Associations"]):
            acl["Associations"] = kept
            store.network_acls.save(acl["NetworkAclId"])


def _entries_of(pick: str) -> Any:
    return lambda a: [e.get(pick) for e in a["Entries"] if e.get(pick) is not None]


ACL_FIELDS = {
    "association.association-id": lambda a: [x["NetworkAclAssociationId"] for x in a["Associations"]],
    "association.network-acl-id": lambda a: [x["NetworkAclId"] for x in a["Associations"]],
    "association.subnet-id": lambda a: [x["SubnetId"] for x in a["Associations"]],
    "default": lambda a: a["IsDefault"],
    "entry.cidr": _entries_of("CidrBlock"), "entry.ipv6-cidr": _entries_of("Ipv6CidrBlock"),
    "entry.egress": _entries_of("Egress"), "entry.protocol": _entries_of("Protocol"),
    "entry.rule-action": _entries_of("RuleAction"), "entry.rule-number": _entries_of("RuleNumber"),
    "entry.icmp.code": lambda a: [e["IcmpTypeCode"].get("Code") for e in a["Entries"] if e.get("IcmpTypeCode")],
    "entry.icmp.type": lambda a: [e["IcmpTypeCode"].get("Type") for e in a["Entries"] if e.get("IcmpTypeCode")],
    "entry.port-range.from": lambda a: [e["PortRange"].get("From") for e in a["Entries"] if e.get("PortRange")],
    "entry.port-range.to": lambda a: [e["PortRange"].get("To") for e in a["Entries"] if e.get("PortRange")],
    "network-acl-id": lambda a: a["NetworkAclId"], "owner-id": lambda a: a["OwnerId"], "vpc-id": lambda a: a["VpcId"],
}  # fmt: skip

_PROTOCOLS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58", "all": "-1"}


def _entry_of(params: dict[str, Any]) -> dict[str, Any]:
    protocol = str(params["Protocol"]).lower()
    protocol = _PROTOCOLS.get(protocol, protocol)
    if not (protocol == "-1" or (protocol.isdigit() and 0 <= int(protocol) <= 255)):
        raise invalid_parameter(f"Invalid value '{params['Protocol']}' for protocol. Must be one of tcp, udp, icmp, icmpv6, all, or a protocol number.")
    number = params["RuleNumber"]
    if not 1 <= number <= 32766:
        raise invalid_parameter(f"Invalid value '{number}' for ruleNumber. Must be between 1 and 32766.")
    if not params.get("CidrBlock") and not params.get("Ipv6CidrBlock"):
        raise ServiceError("MissingParameter", "The request must contain the parameter cidrBlock or ipv6CidrBlock")
    entry: dict[str, Any] = {"Egress": bool(params["Egress"]), "Protocol": protocol, "RuleAction": params["RuleAction"], "RuleNumber": number}
    if params.get("CidrBlock"):
        entry["CidrBlock"] = params["CidrBlock"]
    if params.get("Ipv6CidrBlock"):
        entry["Ipv6CidrBlock"] = params["Ipv6CidrBlock"]
    if protocol in ("6", "17") and params.get("PortRange"):
        entry["PortRange"] = params["PortRange"]
    if protocol in ("1", "58") and params.get("IcmpTypeCode"):
        entry["IcmpTypeCode"] = params["IcmpTypeCode"]
    return entry


class NetworkAclOperations:
    def _acl(self, store: Ec2Store, acl_id: str) -> dict[str, Any]:
        acl = store.network_acls.get(acl_id)
        if acl is None:
            raise not_found(acl_id, "acl")
        return acl

    def create_network_acl(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        from cloudtwin.services.ec2.vpcs import vpc_of

        store: Ec2Store = ctx.store
        vpc_of(store, params["VpcId"])
        return {"NetworkAcl": new_network_acl(store, params["VpcId"], tags=spec_tags(params, "network-acl"))}

    def describe_network_acls(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        found = select(by_ids(store.network_acls, params.get("NetworkAclIds"), "acl"), params.get("Filters"), ACL_FIELDS)
        items, token = page(found, params)
        return {"NetworkAcls": items, "NextToken": token}

    def delete_network_acl(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        acl = self._acl(store, params["NetworkAclId"])
        if acl["IsDefault"]:
            raise ServiceError("InvalidParameterValue", f"cannot delete default network ACL {acl['NetworkAclId']}")
        if acl["Associations"]:
            raise dependency_violation(f"The networkAcl '{acl['NetworkAclId']}' has dependencies and cannot be deleted.")
        del store.network_acls[acl["NetworkAclId"]]
        return {}

    def create_network_acl_entry(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        acl = self._acl(store, params["NetworkAclId"])
        entry = _entry_of(params)
        if any(e["RuleNumber"] == entry["RuleNumber"] and e["Egress"] == entry["Egress"] for e in acl["Entries"]):
            raise ServiceError("NetworkAclEntryAlreadyExists", f"The network acl entry identified by {entry['RuleNumber']} already exists.")
        acl["Entries"] = _sorted([*acl["Entries"], entry])
        store.network_acls.save(acl["NetworkAclId"])
        return {}

    def _entry_index(self, acl: dict[str, Any], number: int, egress: bool) -> int:
        for i, e in enumerate(acl["Entries"]):
            if e["RuleNumber"] == number and e["Egress"] == egress:
                return i
        raise ServiceError(
            "InvalidNetworkAclEntry.NotFound",
            f"The specified network ACL entry identified by rule number {number} and {'egress' if egress else 'ingress'} direction does not exist in {acl['NetworkAclId']}",
        )

    def replace_network_acl_entry(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        acl = self._acl(store, params["NetworkAclId"])
        entry = _entry_of(params)
        acl["Entries"][self._entry_index(acl, entry["RuleNumber"], entry["Egress"])] = entry
        store.network_acls.save(acl["NetworkAclId"])
        return {}

    def delete_network_acl_entry(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        acl = self._acl(store, params["NetworkAclId"])
        del acl["Entries"][self._entry_index(acl, params["RuleNumber"], bool(params["Egress"]))]
        store.network_acls.save(acl["NetworkAclId"])
        return {}

    def replace_network_acl_association(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        target = self._acl(store, params["NetworkAclId"])
        for acl in store.network_acls.values():
            for association in acl["Associations"]:
                if association["NetworkAclAssociationId"] == params["AssociationId"]:
                    acl["Associations"].remove(association)
                    store.network_acls.save(acl["NetworkAclId"])
                    new = {"NetworkAclAssociationId": new_id("aclassoc"), "NetworkAclId": target["NetworkAclId"],
                           "SubnetId": association["SubnetId"]}  # fmt: skip
                    target["Associations"].append(new)
                    store.network_acls.save(target["NetworkAclId"])
                    return {"NewAssociationId": new["NetworkAclAssociationId"]}
        raise ServiceError("InvalidAssociationID.NotFound", f"The association ID '{params['AssociationId']}' does not exist")
