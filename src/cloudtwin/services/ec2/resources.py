"""CloudFormation resource handlers of EC2's networking types (``AWS::EC2::VPC``, ``Subnet``,
``SecurityGroup`` and its rules, gateways, route tables and routes, network ACLs, NAT
gateways, Elastic IPs, VPC endpoints, key pairs, launch templates, DHCP options, peering,
network interfaces and instances), with the ``Ref`` and ``Fn::GetAtt`` values their
schemas give. Every call goes through EC2's own handlers."""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest
from cloudtwin.deployment.properties import is_missing, random_suffix, tags
from cloudtwin.deployment.properties import truthy as _bool
from cloudtwin.protocol.errors import ServiceError


def _int(value: Any) -> int:
    return int(value)


def _specs(request: ResourceRequest, resource_type: str, *, stack: bool = True) -> list[dict[str, Any]]:
    """The TagSpecifications of a create: the template's tags and the stack's."""
    given = tags(request, stack=stack)
    return [{"ResourceType": resource_type, "Tags": given}] if given else []


def _retag(request: ResourceRequest, resource_id: str) -> None:
    """Apply a changed ``Tags`` property."""
    new = {t["Key"]: str(t.get("Value", "")) for t in request.properties.get("Tags") or ()}
    old = {t["Key"]: str(t.get("Value", "")) for t in (request.previous_properties or {}).get("Tags") or ()}
    gone = [{"Key": k} for k in old if k not in new]
    if gone:
        request.call("ec2", "DeleteTags", {"Resources": [resource_id], "Tags": gone})
    changed = [{"Key": k, "Value": v} for k, v in new.items() if old.get(k) != v]
    if changed:
        request.call("ec2", "CreateTags", {"Resources": [resource_id], "Tags": changed})


def _quietly(request: ResourceRequest, operation: str, params: dict[str, Any]) -> None:
    """A delete whose resource may be gone already."""
    try:
        request.call("ec2", operation, params)
    except ServiceError as error:
        if not (is_missing(error) or error.code == "Gateway.NotAttached"):
            raise


def _given(props: dict[str, Any], names: dict[str, str], converters: dict[str, Any] | None = None) -> dict[str, Any]:
    """Template properties renamed to API parameters (those given)."""
    out = {}
    for prop, param in names.items():
        if props.get(prop) is not None:
            value = props[prop]
            out[param] = (converters or {}).get(prop, lambda v: v)(value)
    return out


class VpcHandler(ResourceHandler):
    type_name = "AWS::EC2::VPC"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {**_given(props, {"CidrBlock": "CidrBlock", "InstanceTenancy": "InstanceTenancy",
                                   "Ipv4IpamPoolId": "Ipv4IpamPoolId", "Ipv4NetmaskLength": "Ipv4NetmaskLength"},
                           {"Ipv4NetmaskLength": _int}),
                  "TagSpecifications": _specs(request, "vpc")}  # fmt: skip
        vpc_id = request.call("ec2", "CreateVpc", params)["Vpc"]["VpcId"]
        self._attributes(request, vpc_id, {})
        return self._outcome(request, vpc_id)

    @staticmethod
    def _attributes(request: ResourceRequest, vpc_id: str, before: dict[str, Any]) -> None:
        for name, default in (("EnableDnsSupport", True), ("EnableDnsHostnames", False)):
            value = _bool(request.properties.get(name, default))
            if value != _bool(before.get(name, default)) or (not before and value != default):
                request.call("ec2", "ModifyVpcAttribute", {"VpcId": vpc_id, name: {"Value": value}})

    def _outcome(self, request: ResourceRequest, vpc_id: str) -> Outcome:
        vpc = request.call("ec2", "DescribeVpcs", {"VpcIds": [vpc_id]})["Vpcs"][0]
        filters = [{"Name": "vpc-id", "Values": [vpc_id]}]
        group = request.call("ec2", "DescribeSecurityGroups", {"Filters": [*filters, {"Name": "group-name", "Values": ["default"]}]})
        acl = request.call("ec2", "DescribeNetworkAcls", {"Filters": [*filters, {"Name": "default", "Values": ["true"]}]})
        return Outcome(vpc_id, {
            "VpcId": vpc_id, "CidrBlock": vpc["CidrBlock"],
            "CidrBlockAssociations": [a["AssociationId"] for a in vpc["CidrBlockAssociationSet"]],
            "DefaultSecurityGroup": group["SecurityGroups"][0]["GroupId"] if group["SecurityGroups"] else "",
            "DefaultNetworkAcl": acl["NetworkAcls"][0]["NetworkAclId"] if acl["NetworkAcls"] else "",
            "Ipv6CidrBlocks": [a["Ipv6CidrBlock"] for a in vpc.get("Ipv6CidrBlockAssociationSet") or ()],
        })  # fmt: skip

    def update(self, request: ResourceRequest) -> Outcome:
        vpc_id = request.physical_id or ""
        self._attributes(request, vpc_id, request.previous_properties or {})
        _retag(request, vpc_id)
        return self._outcome(request, vpc_id)

    def delete(self, request: ResourceRequest) -> None:
        _quietly(request, "DeleteVpc", {"VpcId": request.physical_id})


