"""VPC peering connections (stored: requested, accepted, rejected, deleted) and DHCP
option sets (Create/Describe/Delete/AssociateDhcpOptions)."""

from __future__ import annotations

from typing import Any

from cloudtwin.services.ec2.errors import dependency_violation, invalid_parameter, not_found
from cloudtwin.services.ec2.filters import by_ids, page, select
from cloudtwin.services.ec2.ids import new_id
from cloudtwin.services.ec2.models import Ec2Store
from cloudtwin.services.ec2.tagging import spec_tags

PEERING_EXPIRY_SECONDS = 7 * 24 * 3600

PEERING_FIELDS = {
    "accepter-vpc-info.cidr-block": lambda p: p["AccepterVpcInfo"].get("CidrBlock"),
    "accepter-vpc-info.owner-id": lambda p: p["AccepterVpcInfo"].get("OwnerId"),
    "accepter-vpc-info.vpc-id": lambda p: p["AccepterVpcInfo"].get("VpcId"),
    "requester-vpc-info.cidr-block": lambda p: p["RequesterVpcInfo"].get("CidrBlock"),
    "requester-vpc-info.owner-id": lambda p: p["RequesterVpcInfo"].get("OwnerId"),
    "requester-vpc-info.vpc-id": lambda p: p["RequesterVpcInfo"].get("VpcId"),
    "status-code": lambda p: p["Status"]["Code"], "status-message": lambda p: p["Status"].get("Message"),
    "vpc-peering-connection-id": lambda p: p["VpcPeeringConnectionId"],
    "expiration-time": lambda p: p.get("ExpirationTime"),
}  # fmt: skip
DHCP_FIELDS = {
    "dhcp-options-id": lambda d: d["DhcpOptionsId"], "owner-id": lambda d: d["OwnerId"],
    "key": lambda d: [c["Key"] for c in d["DhcpConfigurations"]],
    "value": lambda d: [v["Value"] for c in d["DhcpConfigurations"] for v in c["Values"]],
}  # fmt: skip


def _vpc_info(store: Ec2Store, vpc: dict[str, Any] | None, vpc_id: str, owner: str, region: str) -> dict[str, Any]:
    info: dict[str, Any] = {"OwnerId": owner, "VpcId": vpc_id, "Region": region}
    if vpc is not None:
        info["CidrBlock"] = vpc["CidrBlock"]
        info["CidrBlockSet"] = [{"CidrBlock": a["CidrBlock"]} for a in vpc["CidrBlockAssociationSet"]]
        info["PeeringOptions"] = {
            "AllowDnsResolutionFromRemoteVpc": False, "AllowEgressFromLocalClassicLinkToRemoteVpc": False,
            "AllowEgressFromLocalVpcToRemoteClassicLink": False,
        }  # fmt: skip
    return info


