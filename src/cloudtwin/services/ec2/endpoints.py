"""VPC endpoints: gateway endpoints (a route to the service's prefix list in each route
table) and interface endpoints (a network interface in each subnet, with DNS names), and
the services they may reach (DescribeVpcEndpointServices)."""

from __future__ import annotations

import hashlib
import json
import random
import string
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2.errors import missing_parameter, not_found
from cloudtwin.services.ec2.filters import by_ids, page, select
from cloudtwin.services.ec2.ids import new_id
from cloudtwin.services.ec2.interfaces import drop_interface, new_interface
from cloudtwin.services.ec2.models import Ec2Store
from cloudtwin.services.ec2.tagging import spec_tags

#: Services reached through a gateway endpoint (all others through interface endpoints).
GATEWAY_SERVICES = ("s3", "dynamodb")
_FULL_ACCESS = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}

ENDPOINT_FIELDS = {
    "ip-address-type": lambda e: e.get("IpAddressType"), "service-name": lambda e: e["ServiceName"],
    "vpc-id": lambda e: e["VpcId"], "vpc-endpoint-id": lambda e: e["VpcEndpointId"],
    "vpc-endpoint-state": lambda e: e["State"], "vpc-endpoint-type": lambda e: e["VpcEndpointType"],
}  # fmt: skip


def _service_suffix(region: str, service_name: str) -> str | None:
    prefix = f"com.amazonaws.{region}."
    return service_name[len(prefix):] if service_name.startswith(prefix) and len(service_name) > len(prefix) else None


def _default_policy(endpoint_type: str) -> str:
    if endpoint_type == "Gateway":
        return json.dumps({"Version": "2008-10-17", "Statement": [_FULL_ACCESS]})
    return json.dumps({"Statement": [_FULL_ACCESS]})


def _hosted_zone() -> str:
    return "Z" + "".join(random.choices(string.ascii_uppercase + string.digits, k=13))


