"""Amazon EC2: the networking (VPC) control plane, key pairs, launch templates and
instances kept as records (no machines run).

The operation handlers live with their resources, one class per feature module, and this
provider is their union: VPCs and subnets (:mod:`vpcs`), security groups
(:mod:`security_groups`), route tables (:mod:`routing`), network ACLs (:mod:`acls`),
gateways and Elastic IPs (:mod:`gateways`), network interfaces (:mod:`interfaces`), VPC
endpoints (:mod:`endpoints`), peering and DHCP options (:mod:`peering`), key pairs
(:mod:`keys`), launch templates (:mod:`launch_templates`), prefix lists
(:mod:`prefix_lists`), instances (:mod:`instances`), regions and zones (:mod:`regions`).
Tags and filters are shared (:mod:`tagging`, :mod:`filters`).

Every operation honours ``DryRun``: the request changes nothing and answers AWS's
``DryRunOperation`` (the caller would have been allowed: cloudtwin checks no permission
here).
"""

from __future__ import annotations

from typing import Any, Callable

from cloudtwin.services.ec2 import tagging
from cloudtwin.services.ec2.acls import NetworkAclOperations
from cloudtwin.services.ec2.endpoints import EndpointOperations
from cloudtwin.services.ec2.errors import dry_run
from cloudtwin.services.ec2.gateways import GatewayOperations
from cloudtwin.services.ec2.instances import InstanceOperations
from cloudtwin.services.ec2.interfaces import InterfaceOperations
from cloudtwin.services.ec2.keys import KeyPairOperations
from cloudtwin.services.ec2.launch_templates import LaunchTemplateOperations
from cloudtwin.services.ec2.models import Ec2Store
from cloudtwin.services.ec2.peering import PeeringOperations
from cloudtwin.services.ec2.prefix_lists import PrefixListOperations
from cloudtwin.services.ec2.regions import RegionOperations
from cloudtwin.services.ec2.routing import RoutingOperations
from cloudtwin.services.ec2.security_groups import SecurityGroupOperations
from cloudtwin.services.ec2.vpcs import VpcOperations, default_vpc
from cloudtwin.services.provider import ServiceProvider


class Provider(
    VpcOperations, SecurityGroupOperations, RoutingOperations, NetworkAclOperations, GatewayOperations,
    InterfaceOperations, EndpointOperations, PeeringOperations, KeyPairOperations, LaunchTemplateOperations,
    PrefixListOperations, InstanceOperations, RegionOperations, ServiceProvider,
):  # fmt: skip
    service_name = "ec2"
    store_class = Ec2Store

    def handler(self, operation: str) -> Callable[..., Any] | None:
        found = super().handler(operation)
        if found is None:
            return None

        def checked(ctx: Any, params: dict[str, Any]) -> Any:
            if params.get("DryRun"):
                raise dry_run()  # the caller may act (cloudtwin checks no permissions)
            if not ctx.from_aws and operation != "DeleteTags":
                tagging.check_reserved(params)
            return found(ctx, params)

        return checked

    def _default_vpc_id(self, ctx: Any) -> str:
        vpc = default_vpc(ctx.store)
        return vpc["VpcId"] if vpc else "none"

    # -- tags ---------------------------------------------------------------------------------

    def create_tags(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        tagging.create_tags(ctx.store, params["Resources"], params.get("Tags") or [])
        return {}

    def delete_tags(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        tagging.delete_tags(ctx.store, params["Resources"], params.get("Tags"))
        return {}

    def describe_tags(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        return tagging.describe_tags(ctx.store, params)
