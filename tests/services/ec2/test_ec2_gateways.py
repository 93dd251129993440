"""NAT gateways on the virtual clock, Elastic IPs, egress-only gateways, network
interfaces, VPC endpoints and peering connections."""

from __future__ import annotations

import json

from ec2_helpers import error_of, new_vpc


def _subnet(ec2, vpc_id, cidr="10.0.0.0/24"):
    return ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr)["Subnet"]["SubnetId"]


def test_nat_gateway_becomes_available_on_the_clock(ec2, control):
    control.freeze()
    vpc_id = new_vpc(ec2)
    subnet_id = _subnet(ec2, vpc_id)
    allocation = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation["AllocationId"])["NatGateway"]
    assert nat["State"] == "pending" and nat["VpcId"] == vpc_id
    assert nat["NatGatewayAddresses"][0]["PublicIp"] == allocation["PublicIp"]
    assert ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]["State"] == "pending"
    control.advance(10)
    assert ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]["State"] == "available"
    # its interface takes an address of the subnet, and keeps the subnet and the address busy
    assert ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["AvailableIpAddressCount"] == 250
    assert error_of(ec2.delete_subnet, SubnetId=subnet_id)[0] == "DependencyViolation"
    assert error_of(ec2.release_address, AllocationId=allocation["AllocationId"])[0] == "InvalidIPAddress.InUse"
    ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])
    control.advance(10)
    found = ec2.describe_nat_gateways(Filter=[{"Name": "state", "Values": ["deleted"]}])["NatGateways"]
    assert [n["NatGatewayId"] for n in found] == [nat["NatGatewayId"]]
    ec2.release_address(AllocationId=allocation["AllocationId"])
    ec2.delete_subnet(SubnetId=subnet_id)


def test_elastic_ip_associate_with_interface(ec2):
    vpc_id = new_vpc(ec2)
    eni = ec2.create_network_interface(SubnetId=_subnet(ec2, vpc_id), Description="mine")["NetworkInterface"]
    assert eni["PrivateIpAddress"].startswith("10.0.0.") and eni["Description"] == "mine"
    allocation_id = ec2.allocate_address()["AllocationId"]
    association_id = ec2.associate_address(AllocationId=allocation_id, NetworkInterfaceId=eni["NetworkInterfaceId"])["AssociationId"]
    address = ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"][0]
    assert address["AssociationId"] == association_id and address["PrivateIpAddress"] == eni["PrivateIpAddress"]
    ec2.disassociate_address(AssociationId=association_id)
    ec2.release_address(AllocationId=allocation_id)
    assert error_of(ec2.describe_addresses, AllocationIds=[allocation_id])[0] == "InvalidAllocationID.NotFound"
    ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
    assert error_of(ec2.describe_network_interfaces, NetworkInterfaceIds=[eni["NetworkInterfaceId"]])[0] == "InvalidNetworkInterfaceID.NotFound"


def test_egress_only_internet_gateway(ec2):
    vpc_id = new_vpc(ec2)
    gateway = ec2.create_egress_only_internet_gateway(VpcId=vpc_id)["EgressOnlyInternetGateway"]
    assert gateway["Attachments"] == [{"State": "attached", "VpcId": vpc_id}]
    assert ec2.delete_egress_only_internet_gateway(EgressOnlyInternetGatewayId=gateway["EgressOnlyInternetGatewayId"])["ReturnCode"]


def test_gateway_and_interface_endpoints(ec2):
    vpc_id = new_vpc(ec2)
    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    gateway = ec2.create_vpc_endpoint(VpcId=vpc_id, ServiceName="com.amazonaws.us-east-1.s3", RouteTableIds=[table_id])["VpcEndpoint"]
    assert gateway["VpcEndpointType"] == "Gateway" and gateway["RouteTableIds"] == [table_id]
    assert json.loads(gateway["PolicyDocument"])["Statement"][0]["Effect"] == "Allow"
    routes = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Routes"]
    assert any(r.get("GatewayId") == gateway["VpcEndpointId"] and r["DestinationPrefixListId"].startswith("pl-") for r in routes)

    subnets = [_subnet(ec2, vpc_id, "10.0.1.0/24"), _subnet(ec2, vpc_id, "10.0.2.0/24")]
    interface = ec2.create_vpc_endpoint(VpcId=vpc_id, VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.logs",
                                        SubnetIds=subnets)["VpcEndpoint"]  # fmt: skip
    assert len(interface["NetworkInterfaceIds"]) == 2 and interface["PrivateDnsEnabled"] is True
    assert interface["DnsEntries"][-1]["DnsName"] == "logs.us-east-1.amazonaws.com"
    assert error_of(ec2.create_vpc_endpoint, VpcId=vpc_id, ServiceName="com.amazonaws.us-east-1.nothing-here")[0] == "InvalidServiceName"
    found = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-endpoint-type", "Values": ["Interface"]}])["VpcEndpoints"]
    assert [e["VpcEndpointId"] for e in found] == [interface["VpcEndpointId"]]
    assert error_of(ec2.delete_subnet, SubnetId=subnets[0])[0] == "DependencyViolation"
    result = ec2.delete_vpc_endpoints(VpcEndpointIds=[interface["VpcEndpointId"], gateway["VpcEndpointId"], "vpce-12345678"])
    assert [u["ResourceId"] for u in result["Unsuccessful"]] == ["vpce-12345678"]
    routes = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Routes"]
    assert [r["GatewayId"] for r in routes] == ["local"]
    assert "com.amazonaws.us-east-1.s3" in ec2.describe_vpc_endpoint_services()["ServiceNames"]


