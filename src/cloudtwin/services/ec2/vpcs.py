"""VPCs and subnets: CreateVpc/DescribeVpcs/DeleteVpc, their attributes and CIDR blocks,
CreateSubnet/DescribeSubnets/DeleteSubnet/ModifySubnetAttribute.

A new VPC comes with what AWS makes with it: a default security group, a default network
ACL and a main route table holding the ``local`` route of each of its CIDR blocks.
"""

from __future__ import annotations

import random
from typing import Any

from cloudtwin.gateway.identity import partition_for_region
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2 import network
from cloudtwin.services.ec2.errors import dependency_violation, invalid_combination, missing_parameter, not_found
from cloudtwin.services.ec2.filters import by_ids, page, select
from cloudtwin.services.ec2.ids import new_id
from cloudtwin.services.ec2.models import Ec2Store
from cloudtwin.services.ec2.regions import zone_id, zones
from cloudtwin.services.ec2.tagging import spec_tags

MAX_VPC_CIDRS = 5
BLOCK_PUBLIC_ACCESS_OFF = {"InternetGatewayBlockMode": "off"}
VPC_ATTRIBUTES = {
    "enableDnsSupport": "EnableDnsSupport",
    "enableDnsHostnames": "EnableDnsHostnames",
    "enableNetworkAddressUsageMetrics": "EnableNetworkAddressUsageMetrics",
}


def arn(store: Ec2Store, kind: str, resource_id: str) -> str:
    return f"arn:{partition_for_region(store.region)}:ec2:{store.region}:{store.account_id}:{kind}/{resource_id}"


def vpc_of(store: Ec2Store, vpc_id: str | None) -> dict[str, Any]:
    vpc = store.vpcs.get(vpc_id or "")
    if vpc is None:
        raise not_found(vpc_id or "vpc-")
    return vpc


def default_vpc(store: Ec2Store) -> dict[str, Any] | None:
    return next((v for v in store.vpcs.values() if v.get("IsDefault")), None)


def _check_vpc_size(block: Any) -> None:
    if not 16 <= block.prefixlen <= 28:
        raise ServiceError("InvalidVpc.Range", f"The CIDR '{block}' is invalid.")


def new_vpc(store: Ec2Store, cidr: str, *, is_default: bool = False, tenancy: str = "default",
            tags: list[dict[str, str]] | None = None, ipv6: bool = False) -> dict[str, Any]:
    """Store a VPC with its default security group, network ACL and main route table."""
    from cloudtwin.services.ec2.acls import new_network_acl
    from cloudtwin.services.ec2.routing import new_route_table
    from cloudtwin.services.ec2.security_groups import new_security_group

    vpc_id = new_id("vpc")
    dhcp = next(iter(store.dhcp_options), None)
    vpc = {
        "OwnerId": store.account_id,
        "InstanceTenancy": tenancy,
        "CidrBlockAssociationSet": [_cidr_association(cidr)],
        "IsDefault": is_default,
        "BlockPublicAccessStates": dict(BLOCK_PUBLIC_ACCESS_OFF),
        "VpcId": vpc_id,
        "State": "available",
        "CidrBlock": cidr,
        "DhcpOptionsId": dhcp or "default",
    }
    if ipv6:
        vpc["Ipv6CidrBlockAssociationSet"] = [_ipv6_association(store)]
    if tags:
        vpc["Tags"] = tags
    store.vpcs[vpc_id] = vpc
    store.vpc_attributes[vpc_id] = {
        "EnableDnsSupport": True, "EnableDnsHostnames": is_default, "EnableNetworkAddressUsageMetrics": False,
    }  # fmt: skip
    new_security_group(store, vpc_id, "default", "default VPC security group", default=True)
    new_network_acl(store, vpc_id, default=True)
    new_route_table(store, vpc_id, main=True)
    return vpc


def _cidr_association(cidr: str) -> dict[str, Any]:
    return {"AssociationId": new_id("vpc-cidr-assoc"), "CidrBlock": cidr, "CidrBlockState": {"State": "associated"}}


def _ipv6_association(store: Ec2Store) -> dict[str, Any]:
    block = f"2600:1f18:{random.randrange(0x1000, 0xFFFF):x}:{random.randrange(0, 0xFF):x}00::/56"
    return {
        "AssociationId": new_id("vpc-cidr-assoc"),
        "Ipv6CidrBlock": block,
        "Ipv6CidrBlockState": {"State": "associated"},
        "NetworkBorderGroup": store.region,
        "Ipv6Pool": "Amazon",
    }


