"""Gateways and public addresses: internet gateways (+Attach/Detach), egress-only internet
gateways, NAT gateways (``pending`` -> ``available`` on the virtual clock) and Elastic IPs
(Allocate/Associate/Disassociate/Release)."""

from __future__ import annotations

from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2.errors import dependency_violation, not_found
from cloudtwin.services.ec2.filters import by_ids, page, select
from cloudtwin.services.ec2.ids import new_id
from cloudtwin.services.ec2.interfaces import drop_interface, new_interface
from cloudtwin.services.ec2.models import Ec2Store
from cloudtwin.services.ec2.network import public_address
from cloudtwin.services.ec2.tagging import spec_tags

#: How long a NAT gateway stays ``pending`` (and ``deleting``), in virtual seconds.
NAT_TRANSITION_SECONDS = 5.0


def new_internet_gateway(store: Ec2Store, tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
    gateway: dict[str, Any] = {"Attachments": [], "InternetGatewayId": new_id("igw"), "OwnerId": store.account_id}
    if tags:
        gateway["Tags"] = tags
    store.internet_gateways[gateway["InternetGatewayId"]] = gateway
    return gateway


def attach_internet_gateway(store: Ec2Store, gateway: dict[str, Any], vpc_id: str) -> None:
    gateway_id = gateway["InternetGatewayId"]
    if gateway["Attachments"]:
        raise ServiceError("Resource.AlreadyAssociated", f"resource {gateway_id} is already attached to network {gateway['Attachments'][0]['VpcId']}")
    for other in store.internet_gateways.values():
        if any(a["VpcId"] == vpc_id for a in other["Attachments"]):
            raise ServiceError(
                "Resource.AlreadyAssociated",
                f"Network {vpc_id} already has an internet gateway attached",
            )
    gateway["Attachments"] = [{"State": "available", "VpcId": vpc_id}]
    store.internet_gateways.save(gateway_id)


IGW_FIELDS = {
    "attachment.state": lambda g: [a["State"] for a in g["Attachments"]],
    "attachment.vpc-id": lambda g: [a["VpcId"] for a in g["Attachments"]],
    "internet-gateway-id": lambda g: g["InternetGatewayId"], "owner-id": lambda g: g["OwnerId"],
}  # fmt: skip
EIGW_FIELDS = {
    "egress-only-internet-gateway-id": lambda g: g["EgressOnlyInternetGatewayId"],
}
NAT_FIELDS = {
    "nat-gateway-id": lambda n: n["NatGatewayId"], "state": lambda n: n["State"], "subnet-id": lambda n: n["SubnetId"],
    "vpc-id": lambda n: n["VpcId"],
}  # fmt: skip
ADDRESS_FIELDS = {
    "allocation-id": lambda a: a["AllocationId"], "association-id": lambda a: a.get("AssociationId"),
    "domain": lambda a: a["Domain"], "instance-id": lambda a: a.get("InstanceId"),
    "network-border-group": lambda a: a["NetworkBorderGroup"], "network-interface-id": lambda a: a.get("NetworkInterfaceId"),
    "network-interface-owner-id": lambda a: a.get("NetworkInterfaceOwnerId"),
    "private-ip-address": lambda a: a.get("PrivateIpAddress"), "public-ip": lambda a: a["PublicIp"],
}  # fmt: skip


def settle_nat_gateways(store: Ec2Store, now: float) -> None:
    """Move NAT gateways whose transition time has passed to their next state."""
    for nat in store.nat_gateways.values():
        if nat["State"] == "pending" and now - nat["CreateTime"] >= NAT_TRANSITION_SECONDS:
            nat["State"] = "available"
            for address in nat["NatGatewayAddresses"]:
                address["Status"] = "succeeded"
            store.nat_gateways.save(nat["NatGatewayId"])
        elif nat["State"] == "deleting" and now - nat.get("DeleteTime", now) >= NAT_TRANSITION_SECONDS:
            nat["State"] = "deleted"
            store.nat_gateways.save(nat["NatGatewayId"])


class GatewayOperations:
    # -- internet gateways --------------------------------------------------------------------

    def _internet_gateway(self, store: Ec2Store, gateway_id: str) -> dict[str, Any]:
        gateway = store.internet_gateways.get(gateway_id)
        if gateway is None:
            raise not_found(gateway_id, "igw")
        return gateway

    def create_internet_gateway(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        return {"InternetGateway": new_internet_gateway(ctx.store, spec_tags(params, "internet-gateway"))}

    def describe_internet_gateways(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        found = select(by_ids(store.internet_gateways, params.get("InternetGatewayIds"), "igw"), params.get("Filters"), IGW_FIELDS)
        items, token = page(found, params)
        return {"InternetGateways": items, "NextToken": token}

    def delete_internet_gateway(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        gateway = self._internet_gateway(store, params["InternetGatewayId"])
        if gateway["Attachments"]:
            raise dependency_violation(f"The internetGateway '{gateway['InternetGatewayId']}' has dependencies and cannot be deleted.")
        del store.internet_gateways[gateway["InternetGatewayId"]]
        return {}

    def attach_internet_gateway(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        from cloudtwin.services.ec2.vpcs import vpc_of

        store: Ec2Store = ctx.store
        gateway = self._internet_gateway(store, params["InternetGatewayId"])
        vpc_of(store, params["VpcId"])
        attach_internet_gateway(store, gateway, params["VpcId"])
        return {}

    def detach_internet_gateway(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        from cloudtwin.services.ec2.vpcs import vpc_of

        store: Ec2Store = ctx.store
        gateway = self._internet_gateway(store, params["InternetGatewayId"])
        vpc_of(store, params["VpcId"])
        if not any(a["VpcId"] == params["VpcId"] for a in gateway["Attachments"]):
            raise ServiceError("Gateway.NotAttached", f"resource {gateway['InternetGatewayId']} is not attached to network {params['VpcId']}")
        gateway["Attachments"] = []
        store.internet_gateways.save(gateway["InternetGatewayId"])
        return {}

    # -- egress-only internet gateways --------------------------------------------------------

    def create_egress_only_internet_gateway(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        from cloudtwin.services.ec2.vpcs import vpc_of

        store: Ec2Store = ctx.store
        vpc_of(store, params["VpcId"])
        gateway: dict[str, Any] = {
            "Attachments": [{"State": "attached", "VpcId": params["VpcId"]}],
            "EgressOnlyInternetGatewayId": new_id("eigw"),
            "Tags": spec_tags(params, "egress-only-internet-gateway"),
        }
        store.egress_only_gateways[gateway["EgressOnlyInternetGatewayId"]] = gateway
        return {"EgressOnlyInternetGateway": gateway, "ClientToken": params.get("ClientToken")}

    def describe_egress_only_internet_gateways(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        found = by_ids(store.egress_only_gateways, params.get("EgressOnlyInternetGatewayIds"), "eigw")
        items, token = page(select(found, params.get("Filters"), EIGW_FIELDS), params)
        return {"EgressOnlyInternetGateways": items, "NextToken": token}

    def delete_egress_only_internet_gateway(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        gateway_id = params["EgressOnlyInternetGatewayId"]
        if gateway_id not in store.egress_only_gateways:
            raise not_found(gateway_id, "eigw")
        del store.egress_only_gateways[gateway_id]
        return {"ReturnCode": True}

    # -- Elastic IPs --------------------------------------------------------------------------

    def _address(self, store: Ec2Store, params: dict[str, Any]) -> dict[str, Any]:
        allocation_id, public_ip = params.get("AllocationId"), params.get("PublicIp")
        if allocation_id:
            address = store.addresses.get(allocation_id)
            if address is None:
                raise not_found(allocation_id, "eipalloc")
            return address
        for address in store.addresses.values():
            if address["PublicIp"] == public_ip:
                return address
        raise ServiceError("InvalidAddress.NotFound", f"Address '{public_ip}' not found.")

    def allocate_address(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        address: dict[str, Any] = {
            "AllocationId": new_id("eipalloc"), "Domain": "vpc", "PublicIpv4Pool": "amazon",
            "NetworkBorderGroup": params.get("NetworkBorderGroup") or store.region, "PublicIp": public_address(),
        }  # fmt: skip
        tags = spec_tags(params, "elastic-ip")
        if tags:
            address["Tags"] = tags
        store.addresses[address["AllocationId"]] = address
        return {k: v for k, v in address.items() if k != "Tags"}

    def describe_addresses(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        found = list(store.addresses.values())
        if params.get("AllocationIds"):
            found = [self._address(store, {"AllocationId": a}) for a in params["AllocationIds"]]
        if params.get("PublicIps"):
            found = [self._address(store, {"PublicIp": ip}) for ip in params["PublicIps"]]
        return {"Addresses": select(found, params.get("Filters"), ADDRESS_FIELDS)}

    def describe_addresses_attribute(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        """The addresses' reverse DNS records (none is ever set: cloudtwin runs no DNS)."""
        store: Ec2Store = ctx.store
        ids = params.get("AllocationIds") or list(store.addresses)
        found = [self._address(store, {"AllocationId": a}) for a in ids]
        return {"Addresses": [{"AllocationId": a["AllocationId"], "PublicIp": a["PublicIp"]} for a in found]}

    def associate_address(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        address = self._address(store, params)
        eni_id = params.get("NetworkInterfaceId")
        instance_id = params.get("InstanceId")
        if instance_id:
            instance = store.instances.get(instance_id)
            if instance is None:
                raise not_found(instance_id, "i")
            eni_id = instance["NetworkInterfaces"][0]["NetworkInterfaceId"] if instance.get("NetworkInterfaces") else None
        if eni_id is None and instance_id is None:
            raise ServiceError("MissingParameter", "Either instance ID or network interface id must be specified")
        eni = store.network_interfaces.get(eni_id or "")
        if eni_id and eni is None:
            raise not_found(eni_id, "eni")
        if address.get("AssociationId") and params.get("AllowReassociation") is False:
            raise ServiceError("Resource.AlreadyAssociated", f"resource {address['AllocationId']} is already associated with associate-id {address['AssociationId']}")
        association_id = new_id("eipassoc")
        address.update({"AssociationId": association_id})
        if instance_id:
            address["InstanceId"] = instance_id
        if eni is not None:
            address.update({
                "NetworkInterfaceId": eni["NetworkInterfaceId"], "NetworkInterfaceOwnerId": store.account_id,
                "PrivateIpAddress": params.get("PrivateIpAddress") or eni["PrivateIpAddress"],
            })  # fmt: skip
            eni["Association"] = {"AllocationId": address["AllocationId"], "AssociationId": association_id,
                                  "IpOwnerId": store.account_id, "PublicIp": address["PublicIp"],
                                  "PublicDnsName": f"ec2-{address['PublicIp'].replace('.', '-')}.compute-1.amazonaws.com"}  # fmt: skip
            store.network_interfaces.save(eni["NetworkInterfaceId"])
        store.addresses.save(address["AllocationId"])
        return {"AssociationId": association_id}

    def disassociate_address(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        association_id = params.get("AssociationId")
        for address in store.addresses.values():
            if (association_id and address.get("AssociationId") == association_id) or (
                params.get("PublicIp") and address["PublicIp"] == params["PublicIp"]
            ):
                eni = store.network_interfaces.get(address.get("NetworkInterfaceId") or "")
                if eni is not None:
                    eni.pop("Association", None)
                    store.network_interfaces.save(eni["NetworkInterfaceId"])
                for key in ("AssociationId", "InstanceId", "NetworkInterfaceId", "NetworkInterfaceOwnerId", "PrivateIpAddress"):
                    address.pop(key, None)
                store.addresses.save(address["AllocationId"])
                return {}
        raise ServiceError("InvalidAssociationID.NotFound", f"The association ID '{association_id}' does not exist")

    def release_address(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        address = self._address(store, params)
        if address.get("AssociationId"):
            raise ServiceError("InvalidIPAddress.InUse", f"Address {address['AllocationId']} is in use.")
        del store.addresses[address["AllocationId"]]
        return {}

    # -- NAT gateways -------------------------------------------------------------------------

    def create_nat_gateway(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        if not params.get("SubnetId"):
            raise ServiceError("MissingParameter", "The request must contain the parameter SubnetId")
        subnet = store.subnets.get(params["SubnetId"])
        if subnet is None:
            raise not_found(params["SubnetId"], "subnet")
        connectivity = params.get("ConnectivityType") or "public"
        address = None
        if connectivity == "public":
            if not params.get("AllocationId"):
                raise ServiceError("MissingParameter", "The request must contain the parameter AllocationId")
            address = self._address(store, {"AllocationId": params["AllocationId"]})
            if address.get("AssociationId"):
                raise ServiceError("Resource.AlreadyAssociated", f"Elastic IP address [{address['AllocationId']}] is already associated")
        nat_id = new_id("nat")
        eni = new_interface(store, subnet, groups=[], description=f"Interface for NAT Gateway {nat_id}",
                            interface_type="nat_gateway", requester_managed=True)  # fmt: skip
        nat_address: dict[str, Any] = {"NetworkInterfaceId": eni["NetworkInterfaceId"], "PrivateIp": eni["PrivateIpAddress"],
                                       "IsPrimary": True, "Status": "associating"}  # fmt: skip
        if address is not None:
            association_id = new_id("eipassoc")
            address.update({"AssociationId": association_id, "NetworkInterfaceId": eni["NetworkInterfaceId"],
                            "NetworkInterfaceOwnerId": store.account_id, "PrivateIpAddress": eni["PrivateIpAddress"]})  # fmt: skip
            store.addresses.save(address["AllocationId"])
            nat_address.update({"AllocationId": address["AllocationId"], "PublicIp": address["PublicIp"], "AssociationId": association_id})
        nat: dict[str, Any] = {
            "CreateTime": ctx.clock.now(), "NatGatewayAddresses": [nat_address], "NatGatewayId": nat_id,
            "State": "pending", "SubnetId": subnet["SubnetId"], "VpcId": subnet["VpcId"],
            "ConnectivityType": connectivity,
        }  # fmt: skip
        tags = spec_tags(params, "natgateway")
        if tags:
            nat["Tags"] = tags
        store.nat_gateways[nat_id] = nat
        return {"NatGateway": nat, "ClientToken": params.get("ClientToken")}

    def describe_nat_gateways(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        settle_nat_gateways(store, ctx.clock.now())
        found = by_ids(store.nat_gateways, params.get("NatGatewayIds"), "nat")
        items, token = page(select(found, params.get("Filter") or params.get("Filters"), NAT_FIELDS), params)
        return {"NatGateways": items, "NextToken": token}

    def delete_nat_gateway(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        nat = store.nat_gateways.get(params["NatGatewayId"])
        if nat is None or nat["State"] == "deleted":
            raise not_found(params["NatGatewayId"], "nat")
        nat["State"] = "deleting"
        nat["DeleteTime"] = ctx.clock.now()
        for nat_address in nat["NatGatewayAddresses"]:
            nat_address["Status"] = "disassociating"
            address = store.addresses.get(nat_address.get("AllocationId") or "")
            if address is not None:
                for key in ("AssociationId", "NetworkInterfaceId", "NetworkInterfaceOwnerId", "PrivateIpAddress"):
                    address.pop(key, None)
                store.addresses.save(address["AllocationId"])
            drop_interface(store, nat_address["NetworkInterfaceId"])
        store.nat_gateways.save(nat["NatGatewayId"])
        return {"NatGatewayId": nat["NatGatewayId"]}