def test_peering_connection(ec2):
    first, second = new_vpc(ec2), new_vpc(ec2, "10.1.0.0/16")
    peering = ec2.create_vpc_peering_connection(VpcId=first, PeerVpcId=second)["VpcPeeringConnection"]
    peering_id = peering["VpcPeeringConnectionId"]
    assert peering["AccepterVpcInfo"]["CidrBlock"] == "10.1.0.0/16"
    described = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[peering_id])["VpcPeeringConnections"][0]
    assert described["Status"]["Code"] == "pending-acceptance"
    accepted = ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering_id)["VpcPeeringConnection"]
    assert accepted["Status"] == {"Code": "active", "Message": "Active"}
    assert error_of(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=peering_id)[0] == "InvalidStateTransition"
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=peering_id)
    found = ec2.describe_vpc_peering_connections(Filters=[{"Name": "status-code", "Values": ["deleted"]}])["VpcPeeringConnections"]
    assert [p["VpcPeeringConnectionId"] for p in found] == [peering_id]


def test_dhcp_options(ec2):
    options = ec2.create_dhcp_options(DhcpConfigurations=[{"Key": "domain-name", "Values": ["example.com"]}])["DhcpOptions"]
    assert options["DhcpConfigurations"] == [{"Key": "domain-name", "Values": [{"Value": "example.com"}]}]
    vpc_id = new_vpc(ec2)
    ec2.associate_dhcp_options(DhcpOptionsId=options["DhcpOptionsId"], VpcId=vpc_id)
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["DhcpOptionsId"] == options["DhcpOptionsId"]
    assert error_of(ec2.delete_dhcp_options, DhcpOptionsId=options["DhcpOptionsId"])[0] == "DependencyViolation"
    ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId=vpc_id)
    ec2.delete_dhcp_options(DhcpOptionsId=options["DhcpOptionsId"])


def test_managed_prefix_list_versions(ec2):
    created = ec2.create_managed_prefix_list(PrefixListName="offices", AddressFamily="IPv4", MaxEntries=3,
                                             Entries=[{"Cidr": "10.1.0.0/16", "Description": "hq"}])["PrefixList"]  # fmt: skip
    assert created["State"] == "create-in-progress" and created["Version"] == 1
    prefix_list_id = created["PrefixListId"]
    assert ec2.describe_managed_prefix_lists(PrefixListIds=[prefix_list_id])["PrefixLists"][0]["State"] == "create-complete"
    modified = ec2.modify_managed_prefix_list(PrefixListId=prefix_list_id, CurrentVersion=1, AddEntries=[{"Cidr": "10.2.0.0/16"}])
    assert modified["PrefixList"]["Version"] == 2
    assert error_of(ec2.modify_managed_prefix_list, PrefixListId=prefix_list_id, CurrentVersion=1,
                    AddEntries=[{"Cidr": "10.3.0.0/16"}])[0] == "PrefixListVersionMismatch"  # fmt: skip
    entries = ec2.get_managed_prefix_list_entries(PrefixListId=prefix_list_id)["Entries"]
    assert entries == [{"Cidr": "10.1.0.0/16", "Description": "hq"}, {"Cidr": "10.2.0.0/16"}]
    assert error_of(ec2.modify_managed_prefix_list, PrefixListId=prefix_list_id, CurrentVersion=2,
                    AddEntries=[{"Cidr": "10.3.0.0/16"}, {"Cidr": "10.4.0.0/16"}])[0] == "InvalidParameterValue"  # fmt: skip
    group_id = ec2.create_security_group(GroupName="pl", Description="pl")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "PrefixListIds": [{"PrefixListId": prefix_list_id}]}])  # fmt: skip
    assert error_of(ec2.delete_managed_prefix_list, PrefixListId=prefix_list_id)[0] == "DependencyViolation"
    ec2.delete_security_group(GroupId=group_id)
    assert ec2.delete_managed_prefix_list(PrefixListId=prefix_list_id)["PrefixList"]["State"] == "delete-in-progress"
    assert error_of(ec2.describe_managed_prefix_lists, PrefixListIds=[prefix_list_id])[0] == "InvalidPrefixListID.NotFound"


def test_addresses_attribute_has_no_reverse_dns(ec2):
    address = ec2.allocate_address(Domain="vpc")
    answered = ec2.describe_addresses_attribute(AllocationIds=[address["AllocationId"]], Attribute="domain-name")["Addresses"]
    assert answered == [{"AllocationId": address["AllocationId"], "PublicIp": address["PublicIp"]}]
    assert error_of(ec2.describe_addresses_attribute, AllocationIds=["eipalloc-12345678"], Attribute="domain-name")[0] == "InvalidAllocationID.NotFound"


def test_endpoint_without_service_and_interface_with_a_bad_address_are_refused(ec2):
    vpc_id = new_vpc(ec2)
    code, message = error_of(ec2.create_vpc_endpoint, VpcId=vpc_id)
    assert (code, message) == ("MissingParameter", "The request must contain the parameter ServiceName")
    code, message = error_of(ec2.create_network_interface, SubnetId=_subnet(ec2, vpc_id), PrivateIpAddress="not-an-ip")
    assert code == "InvalidParameterValue" and "privateIpAddress" in message
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]  # the server keeps serving