def new_subnet(store: Ec2Store, vpc: dict[str, Any], cidr: str, zone: str, *, default_for_az: bool = False,
               tags: list[dict[str, str]] | None = None, ipv6_cidr: str | None = None) -> dict[str, Any]:
    subnet_id = new_id("subnet")
    block = network.ipv4_block(cidr)
    subnet = {
        "AvailabilityZoneId": zone_id(store.region, zone),
        "MapCustomerOwnedIpOnLaunch": False,
        "OwnerId": store.account_id,
        "AssignIpv6AddressOnCreation": False,
        "Ipv6CidrBlockAssociationSet": [],
        "SubnetArn": arn(store, "subnet", subnet_id),
        "EnableDns64": False,
        "Ipv6Native": False,
        "PrivateDnsNameOptionsOnLaunch": {
            "HostnameType": "ip-name", "EnableResourceNameDnsARecord": False, "EnableResourceNameDnsAAAARecord": False,
        },
        "BlockPublicAccessStates": dict(BLOCK_PUBLIC_ACCESS_OFF),
        "SubnetId": subnet_id,
        "State": "available",
        "VpcId": vpc["VpcId"],
        "CidrBlock": cidr,
        "AvailableIpAddressCount": network.usable_addresses(block),
        "AvailabilityZone": zone,
        "DefaultForAz": default_for_az,
        "MapPublicIpOnLaunch": default_for_az,
    }
    if ipv6_cidr:
        subnet["Ipv6CidrBlockAssociationSet"] = [{
            "AssociationId": new_id("subnet-cidr-assoc"), "Ipv6CidrBlock": ipv6_cidr,
            "Ipv6CidrBlockState": {"State": "associated"},
        }]  # fmt: skip
    if tags:
        subnet["Tags"] = tags
    store.subnets[subnet_id] = subnet
    from cloudtwin.services.ec2.acls import associate_default_acl

    associate_default_acl(store, subnet)
    return subnet


def _cidrs(vpc: dict[str, Any]) -> list[str]:
    return [a["CidrBlock"] for a in vpc["CidrBlockAssociationSet"] if a["CidrBlockState"]["State"] == "associated"]


VPC_FIELDS = {
    "cidr": lambda v: v["CidrBlock"],
    "cidr-block-association.cidr-block": lambda v: [a["CidrBlock"] for a in v["CidrBlockAssociationSet"]],
    "cidr-block-association.association-id": lambda v: [a["AssociationId"] for a in v["CidrBlockAssociationSet"]],
    "cidr-block-association.state": lambda v: [a["CidrBlockState"]["State"] for a in v["CidrBlockAssociationSet"]],
    "dhcp-options-id": lambda v: v["DhcpOptionsId"],
    "ipv6-cidr-block-association.ipv6-cidr-block": lambda v: [a["Ipv6CidrBlock"] for a in v.get("Ipv6CidrBlockAssociationSet") or ()],
    "ipv6-cidr-block-association.association-id": lambda v: [a["AssociationId"] for a in v.get("Ipv6CidrBlockAssociationSet") or ()],
    "ipv6-cidr-block-association.state": lambda v: [a["Ipv6CidrBlockState"]["State"] for a in v.get("Ipv6CidrBlockAssociationSet") or ()],
    "ipv6-cidr-block-association.ipv6-pool": lambda v: [a.get("Ipv6Pool") for a in v.get("Ipv6CidrBlockAssociationSet") or ()],
    "is-default": lambda v: v["IsDefault"],
    "owner-id": lambda v: v["OwnerId"],
    "state": lambda v: v["State"],
    "vpc-id": lambda v: v["VpcId"],
}  # fmt: skip

