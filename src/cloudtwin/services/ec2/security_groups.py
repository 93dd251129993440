"""Security groups and their rules: Create/Describe/DeleteSecurityGroup, Authorize/Revoke
ingress and egress, DescribeSecurityGroupRules, ModifySecurityGroupRules.

Each rule is a row of its own (a ``SecurityGroupRule``: one protocol, one port range, one
peer); a group's ``IpPermissions`` are its rules grouped by protocol and ports, as AWS
shows them. A VPC group starts with the rule that allows all outbound traffic.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2.errors import dependency_violation, invalid_parameter, not_found
from cloudtwin.services.ec2.filters import page, select
from cloudtwin.services.ec2.ids import new_id
from cloudtwin.services.ec2.models import Ec2Store
from cloudtwin.services.ec2.tagging import spec_tags

PROTOCOLS = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "icmp": "icmp", "1": "icmp", "icmpv6": "icmpv6",
             "58": "icmpv6", "-1": "-1", "all": "-1"}  # fmt: skip
PEERS = ("CidrIpv4", "CidrIpv6", "PrefixListId", "ReferencedGroupInfo")


def _arn(store: Ec2Store, kind: str, rid: str) -> str:
    from cloudtwin.services.ec2.vpcs import arn

    return arn(store, kind, rid)


def new_security_group(store: Ec2Store, vpc_id: str, name: str, description: str, *, default: bool = False,
                       tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
    group_id = new_id("sg")
    group = {
        "GroupId": group_id, "VpcId": vpc_id, "SecurityGroupArn": _arn(store, "security-group", group_id),
        "OwnerId": store.account_id, "GroupName": name, "Description": description,
    }  # fmt: skip
    if tags:
        group["Tags"] = tags
    store.security_groups[group_id] = group
    if default:
        _add_rule(store, group, False, {"IpProtocol": "-1", "ReferencedGroupInfo": {"GroupId": group_id, "UserId": store.account_id}})
    _add_rule(store, group, True, {"IpProtocol": "-1", "CidrIpv4": "0.0.0.0/0"})
    return group


def _add_rule(store: Ec2Store, group: dict[str, Any], egress: bool, fields: dict[str, Any],
              tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
    rule_id = new_id("sgr")
    rule = {
        "SecurityGroupRuleId": rule_id, "GroupId": group["GroupId"], "GroupOwnerId": group["OwnerId"],
        "IsEgress": egress, "FromPort": -1, "ToPort": -1, **fields,
        "SecurityGroupRuleArn": _arn(store, "security-group-rule", rule_id),
    }  # fmt: skip
    if tags:
        rule["Tags"] = tags
    store.sg_rules[rule_id] = rule
    return rule


def _rules(store: Ec2Store, group_id: str, egress: bool | None = None) -> list[dict[str, Any]]:
    return [r for r in store.sg_rules.values() if r["GroupId"] == group_id and (egress is None or r["IsEgress"] == egress)]


def permissions(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rules grouped as ``IpPermission`` s (one per protocol and port range)."""
    grouped: dict[tuple[str, int, int], dict[str, Any]] = {}
    for rule in rules:
        key = (rule["IpProtocol"], rule.get("FromPort", -1), rule.get("ToPort", -1))
        perm = grouped.get(key)
        if perm is None:
            perm = {"IpProtocol": rule["IpProtocol"]}
            if rule["IpProtocol"] != "-1":
                perm["FromPort"], perm["ToPort"] = key[1], key[2]
            perm.update({"UserIdGroupPairs": [], "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": []})
            grouped[key] = perm
        described = {"Description": rule["Description"]} if rule.get("Description") else {}
        if "CidrIpv4" in rule:
            perm["IpRanges"].append({**described, "CidrIp": rule["CidrIpv4"]})
        elif "CidrIpv6" in rule:
            perm["Ipv6Ranges"].append({**described, "CidrIpv6": rule["CidrIpv6"]})
        elif "PrefixListId" in rule:
            perm["PrefixListIds"].append({**described, "PrefixListId": rule["PrefixListId"]})
        elif "ReferencedGroupInfo" in rule:
            perm["UserIdGroupPairs"].append({**described, **rule["ReferencedGroupInfo"]})
    return list(grouped.values())