class SubnetHandler(ResourceHandler):
    type_name = "AWS::EC2::Subnet"
    SETTABLE = ("MapPublicIpOnLaunch", "AssignIpv6AddressOnCreation", "EnableDns64")

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {**_given(props, {"VpcId": "VpcId", "CidrBlock": "CidrBlock", "AvailabilityZone": "AvailabilityZone",
                                   "AvailabilityZoneId": "AvailabilityZoneId", "Ipv6CidrBlock": "Ipv6CidrBlock"}),
                  "TagSpecifications": _specs(request, "subnet")}  # fmt: skip
        subnet_id = request.call("ec2", "CreateSubnet", params)["Subnet"]["SubnetId"]
        self._attributes(request, subnet_id, {})
        return self._outcome(request, subnet_id)

    def _attributes(self, request: ResourceRequest, subnet_id: str, before: dict[str, Any]) -> None:
        for name in self.SETTABLE:
            if name in request.properties and _bool(request.properties[name]) != _bool(before.get(name, False)):
                request.call("ec2", "ModifySubnetAttribute", {"SubnetId": subnet_id, name: {"Value": _bool(request.properties[name])}})

    def _outcome(self, request: ResourceRequest, subnet_id: str) -> Outcome:
        subnet = request.call("ec2", "DescribeSubnets", {"SubnetIds": [subnet_id]})["Subnets"][0]
        acls = request.call("ec2", "DescribeNetworkAcls", {"Filters": [{"Name": "association.subnet-id", "Values": [subnet_id]}]})
        association = next((a["NetworkAclAssociationId"] for acl in acls["NetworkAcls"] for a in acl["Associations"]
                            if a["SubnetId"] == subnet_id), "")  # fmt: skip
        return Outcome(subnet_id, {
            "SubnetId": subnet_id, "VpcId": subnet["VpcId"], "CidrBlock": subnet["CidrBlock"],
            "AvailabilityZone": subnet["AvailabilityZone"], "AvailabilityZoneId": subnet["AvailabilityZoneId"],
            "Ipv6CidrBlocks": [a["Ipv6CidrBlock"] for a in subnet["Ipv6CidrBlockAssociationSet"]],
            "NetworkAclAssociationId": association,
        })  # fmt: skip

    def update(self, request: ResourceRequest) -> Outcome:
        subnet_id = request.physical_id or ""
        self._attributes(request, subnet_id, request.previous_properties or {})
        _retag(request, subnet_id)
        return self._outcome(request, subnet_id)

    def delete(self, request: ResourceRequest) -> None:
        _quietly(request, "DeleteSubnet", {"SubnetId": request.physical_id})


def _permission(rule: dict[str, Any], egress: bool) -> dict[str, Any]:
    """A template's rule as an ``IpPermission``."""
    perm: dict[str, Any] = {"IpProtocol": str(rule.get("IpProtocol", "-1"))}
    for name in ("FromPort", "ToPort"):
        if rule.get(name) is not None:
            perm[name] = _int(rule[name])
    described = {"Description": rule["Description"]} if rule.get("Description") else {}
    if rule.get("CidrIp"):
        perm["IpRanges"] = [{"CidrIp": rule["CidrIp"], **described}]
    if rule.get("CidrIpv6"):
        perm["Ipv6Ranges"] = [{"CidrIpv6": rule["CidrIpv6"], **described}]
    prefix = rule.get("DestinationPrefixListId" if egress else "SourcePrefixListId")
    if prefix:
        perm["PrefixListIds"] = [{"PrefixListId": prefix, **described}]
    group = rule.get("DestinationSecurityGroupId" if egress else "SourceSecurityGroupId")
    if group:
        pair = {"GroupId": group, **described}
        if rule.get("SourceSecurityGroupOwnerId"):
            pair["UserId"] = rule["SourceSecurityGroupOwnerId"]
        perm["UserIdGroupPairs"] = [pair]
    elif not egress and rule.get("SourceSecurityGroupName"):
        perm["UserIdGroupPairs"] = [{"GroupName": rule["SourceSecurityGroupName"], **described}]
    return perm


class SecurityGroupHandler(ResourceHandler):
    """``AWS::EC2::SecurityGroup``: its ``Ref`` is the group id, or the group name for a
    group of the default VPC made without ``VpcId`` (as AWS documents)."""

    type_name = "AWS::EC2::SecurityGroup"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("GroupName") or f"{request.stack_name}-{request.logical_id}-{random_suffix()}"
        params = {"GroupName": name, "Description": props["GroupDescription"],
                  "TagSpecifications": _specs(request, "security-group")}  # fmt: skip
        if props.get("VpcId"):
            params["VpcId"] = props["VpcId"]
        group_id = request.call("ec2", "CreateSecurityGroup", params)["GroupId"]
        self._rules(request, group_id, {})
        return self._outcome(request, group_id)

    def _rules(self, request: ResourceRequest, group_id: str, before: dict[str, Any]) -> None:
        """Make the group's rules those of the template (the default egress rule stays
        while the template lists no egress rules)."""
        group = request.call("ec2", "DescribeSecurityGroups", {"GroupIds": [group_id]})["SecurityGroups"][0]
        props = request.properties
        for egress, prop, key in ((False, "SecurityGroupIngress", "IpPermissions"), (True, "SecurityGroupEgress", "IpPermissionsEgress")):
            wanted, previous = props.get(prop), before.get(prop)
            if (before and wanted == previous) or (not before and not wanted):
                continue  # unchanged, or a new group keeping the rules it starts with
            if egress and not wanted:
                wanted = [{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}]
            current = group[key]
            if current:
                revoke = [{k: v for k, v in p.items() if v != []} for p in current]
                for perm in revoke:
                    for pair in perm.get("UserIdGroupPairs") or ():
                        pair.pop("UserId", None)
                request.call("ec2", "RevokeSecurityGroupEgress" if egress else "RevokeSecurityGroupIngress",
                             {"GroupId": group_id, "IpPermissions": revoke})  # fmt: skip
            perms = [_permission(rule, egress) for rule in wanted or ()]
            if perms:
                request.call("ec2", "AuthorizeSecurityGroupEgress" if egress else "AuthorizeSecurityGroupIngress",
                             {"GroupId": group_id, "IpPermissions": perms})  # fmt: skip

    def _outcome(self, request: ResourceRequest, group_id: str) -> Outcome:
        group = request.call("ec2", "DescribeSecurityGroups", {"GroupIds": [group_id]})["SecurityGroups"][0]
        ref = group_id if request.properties.get("VpcId") else group["GroupName"]
        return Outcome(ref, {"GroupId": group_id, "Id": group_id, "VpcId": group["VpcId"]})

    def update(self, request: ResourceRequest) -> Outcome:
        group_id = request.attributes.get("GroupId") or request.physical_id or ""
        self._rules(request, group_id, request.previous_properties or {})
        _retag(request, group_id)
        return self._outcome(request, group_id)

    def delete(self, request: ResourceRequest) -> None:
        group_id = request.attributes.get("GroupId") or request.physical_id
        _quietly(request, "DeleteSecurityGroup", {"GroupId": group_id})


