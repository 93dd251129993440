"""What a new AWS account has in every region: DHCP options, the default VPC
(172.31.0.0/16) with one default /20 subnet per zone, its default security group, network
ACL and main route table, and an internet gateway attached to it with the main table's
``0.0.0.0/0`` route through it."""

from __future__ import annotations

from typing import Any

from cloudtwin.services.ec2.models import Ec2Store

DEFAULT_VPC_CIDR = "172.31.0.0/16"


def create_defaults(store: Ec2Store) -> None:
    from cloudtwin.services.ec2.peering import new_dhcp_options

    domain = "ec2.internal" if store.region == "us-east-1" else f"{store.region}.compute.internal"
    new_dhcp_options(store, [
        {"Key": "domain-name", "Values": [domain]},
        {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]},
    ])  # fmt: skip
    create_default_vpc(store)


def create_default_vpc(store: Ec2Store) -> dict[str, Any]:
    from cloudtwin.services.ec2.gateways import attach_internet_gateway, new_internet_gateway
    from cloudtwin.services.ec2.regions import zones
    from cloudtwin.services.ec2.routing import main_route_table
    from cloudtwin.services.ec2.vpcs import new_subnet, new_vpc

    vpc = new_vpc(store, DEFAULT_VPC_CIDR, is_default=True)
    for n, zone in enumerate(zones(store.region)):
        new_subnet(store, vpc, f"172.31.{16 * n}.0/20", zone["ZoneName"], default_for_az=True)
    gateway = new_internet_gateway(store)
    attach_internet_gateway(store, gateway, vpc["VpcId"])
    table = main_route_table(store, vpc["VpcId"])
    if table is not None:
        table["Routes"].append({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway["InternetGatewayId"],
                                "Origin": "CreateRoute", "State": "active"})  # fmt: skip
        store.route_tables.save(table["RouteTableId"])
    return vpc
