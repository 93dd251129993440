"""What ec2 needs before its operations run.

A VPC ``10.0.0.0/16`` with a subnet ``10.0.1.0/24``, a security group ``ct-sg``, an internet
gateway, a route table and a network ACL of that VPC, a network interface in the subnet, an
Elastic IP allocation, a key pair ``ct-key``, a launch template ``ct-template``, DHCP options,
a managed prefix list, an egress-only internet gateway and a peering connection from the
VPC to the default one. Members naming those resources get their identifiers.

Two documented constraints the model does not state (``CONSTRAINTS``): a tag
specification's ``ResourceType`` must be the resource the action creates, and a filter's
``Name`` must be one of the names the action documents for its ``Filters``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Mapping

from cloudtwin.conformance.constraints import Constraint
from cloudtwin.conformance.resources import DROP, RoundTrip, ServiceSetup, Step

_CIDR = "10.0.0.0/16"
#: Any image id: cloudtwin keeps instances as records and runs no image.
_IMAGE = "ami-0123456789abcdef0"

SETUP = ServiceSetup(
    steps=(
        Step("CreateVpc", {"CidrBlock": _CIDR}, {"vpc_id": "Vpc.VpcId"}),
        Step("DescribeVpcs", {"Filters": [{"Name": "is-default", "Values": ["true"]}]},
             {"default_vpc_id": "Vpcs.0.VpcId"}),
        Step("CreateSubnet", {"VpcId": "{vpc_id}", "CidrBlock": "10.0.1.0/24"}, {"subnet_id": "Subnet.SubnetId"}),
        Step("CreateSecurityGroup", {"GroupName": "ct-sg", "Description": "ct", "VpcId": "{vpc_id}"},
             {"sg_id": "GroupId"}),
        Step("CreateInternetGateway", {}, {"igw_id": "InternetGateway.InternetGatewayId"}),
        Step("CreateRouteTable", {"VpcId": "{vpc_id}"}, {"rtb_id": "RouteTable.RouteTableId"}),
        Step("CreateNetworkAcl", {"VpcId": "{vpc_id}"}, {"acl_id": "NetworkAcl.NetworkAclId"}),
        Step("CreateNetworkInterface", {"SubnetId": "{subnet_id}"},
             {"eni_id": "NetworkInterface.NetworkInterfaceId"}),
        Step("AllocateAddress", {"Domain": "vpc"}, {"alloc_id": "AllocationId", "public_ip": "PublicIp"}),
        Step("CreateKeyPair", {"KeyName": "ct-key"}),
        Step("CreateLaunchTemplate", {"LaunchTemplateName": "ct-template",
                                      "LaunchTemplateData": {"InstanceType": "t3.micro"}},
             {"lt_id": "LaunchTemplate.LaunchTemplateId"}),
        Step("CreateDhcpOptions", {"DhcpConfigurations": [{"Key": "domain-name", "Values": ["ct.internal"]}]},
             {"dopt_id": "DhcpOptions.DhcpOptionsId"}),
        Step("CreateManagedPrefixList", {"PrefixListName": "ct-list", "MaxEntries": 5, "AddressFamily": "IPv4"},
             {"pl_id": "PrefixList.PrefixListId"}),
        Step("CreateEgressOnlyInternetGateway", {"VpcId": "{vpc_id}"},
             {"eigw_id": "EgressOnlyInternetGateway.EgressOnlyInternetGatewayId"}),
        Step("CreateVpcPeeringConnection", {"VpcId": "{vpc_id}", "PeerVpcId": "{default_vpc_id}"},
             {"pcx_id": "VpcPeeringConnection.VpcPeeringConnectionId"}),
        Step("AttachInternetGateway", {"InternetGatewayId": "{igw_id}", "VpcId": "{vpc_id}"}),
        Step("CreateRoute", {"RouteTableId": "{rtb_id}", "DestinationCidrBlock": "0.0.0.0/0",
                             "GatewayId": "{igw_id}"}),
        Step("RunInstances", {"ImageId": _IMAGE, "MinCount": 1, "MaxCount": 1, "SubnetId": "{subnet_id}"},
             {"instance_id": "Instances.0.InstanceId"}),
        Step("CreateVpcEndpoint", {"VpcId": "{vpc_id}", "ServiceName": "com.amazonaws.us-east-1.s3"},
             {"vpce_id": "VpcEndpoint.VpcEndpointId"}),
        Step("AllocateAddress", {"Domain": "vpc"}, {"nat_alloc_id": "AllocationId"}),
        Step("CreateNatGateway", {"SubnetId": "{subnet_id}", "AllocationId": "{nat_alloc_id}"},
             {"nat_id": "NatGateway.NatGatewayId"}),
    ),
    members={
        "VpcId": "{vpc_id}", "VpcIds": ["{vpc_id}"], "SubnetId": "{subnet_id}", "SubnetIds": ["{subnet_id}"],
        "GroupId": "{sg_id}", "GroupIds": ["{sg_id}"], "SecurityGroupIds": ["{sg_id}"], "GroupName": DROP,
        "InternetGatewayId": "{igw_id}", "InternetGatewayIds": ["{igw_id}"],
        "RouteTableId": "{rtb_id}", "RouteTableIds": ["{rtb_id}"],
        "NetworkAclId": "{acl_id}", "NetworkAclIds": ["{acl_id}"],
        "NetworkInterfaceId": "{eni_id}", "NetworkInterfaceIds": ["{eni_id}"],
        "AllocationId": "{alloc_id}", "AllocationIds": ["{alloc_id}"], "PublicIp": DROP, "PublicIps": DROP,
        "KeyName": "ct-key", "KeyNames": ["ct-key"], "KeyPairId": DROP, "KeyPairIds": DROP,
        "LaunchTemplateId": "{lt_id}", "LaunchTemplateName": DROP, "LaunchTemplateIds": ["{lt_id}"],
        "DhcpOptionsId": "{dopt_id}", "DhcpOptionsIds": ["{dopt_id}"],
        "PrefixListId": "{pl_id}", "PrefixListIds": ["{pl_id}"],
        "EgressOnlyInternetGatewayId": "{eigw_id}", "EgressOnlyInternetGatewayIds": ["{eigw_id}"],
        "VpcPeeringConnectionId": "{pcx_id}", "VpcPeeringConnectionIds": ["{pcx_id}"],
        "InstanceId": "{instance_id}", "InstanceIds": ["{instance_id}"],
        "VpcEndpointId": "{vpce_id}", "VpcEndpointIds": ["{vpce_id}"],
        "NatGatewayId": "{nat_id}", "NatGatewayIds": ["{nat_id}"],
        "CidrBlock": "10.0.2.0/24", "Resources": ["{vpc_id}"],
        "Tags": [{"Key": "team", "Value": "ct"}], "NextToken": DROP,
    },
    overrides={
        "CreateVpc": {"CidrBlock": "10.1.0.0/16"},
        "CreateSecurityGroup": {"GroupName": "ct-new-{n}", "Description": "ct"},
        "CreateKeyPair": {"KeyName": "ct-new-{n}"},
        "ImportKeyPair": {"KeyName": "ct-new-{n}"},
        "CreateLaunchTemplate": {"LaunchTemplateName": "ct-new-{n}"},
        "CreateManagedPrefixList": {"PrefixListName": "ct-new-{n}"},
        "AssociateVpcCidrBlock": {"CidrBlock": "10.2.0.0/16"},
        "DescribeSecurityGroups": {"GroupName": DROP, "GroupNames": DROP},
    },
    # Members the model leaves optional that AWS needs (one of a documented pair, or what
    # the action acts on): added where a variant has none.
    defaults={
        "RunInstances": {"ImageId": _IMAGE},
        "CreateVpc": {"CidrBlock": "10.1.0.0/16"},
        "CreateSubnet": {"CidrBlock": "10.0.3.0/24"},
        "AssociateVpcCidrBlock": {"CidrBlock": "10.2.0.0/16"},
        **{op: {"GroupId": "{sg_id}"} for op in (
            "AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress", "DeleteSecurityGroup")},
        "CreateNatGateway": {"SubnetId": "{subnet_id}"},
        "CreateRoute": {"DestinationCidrBlock": "192.168.{n}.0/24", "GatewayId": "{igw_id}"},
        "ReplaceRoute": {"DestinationCidrBlock": "0.0.0.0/0"},
        "DeleteRoute": {"DestinationCidrBlock": "0.0.0.0/0"},
        "CreateVpcPeeringConnection": {"PeerVpcId": "{default_vpc_id}"},
        "AssociateRouteTable": {"SubnetId": "{subnet_id}"},
        **{op: {"LaunchTemplateId": "{lt_id}"} for op in ("ModifyLaunchTemplate", "DeleteLaunchTemplate")},
        "ModifyVpcAttribute": {"EnableDnsSupport": {"Value": True}},
        "AssociateAddress": {"NetworkInterfaceId": "{eni_id}"},
    },
    roundtrips=(
        RoundTrip("tags",
                  Step("CreateTags", {"Resources": ["{vpc_id}"], "Tags": [{"Key": "team", "Value": "ct"}]}),
                  Step("DescribeTags", {"Filters": [{"Name": "resource-id", "Values": ["{vpc_id}"]}]}),
                  {"Tags.0.Key": "team", "Tags.0.Value": "ct"}),
    ),
)

KNOWN_GAPS: dict[tuple[str, ...], str] = {}


@cache
def _ec2_model():
    import botocore.session

    return botocore.session.get_session().get_service_model("ec2")


def _kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).lower()


@cache
def _created_type(operation: str) -> str | None:
    """The ResourceType an action creates (``CreateNatGateway`` -> ``natgateway``,
    ``AllocateAddress`` -> ``elastic-ip``, ``RunInstances`` -> None: several)."""
    if operation == "AllocateAddress":
        return "elastic-ip"
    if not operation.startswith("Create"):
        return None
    word = _kebab(operation.removeprefix("Create"))
    types = set(_ec2_model().shape_for("ResourceType").enum)
    for candidate in (word, word.replace("-", ""), word.removesuffix("s")):
        if candidate in types:
            return candidate
    return None


def _wrong_tag_type(operation: str, params: Mapping[str, Any]) -> bool:
    created = _created_type(operation)
    if created is None:
        return False
    return any(isinstance(spec, Mapping) and spec.get("ResourceType") not in (None, created)
               for spec in params.get("TagSpecifications") or ())


_FILTER_NAME = re.compile(r"<code>([^<\s]+)</code>\s*-")


@cache
def _documented_filters(operation: str) -> frozenset[str] | None:
    shape = _ec2_model().operation_model(operation).input_shape
    member = shape.members.get("Filters") if shape is not None else None
    if member is None:
        return None
    names = frozenset(_FILTER_NAME.findall(member.documentation or ""))
    return names or None


def _unknown_filter(operation: str, params: Mapping[str, Any]) -> bool:
    names = _documented_filters(operation)
    if names is None:
        return False
    for item in params.get("Filters") or ():
        if not isinstance(item, Mapping) or "Name" not in item:
            continue
        name = item["Name"]
        # ``tag`` documents the ``tag:<key>`` form ("use the tag key in the filter name")
        if name not in names and not (name.startswith("tag:") and "tag" in names):
            return True
    return False


def _per_operation(check):
    return lambda operation: (lambda params: check(operation, params))


def _constraints() -> tuple[Constraint, ...]:
    model = _ec2_model()
    out: list[Constraint] = []
    for operation in model.operation_names:
        shape = model.operation_model(operation).input_shape
        members = shape.members if shape is not None else {}
        if "TagSpecifications" in members and _created_type(operation) is not None:
            out.append(Constraint(
                operation, "TagSpecifications: the ResourceType is the type of the resource the action creates",
                "EC2 API Reference, TagSpecification: \"The type of resource to tag on creation\"",
                _per_operation(_wrong_tag_type)(operation)))
        if "Filters" in members and _documented_filters(operation) is not None:
            out.append(Constraint(
                operation, "Filters: a filter's Name is one of the names the action documents",
                f"EC2 API Reference, {operation}, Filters (the botocore model's documentation lists the names)",
                _per_operation(_unknown_filter)(operation)))
    return tuple(out)


#: Documented constraints the model leaves out (:mod:`cloudtwin.conformance.constraints`).
CONSTRAINTS = _constraints()
