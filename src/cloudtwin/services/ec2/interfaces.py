"""Network interfaces: Create/Describe/DeleteNetworkInterface, and the interfaces other
resources place in a subnet (NAT gateways, interface endpoints, instances). Each takes a
private address of its subnet, which counts against the subnet's available addresses."""

from __future__ import annotations

import ipaddress
import random
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2.errors import dependency_violation, not_found
from cloudtwin.services.ec2.filters import by_ids, page, select
from cloudtwin.services.ec2.ids import new_id
from cloudtwin.services.ec2.models import Ec2Store
from cloudtwin.services.ec2.tagging import spec_tags


def private_address(store: Ec2Store, subnet: dict[str, Any], wanted: str | None = None) -> str:
    """A free address of the subnet (AWS reserves the first four and the last)."""
    block = ipaddress.IPv4Network(subnet["CidrBlock"])
    used = {e["PrivateIpAddress"] for e in store.network_interfaces.values() if e.get("SubnetId") == subnet["SubnetId"]}
    if wanted is not None:
        try:
            address = ipaddress.IPv4Address(wanted)
        except ValueError:
            raise ServiceError(
                "InvalidParameterValue", f"Value ({wanted}) for parameter privateIpAddress is invalid. Invalid format."
            ) from None
        if address not in block or int(address) - int(block.network_address) < 4 or address == block.broadcast_address:
            raise ServiceError("InvalidParameterValue", f"Address {wanted} does not fall within the subnet's address range")
        if wanted in used:
            raise ServiceError("InvalidIPAddress.InUse", f"Address {wanted} is in use.")
        return wanted
    size = block.num_addresses
    if subnet["AvailableIpAddressCount"] <= 0:
        raise ServiceError("InsufficientFreeAddressesInSubnet", "There are not enough free addresses in subnet to satisfy the requested number of instances.")
    while True:
        candidate = str(block.network_address + random.randrange(4, size - 1))
        if candidate not in used:
            return candidate


def new_interface(store: Ec2Store, subnet: dict[str, Any], *, groups: list[str] | None = None, description: str = "",
                  interface_type: str = "interface", requester_managed: bool = False, address: str | None = None,
                  tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
    eni_id = new_id("eni")
    ip = private_address(store, subnet, address)
    region = store.region
    dns = f"ip-{ip.replace('.', '-')}.{'ec2.internal' if region == 'us-east-1' else region + '.compute.internal'}"
    if groups is None:
        default = next((g for g in store.security_groups.values() if g["VpcId"] == subnet["VpcId"] and g["GroupName"] == "default"), None)
        groups = [default["GroupId"]] if default else []
    eni: dict[str, Any] = {
        "AvailabilityZone": subnet["AvailabilityZone"], "AvailabilityZoneId": subnet["AvailabilityZoneId"],
        "Description": description,
        "Groups": [{"GroupId": g, "GroupName": store.security_groups[g]["GroupName"]} for g in groups if g in store.security_groups],
        "InterfaceType": interface_type, "Ipv6Addresses": [],
        "MacAddress": "02:" + ":".join(f"{random.randrange(256):02x}" for _ in range(5)),
        "NetworkInterfaceId": eni_id, "OwnerId": store.account_id, "PrivateDnsName": dns, "PrivateIpAddress": ip,
        "PrivateIpAddresses": [{"Primary": True, "PrivateDnsName": dns, "PrivateIpAddress": ip}],
        "RequesterManaged": requester_managed, "SourceDestCheck": True, "Status": "available",
        "SubnetId": subnet["SubnetId"], "TagSet": tags or [], "VpcId": subnet["VpcId"],
    }  # fmt: skip
    store.network_interfaces[eni_id] = eni
    subnet["AvailableIpAddressCount"] -= 1
    store.subnets.save(subnet["SubnetId"])
    return eni


def drop_interface(store: Ec2Store, eni_id: str) -> None:
    eni = store.network_interfaces.pop(eni_id, None)
    if eni is None:
        return
    subnet = store.subnets.get(eni["SubnetId"])
    if subnet is not None:
        subnet["AvailableIpAddressCount"] += 1
        store.subnets.save(subnet["SubnetId"])


ENI_FIELDS = {
    "availability-zone": lambda e: e["AvailabilityZone"], "description": lambda e: e["Description"],
    "group-id": lambda e: [g["GroupId"] for g in e["Groups"]], "group-name": lambda e: [g["GroupName"] for g in e["Groups"]],
    "interface-type": lambda e: e["InterfaceType"], "mac-address": lambda e: e["MacAddress"],
    "network-interface-id": lambda e: e["NetworkInterfaceId"], "owner-id": lambda e: e["OwnerId"],
    "private-ip-address": lambda e: e["PrivateIpAddress"], "private-dns-name": lambda e: e["PrivateDnsName"],
    "addresses.private-ip-address": lambda e: [a["PrivateIpAddress"] for a in e["PrivateIpAddresses"]],
    "requester-managed": lambda e: e["RequesterManaged"], "source-dest-check": lambda e: e["SourceDestCheck"],
    "status": lambda e: e["Status"], "subnet-id": lambda e: e["SubnetId"], "vpc-id": lambda e: e["VpcId"],
    "attachment.instance-id": lambda e: (e.get("Attachment") or {}).get("InstanceId"),
    "attachment.status": lambda e: (e.get("Attachment") or {}).get("Status"),
}  # fmt: skip


class InterfaceOperations:
    def create_network_interface(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        subnet = store.subnets.get(params["SubnetId"])
        if subnet is None:
            raise not_found(params["SubnetId"], "subnet")
        for group_id in params.get("Groups") or ():
            if group_id not in store.security_groups:
                raise not_found(group_id, "sg")
        eni = new_interface(
            store, subnet, groups=params.get("Groups"), description=params.get("Description") or "",
            interface_type=params.get("InterfaceType") or "interface", address=params.get("PrivateIpAddress"),
            tags=spec_tags(params, "network-interface"),
        )  # fmt: skip
        return {"NetworkInterface": {**eni, "Status": "pending"}}

    def describe_network_interfaces(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        found = select(by_ids(store.network_interfaces, params.get("NetworkInterfaceIds"), "eni"), params.get("Filters"), ENI_FIELDS)
        items, token = page(found, params)
        return {"NetworkInterfaces": items, "NextToken": token}

    def delete_network_interface(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        eni = store.network_interfaces.get(params["NetworkInterfaceId"])
        if eni is None:
            raise not_found(params["NetworkInterfaceId"], "eni")
        if eni.get("Attachment"):
            raise ServiceError("InvalidNetworkInterface.InUse", f"Interface: [{eni['NetworkInterfaceId']}] in use.")
        if eni["RequesterManaged"]:
            raise dependency_violation(f"Network interface '{eni['NetworkInterfaceId']}' is currently in use.")
        drop_interface(store, eni["NetworkInterfaceId"])
        return {}