def described(store: Ec2Store, group: dict[str, Any]) -> dict[str, Any]:
    return {
        **group,
        "IpPermissions": permissions(_rules(store, group["GroupId"], False)),
        "IpPermissionsEgress": permissions(_rules(store, group["GroupId"], True)),
    }


def _group_fields() -> dict[str, Any]:
    def perm_values(egress: bool, pick: Any) -> Any:
        return lambda g: [v for r in g["_rules"] if r["IsEgress"] == egress for v in pick(r)]

    fields: dict[str, Any] = {
        "description": lambda g: g["Description"], "group-id": lambda g: g["GroupId"],
        "group-name": lambda g: g["GroupName"], "owner-id": lambda g: g["OwnerId"], "vpc-id": lambda g: g["VpcId"],
    }  # fmt: skip
    for prefix, egress in (("ip-permission.", False), ("egress.ip-permission.", True)):
        fields[prefix + "cidr"] = perm_values(egress, lambda r: [r["CidrIpv4"]] if "CidrIpv4" in r else [])
        fields[prefix + "ipv6-cidr"] = perm_values(egress, lambda r: [r["CidrIpv6"]] if "CidrIpv6" in r else [])
        fields[prefix + "from-port"] = perm_values(egress, lambda r: [r.get("FromPort")])
        fields[prefix + "to-port"] = perm_values(egress, lambda r: [r.get("ToPort")])
        fields[prefix + "protocol"] = perm_values(egress, lambda r: [r["IpProtocol"]])
        fields[prefix + "prefix-list-id"] = perm_values(egress, lambda r: [r["PrefixListId"]] if "PrefixListId" in r else [])
        fields[prefix + "group-id"] = perm_values(
            egress, lambda r: [r["ReferencedGroupInfo"]["GroupId"]] if "ReferencedGroupInfo" in r else []
        )
        fields[prefix + "user-id"] = perm_values(
            egress, lambda r: [r["ReferencedGroupInfo"].get("UserId")] if "ReferencedGroupInfo" in r else []
        )
    return fields


GROUP_FIELDS = _group_fields()
RULE_FIELDS = {
    "group-id": lambda r: r["GroupId"],
    "security-group-rule-id": lambda r: r["SecurityGroupRuleId"],
}


def _protocol(value: Any) -> str:
    text = str(value).lower()
    if text in PROTOCOLS:
        return PROTOCOLS[text]
    if text.isdigit() and 0 <= int(text) <= 255:
        return text
    raise invalid_parameter(f"Invalid value '{value}' for IP protocol. Unknown protocol.")