SUBNET_FIELDS = {
    "availability-zone": lambda s: s["AvailabilityZone"], "availabilityZone": lambda s: s["AvailabilityZone"],
    "availability-zone-id": lambda s: s["AvailabilityZoneId"], "availabilityZoneId": lambda s: s["AvailabilityZoneId"],
    "available-ip-address-count": lambda s: s["AvailableIpAddressCount"],
    "cidr-block": lambda s: s["CidrBlock"], "cidr": lambda s: s["CidrBlock"], "cidrBlock": lambda s: s["CidrBlock"],
    "default-for-az": lambda s: s["DefaultForAz"], "defaultForAz": lambda s: s["DefaultForAz"],
    "ipv6-cidr-block-association.ipv6-cidr-block": lambda s: [a["Ipv6CidrBlock"] for a in s["Ipv6CidrBlockAssociationSet"]],
    "ipv6-cidr-block-association.association-id": lambda s: [a["AssociationId"] for a in s["Ipv6CidrBlockAssociationSet"]],
    "ipv6-cidr-block-association.state": lambda s: [a["Ipv6CidrBlockState"]["State"] for a in s["Ipv6CidrBlockAssociationSet"]],
    "ipv6-native": lambda s: s["Ipv6Native"],
    "map-public-ip-on-launch": lambda s: s["MapPublicIpOnLaunch"],
    "owner-id": lambda s: s["OwnerId"], "state": lambda s: s["State"], "subnet-arn": lambda s: s["SubnetArn"],
    "subnet-id": lambda s: s["SubnetId"], "vpc-id": lambda s: s["VpcId"],
}  # fmt: skip