class EndpointOperations:
    def _endpoint(self, store: Ec2Store, endpoint_id: str) -> dict[str, Any]:
        endpoint = store.vpc_endpoints.get(endpoint_id)
        if endpoint is None:
            raise not_found(endpoint_id, "vpce")
        return endpoint

    def create_vpc_endpoint(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        from cloudtwin.services.ec2.vpcs import vpc_of

        store: Ec2Store = ctx.store
        vpc = vpc_of(store, params["VpcId"])
        endpoint_type = params.get("VpcEndpointType") or "Gateway"
        service_name = params.get("ServiceName")
        if not service_name:  # the model leaves it optional for service-network endpoints
            raise missing_parameter("ServiceName")
        suffix = _service_suffix(store.region, service_name)
        if suffix is None:
            raise ServiceError("InvalidServiceName", f"The Vpc Endpoint Service '{service_name}' does not exist")
        if endpoint_type == "Gateway" and suffix not in GATEWAY_SERVICES:
            raise ServiceError("InvalidServiceName", f"The Vpc Endpoint Service '{service_name}' does not exist")
        endpoint_id = new_id("vpce")
        endpoint: dict[str, Any] = {
            "VpcEndpointId": endpoint_id, "VpcEndpointType": endpoint_type, "VpcId": vpc["VpcId"],
            "ServiceName": service_name, "State": "available",
            "PolicyDocument": params.get("PolicyDocument") or _default_policy(endpoint_type),
            "RouteTableIds": [], "SubnetIds": [], "Groups": [], "IpAddressType": params.get("IpAddressType") or "ipv4",
            "PrivateDnsEnabled": False, "RequesterManaged": False, "NetworkInterfaceIds": [], "DnsEntries": [],
            "CreationTimestamp": ctx.clock.now(), "Tags": spec_tags(params, "vpc-endpoint"), "OwnerId": store.account_id,
        }  # fmt: skip
        if endpoint_type == "Gateway":
            endpoint["PrefixListId"] = new_id("pl")
            self._add_route_tables(store, endpoint, params.get("RouteTableIds") or [])
        else:
            endpoint["DnsOptions"] = {"DnsRecordIpType": "ipv4"}
            endpoint["PrivateDnsEnabled"] = params.get("PrivateDnsEnabled", True) is not False
            groups = params.get("SecurityGroupIds")
            for group_id in groups or ():
                if group_id not in store.security_groups:
                    raise not_found(group_id, "sg")
            if not groups:
                groups = [g["GroupId"] for g in store.security_groups.values() if g["VpcId"] == vpc["VpcId"] and g["GroupName"] == "default"]
            endpoint["Groups"] = [{"GroupId": g, "GroupName": store.security_groups[g]["GroupName"]} for g in groups]
            self._add_subnets(store, endpoint, params.get("SubnetIds") or [])
            self._dns_entries(store, endpoint, suffix)
        store.vpc_endpoints[endpoint_id] = endpoint
        return {"VpcEndpoint": self._shown(endpoint), "ClientToken": params.get("ClientToken")}

    @staticmethod
    def _shown(endpoint: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in endpoint.items() if k != "PrefixListId"}

    def _add_route_tables(self, store: Ec2Store, endpoint: dict[str, Any], table_ids: list[str]) -> None:
        for table_id in table_ids:
            table = store.route_tables.get(table_id)
            if table is None:
                raise not_found(table_id, "rtb")
            if table_id in endpoint["RouteTableIds"]:
                continue
            table["Routes"].append({"DestinationPrefixListId": endpoint["PrefixListId"], "GatewayId": endpoint["VpcEndpointId"],
                                    "Origin": "CreateRoute", "State": "active"})  # fmt: skip
            store.route_tables.save(table_id)
            endpoint["RouteTableIds"].append(table_id)

    def _remove_route_tables(self, store: Ec2Store, endpoint: dict[str, Any], table_ids: list[str]) -> None:
        for table_id in table_ids:
            table = store.route_tables.get(table_id)
            if table is not None:
                table["Routes"] = [r for r in table["Routes"] if r.get("GatewayId") != endpoint["VpcEndpointId"]]
                store.route_tables.save(table_id)
            if table_id in endpoint["RouteTableIds"]:
                endpoint["RouteTableIds"].remove(table_id)

    def _add_subnets(self, store: Ec2Store, endpoint: dict[str, Any], subnet_ids: list[str]) -> None:
        for subnet_id in subnet_ids:
            subnet = store.subnets.get(subnet_id)
            if subnet is None:
                raise not_found(subnet_id, "subnet")
            if any(store.subnets[s]["AvailabilityZone"] == subnet["AvailabilityZone"] for s in endpoint["SubnetIds"] if s in store.subnets):
                raise ServiceError("DuplicateSubnetsInSameZone", f"Found another VPC endpoint subnet in the availability zone of {subnet_id}. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.")
            eni = new_interface(
                store, subnet, groups=[g["GroupId"] for g in endpoint["Groups"]],
                description=f"VPC Endpoint Interface {endpoint['VpcEndpointId']}", interface_type="vpc_endpoint",
                requester_managed=True,
            )  # fmt: skip
            endpoint["SubnetIds"].append(subnet_id)
            endpoint["NetworkInterfaceIds"].append(eni["NetworkInterfaceId"])

    def _remove_subnets(self, store: Ec2Store, endpoint: dict[str, Any], subnet_ids: list[str]) -> None:
        for eni_id in list(endpoint["NetworkInterfaceIds"]):
            eni = store.network_interfaces.get(eni_id)
            if eni is None or eni["SubnetId"] in subnet_ids:
                drop_interface(store, eni_id)
                endpoint["NetworkInterfaceIds"].remove(eni_id)
        endpoint["SubnetIds"] = [s for s in endpoint["SubnetIds"] if s not in subnet_ids]

    def _dns_entries(self, store: Ec2Store, endpoint: dict[str, Any], suffix: str) -> None:
        tag = "".join(random.choices(string.ascii_lowercase + string.digits, k=8))
        base = f"{endpoint['VpcEndpointId']}-{tag}"
        zone = _hosted_zone()
        entries = [{"DnsName": f"{base}.{suffix}.{store.region}.vpce.amazonaws.com", "HostedZoneId": zone}]
        for subnet_id in endpoint["SubnetIds"]:
            az = store.subnets[subnet_id]["AvailabilityZone"]
            entries.append({"DnsName": f"{base}-{az}.{suffix}.{store.region}.vpce.amazonaws.com", "HostedZoneId": zone})
        if endpoint["PrivateDnsEnabled"]:
            private_zone = _hosted_zone()
            entries.append({"DnsName": f"{suffix}.{store.region}.amazonaws.com", "HostedZoneId": private_zone})
        endpoint["DnsEntries"] = entries

    def describe_vpc_endpoints(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        found = select(by_ids(store.vpc_endpoints, params.get("VpcEndpointIds"), "vpce"), params.get("Filters"), ENDPOINT_FIELDS)
        items, token = page(found, params, minimum=1)
        return {"VpcEndpoints": [self._shown(e) for e in items], "NextToken": token}

    def modify_vpc_endpoint(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        endpoint = self._endpoint(store, params["VpcEndpointId"])
        if endpoint["VpcEndpointType"] == "Gateway":
            self._add_route_tables(store, endpoint, params.get("AddRouteTableIds") or [])
            self._remove_route_tables(store, endpoint, params.get("RemoveRouteTableIds") or [])
        else:
            for group_id in params.get("AddSecurityGroupIds") or ():
                if group_id not in store.security_groups:
                    raise not_found(group_id, "sg")
                if not any(g["GroupId"] == group_id for g in endpoint["Groups"]):
                    endpoint["Groups"].append({"GroupId": group_id, "GroupName": store.security_groups[group_id]["GroupName"]})
            removed = set(params.get("RemoveSecurityGroupIds") or ())
            endpoint["Groups"] = [g for g in endpoint["Groups"] if g["GroupId"] not in removed]
            self._add_subnets(store, endpoint, params.get("AddSubnetIds") or [])
            self._remove_subnets(store, endpoint, params.get("RemoveSubnetIds") or [])
            if params.get("PrivateDnsEnabled") is not None:
                endpoint["PrivateDnsEnabled"] = bool(params["PrivateDnsEnabled"])
            self._dns_entries(store, endpoint, _service_suffix(store.region, endpoint["ServiceName"]) or "")
        if params.get("ResetPolicy"):
            endpoint["PolicyDocument"] = _default_policy(endpoint["VpcEndpointType"])
        elif params.get("PolicyDocument"):
            endpoint["PolicyDocument"] = params["PolicyDocument"]
        store.vpc_endpoints.save(endpoint["VpcEndpointId"])
        return {"Return": True}

    def delete_vpc_endpoints(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        unsuccessful = []
        for endpoint_id in params["VpcEndpointIds"]:
            endpoint = store.vpc_endpoints.get(endpoint_id)
            if endpoint is None:
                error = not_found(endpoint_id, "vpce")
                unsuccessful.append({"Error": {"Code": error.code, "Message": error.message}, "ResourceId": endpoint_id})
                continue
            self._remove_route_tables(store, endpoint, list(endpoint["RouteTableIds"]))
            self._remove_subnets(store, endpoint, list(endpoint["SubnetIds"]))
            del store.vpc_endpoints[endpoint_id]
        return {"Unsuccessful": unsuccessful}

    def describe_vpc_endpoint_services(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        region = ctx.region
        names = sorted(
            {f"com.amazonaws.{region}.{name}" for name in self.env.catalog.service_names()}  # type: ignore[attr-defined]
        )
        wanted = params.get("ServiceNames")
        if wanted:
            for name in wanted:
                if name not in names:
                    raise ServiceError("InvalidServiceName", f"The Vpc Endpoint Service '{name}' does not exist")
            names = [n for n in names if n in wanted]
        from cloudtwin.services.ec2.regions import zones

        azs = [z["ZoneName"] for z in zones(region)]
        details = []
        for name in names:
            suffix = name.rsplit(".", 1)[-1]
            kind = "Gateway" if suffix in GATEWAY_SERVICES else "Interface"
            details.append({
                "ServiceName": name, "ServiceId": "vpce-svc-" + hashlib.sha1(name.encode()).hexdigest()[:17],
                "ServiceType": [{"ServiceType": kind}], "AvailabilityZones": azs, "Owner": "amazon",
                "BaseEndpointDnsNames": [f"{suffix}.{region}.vpce.amazonaws.com"],
                "PrivateDnsName": None if kind == "Gateway" else f"{suffix}.{region}.amazonaws.com",
                "VpcEndpointPolicySupported": True, "AcceptanceRequired": False, "ManagesVpcEndpoints": False,
                "SupportedIpAddressTypes": ["ipv4"],
            })  # fmt: skip
        return {"ServiceNames": names, "ServiceDetails": details}