def _rule_specs(store: Ec2Store, group: dict[str, Any], params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every (protocol, ports, peer) a request names, as rule fields."""
    perms = list(params.get("IpPermissions") or ())
    if not perms and (params.get("IpProtocol") or params.get("CidrIp") or params.get("SourceSecurityGroupName")
                      or params.get("SourceSecurityGroupOwnerId")):  # fmt: skip
        legacy: dict[str, Any] = {"IpProtocol": params.get("IpProtocol") or "-1"}
        if params.get("FromPort") is not None:
            legacy["FromPort"] = params["FromPort"]
        if params.get("ToPort") is not None:
            legacy["ToPort"] = params["ToPort"]
        if params.get("CidrIp"):
            legacy["IpRanges"] = [{"CidrIp": params["CidrIp"]}]
        if params.get("SourceSecurityGroupName"):
            legacy["UserIdGroupPairs"] = [{"GroupName": params["SourceSecurityGroupName"]}]
        perms = [legacy]
    specs = []
    for perm in perms:
        protocol = _protocol(perm.get("IpProtocol", "-1"))
        base: dict[str, Any] = {"IpProtocol": protocol}
        if protocol in ("tcp", "udp", "icmp", "icmpv6"):
            from_port, to_port = perm.get("FromPort"), perm.get("ToPort")
            if protocol in ("tcp", "udp") and (from_port is None or to_port is None):
                raise invalid_parameter("Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.")
            base["FromPort"] = -1 if from_port is None else from_port
            base["ToPort"] = -1 if to_port is None else to_port
            if protocol in ("tcp", "udp") and not (0 <= base["FromPort"] <= base["ToPort"] <= 65535):
                raise invalid_parameter(f"Invalid port range: {base['FromPort']}-{base['ToPort']}")
        elif protocol != "-1":
            base["FromPort"], base["ToPort"] = -1, -1
        peers: list[dict[str, Any]] = []
        for r in perm.get("IpRanges") or ():
            cidr = r.get("CidrIp")
            try:
                cidr = str(ipaddress.IPv4Network(cidr, strict=False))
            except (ValueError, TypeError):
                raise invalid_parameter(f"CIDR block {cidr} is malformed") from None
            peers.append({"CidrIpv4": cidr, **_desc(r)})
        for r in perm.get("Ipv6Ranges") or ():
            peers.append({"CidrIpv6": r.get("CidrIpv6"), **_desc(r)})
        for r in perm.get("PrefixListIds") or ():
            peers.append({"PrefixListId": r.get("PrefixListId"), **_desc(r)})
        for pair in perm.get("UserIdGroupPairs") or ():
            peer_id = pair.get("GroupId")
            if peer_id is None and pair.get("GroupName"):
                peer = next((g for g in store.security_groups.values()
                             if g["GroupName"] == pair["GroupName"] and g["VpcId"] == group["VpcId"]), None)  # fmt: skip
                if peer is None:
                    raise ServiceError("InvalidGroup.NotFound", f"The security group '{pair['GroupName']}' does not exist")
                peer_id = peer["GroupId"]
            if peer_id not in store.security_groups and (pair.get("UserId") in (None, store.account_id)):
                raise not_found(peer_id or "sg-")
            peers.append({"ReferencedGroupInfo": {"GroupId": peer_id, "UserId": pair.get("UserId") or store.account_id}, **_desc(pair)})
        specs.extend({**base, **peer} for peer in peers)
    return specs


def _desc(item: dict[str, Any]) -> dict[str, Any]:
    return {"Description": item["Description"]} if item.get("Description") else {}


def _same(rule: dict[str, Any], spec: dict[str, Any]) -> bool:
    if rule["IpProtocol"] != spec["IpProtocol"]:
        return False
    if spec["IpProtocol"] != "-1" and (rule.get("FromPort"), rule.get("ToPort")) != (spec.get("FromPort"), spec.get("ToPort")):
        return False
    for peer in PEERS:
        if peer in spec:
            if peer == "ReferencedGroupInfo":
                return peer in rule and rule[peer]["GroupId"] == spec[peer]["GroupId"]
            return rule.get(peer) == spec[peer]
    return False


def _describe_rule(spec: dict[str, Any]) -> str:
    peer = spec.get("CidrIpv4") or spec.get("CidrIpv6") or spec.get("PrefixListId") or (spec.get("ReferencedGroupInfo") or {}).get("GroupId")
    if spec["IpProtocol"] == "-1":
        return f"peer: {peer}, ALL, ALLOW"
    return f"peer: {peer}, {spec['IpProtocol'].upper()}, from port: {spec['FromPort']}, to port: {spec['ToPort']}, ALLOW"


class SecurityGroupOperations:
    def _group(self, store: Ec2Store, params: dict[str, Any]) -> dict[str, Any]:
        group_id, name = params.get("GroupId"), params.get("GroupName")
        if group_id:
            group = store.security_groups.get(group_id)
            if group is None:
                raise not_found(group_id, "sg")
            return group
        if name:
            from cloudtwin.services.ec2.vpcs import default_vpc

            vpc = default_vpc(store)
            for group in store.security_groups.values():
                if group["GroupName"] == name and vpc is not None and group["VpcId"] == vpc["VpcId"]:
                    return group
            where = f" in default VPC '{vpc['VpcId']}'" if vpc else ""
            raise ServiceError("InvalidGroup.NotFound", f"The security group '{name}' does not exist{where}")
        raise ServiceError("MissingParameter", "The request must contain the parameter groupName or groupId")

    def create_security_group(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        from cloudtwin.services.ec2.vpcs import default_vpc, vpc_of

        store: Ec2Store = ctx.store
        name, description = params["GroupName"], params["Description"]
        if params.get("VpcId"):
            vpc = vpc_of(store, params["VpcId"])
        else:
            vpc = default_vpc(store)  # type: ignore[assignment]
            if vpc is None:
                raise ServiceError("VPCIdNotSpecified", "No default VPC for this user")
        if name == "default":
            raise ServiceError("InvalidGroup.Reserved", "The security group 'default' is reserved")
        if name.startswith("sg-"):
            raise invalid_parameter("Group names may not be in the format sg-*")
        if len(name) > 255 or len(description) > 255:
            raise invalid_parameter("Value for parameter GroupName or Description is too long (up to 255 characters).")
        if any(g["GroupName"] == name and g["VpcId"] == vpc["VpcId"] for g in store.security_groups.values()):
            raise ServiceError("InvalidGroup.Duplicate", f"The security group '{name}' already exists for VPC '{vpc['VpcId']}'")
        group = new_security_group(store, vpc["VpcId"], name, description, tags=spec_tags(params, "security-group"))
        answer = {"GroupId": group["GroupId"], "SecurityGroupArn": group["SecurityGroupArn"]}
        if group.get("Tags"):
            answer["Tags"] = group["Tags"]
        return answer

    def describe_security_groups(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        ids, names = params.get("GroupIds"), params.get("GroupNames")
        if ids or names:
            groups = [self._group(store, {"GroupId": i}) for i in dict.fromkeys(ids or ())]
            groups += [self._group(store, {"GroupName": n}) for n in dict.fromkeys(names or ())]
        else:
            groups = list(store.security_groups.values())
        rows = [{**g, "_rules": _rules(store, g["GroupId"])} for g in groups]
        found = select(rows, params.get("Filters"), GROUP_FIELDS)
        items, token = page(found, params)
        return {"SecurityGroups": [described(store, {k: v for k, v in g.items() if k != "_rules"}) for g in items], "NextToken": token}

    def delete_security_group(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        group = self._group(store, params)
        group_id = group["GroupId"]
        if group["GroupName"] == "default":
            raise ServiceError("CannotDelete", f'the specified group: "{group_id}" name: "default" cannot be deleted by a user')
        referenced = any(
            r.get("ReferencedGroupInfo", {}).get("GroupId") == group_id and r["GroupId"] != group_id
            for r in store.sg_rules.values()
        ) or any(group_id in [g["GroupId"] for g in e.get("Groups") or ()] for e in store.network_interfaces.values())
        if referenced:
            raise dependency_violation(f"resource {group_id} has a dependent object")
        for rule_id in [r["SecurityGroupRuleId"] for r in _rules(store, group_id)]:
            del store.sg_rules[rule_id]
        del store.security_groups[group_id]
        return {"Return": True, "GroupId": group_id}

    def _authorize(self, ctx: Any, params: dict[str, Any], egress: bool) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        group = self._group(store, params)
        specs = _rule_specs(store, group, params)
        existing = _rules(store, group["GroupId"], egress)
        for i, spec in enumerate(specs):
            if any(_same(r, spec) for r in existing) or any(_same(other, spec) for other in specs[:i]):
                raise ServiceError("InvalidPermission.Duplicate", f'the specified rule "{_describe_rule(spec)}" already exists')
        tags = spec_tags(params, "security-group-rule")
        added = [_add_rule(store, group, egress, spec, tags) for spec in specs]
        return {"Return": True, "SecurityGroupRules": added}

    def _revoke(self, ctx: Any, params: dict[str, Any], egress: bool) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        group = self._group(store, params)
        existing = _rules(store, group["GroupId"], egress)
        rule_ids = params.get("SecurityGroupRuleIds")
        if rule_ids:
            gone = []
            for rid in rule_ids:
                rule = next((r for r in existing if r["SecurityGroupRuleId"] == rid), None)
                if rule is None:
                    raise ServiceError("InvalidSecurityGroupRuleId.NotFound", f"The security group rule ID '{rid}' does not exist")
                gone.append(rule)
        else:
            gone, unknown = [], []
            for spec in _rule_specs(store, group, params):
                rule = next((r for r in existing if _same(r, spec)), None)
                (gone.append(rule) if rule is not None else unknown.append(spec))
            if unknown and not gone:
                raise ServiceError("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
        for rule in gone:
            del store.sg_rules[rule["SecurityGroupRuleId"]]
        return {"Return": True, "RevokedSecurityGroupRules": [
            {k: rule[k] for k in ("SecurityGroupRuleId", "GroupId", "IsEgress", "IpProtocol", "FromPort", "ToPort", *PEERS, "Description") if k in rule}
            for rule in gone
        ]}  # fmt: skip

    def authorize_security_group_ingress(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        return self._authorize(ctx, params, False)

    def authorize_security_group_egress(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        return self._authorize(ctx, params, True)

    def revoke_security_group_ingress(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        return self._revoke(ctx, params, False)

    def revoke_security_group_egress(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        return self._revoke(ctx, params, True)

    def describe_security_group_rules(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        ids = params.get("SecurityGroupRuleIds")
        rules = list(store.sg_rules.values())
        if ids:
            for rid in ids:
                if rid not in store.sg_rules:
                    raise ServiceError("InvalidSecurityGroupRuleId.NotFound", f"The security group rule ID '{rid}' does not exist")
            rules = [store.sg_rules[rid] for rid in dict.fromkeys(ids)]
        items, token = page(select(rules, params.get("Filters"), RULE_FIELDS), params)
        return {"SecurityGroupRules": items, "NextToken": token}

    def modify_security_group_rules(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        group = self._group(store, {"GroupId": params["GroupId"]})
        for update in params.get("SecurityGroupRules") or ():
            rid = update["SecurityGroupRuleId"]
            rule = store.sg_rules.get(rid)
            if rule is None or rule["GroupId"] != group["GroupId"]:
                raise ServiceError("InvalidSecurityGroupRuleId.NotFound", f"The security group rule ID '{rid}' does not exist")
            request = update.get("SecurityGroupRule") or {}
            for peer in PEERS:
                rule.pop(peer, None)
            rule["IpProtocol"] = _protocol(request.get("IpProtocol", rule["IpProtocol"]))
            rule["FromPort"] = request.get("FromPort", -1)
            rule["ToPort"] = request.get("ToPort", -1)
            if request.get("CidrIpv4"):
                rule["CidrIpv4"] = request["CidrIpv4"]
            elif request.get("CidrIpv6"):
                rule["CidrIpv6"] = request["CidrIpv6"]
            elif request.get("PrefixListId"):
                rule["PrefixListId"] = request["PrefixListId"]
            elif request.get("ReferencedGroupId"):
                rule["ReferencedGroupInfo"] = {"GroupId": request["ReferencedGroupId"], "UserId": store.account_id}
            if "Description" in request:
                rule["Description"] = request["Description"]
            store.sg_rules.save(rid)
        return {"Return": True}