class VpcOperations:
    # -- VPCs ---------------------------------------------------------------------------------

    def create_vpc(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        cidr = params.get("CidrBlock")
        if cidr is None and not params.get("Ipv4IpamPoolId"):
            raise ServiceError("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.")
        if cidr is None:  # cloudtwin has no IPAM pools
            raise ServiceError("InvalidIpamPoolId.NotFound", f"The pool ID '{params['Ipv4IpamPoolId']}' does not exist")
        block = network.ipv4_block(cidr)
        _check_vpc_size(block)
        tags = spec_tags(params, "vpc")
        vpc = new_vpc(store, str(block), tenancy=params.get("InstanceTenancy") or "default", tags=tags,
                      ipv6=bool(params.get("AmazonProvidedIpv6CidrBlock")))  # fmt: skip
        return {"Vpc": {**vpc, "State": "pending"}}

    def describe_vpcs(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        found = select(by_ids(store.vpcs, params.get("VpcIds"), "vpc"), params.get("Filters"), VPC_FIELDS)
        items, token = page(found, params)
        return {"Vpcs": items, "NextToken": token}

    def delete_vpc(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        vpc_id = params["VpcId"]
        vpc_of(store, vpc_id)
        blocking = (
            any(s["VpcId"] == vpc_id for s in store.subnets.values())
            or any(a.get("VpcId") == vpc_id for g in store.internet_gateways.values() for a in g["Attachments"])
            or any(g["VpcId"] == vpc_id and g["GroupName"] != "default" for g in store.security_groups.values())
            or any(r["VpcId"] == vpc_id and not _is_main(r) for r in store.route_tables.values())
            or any(a["VpcId"] == vpc_id and not a["IsDefault"] for a in store.network_acls.values())
            or any(e["VpcId"] == vpc_id and e["State"] != "deleted" for e in store.vpc_endpoints.values())
            or any(a.get("VpcId") == vpc_id for g in store.egress_only_gateways.values() for a in g["Attachments"])
        )
        if blocking:
            raise dependency_violation(f"The vpc '{vpc_id}' has dependencies and cannot be deleted.")
        for table in (store.security_groups, store.route_tables, store.network_acls):
            for rid in [rid for rid, r in table.items() if r["VpcId"] == vpc_id]:
                del table[rid]
        for rid in [rid for rid, r in store.sg_rules.items() if r["GroupId"] not in store.security_groups]:
            del store.sg_rules[rid]
        del store.vpcs[vpc_id]
        store.vpc_attributes.pop(vpc_id, None)
        return {}

    def describe_vpc_attribute(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        vpc_of(store, params["VpcId"])
        name = VPC_ATTRIBUTES.get(params["Attribute"])
        if name is None:
            raise ServiceError("InvalidParameterValue", f"Value ({params['Attribute']}) for parameter attribute is invalid. Unknown attribute.")
        return {"VpcId": params["VpcId"], name: {"Value": store.vpc_attributes[params["VpcId"]][name]}}

    def modify_vpc_attribute(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        vpc_id = params["VpcId"]
        vpc_of(store, vpc_id)
        given = [(wire, name) for wire, name in VPC_ATTRIBUTES.items() if params.get(name) is not None]
        if len(given) > 1:
            raise invalid_combination("Fields for multiple attribute types specified: " + ", ".join(w for w, _ in given))
        if not given:
            raise missing_parameter("attribute")  # AWS: no attribute to modify
        wire, name = given[0]
        value = params[name].get("Value")
        attributes = store.vpc_attributes[vpc_id]
        if name == "EnableDnsHostnames" and value and not attributes["EnableDnsSupport"]:
            raise ServiceError("InvalidParameterCombination", "Cannot enable DNS hostnames without DNS support")
        attributes[name] = bool(value)
        store.vpc_attributes.save(vpc_id)
        return {}

    def associate_vpc_cidr_block(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        vpc = vpc_of(store, params["VpcId"])
        if params.get("AmazonProvidedIpv6CidrBlock"):
            association = _ipv6_association(store)
            vpc.setdefault("Ipv6CidrBlockAssociationSet", []).append(association)
            store.vpcs.save(vpc["VpcId"])
            return {"VpcId": vpc["VpcId"], "Ipv6CidrBlockAssociation": {**association, "Ipv6CidrBlockState": {"State": "associating"}}}
        cidr = params.get("CidrBlock")
        if cidr is None:
            raise ServiceError("MissingParameter", "Either 'cidrBlock' or 'amazonProvidedIpv6CidrBlock' should be provided.")
        block = network.ipv4_block(cidr)
        _check_vpc_size(block)
        current = _cidrs(vpc)
        if len(current) >= MAX_VPC_CIDRS:
            raise ServiceError("CidrLimitExceeded", f"This network '{vpc['VpcId']}' has met its maximum number of allowed CIDRs: {MAX_VPC_CIDRS}")
        if any(network.overlaps(str(block), c) for c in current):
            raise ServiceError("InvalidVpc.Range", f"The CIDR '{block}' is invalid.")
        association = _cidr_association(str(block))
        vpc["CidrBlockAssociationSet"].append(association)
        store.vpcs.save(vpc["VpcId"])
        from cloudtwin.services.ec2.routing import add_local_route

        add_local_route(store, vpc["VpcId"], str(block))
        return {"VpcId": vpc["VpcId"], "CidrBlockAssociation": {**association, "CidrBlockState": {"State": "associating"}}}

    def disassociate_vpc_cidr_block(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        association_id = params["AssociationId"]
        for vpc in store.vpcs.values():
            for key, state in (("CidrBlockAssociationSet", "CidrBlockState"), ("Ipv6CidrBlockAssociationSet", "Ipv6CidrBlockState")):
                for association in vpc.get(key) or ():
                    if association["AssociationId"] != association_id:
                        continue
                    if key == "CidrBlockAssociationSet" and association["CidrBlock"] == vpc["CidrBlock"]:
                        raise ServiceError(
                            "OperationNotPermitted",
                            f"The vpc {vpc['VpcId']} has a primary CIDR block {vpc['CidrBlock']}, which cannot be disassociated.",
                        )
                    vpc[key].remove(association)
                    store.vpcs.save(vpc["VpcId"])
                    result = {"VpcId": vpc["VpcId"]}
                    answer_key = "CidrBlockAssociation" if key == "CidrBlockAssociationSet" else "Ipv6CidrBlockAssociation"
                    result[answer_key] = {**association, state: {"State": "disassociating"}}
                    return result
        raise ServiceError("InvalidVpcCidrBlockAssociationID.NotFound", f"The vpc CIDR block association ID '{association_id}' does not exist")

    def create_default_vpc(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        if default_vpc(store) is not None:
            existing = default_vpc(store)
            raise ServiceError("DefaultVpcAlreadyExists", f"A Default VPC already exists for this account in this region. ({existing['VpcId']})")  # type: ignore[index]
        from cloudtwin.services.ec2.defaults import create_default_vpc

        return {"Vpc": create_default_vpc(store)}

    # -- subnets ------------------------------------------------------------------------------

    def create_subnet(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        vpc = vpc_of(store, params["VpcId"])
        cidr = params.get("CidrBlock")
        if cidr is None and not params.get("Ipv6Native"):
            raise ServiceError("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.")
        block = network.ipv4_block(cidr)
        if not 16 <= block.prefixlen <= 28 or not any(network.within(str(block), c) for c in _cidrs(vpc)):
            raise ServiceError("InvalidSubnet.Range", f"The CIDR '{block}' is invalid.")
        for other in store.subnets.values():
            if other["VpcId"] == vpc["VpcId"] and network.overlaps(other["CidrBlock"], str(block)):
                raise ServiceError("InvalidSubnet.Conflict", f"The CIDR '{block}' conflicts with another subnet")
        zone = self._subnet_zone(store, vpc, params)
        ipv6 = params.get("Ipv6CidrBlock")
        if ipv6:
            network.ipv6_block(ipv6)
        subnet = new_subnet(store, vpc, str(block), zone, tags=spec_tags(params, "subnet"), ipv6_cidr=ipv6)
        return {"Subnet": subnet}

    @staticmethod
    def _subnet_zone(store: Ec2Store, vpc: dict[str, Any], params: dict[str, Any]) -> str:
        known = zones(store.region)
        name, zid = params.get("AvailabilityZone"), params.get("AvailabilityZoneId")
        if name is not None:
            if not any(z["ZoneName"] == name for z in known):
                listed = ", ".join(z["ZoneName"] for z in known)
                raise ServiceError(
                    "InvalidParameterValue",
                    f"Value ({name}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {listed}.",
                )
            return name
        if zid is not None:
            for z in known:
                if z["ZoneId"] == zid:
                    return z["ZoneName"]
            listed = ", ".join(z["ZoneId"] for z in known)
            raise ServiceError(
                "InvalidParameterValue",
                f"Value ({zid}) for parameter availabilityZoneId is invalid. Subnets can currently only be created in the following availability zones: {listed}.",
            )
        count = sum(1 for s in store.subnets.values() if s["VpcId"] == vpc["VpcId"])
        return known[count % len(known)]["ZoneName"]

    def describe_subnets(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        found = select(by_ids(store.subnets, params.get("SubnetIds"), "subnet"), params.get("Filters"), SUBNET_FIELDS)
        items, token = page(found, params)
        return {"Subnets": items, "NextToken": token}

    def delete_subnet(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        subnet_id = params["SubnetId"]
        if subnet_id not in store.subnets:
            raise not_found(subnet_id)
        busy = (
            any(e.get("SubnetId") == subnet_id for e in store.network_interfaces.values())
            or any(n["SubnetId"] == subnet_id and n["State"] not in ("deleted", "deleting", "failed") for n in store.nat_gateways.values())
            or any(i.get("SubnetId") == subnet_id and i["State"]["Name"] != "terminated" for i in store.instances.values())
        )
        if busy:
            raise dependency_violation(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
        from cloudtwin.services.ec2.acls import drop_subnet_associations
        from cloudtwin.services.ec2.routing import drop_subnet_route_associations

        drop_subnet_associations(store, subnet_id)
        drop_subnet_route_associations(store, subnet_id)
        del store.subnets[subnet_id]
        return {}

    def modify_subnet_attribute(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        subnet = store.subnets.get(params["SubnetId"])
        if subnet is None:
            raise not_found(params["SubnetId"])
        simple = {
            "MapPublicIpOnLaunch": "MapPublicIpOnLaunch", "AssignIpv6AddressOnCreation": "AssignIpv6AddressOnCreation",
            "MapCustomerOwnedIpOnLaunch": "MapCustomerOwnedIpOnLaunch", "EnableDns64": "EnableDns64",
        }  # fmt: skip
        dns = {
            "EnableResourceNameDnsARecordOnLaunch": "EnableResourceNameDnsARecord",
            "EnableResourceNameDnsAAAARecordOnLaunch": "EnableResourceNameDnsAAAARecord",
        }
        for name, field in simple.items():
            if params.get(name) is not None:
                subnet[field] = bool(params[name].get("Value"))
        for name, field in dns.items():
            if params.get(name) is not None:
                subnet["PrivateDnsNameOptionsOnLaunch"][field] = bool(params[name].get("Value"))
        if params.get("PrivateDnsHostnameTypeOnLaunch"):
            subnet["PrivateDnsNameOptionsOnLaunch"]["HostnameType"] = params["PrivateDnsHostnameTypeOnLaunch"]
        store.subnets.save(subnet["SubnetId"])
        return {}


def _is_main(route_table: dict[str, Any]) -> bool:
    return any(a.get("Main") for a in route_table.get("Associations") or ())
