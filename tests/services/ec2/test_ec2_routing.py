"""Internet gateways, route tables and routes, associations, and network ACLs."""

from __future__ import annotations

from ec2_helpers import error_of, new_vpc


def test_internet_gateway_attach_detach(ec2):
    vpc_id = new_vpc(ec2)
    gateway_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert ec2.describe_internet_gateways(InternetGatewayIds=[gateway_id])["InternetGateways"][0]["Attachments"] == [
        {"State": "available", "VpcId": vpc_id}
    ]
    assert error_of(ec2.attach_internet_gateway, InternetGatewayId=gateway_id, VpcId=vpc_id)[0] == "Resource.AlreadyAssociated"
    assert error_of(ec2.delete_internet_gateway, InternetGatewayId=gateway_id)[0] == "DependencyViolation"
    assert error_of(ec2.delete_vpc, VpcId=vpc_id)[0] == "DependencyViolation"
    ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert error_of(ec2.detach_internet_gateway, InternetGatewayId=gateway_id, VpcId=vpc_id) == (
        "Gateway.NotAttached", f"resource {gateway_id} is not attached to network {vpc_id}"
    )
    ec2.delete_internet_gateway(InternetGatewayId=gateway_id)
    assert error_of(ec2.describe_internet_gateways, InternetGatewayIds=[gateway_id])[0] == "InvalidInternetGatewayID.NotFound"


def test_routes_and_associations(ec2):
    vpc_id = new_vpc(ec2)
    gateway_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    assert error_of(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway_id)[0] == "InvalidParameterValue"
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway_id)
    assert error_of(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway_id) == (
        "RouteAlreadyExists", "The route identified by 0.0.0.0/0 already exists."
    )
    routes = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Routes"]
    assert routes[1] == {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway_id, "Origin": "CreateRoute", "State": "active"}
    found = ec2.describe_route_tables(Filters=[{"Name": "route.gateway-id", "Values": [gateway_id]}])["RouteTables"]
    assert [t["RouteTableId"] for t in found] == [table_id]
    assert error_of(ec2.delete_route, RouteTableId=table_id, DestinationCidrBlock="10.0.0.0/16")[0] == "InvalidParameterValue"
    assert error_of(ec2.delete_route, RouteTableId=table_id, DestinationCidrBlock="1.2.3.0/24") == (
        "InvalidRoute.NotFound", f"no route with destination-cidr-block 1.2.3.0/24 in route table {table_id}"
    )

    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    association = ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    assert association["AssociationState"] == {"State": "associated"}
    assert error_of(ec2.associate_route_table, RouteTableId=table_id, SubnetId=subnet_id)[0] == "Resource.AlreadyAssociated"
    assert error_of(ec2.delete_route_table, RouteTableId=table_id)[0] == "DependencyViolation"
    ec2.disassociate_route_table(AssociationId=association["AssociationId"])
    ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0")
    ec2.delete_route_table(RouteTableId=table_id)
    assert error_of(ec2.describe_route_tables, RouteTableIds=[table_id]) == (
        "InvalidRouteTableID.NotFound", f"The routeTable ID '{table_id}' does not exist"
    )


def test_main_route_table_can_be_replaced(ec2):
    vpc_id = new_vpc(ec2)
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"][0]
    other = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    new = ec2.replace_route_table_association(AssociationId=main["Associations"][0]["RouteTableAssociationId"], RouteTableId=other)
    assert new["NewAssociationId"].startswith("rtbassoc-")
    mains = ec2.describe_route_tables(Filters=[{"Name": "association.main", "Values": ["true"]}, {"Name": "vpc-id", "Values": [vpc_id]}])
    assert [t["RouteTableId"] for t in mains["RouteTables"]] == [other]


def test_network_acls(ec2):
    vpc_id = new_vpc(ec2)
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    acl = ec2.create_network_acl(VpcId=vpc_id)["NetworkAcl"]
    assert not acl["IsDefault"] and {(e["RuleNumber"], e["RuleAction"], e["Egress"]) for e in acl["Entries"]} == {
        (32767, "deny", True), (32767, "deny", False)
    }
    acl_id = acl["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl_id, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=False,
                                 CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})  # fmt: skip
    assert error_of(ec2.create_network_acl_entry, NetworkAclId=acl_id, RuleNumber=100, Protocol="-1", RuleAction="deny",
                    Egress=False, CidrBlock="0.0.0.0/0")[0] == "NetworkAclEntryAlreadyExists"  # fmt: skip
    ec2.replace_network_acl_entry(NetworkAclId=acl_id, RuleNumber=100, Protocol="-1", RuleAction="deny", Egress=False, CidrBlock="10.0.0.0/8")
    entry = next(e for e in ec2.describe_network_acls(NetworkAclIds=[acl_id])["NetworkAcls"][0]["Entries"] if e["RuleNumber"] == 100)
    assert entry["RuleAction"] == "deny" and entry["CidrBlock"] == "10.0.0.0/8"

    default = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])["NetworkAcls"][0]
    assert default["IsDefault"]
    current = next(a for a in default["Associations"] if a["SubnetId"] == subnet_id)
    ec2.replace_network_acl_association(AssociationId=current["NetworkAclAssociationId"], NetworkAclId=acl_id)
    assert error_of(ec2.delete_network_acl, NetworkAclId=acl_id)[0] == "DependencyViolation"
    assert error_of(ec2.delete_network_acl, NetworkAclId=default["NetworkAclId"])[0] == "InvalidParameterValue"
    ec2.delete_subnet(SubnetId=subnet_id)
    ec2.delete_network_acl_entry(NetworkAclId=acl_id, RuleNumber=100, Egress=False)
    ec2.delete_network_acl(NetworkAclId=acl_id)