class SecurityGroupIngressHandler(ResourceHandler):
    type_name = "AWS::EC2::SecurityGroupIngress"
    egress = False

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params: dict[str, Any] = {"IpPermissions": [_permission(props, self.egress)]}
        if props.get("GroupId"):
            params["GroupId"] = props["GroupId"]
        else:
            params["GroupName"] = props["GroupName"]
        operation = "AuthorizeSecurityGroupEgress" if self.egress else "AuthorizeSecurityGroupIngress"
        rule_id = request.call("ec2", operation, params)["SecurityGroupRules"][0]["SecurityGroupRuleId"]
        return Outcome(rule_id, {"Id": rule_id, "GroupId": props.get("GroupId")})

    def update(self, request: ResourceRequest) -> Outcome:
        rule_id = request.physical_id or ""
        rule = request.call("ec2", "DescribeSecurityGroupRules", {"SecurityGroupRuleIds": [rule_id]})["SecurityGroupRules"][0]
        request.call("ec2", "ModifySecurityGroupRules", {"GroupId": rule["GroupId"], "SecurityGroupRules": [{
            "SecurityGroupRuleId": rule_id,
            "SecurityGroupRule": {k: rule[k] for k in ("IpProtocol", "FromPort", "ToPort", "CidrIpv4", "CidrIpv6", "PrefixListId") if k in rule}
            | {"Description": request.properties.get("Description") or ""},
        }]})  # fmt: skip
        return Outcome(rule_id, {"Id": rule_id, "GroupId": rule["GroupId"]})

    def delete(self, request: ResourceRequest) -> None:
        rule_id = request.physical_id or ""
        try:
            rule = request.call("ec2", "DescribeSecurityGroupRules", {"SecurityGroupRuleIds": [rule_id]})["SecurityGroupRules"][0]
        except ServiceError:
            return
        operation = "RevokeSecurityGroupEgress" if self.egress else "RevokeSecurityGroupIngress"
        _quietly(request, operation, {"GroupId": rule["GroupId"], "SecurityGroupRuleIds": [rule_id]})


class SecurityGroupEgressHandler(SecurityGroupIngressHandler):
    type_name = "AWS::EC2::SecurityGroupEgress"
    egress = True


