"""The EC2 store: the networking resources of one account in one region.

Each resource is kept as the plain dict its Describe operation answers (the model's member
names: ``VpcId``, ``CidrBlock``, ``Tags``...), one table per kind, so that describing is a
copy and a filter reads the same fields the caller sees. Security group rules are rows of
their own (``DescribeSecurityGroupRules``); a group's ``IpPermissions`` are built from them.

A new store holds what a new AWS account has in every region: the default VPC
(172.31.0.0/16) with one default /20 subnet per zone, its default security group, network
ACL, main route table, DHCP options and an attached internet gateway (:mod:`defaults`).
"""

from __future__ import annotations

from typing import Any

from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table

#: Resource kinds: id prefix -> (table, the error code of an unknown id, the noun of its
#: message: ``The vpc ID 'vpc-1' does not exist``).
KINDS: dict[str, tuple[str, str, str]] = {
    "vpc": ("vpcs", "InvalidVpcID.NotFound", "vpc"),
    "subnet": ("subnets", "InvalidSubnetID.NotFound", "subnet"),
    "sg": ("security_groups", "InvalidGroup.NotFound", "security group"),
    "sgr": ("sg_rules", "InvalidSecurityGroupRuleId.NotFound", "security group rule"),
    "igw": ("internet_gateways", "InvalidInternetGatewayID.NotFound", "internetGateway"),
    "eigw": ("egress_only_gateways", "InvalidGatewayID.NotFound", "egress-only internet gateway"),
    "rtb": ("route_tables", "InvalidRouteTableID.NotFound", "routeTable"),
    "nat": ("nat_gateways", "NatGatewayNotFound", "NAT gateway"),
    "eipalloc": ("addresses", "InvalidAllocationID.NotFound", "allocation"),
    "acl": ("network_acls", "InvalidNetworkAclID.NotFound", "networkAcl"),
    "vpce": ("vpc_endpoints", "InvalidVpcEndpointId.NotFound", "Vpc Endpoint"),
    "pcx": ("peerings", "InvalidVpcPeeringConnectionID.NotFound", "vpcPeeringConnection"),
    "eni": ("network_interfaces", "InvalidNetworkInterfaceID.NotFound", "networkInterface"),
    "key": ("key_pairs", "InvalidKeyPair.NotFound", "key pair"),
    "lt": ("launch_templates", "InvalidLaunchTemplateId.NotFound", "launch template"),
    "dopt": ("dhcp_options", "InvalidDhcpOptionID.NotFound", "dhcpOption"),
    "pl": ("prefix_lists", "InvalidPrefixListID.NotFound", "prefix list"),
    "i": ("instances", "InvalidInstanceID.NotFound", "instance"),
}


class Ec2Store(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.vpcs: Table[str, dict[str, Any]] = tables.table("vpcs")
        self.subnets: Table[str, dict[str, Any]] = tables.table("subnets")
        self.security_groups: Table[str, dict[str, Any]] = tables.table("security_groups")
        self.sg_rules: Table[str, dict[str, Any]] = tables.table("sg_rules")
        self.internet_gateways: Table[str, dict[str, Any]] = tables.table("internet_gateways")
        self.egress_only_gateways: Table[str, dict[str, Any]] = tables.table("egress_only_gateways")
        self.route_tables: Table[str, dict[str, Any]] = tables.table("route_tables")
        self.nat_gateways: Table[str, dict[str, Any]] = tables.table("nat_gateways")
        self.addresses: Table[str, dict[str, Any]] = tables.table("addresses")
        self.network_acls: Table[str, dict[str, Any]] = tables.table("network_acls")
        self.vpc_endpoints: Table[str, dict[str, Any]] = tables.table("vpc_endpoints")
        self.peerings: Table[str, dict[str, Any]] = tables.table("peerings")
        self.network_interfaces: Table[str, dict[str, Any]] = tables.table("network_interfaces")
        #: Key pairs by id (the API names them by id or by name).
        self.key_pairs: Table[str, dict[str, Any]] = tables.table("key_pairs")
        self.launch_templates: Table[str, dict[str, Any]] = tables.table("launch_templates")
        #: Launch template id -> its versions (LaunchTemplateVersion dicts), oldest first.
        self.template_versions: Table[str, list[dict[str, Any]]] = tables.table("template_versions")
        self.dhcp_options: Table[str, dict[str, Any]] = tables.table("dhcp_options")
        self.prefix_lists: Table[str, dict[str, Any]] = tables.table("prefix_lists")
        #: Prefix list id -> its entries ({Cidr, Description}).
        self.prefix_list_entries: Table[str, list[dict[str, Any]]] = tables.table("prefix_list_entries")
        self.instances: Table[str, dict[str, Any]] = tables.table("instances")
        #: VPC id -> its attributes (enableDnsSupport...).
        self.vpc_attributes: Table[str, dict[str, bool]] = tables.table("vpc_attributes")
        #: Bookkeeping: ``defaults`` once the account's default resources exist.
        self.meta: Table[str, Any] = tables.table("meta")
        from cloudtwin.services.ec2.defaults import create_defaults

        if "defaults" not in self.meta:
            create_defaults(self)
            self.meta["defaults"] = True

    def table_of(self, resource_id: str) -> Table[str, dict[str, Any]] | None:
        """The table a resource id's prefix names (None for an unknown prefix)."""
        kind = KINDS.get(resource_id.rsplit("-", 1)[0]) if "-" in resource_id else None
        return getattr(self, kind[0]) if kind else None

    def find(self, resource_id: str) -> dict[str, Any] | None:
        table = self.table_of(resource_id)
        return table.get(resource_id) if table is not None else None
