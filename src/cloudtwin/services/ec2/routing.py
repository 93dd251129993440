"""Route tables: Create/Describe/DeleteRouteTable, Create/Replace/DeleteRoute,
Associate/Disassociate/ReplaceRouteTableAssociation.

Every VPC has a main route table (made with it, and used by each subnet without an
explicit association); every table holds a ``local`` route for each of its VPC's CIDR
blocks, which cannot be removed.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2.errors import dependency_violation, invalid_parameter, not_found
from cloudtwin.services.ec2.filters import by_ids, page, select
from cloudtwin.services.ec2.ids import new_id
from cloudtwin.services.ec2.models import Ec2Store
from cloudtwin.services.ec2.tagging import spec_tags

#: Route targets a CreateRoute may name, as the Route member each becomes.
TARGETS = {
    "GatewayId": "GatewayId", "VpcEndpointId": "GatewayId", "NatGatewayId": "NatGatewayId",
    "EgressOnlyInternetGatewayId": "EgressOnlyInternetGatewayId", "VpcPeeringConnectionId": "VpcPeeringConnectionId",
    "NetworkInterfaceId": "NetworkInterfaceId", "InstanceId": "InstanceId", "TransitGatewayId": "TransitGatewayId",
    "LocalGatewayId": "LocalGatewayId", "CarrierGatewayId": "CarrierGatewayId", "CoreNetworkArn": "CoreNetworkArn",
}  # fmt: skip
DESTINATIONS = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")


def _local_routes(store: Ec2Store, vpc_id: str) -> list[dict[str, Any]]:
    vpc = store.vpcs[vpc_id]
    routes = [
        {"DestinationCidrBlock": a["CidrBlock"], "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}
        for a in vpc["CidrBlockAssociationSet"]
    ]
    routes += [
        {"DestinationIpv6CidrBlock": a["Ipv6CidrBlock"], "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}
        for a in vpc.get("Ipv6CidrBlockAssociationSet") or ()
    ]
    return routes


def new_route_table(store: Ec2Store, vpc_id: str, *, main: bool = False, tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
    table_id = new_id("rtb")
    table: dict[str, Any] = {
        "Associations": [], "PropagatingVgws": [], "RouteTableId": table_id, "Routes": _local_routes(store, vpc_id),
        "VpcId": vpc_id, "OwnerId": store.account_id,
    }  # fmt: skip
    if main:
        table["Associations"].append(_association(table_id, main=True))
    if tags:
        table["Tags"] = tags
    store.route_tables[table_id] = table
    return table


def _association(table_id: str, *, main: bool = False, subnet_id: str | None = None, gateway_id: str | None = None) -> dict[str, Any]:
    association: dict[str, Any] = {"Main": main, "RouteTableAssociationId": new_id("rtbassoc"), "RouteTableId": table_id}
    if subnet_id:
        association["SubnetId"] = subnet_id
    if gateway_id:
        association["GatewayId"] = gateway_id
    association["AssociationState"] = {"State": "associated"}
    return association


def add_local_route(store: Ec2Store, vpc_id: str, cidr: str) -> None:
    for table in store.route_tables.values():
        if table["VpcId"] == vpc_id:
            table["Routes"].append({"DestinationCidrBlock": cidr, "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"})
            store.route_tables.save(table["RouteTableId"])


def drop_subnet_route_associations(store: Ec2Store, subnet_id: str) -> None:
    for table in store.route_tables.values():
        kept = [a for a in table["Associations"] if a.get("SubnetId") != subnet_id]
        if len(kept) != len(table["Associations"]):
            table["Associations"] = kept
            store.route_tables.save(table["RouteTableId"])


def main_route_table(store: Ec2Store, vpc_id: str) -> dict[str, Any] | None:
    return next(
        (t for t in store.route_tables.values() if t["VpcId"] == vpc_id and any(a["Main"] for a in t["Associations"])), None
    )


def _routes_of(pick: str) -> Any:
    return lambda t: [r.get(pick) for r in t["Routes"] if r.get(pick) is not None]


def _assocs_of(pick: str) -> Any:
    return lambda t: [a.get(pick) for a in t["Associations"] if a.get(pick) is not None]


TABLE_FIELDS = {
    "association.route-table-association-id": _assocs_of("RouteTableAssociationId"),
    "association.route-table-id": _assocs_of("RouteTableId"),
    "association.subnet-id": _assocs_of("SubnetId"),
    "association.gateway-id": _assocs_of("GatewayId"),
    "association.main": lambda t: [a["Main"] for a in t["Associations"]] or [False],
    "owner-id": lambda t: t["OwnerId"], "route-table-id": lambda t: t["RouteTableId"], "vpc-id": lambda t: t["VpcId"],
    "route.destination-cidr-block": _routes_of("DestinationCidrBlock"),
    "route.destination-ipv6-cidr-block": _routes_of("DestinationIpv6CidrBlock"),
    "route.destination-prefix-list-id": _routes_of("DestinationPrefixListId"),
    "route.egress-only-internet-gateway-id": _routes_of("EgressOnlyInternetGatewayId"),
    "route.gateway-id": _routes_of("GatewayId"), "route.instance-id": _routes_of("InstanceId"),
    "route.nat-gateway-id": _routes_of("NatGatewayId"), "route.transit-gateway-id": _routes_of("TransitGatewayId"),
    "route.origin": _routes_of("Origin"), "route.state": _routes_of("State"),
    "route.vpc-peering-connection-id": _routes_of("VpcPeeringConnectionId"),
}  # fmt: skip


def _destination(params: dict[str, Any]) -> tuple[str, str]:
    for name in DESTINATIONS:
        if params.get(name):
            return name, params[name]
    raise ServiceError("MissingParameter", "The request must contain the parameter destinationCidrBlock or destinationIpv6CidrBlock")


class RoutingOperations:
    def _route_table(self, store: Ec2Store, table_id: str) -> dict[str, Any]:
        table = store.route_tables.get(table_id)
        if table is None:
            raise not_found(table_id, "rtb")
        return table

    def create_route_table(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        from cloudtwin.services.ec2.vpcs import vpc_of

        store: Ec2Store = ctx.store
        vpc_of(store, params["VpcId"])
        return {"RouteTable": new_route_table(store, params["VpcId"], tags=spec_tags(params, "route-table"))}

    def describe_route_tables(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        found = select(by_ids(store.route_tables, params.get("RouteTableIds"), "rtb"), params.get("Filters"), TABLE_FIELDS)
        items, token = page(found, params)
        return {"RouteTables": items, "NextToken": token}

    def delete_route_table(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        table = self._route_table(store, params["RouteTableId"])
        if table["Associations"]:
            raise dependency_violation(f"The routeTable '{table['RouteTableId']}' has dependencies and cannot be deleted.")
        del store.route_tables[table["RouteTableId"]]
        return {}

    def _target(self, store: Ec2Store, table: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        given = [(name, params[name]) for name in TARGETS if params.get(name)]
        if len(given) != 1:
            raise ServiceError(
                "InvalidParameterCombination" if given else "MissingParameter",
                "The parameter combination is not valid: only one route target may be specified."
                if given else "The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId, egressOnlyInternetGatewayId, transitGatewayId, localGatewayId, carrierGatewayId, or instanceId",
            )  # fmt: skip
        name, value = given[0]
        if name == "GatewayId" and value.startswith("igw-"):
            gateway = store.internet_gateways.get(value)
            if gateway is None:
                raise not_found(value, "igw")
            if not any(a.get("VpcId") == table["VpcId"] for a in gateway["Attachments"]):
                raise invalid_parameter(f"route table {table['RouteTableId']} and network gateway {value} belong to different networks")
        elif name == "NatGatewayId" and value not in store.nat_gateways:
            raise not_found(value, "nat")
        elif name == "EgressOnlyInternetGatewayId" and value not in store.egress_only_gateways:
            raise not_found(value, "eigw")
        elif name == "VpcPeeringConnectionId" and value not in store.peerings:
            raise not_found(value, "pcx")
        elif name == "NetworkInterfaceId" and value not in store.network_interfaces:
            raise not_found(value, "eni")
        elif name == "InstanceId" and value not in store.instances:
            raise not_found(value, "i")
        return {TARGETS[name]: value}

    def create_route(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        table = self._route_table(store, params["RouteTableId"])
        key, destination = _destination(params)
        if any(r.get(key) == destination for r in table["Routes"]):
            raise ServiceError("RouteAlreadyExists", f"The route identified by {destination} already exists.")
        route = {key: destination, **self._target(store, table, params), "Origin": "CreateRoute", "State": "active"}
        table["Routes"].append(route)
        store.route_tables.save(table["RouteTableId"])
        return {"Return": True}

    def _find_route(self, table: dict[str, Any], params: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
        key, destination = _destination(params)
        route = next((r for r in table["Routes"] if r.get(key) == destination), None)
        wire = {"DestinationCidrBlock": "destination-cidr-block", "DestinationIpv6CidrBlock": "destination-ipv6-cidr-block"}.get(key, "destination-prefix-list-id")
        if route is None:
            raise ServiceError("InvalidRoute.NotFound", f"no route with {wire} {destination} in route table {table['RouteTableId']}")
        return key, destination, route

    def replace_route(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        table = self._route_table(store, params["RouteTableId"])
        key, destination, route = self._find_route(table, params)
        target = self._target(store, table, params)
        route.clear()
        route.update({key: destination, **target, "Origin": "CreateRoute", "State": "active"})
        store.route_tables.save(table["RouteTableId"])
        return {}

    def delete_route(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        table = self._route_table(store, params["RouteTableId"])
        key, destination, route = self._find_route(table, params)
        if route.get("GatewayId") == "local":
            raise invalid_parameter(f"cannot remove local route {destination} in route table {table['RouteTableId']}")
        table["Routes"].remove(route)
        store.route_tables.save(table["RouteTableId"])
        return {}

    def associate_route_table(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        table = self._route_table(store, params["RouteTableId"])
        subnet_id, gateway_id = params.get("SubnetId"), params.get("GatewayId")
        if subnet_id:
            subnet = store.subnets.get(subnet_id)
            if subnet is None:
                raise not_found(subnet_id, "subnet")
            if subnet["VpcId"] != table["VpcId"]:
                raise invalid_parameter(f"Route table {table['RouteTableId']} and subnet {subnet_id} belong to different networks")
        elif gateway_id:
            if store.find(gateway_id) is None:
                raise not_found(gateway_id)
        else:
            raise ServiceError("MissingParameter", "The request must contain the parameter subnetId or gatewayId")
        for other in store.route_tables.values():
            for association in other["Associations"]:
                if (subnet_id and association.get("SubnetId") == subnet_id) or (gateway_id and association.get("GatewayId") == gateway_id):
                    if other is table:
                        raise ServiceError("Resource.AlreadyAssociated", f"the specified association for route table {table['RouteTableId']} conflicts with an existing association")
                    raise ServiceError("Resource.AlreadyAssociated", f"the specified association for route table {other['RouteTableId']} conflicts with an existing association")
        association = _association(table["RouteTableId"], subnet_id=subnet_id, gateway_id=gateway_id)
        table["Associations"].append(association)
        store.route_tables.save(table["RouteTableId"])
        return {"AssociationId": association["RouteTableAssociationId"], "AssociationState": association["AssociationState"]}

    def _association_of(self, store: Ec2Store, association_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        for table in store.route_tables.values():
            for association in table["Associations"]:
                if association["RouteTableAssociationId"] == association_id:
                    return table, association
        raise ServiceError("InvalidAssociationID.NotFound", f"The association ID '{association_id}' does not exist")

    def disassociate_route_table(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        table, association = self._association_of(store, params["AssociationId"])
        if association["Main"]:
            raise invalid_parameter(f"cannot disassociate the main route table association {params['AssociationId']}")
        table["Associations"].remove(association)
        store.route_tables.save(table["RouteTableId"])
        return {}

    def replace_route_table_association(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        old_table, association = self._association_of(store, params["AssociationId"])
        table = self._route_table(store, params["RouteTableId"])
        old_table["Associations"].remove(association)
        store.route_tables.save(old_table["RouteTableId"])
        new = _association(table["RouteTableId"], main=association["Main"], subnet_id=association.get("SubnetId"),
                           gateway_id=association.get("GatewayId"))  # fmt: skip
        table["Associations"].append(new)
        store.route_tables.save(table["RouteTableId"])
        return {"NewAssociationId": new["RouteTableAssociationId"], "AssociationState": new["AssociationState"]}