class InternetGatewayHandler(ResourceHandler):
    type_name = "AWS::EC2::InternetGateway"

    def create(self, request: ResourceRequest) -> Outcome:
        gateway = request.call("ec2", "CreateInternetGateway", {"TagSpecifications": _specs(request, "internet-gateway")})
        gateway_id = gateway["InternetGateway"]["InternetGatewayId"]
        return Outcome(gateway_id, {"InternetGatewayId": gateway_id})

    def update(self, request: ResourceRequest) -> Outcome:
        _retag(request, request.physical_id or "")
        return Outcome(request.physical_id or "", {"InternetGatewayId": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        _quietly(request, "DeleteInternetGateway", {"InternetGatewayId": request.physical_id})


class GatewayAttachmentHandler(ResourceHandler):
    """``AWS::EC2::VPCGatewayAttachment``: its ``Ref`` is ``IGW|<vpc id>`` (``VGW|`` for VPN
    gateways, which cloudtwin does not have)."""

    type_name = "AWS::EC2::VPCGatewayAttachment"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        if not props.get("InternetGatewayId"):
            raise ServiceError("InvalidParameterValue", "VPN gateways are not supported by cloudtwin")
        request.call("ec2", "AttachInternetGateway", {"InternetGatewayId": props["InternetGatewayId"], "VpcId": props["VpcId"]})
        return Outcome(f"IGW|{props['VpcId']}", {"AttachmentType": "igw"})

    def update(self, request: ResourceRequest) -> Outcome:
        self.delete(ResourceRequest(**{**_fields(request), "properties": request.previous_properties or {}}))
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        props = request.properties
        if props.get("InternetGatewayId"):
            _quietly(request, "DetachInternetGateway", {"InternetGatewayId": props["InternetGatewayId"], "VpcId": props["VpcId"]})


def _fields(request: ResourceRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in request.__dataclass_fields__}  # type: ignore[attr-defined]


class RouteTableHandler(ResourceHandler):
    type_name = "AWS::EC2::RouteTable"

    def create(self, request: ResourceRequest) -> Outcome:
        table = request.call("ec2", "CreateRouteTable", {"VpcId": request.properties["VpcId"],
                                                         "TagSpecifications": _specs(request, "route-table")})  # fmt: skip
        table_id = table["RouteTable"]["RouteTableId"]
        return Outcome(table_id, {"RouteTableId": table_id})

    def update(self, request: ResourceRequest) -> Outcome:
        _retag(request, request.physical_id or "")
        return Outcome(request.physical_id or "", {"RouteTableId": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        _quietly(request, "DeleteRouteTable", {"RouteTableId": request.physical_id})


ROUTE_PROPERTIES = (
    "DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId", "GatewayId", "NatGatewayId",
    "EgressOnlyInternetGatewayId", "VpcPeeringConnectionId", "NetworkInterfaceId", "InstanceId", "TransitGatewayId",
    "LocalGatewayId", "CarrierGatewayId", "VpcEndpointId", "CoreNetworkArn",
)  # fmt: skip


class RouteHandler(ResourceHandler):
    """``AWS::EC2::Route``: its ``Ref`` is ``<route table id>|<destination>``."""

    type_name = "AWS::EC2::Route"

    @staticmethod
    def _params(request: ResourceRequest) -> dict[str, Any]:
        props = request.properties
        return {"RouteTableId": props["RouteTableId"], **{p: props[p] for p in ROUTE_PROPERTIES if props.get(p)}}

    @staticmethod
    def _destination(props: dict[str, Any]) -> str:
        return props.get("DestinationCidrBlock") or props.get("DestinationIpv6CidrBlock") or props.get("DestinationPrefixListId") or ""

    def create(self, request: ResourceRequest) -> Outcome:
        request.call("ec2", "CreateRoute", self._params(request))
        destination = self._destination(request.properties)
        return Outcome(f"{request.properties['RouteTableId']}|{destination}", {"CidrBlock": destination})

    def update(self, request: ResourceRequest) -> Outcome:
        request.call("ec2", "ReplaceRoute", self._params(request))
        return Outcome(request.physical_id or "", {"CidrBlock": self._destination(request.properties)})

    def delete(self, request: ResourceRequest) -> None:
        props = request.properties
        params = {"RouteTableId": props["RouteTableId"]}
        params.update({p: props[p] for p in ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId") if props.get(p)})
        try:
            request.call("ec2", "DeleteRoute", params)
        except ServiceError as error:
            if error.code not in ("InvalidRoute.NotFound", "InvalidRouteTableID.NotFound"):
                raise


class SubnetRouteTableAssociationHandler(ResourceHandler):
    type_name = "AWS::EC2::SubnetRouteTableAssociation"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        association = request.call("ec2", "AssociateRouteTable", {"RouteTableId": props["RouteTableId"], "SubnetId": props["SubnetId"]})
        return Outcome(association["AssociationId"], {"Id": association["AssociationId"]})

    def delete(self, request: ResourceRequest) -> None:
        try:
            request.call("ec2", "DisassociateRouteTable", {"AssociationId": request.physical_id})
        except ServiceError as error:
            if error.code != "InvalidAssociationID.NotFound":
                raise


class GatewayRouteTableAssociationHandler(SubnetRouteTableAssociationHandler):
    type_name = "AWS::EC2::GatewayRouteTableAssociation"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        association = request.call("ec2", "AssociateRouteTable", {"RouteTableId": props["RouteTableId"], "GatewayId": props["GatewayId"]})
        return Outcome(association["AssociationId"], {"AssociationId": association["AssociationId"]})


class NatGatewayHandler(ResourceHandler):
    type_name = "AWS::EC2::NatGateway"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {**_given(props, {"SubnetId": "SubnetId", "AllocationId": "AllocationId", "ConnectivityType": "ConnectivityType",
                                   "PrivateIpAddress": "PrivateIpAddress"}),
                  "TagSpecifications": _specs(request, "natgateway")}  # fmt: skip
        nat = request.call("ec2", "CreateNatGateway", params)["NatGateway"]
        return Outcome(nat["NatGatewayId"], {"NatGatewayId": nat["NatGatewayId"],
                                             "EniId": nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]})  # fmt: skip

    def update(self, request: ResourceRequest) -> Outcome:
        _retag(request, request.physical_id or "")
        return Outcome(request.physical_id or "", dict(request.attributes))

    def delete(self, request: ResourceRequest) -> None:
        _quietly(request, "DeleteNatGateway", {"NatGatewayId": request.physical_id})


class EipHandler(ResourceHandler):
    """``AWS::EC2::EIP``: its ``Ref`` is the public address."""

    type_name = "AWS::EC2::EIP"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {**_given(props, {"NetworkBorderGroup": "NetworkBorderGroup", "Domain": "Domain"}),
                  "TagSpecifications": _specs(request, "elastic-ip")}  # fmt: skip
        address = request.call("ec2", "AllocateAddress", params)
        if props.get("InstanceId"):
            request.call("ec2", "AssociateAddress", {"AllocationId": address["AllocationId"], "InstanceId": props["InstanceId"]})
        return Outcome(address["PublicIp"], {"AllocationId": address["AllocationId"], "PublicIp": address["PublicIp"]})

    def update(self, request: ResourceRequest) -> Outcome:
        allocation_id = request.attributes.get("AllocationId")
        if allocation_id:
            _retag(request, allocation_id)
        return Outcome(request.physical_id or "", dict(request.attributes))

    def delete(self, request: ResourceRequest) -> None:
        allocation_id = request.attributes.get("AllocationId")
        if not allocation_id:
            return
        try:
            address = request.call("ec2", "DescribeAddresses", {"AllocationIds": [allocation_id]})["Addresses"][0]
        except ServiceError:
            return
        if address.get("AssociationId"):
            _quietly(request, "DisassociateAddress", {"AssociationId": address["AssociationId"]})
        _quietly(request, "ReleaseAddress", {"AllocationId": allocation_id})


class EipAssociationHandler(ResourceHandler):
    type_name = "AWS::EC2::EIPAssociation"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = _given(props, {"AllocationId": "AllocationId", "InstanceId": "InstanceId", "EIP": "PublicIp",
                                "NetworkInterfaceId": "NetworkInterfaceId", "PrivateIpAddress": "PrivateIpAddress"})  # fmt: skip
        association_id = request.call("ec2", "AssociateAddress", params)["AssociationId"]
        return Outcome(association_id, {"Id": association_id})

    def delete(self, request: ResourceRequest) -> None:
        _quietly(request, "DisassociateAddress", {"AssociationId": request.physical_id})


class EgressOnlyInternetGatewayHandler(ResourceHandler):
    type_name = "AWS::EC2::EgressOnlyInternetGateway"

    def create(self, request: ResourceRequest) -> Outcome:
        gateway = request.call("ec2", "CreateEgressOnlyInternetGateway", {"VpcId": request.properties["VpcId"]})
        gateway_id = gateway["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
        return Outcome(gateway_id, {"Id": gateway_id})

    def delete(self, request: ResourceRequest) -> None:
        _quietly(request, "DeleteEgressOnlyInternetGateway", {"EgressOnlyInternetGatewayId": request.physical_id})


class NetworkAclHandler(ResourceHandler):
    type_name = "AWS::EC2::NetworkAcl"

    def create(self, request: ResourceRequest) -> Outcome:
        acl = request.call("ec2", "CreateNetworkAcl", {"VpcId": request.properties["VpcId"],
                                                       "TagSpecifications": _specs(request, "network-acl")})  # fmt: skip
        acl_id = acl["NetworkAcl"]["NetworkAclId"]
        return Outcome(acl_id, {"Id": acl_id})

    def update(self, request: ResourceRequest) -> Outcome:
        _retag(request, request.physical_id or "")
        return Outcome(request.physical_id or "", {"Id": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        _quietly(request, "DeleteNetworkAcl", {"NetworkAclId": request.physical_id})


class NetworkAclEntryHandler(ResourceHandler):
    type_name = "AWS::EC2::NetworkAclEntry"

    @staticmethod
    def _params(props: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "NetworkAclId": props["NetworkAclId"], "RuleNumber": _int(props["RuleNumber"]),
            "Protocol": str(props["Protocol"]), "RuleAction": props["RuleAction"], "Egress": _bool(props.get("Egress", False)),
        }  # fmt: skip
        params.update(_given(props, {"CidrBlock": "CidrBlock", "Ipv6CidrBlock": "Ipv6CidrBlock"}))
        if props.get("PortRange"):
            params["PortRange"] = {k: _int(v) for k, v in props["PortRange"].items()}
        if props.get("Icmp"):
            params["IcmpTypeCode"] = {k: _int(v) for k, v in props["Icmp"].items()}
        return params

    def create(self, request: ResourceRequest) -> Outcome:
        params = self._params(request.properties)
        request.call("ec2", "CreateNetworkAclEntry", params)
        entry_id = f"{params['NetworkAclId']}|{params['RuleNumber']}|{str(params['Egress']).lower()}"
        return Outcome(entry_id, {"Id": entry_id})

    def update(self, request: ResourceRequest) -> Outcome:
        request.call("ec2", "ReplaceNetworkAclEntry", self._params(request.properties))
        return Outcome(request.physical_id or "", {"Id": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        props = request.properties
        try:
            request.call("ec2", "DeleteNetworkAclEntry", {"NetworkAclId": props["NetworkAclId"], "RuleNumber": _int(props["RuleNumber"]),
                                                          "Egress": _bool(props.get("Egress", False))})  # fmt: skip
        except ServiceError as error:
            if not error.code.startswith(("InvalidNetworkAclEntry", "InvalidNetworkAclID")):
                raise


class SubnetNetworkAclAssociationHandler(ResourceHandler):
    type_name = "AWS::EC2::SubnetNetworkAclAssociation"

    @staticmethod
    def _current(request: ResourceRequest, subnet_id: str) -> tuple[str, str]:
        acls = request.call("ec2", "DescribeNetworkAcls", {"Filters": [{"Name": "association.subnet-id", "Values": [subnet_id]}]})
        for acl in acls["NetworkAcls"]:
            for association in acl["Associations"]:
                if association["SubnetId"] == subnet_id:
                    return association["NetworkAclAssociationId"], acl["VpcId"]
        raise ServiceError("InvalidSubnetID.NotFound", f"The subnet ID '{subnet_id}' does not exist")

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        current, _ = self._current(request, props["SubnetId"])
        new = request.call("ec2", "ReplaceNetworkAclAssociation", {"AssociationId": current, "NetworkAclId": props["NetworkAclId"]})
        return Outcome(new["NewAssociationId"], {"AssociationId": new["NewAssociationId"]})

    def delete(self, request: ResourceRequest) -> None:
        try:
            current, vpc_id = self._current(request, request.properties["SubnetId"])
            default = request.call("ec2", "DescribeNetworkAcls", {"Filters": [
                {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "default", "Values": ["true"]}]})["NetworkAcls"]  # fmt: skip
            if default:
                request.call("ec2", "ReplaceNetworkAclAssociation", {"AssociationId": current, "NetworkAclId": default[0]["NetworkAclId"]})
        except ServiceError:
            pass


class VpcEndpointHandler(ResourceHandler):
    type_name = "AWS::EC2::VPCEndpoint"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = _given(props, {"VpcId": "VpcId", "ServiceName": "ServiceName", "VpcEndpointType": "VpcEndpointType",
                                "RouteTableIds": "RouteTableIds", "SubnetIds": "SubnetIds", "SecurityGroupIds": "SecurityGroupIds",
                                "PrivateDnsEnabled": "PrivateDnsEnabled", "IpAddressType": "IpAddressType"},
                        {"PrivateDnsEnabled": _bool})  # fmt: skip
        if props.get("PolicyDocument"):
            policy = props["PolicyDocument"]
            params["PolicyDocument"] = policy if isinstance(policy, str) else json.dumps(policy)
        if props.get("PrivateDnsEnabled") is None and params.get("VpcEndpointType") == "Interface":
            params["PrivateDnsEnabled"] = False
        specs = _specs(request, "vpc-endpoint", stack=False)  # AWS tags no endpoint with the stack's tags
        if specs:
            params["TagSpecifications"] = specs
        endpoint = request.call("ec2", "CreateVpcEndpoint", params)["VpcEndpoint"]
        return self._outcome(request, endpoint["VpcEndpointId"])

    def _outcome(self, request: ResourceRequest, endpoint_id: str) -> Outcome:
        endpoint = request.call("ec2", "DescribeVpcEndpoints", {"VpcEndpointIds": [endpoint_id]})["VpcEndpoints"][0]
        created = endpoint["CreationTimestamp"]
        return Outcome(endpoint_id, {
            "Id": endpoint_id, "CreationTimestamp": created if isinstance(created, str) else _iso(created),
            "DnsEntries": [f"{e['HostedZoneId']}:{e['DnsName']}" for e in endpoint["DnsEntries"]],
            "NetworkInterfaceIds": endpoint["NetworkInterfaceIds"],
        })  # fmt: skip

    def update(self, request: ResourceRequest) -> Outcome:
        props, before = request.properties, request.previous_properties or {}
        params: dict[str, Any] = {"VpcEndpointId": request.physical_id}
        for prop, add, remove in (("RouteTableIds", "AddRouteTableIds", "RemoveRouteTableIds"),
                                  ("SubnetIds", "AddSubnetIds", "RemoveSubnetIds"),
                                  ("SecurityGroupIds", "AddSecurityGroupIds", "RemoveSecurityGroupIds")):  # fmt: skip
            new, old = list(props.get(prop) or ()), list(before.get(prop) or ())
            if [x for x in new if x not in old]:
                params[add] = [x for x in new if x not in old]
            if [x for x in old if x not in new]:
                params[remove] = [x for x in old if x not in new]
        if props.get("PolicyDocument") != before.get("PolicyDocument"):
            if props.get("PolicyDocument"):
                policy = props["PolicyDocument"]
                params["PolicyDocument"] = policy if isinstance(policy, str) else json.dumps(policy)
            else:
                params["ResetPolicy"] = True
        if props.get("PrivateDnsEnabled") is not None:
            params["PrivateDnsEnabled"] = _bool(props["PrivateDnsEnabled"])
        request.call("ec2", "ModifyVpcEndpoint", params)
        return self._outcome(request, request.physical_id or "")

    def delete(self, request: ResourceRequest) -> None:
        request.call("ec2", "DeleteVpcEndpoints", {"VpcEndpointIds": [request.physical_id]})


def _iso(value: Any) -> str:
    from datetime import datetime, timezone

    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, timezone.utc)
    return value.isoformat().replace("+00:00", "Z")


class KeyPairHandler(ResourceHandler):
    """``AWS::EC2::KeyPair``: a created key's private key goes to the SSM parameter
    ``/ec2/keypair/<key pair id>``, as CloudFormation keeps it."""

    type_name = "AWS::EC2::KeyPair"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params: dict[str, Any] = {"KeyName": props["KeyName"]}
        specs = _specs(request, "key-pair")
        if specs:
            params["TagSpecifications"] = specs
        if props.get("PublicKeyMaterial"):
            params["PublicKeyMaterial"] = str(props["PublicKeyMaterial"]).encode()
            key = request.call("ec2", "ImportKeyPair", params)
        else:
            params.update(_given(props, {"KeyType": "KeyType", "KeyFormat": "KeyFormat"}))
            key = request.call("ec2", "CreateKeyPair", params)
            try:
                request.call("ssm", "PutParameter", {"Name": f"/ec2/keypair/{key['KeyPairId']}", "Value": key["KeyMaterial"],
                                                     "Type": "SecureString", "Overwrite": True})  # fmt: skip
            except ServiceError:
                pass
        return Outcome(key["KeyName"], {"KeyFingerprint": key["KeyFingerprint"], "KeyPairId": key["KeyPairId"]})

    def delete(self, request: ResourceRequest) -> None:
        request.call("ec2", "DeleteKeyPair", {"KeyName": request.physical_id})
        key_id = request.attributes.get("KeyPairId")
        if key_id and not request.properties.get("PublicKeyMaterial"):
            try:
                request.call("ssm", "DeleteParameter", {"Name": f"/ec2/keypair/{key_id}"})
            except ServiceError:
                pass


class LaunchTemplateHandler(ResourceHandler):
    type_name = "AWS::EC2::LaunchTemplate"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params: dict[str, Any] = {
            "LaunchTemplateName": props.get("LaunchTemplateName") or request.physical_name(128),
            "LaunchTemplateData": props.get("LaunchTemplateData") or {},
        }
        if props.get("VersionDescription"):
            params["VersionDescription"] = props["VersionDescription"]
        specs = [dict(s) for s in props.get("TagSpecifications") or ()]
        if request.stack_tags:
            specs = [s for s in specs if s.get("ResourceType") == "launch-template"] or [{"ResourceType": "launch-template", "Tags": []}]
            specs[0] = {**specs[0], "Tags": [*specs[0].get("Tags", []), *request.stack_tags]}
        if specs:
            params["TagSpecifications"] = specs
        template = request.call("ec2", "CreateLaunchTemplate", params)["LaunchTemplate"]
        return self._outcome(template)

    @staticmethod
    def _outcome(template: dict[str, Any]) -> Outcome:
        return Outcome(template["LaunchTemplateId"], {
            "LaunchTemplateId": template["LaunchTemplateId"],
            "DefaultVersionNumber": str(template["DefaultVersionNumber"]),
            "LatestVersionNumber": str(template["LatestVersionNumber"]),
        })  # fmt: skip

    def update(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        template_id = request.physical_id or ""
        params: dict[str, Any] = {"LaunchTemplateId": template_id, "LaunchTemplateData": props.get("LaunchTemplateData") or {}}
        if props.get("VersionDescription"):
            params["VersionDescription"] = props["VersionDescription"]
        version = request.call("ec2", "CreateLaunchTemplateVersion", params)["LaunchTemplateVersion"]
        template = request.call("ec2", "ModifyLaunchTemplate", {"LaunchTemplateId": template_id,
                                                                "DefaultVersion": str(version["VersionNumber"])})["LaunchTemplate"]  # fmt: skip
        return self._outcome(template)

    def delete(self, request: ResourceRequest) -> None:
        try:
            request.call("ec2", "DeleteLaunchTemplate", {"LaunchTemplateId": request.physical_id})
        except ServiceError as error:
            if "NotFound" not in error.code:
                raise


class DhcpOptionsHandler(ResourceHandler):
    type_name = "AWS::EC2::DHCPOptions"
    OPTIONS = {
        "DomainName": "domain-name", "DomainNameServers": "domain-name-servers", "NetbiosNameServers": "netbios-name-servers",
        "NetbiosNodeType": "netbios-node-type", "NtpServers": "ntp-servers",
        "Ipv6AddressPreferredLeaseTime": "ipv6-address-preferred-lease-time",
    }  # fmt: skip

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        configurations = []
        for prop, key in self.OPTIONS.items():
            value = props.get(prop)
            if value is not None:
                values = value if isinstance(value, list) else [value]
                configurations.append({"Key": key, "Values": [str(v) for v in values]})
        options = request.call("ec2", "CreateDhcpOptions", {"DhcpConfigurations": configurations,
                                                            "TagSpecifications": _specs(request, "dhcp-options")})  # fmt: skip
        options_id = options["DhcpOptions"]["DhcpOptionsId"]
        return Outcome(options_id, {"DhcpOptionsId": options_id})

    def update(self, request: ResourceRequest) -> Outcome:
        _retag(request, request.physical_id or "")
        return Outcome(request.physical_id or "", {"DhcpOptionsId": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        _quietly(request, "DeleteDhcpOptions", {"DhcpOptionsId": request.physical_id})


class VpcDhcpOptionsAssociationHandler(ResourceHandler):
    type_name = "AWS::EC2::VPCDHCPOptionsAssociation"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        request.call("ec2", "AssociateDhcpOptions", {"DhcpOptionsId": props["DhcpOptionsId"], "VpcId": props["VpcId"]})
        return Outcome(f"{props['DhcpOptionsId']}|{props['VpcId']}", {})

    def delete(self, request: ResourceRequest) -> None:
        _quietly(request, "AssociateDhcpOptions", {"DhcpOptionsId": "default", "VpcId": request.properties["VpcId"]})


class VpcCidrBlockHandler(ResourceHandler):
    type_name = "AWS::EC2::VPCCidrBlock"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {"VpcId": props["VpcId"], **_given(props, {"CidrBlock": "CidrBlock", "AmazonProvidedIpv6CidrBlock": "AmazonProvidedIpv6CidrBlock"},
                                                     {"AmazonProvidedIpv6CidrBlock": _bool})}  # fmt: skip
        answer = request.call("ec2", "AssociateVpcCidrBlock", params)
        association = answer.get("CidrBlockAssociation") or answer.get("Ipv6CidrBlockAssociation") or {}
        return Outcome(association["AssociationId"], {"Id": association["AssociationId"], "IpSource": "amazon"})

    def delete(self, request: ResourceRequest) -> None:
        try:
            request.call("ec2", "DisassociateVpcCidrBlock", {"AssociationId": request.physical_id})
        except ServiceError as error:
            if "NotFound" not in error.code:
                raise


class NetworkInterfaceHandler(ResourceHandler):
    type_name = "AWS::EC2::NetworkInterface"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {**_given(props, {"SubnetId": "SubnetId", "GroupSet": "Groups", "Description": "Description",
                                   "PrivateIpAddress": "PrivateIpAddress", "InterfaceType": "InterfaceType"}),
                  "TagSpecifications": _specs(request, "network-interface")}  # fmt: skip
        eni = request.call("ec2", "CreateNetworkInterface", params)["NetworkInterface"]
        return Outcome(eni["NetworkInterfaceId"], {
            "Id": eni["NetworkInterfaceId"], "PrimaryPrivateIpAddress": eni["PrivateIpAddress"],
            "SecondaryPrivateIpAddresses": [], "VpcId": eni["VpcId"],
        })  # fmt: skip

    def delete(self, request: ResourceRequest) -> None:
        _quietly(request, "DeleteNetworkInterface", {"NetworkInterfaceId": request.physical_id})


class VpcPeeringConnectionHandler(ResourceHandler):
    """``AWS::EC2::VPCPeeringConnection``: a peering within one account is accepted at once,
    as CloudFormation does."""

    type_name = "AWS::EC2::VPCPeeringConnection"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {**_given(props, {"VpcId": "VpcId", "PeerVpcId": "PeerVpcId", "PeerOwnerId": "PeerOwnerId", "PeerRegion": "PeerRegion"}),
                  "TagSpecifications": _specs(request, "vpc-peering-connection")}  # fmt: skip
        peering = request.call("ec2", "CreateVpcPeeringConnection", params)["VpcPeeringConnection"]
        peering_id = peering["VpcPeeringConnectionId"]
        if props.get("PeerOwnerId") in (None, request.account_id) and props.get("PeerRegion") in (None, request.region):
            request.call("ec2", "AcceptVpcPeeringConnection", {"VpcPeeringConnectionId": peering_id})
        return Outcome(peering_id, {"Id": peering_id})

    def delete(self, request: ResourceRequest) -> None:
        try:
            request.call("ec2", "DeleteVpcPeeringConnection", {"VpcPeeringConnectionId": request.physical_id})
        except ServiceError:
            pass


class InstanceHandler(ResourceHandler):
    type_name = "AWS::EC2::Instance"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params: dict[str, Any] = {"MinCount": 1, "MaxCount": 1, **_given(props, {
            "ImageId": "ImageId", "InstanceType": "InstanceType", "KeyName": "KeyName", "SubnetId": "SubnetId",
            "SecurityGroupIds": "SecurityGroupIds", "SecurityGroups": "SecurityGroups", "UserData": "UserData",
            "PrivateIpAddress": "PrivateIpAddress", "LaunchTemplate": "LaunchTemplate",
        })}  # fmt: skip
        if props.get("AvailabilityZone"):
            params["Placement"] = {"AvailabilityZone": props["AvailabilityZone"]}
        if props.get("IamInstanceProfile"):
            profile = props["IamInstanceProfile"]
            params["IamInstanceProfile"] = {"Arn": profile} if str(profile).startswith("arn:") else {"Name": profile}
        specs = _specs(request, "instance")
        if specs:
            params["TagSpecifications"] = specs
        instance = request.call("ec2", "RunInstances", params)["Instances"][0]
        return self._outcome(instance)

    @staticmethod
    def _outcome(instance: dict[str, Any]) -> Outcome:
        return Outcome(instance["InstanceId"], {
            "InstanceId": instance["InstanceId"], "AvailabilityZone": instance["Placement"]["AvailabilityZone"],
            "PrivateDnsName": instance.get("PrivateDnsName", ""), "PrivateIp": instance.get("PrivateIpAddress", ""),
            "PublicDnsName": instance.get("PublicDnsName", ""), "PublicIp": instance.get("PublicIpAddress", ""),
            "VpcId": instance.get("VpcId", ""), "State": instance["State"],
        })  # fmt: skip

    def update(self, request: ResourceRequest) -> Outcome:
        _retag(request, request.physical_id or "")
        instance = request.call("ec2", "DescribeInstances", {"InstanceIds": [request.physical_id]})["Reservations"][0]["Instances"][0]
        return self._outcome(instance)

    def delete(self, request: ResourceRequest) -> None:
        _quietly(request, "TerminateInstances", {"InstanceIds": [request.physical_id]})


HANDLERS = [
    VpcHandler, SubnetHandler, SecurityGroupHandler, SecurityGroupIngressHandler, SecurityGroupEgressHandler,
    InternetGatewayHandler, GatewayAttachmentHandler, RouteTableHandler, RouteHandler, SubnetRouteTableAssociationHandler,
    GatewayRouteTableAssociationHandler, NatGatewayHandler, EipHandler, EipAssociationHandler,
    EgressOnlyInternetGatewayHandler, NetworkAclHandler, NetworkAclEntryHandler, SubnetNetworkAclAssociationHandler,
    VpcEndpointHandler, KeyPairHandler, LaunchTemplateHandler, DhcpOptionsHandler, VpcDhcpOptionsAssociationHandler,
    VpcCidrBlockHandler, NetworkInterfaceHandler, VpcPeeringConnectionHandler, InstanceHandler,
]
