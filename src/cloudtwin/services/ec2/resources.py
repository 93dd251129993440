"""CloudFormation resource handlers of EC2's types, with the ``Ref`` and ``Fn::GetAtt``
values their schemas give; every call goes through EC2's own handlers. Here the VPC core
(``AWS::EC2::VPC``, ``Subnet``, ``SecurityGroup`` and its rules, internet gateways and their
attachments, route tables, routes and associations, network ACLs); gateways, addresses
and connections in :mod:`gateway_resources`, key pairs, launch templates and instances in
:mod:`compute_resources`."""

from __future__ import annotations

from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest
from cloudtwin.deployment.properties import random_suffix
from cloudtwin.deployment.properties import truthy as _bool
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2 import compute_resources, gateway_resources
from cloudtwin.services.ec2.resource_support import as_int, given, quietly, retag, tag_specs


class VpcHandler(ResourceHandler):
    type_name = "AWS::EC2::VPC"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {**given(props, {"CidrBlock": "CidrBlock", "InstanceTenancy": "InstanceTenancy",
                                   "Ipv4IpamPoolId": "Ipv4IpamPoolId", "Ipv4NetmaskLength": "Ipv4NetmaskLength"},
                           {"Ipv4NetmaskLength": as_int}),
                  "TagSpecifications": tag_specs(request, "vpc")}  # fmt: skip
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
        retag(request, vpc_id)
        return self._outcome(request, vpc_id)

    def delete(self, request: ResourceRequest) -> None:
        quietly(request, "DeleteVpc", {"VpcId": request.physical_id})


class SubnetHandler(ResourceHandler):
    type_name = "AWS::EC2::Subnet"
    SETTABLE = ("MapPublicIpOnLaunch", "AssignIpv6AddressOnCreation", "EnableDns64")

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {**given(props, {"VpcId": "VpcId", "CidrBlock": "CidrBlock", "AvailabilityZone": "AvailabilityZone",
                                   "AvailabilityZoneId": "AvailabilityZoneId", "Ipv6CidrBlock": "Ipv6CidrBlock"}),
                  "TagSpecifications": tag_specs(request, "subnet")}  # fmt: skip
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
        retag(request, subnet_id)
        return self._outcome(request, subnet_id)

    def delete(self, request: ResourceRequest) -> None:
        quietly(request, "DeleteSubnet", {"SubnetId": request.physical_id})


def _permission(rule: dict[str, Any], egress: bool) -> dict[str, Any]:
    """A template's rule as an ``IpPermission``."""
    perm: dict[str, Any] = {"IpProtocol": str(rule.get("IpProtocol", "-1"))}
    for name in ("FromPort", "ToPort"):
        if rule.get(name) is not None:
            perm[name] = as_int(rule[name])
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
                  "TagSpecifications": tag_specs(request, "security-group")}  # fmt: skip
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
        retag(request, group_id)
        return self._outcome(request, group_id)

    def delete(self, request: ResourceRequest) -> None:
        group_id = request.attributes.get("GroupId") or request.physical_id
        quietly(request, "DeleteSecurityGroup", {"GroupId": group_id})


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
        quietly(request, operation, {"GroupId": rule["GroupId"], "SecurityGroupRuleIds": [rule_id]})


class SecurityGroupEgressHandler(SecurityGroupIngressHandler):
    type_name = "AWS::EC2::SecurityGroupEgress"
    egress = True


class InternetGatewayHandler(ResourceHandler):
    type_name = "AWS::EC2::InternetGateway"

    def create(self, request: ResourceRequest) -> Outcome:
        gateway = request.call("ec2", "CreateInternetGateway", {"TagSpecifications": tag_specs(request, "internet-gateway")})
        gateway_id = gateway["InternetGateway"]["InternetGatewayId"]
        return Outcome(gateway_id, {"InternetGatewayId": gateway_id})

    def update(self, request: ResourceRequest) -> Outcome:
        retag(request, request.physical_id or "")
        return Outcome(request.physical_id or "", {"InternetGatewayId": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        quietly(request, "DeleteInternetGateway", {"InternetGatewayId": request.physical_id})


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
            quietly(request, "DetachInternetGateway", {"InternetGatewayId": props["InternetGatewayId"], "VpcId": props["VpcId"]})


def _fields(request: ResourceRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in request.__dataclass_fields__}  # type: ignore[attr-defined]


class RouteTableHandler(ResourceHandler):
    type_name = "AWS::EC2::RouteTable"

    def create(self, request: ResourceRequest) -> Outcome:
        table = request.call("ec2", "CreateRouteTable", {"VpcId": request.properties["VpcId"],
                                                         "TagSpecifications": tag_specs(request, "route-table")})  # fmt: skip
        table_id = table["RouteTable"]["RouteTableId"]
        return Outcome(table_id, {"RouteTableId": table_id})

    def update(self, request: ResourceRequest) -> Outcome:
        retag(request, request.physical_id or "")
        return Outcome(request.physical_id or "", {"RouteTableId": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        quietly(request, "DeleteRouteTable", {"RouteTableId": request.physical_id})


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


class NetworkAclHandler(ResourceHandler):
    type_name = "AWS::EC2::NetworkAcl"

    def create(self, request: ResourceRequest) -> Outcome:
        acl = request.call("ec2", "CreateNetworkAcl", {"VpcId": request.properties["VpcId"],
                                                       "TagSpecifications": tag_specs(request, "network-acl")})  # fmt: skip
        acl_id = acl["NetworkAcl"]["NetworkAclId"]
        return Outcome(acl_id, {"Id": acl_id})

    def update(self, request: ResourceRequest) -> Outcome:
        retag(request, request.physical_id or "")
        return Outcome(request.physical_id or "", {"Id": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        quietly(request, "DeleteNetworkAcl", {"NetworkAclId": request.physical_id})


class NetworkAclEntryHandler(ResourceHandler):
    type_name = "AWS::EC2::NetworkAclEntry"

    @staticmethod
    def _params(props: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "NetworkAclId": props["NetworkAclId"], "RuleNumber": as_int(props["RuleNumber"]),
            "Protocol": str(props["Protocol"]), "RuleAction": props["RuleAction"], "Egress": _bool(props.get("Egress", False)),
        }  # fmt: skip
        params.update(given(props, {"CidrBlock": "CidrBlock", "Ipv6CidrBlock": "Ipv6CidrBlock"}))
        if props.get("PortRange"):
            params["PortRange"] = {k: as_int(v) for k, v in props["PortRange"].items()}
        if props.get("Icmp"):
            params["IcmpTypeCode"] = {k: as_int(v) for k, v in props["Icmp"].items()}
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
            request.call("ec2", "DeleteNetworkAclEntry", {"NetworkAclId": props["NetworkAclId"], "RuleNumber": as_int(props["RuleNumber"]),
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


HANDLERS = [
    VpcHandler, SubnetHandler, SecurityGroupHandler, SecurityGroupIngressHandler, SecurityGroupEgressHandler,
    InternetGatewayHandler, GatewayAttachmentHandler, RouteTableHandler, RouteHandler, SubnetRouteTableAssociationHandler,
    GatewayRouteTableAssociationHandler, NetworkAclHandler, NetworkAclEntryHandler, SubnetNetworkAclAssociationHandler,
    *gateway_resources.HANDLERS, *compute_resources.HANDLERS,
]