def new_dhcp_options(store: Ec2Store, configurations: list[dict[str, Any]], tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
    options: dict[str, Any] = {
        "OwnerId": store.account_id, "DhcpOptionsId": new_id("dopt"),
        "DhcpConfigurations": [{"Key": c["Key"], "Values": [{"Value": v} for v in c.get("Values") or ()]} for c in configurations],
    }  # fmt: skip
    if tags:
        options["Tags"] = tags
    store.dhcp_options[options["DhcpOptionsId"]] = options
    return options


class PeeringOperations:
    def _peering(self, store: Ec2Store, peering_id: str) -> dict[str, Any]:
        peering = store.peerings.get(peering_id)
        if peering is None:
            raise not_found(peering_id, "pcx")
        return peering

    def create_vpc_peering_connection(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        from cloudtwin.services.ec2.vpcs import vpc_of

        store: Ec2Store = ctx.store
        vpc = vpc_of(store, params["VpcId"])
        peer_id = params.get("PeerVpcId")
        if not peer_id:
            from cloudtwin.protocol.errors import ServiceError

            raise ServiceError("MissingParameter", "The request must contain the parameter peerVpcId")
        owner = params.get("PeerOwnerId") or store.account_id
        region = params.get("PeerRegion") or store.region
        peer = None
        if owner == store.account_id and region == store.region:
            peer = vpc_of(store, peer_id)
        now = ctx.clock.now()
        peering: dict[str, Any] = {
            "AccepterVpcInfo": _vpc_info(store, peer, peer_id, owner, region),
            "RequesterVpcInfo": _vpc_info(store, vpc, vpc["VpcId"], store.account_id, store.region),
            "ExpirationTime": now + PEERING_EXPIRY_SECONDS,
            "Status": {"Code": "pending-acceptance", "Message": f"Pending Acceptance by {owner}"},
            "VpcPeeringConnectionId": new_id("pcx"),
        }  # fmt: skip
        tags = spec_tags(params, "vpc-peering-connection")
        if tags:
            peering["Tags"] = tags
        store.peerings[peering["VpcPeeringConnectionId"]] = peering
        return {"VpcPeeringConnection": {**peering, "Status": {"Code": "initiating-request", "Message": f"Initiating Request to {owner}"}}}

    def describe_vpc_peering_connections(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        found = by_ids(store.peerings, params.get("VpcPeeringConnectionIds"), "pcx")
        items, token = page(select(found, params.get("Filters"), PEERING_FIELDS), params)
        return {"VpcPeeringConnections": items, "NextToken": token}

    def _set_status(self, ctx: Any, params: dict[str, Any], code: str, message: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        peering = self._peering(store, params["VpcPeeringConnectionId"])
        if peering["Status"]["Code"] not in allowed:
            from cloudtwin.protocol.errors import ServiceError

            raise ServiceError(
                "InvalidStateTransition",
                f"Invalid state transition for {peering['VpcPeeringConnectionId']}, attempted to transition from {peering['Status']['Code']} to {code}",
            )
        peering["Status"] = {"Code": code, "Message": message}
        if code == "active":
            peering.pop("ExpirationTime", None)
        store.peerings.save(peering["VpcPeeringConnectionId"])
        return peering

    def accept_vpc_peering_connection(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        return {"VpcPeeringConnection": self._set_status(ctx, params, "active", "Active", ("pending-acceptance",))}

    def reject_vpc_peering_connection(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        self._set_status(ctx, params, "rejected", f"Rejected by {ctx.account_id}", ("pending-acceptance",))
        return {"Return": True}

    def delete_vpc_peering_connection(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        self._set_status(ctx, params, "deleted", f"Deleted by {ctx.account_id}", ("pending-acceptance", "active", "provisioning"))
        return {"Return": True}

    # -- DHCP options ---------------------------------------------------------------------------

    def create_dhcp_options(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        configurations = params.get("DhcpConfigurations") or []
        allowed = {"domain-name", "domain-name-servers", "ntp-servers", "netbios-name-servers", "netbios-node-type", "ipv6-address-preferred-lease-time"}
        for configuration in configurations:
            if configuration.get("Key") not in allowed:
                raise invalid_parameter(f"Value ({configuration.get('Key')}) for parameter name is invalid. Unknown DHCP option")
        return {"DhcpOptions": new_dhcp_options(ctx.store, configurations, spec_tags(params, "dhcp-options"))}

    def describe_dhcp_options(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        found = by_ids(store.dhcp_options, params.get("DhcpOptionsIds"), "dopt")
        items, token = page(select(found, params.get("Filters"), DHCP_FIELDS), params)
        return {"DhcpOptions": items, "NextToken": token}

    def delete_dhcp_options(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        options_id = params["DhcpOptionsId"]
        if options_id not in store.dhcp_options:
            raise not_found(options_id, "dopt")
        if any(v["DhcpOptionsId"] == options_id for v in store.vpcs.values()):
            raise dependency_violation(f"The dhcpOptions '{options_id}' has dependencies and cannot be deleted.")
        del store.dhcp_options[options_id]
        return {}

    def associate_dhcp_options(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        from cloudtwin.services.ec2.vpcs import vpc_of

        store: Ec2Store = ctx.store
        vpc = vpc_of(store, params["VpcId"])
        options_id = params["DhcpOptionsId"]
        if options_id != "default" and options_id not in store.dhcp_options:
            raise not_found(options_id, "dopt")
        vpc["DhcpOptionsId"] = options_id
        store.vpcs.save(vpc["VpcId"])
        return {}
