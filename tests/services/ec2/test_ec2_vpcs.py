"""VPCs and subnets: CIDR rules and AWS's errors, attributes, secondary CIDR blocks,
dependencies, filters, tags, pagination and DryRun."""

from __future__ import annotations

import pytest
from ec2_helpers import error_of, new_vpc


def test_create_describe_delete_vpc(ec2):
    created = ec2.create_vpc(CidrBlock="10.1.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "main"}]}])["Vpc"]
    assert created["State"] == "pending" and created["IsDefault"] is False
    assert created["Tags"] == [{"Key": "Name", "Value": "main"}]
    assert created["CidrBlockAssociationSet"][0]["CidrBlockState"] == {"State": "associated"}
    ec2.get_waiter("vpc_available").wait(VpcIds=[created["VpcId"]], WaiterConfig={"Delay": 1})
    vpc_id = created["VpcId"]
    # a new VPC comes with its default security group, network ACL and main route table
    by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    assert [g["GroupName"] for g in ec2.describe_security_groups(Filters=by_vpc)["SecurityGroups"]] == ["default"]
    assert ec2.describe_network_acls(Filters=by_vpc)["NetworkAcls"][0]["IsDefault"]
    table = ec2.describe_route_tables(Filters=by_vpc)["RouteTables"][0]
    assert table["Associations"][0]["Main"] and table["Routes"] == [
        {"DestinationCidrBlock": "10.1.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}
    ]
    ec2.delete_vpc(VpcId=vpc_id)
    assert error_of(ec2.describe_vpcs, VpcIds=[vpc_id]) == ("InvalidVpcID.NotFound", f"The vpc ID '{vpc_id}' does not exist")
    assert ec2.describe_security_groups(Filters=by_vpc)["SecurityGroups"] == []


@pytest.mark.parametrize(("cidr", "code"), [("10.0.0.0/8", "InvalidVpc.Range"), ("10.0.0.0/29", "InvalidVpc.Range"),
                                            ("10.0.0/16", "InvalidParameterValue"), ("nonsense", "InvalidParameterValue")])
def test_vpc_cidr_rules(ec2, cidr, code):
    assert error_of(ec2.create_vpc, CidrBlock=cidr)[0] == code


def test_vpc_cidr_host_bits_are_cleared(ec2):
    assert ec2.create_vpc(CidrBlock="100.30.20.0/20")["Vpc"]["CidrBlock"] == "100.30.16.0/20"


def test_delete_vpc_with_dependencies(ec2):
    vpc_id = new_vpc(ec2)
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    assert error_of(ec2.delete_vpc, VpcId=vpc_id) == (
        "DependencyViolation", f"The vpc '{vpc_id}' has dependencies and cannot be deleted."
    )
    ec2.delete_subnet(SubnetId=subnet_id)
    ec2.delete_vpc(VpcId=vpc_id)


def test_vpc_attributes(ec2):
    vpc_id = new_vpc(ec2)
    assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")["EnableDnsSupport"] == {"Value": True}
    assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")["EnableDnsHostnames"] == {"Value": False}
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")["EnableDnsHostnames"] == {"Value": True}
    code, _ = error_of(ec2.modify_vpc_attribute, VpcId=vpc_id, EnableDnsHostnames={"Value": True}, EnableDnsSupport={"Value": True})
    assert code == "InvalidParameterCombination"


def test_secondary_cidr_block(ec2):
    vpc_id = new_vpc(ec2)
    association = ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.1.0.0/16")["CidrBlockAssociation"]
    assert association["CidrBlockState"]["State"] == "associating"
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    assert [a["CidrBlock"] for a in vpc["CidrBlockAssociationSet"]] == ["10.0.0.0/16", "10.1.0.0/16"]
    ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.1.5.0/24")  # inside the secondary block
    assert error_of(ec2.associate_vpc_cidr_block, VpcId=vpc_id, CidrBlock="10.0.128.0/17")[0] == "InvalidVpc.Range"
    primary = vpc["CidrBlockAssociationSet"][0]["AssociationId"]
    assert error_of(ec2.disassociate_vpc_cidr_block, AssociationId=primary)[0] == "OperationNotPermitted"


def test_subnet_rules(ec2):
    vpc_id = new_vpc(ec2)
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b")["Subnet"]
    assert subnet["AvailableIpAddressCount"] == 251 and subnet["AvailabilityZoneId"] == "use1-az2"
    assert subnet["SubnetArn"].endswith(f":subnet/{subnet['SubnetId']}") and not subnet["MapPublicIpOnLaunch"]
    assert error_of(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.1.128/25") == (
        "InvalidSubnet.Conflict", "The CIDR '10.0.1.128/25' conflicts with another subnet"
    )
    assert error_of(ec2.create_subnet, VpcId=vpc_id, CidrBlock="192.168.0.0/24") == (
        "InvalidSubnet.Range", "The CIDR '192.168.0.0/24' is invalid."
    )
    code, message = error_of(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1z")
    assert code == "InvalidParameterValue" and "us-east-1a, us-east-1b, us-east-1c" in message
    assert error_of(ec2.create_subnet, VpcId="vpc-00000000000000000", CidrBlock="10.0.2.0/24")[0] == "InvalidVpcID.NotFound"
    ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": True})
    assert ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"][0]["MapPublicIpOnLaunch"] is True
    assert error_of(ec2.describe_subnets, SubnetIds=["subnet-12345678"]) == (
        "InvalidSubnetID.NotFound", "The subnet ID 'subnet-12345678' does not exist"
    )


def test_filters_wildcards_and_tags(ec2):
    ids = [new_vpc(ec2, f"10.{n}.0.0/16") for n in range(3)]
    ec2.create_tags(Resources=ids[:2], Tags=[{"Key": "team", "Value": "alpha"}])
    ec2.create_tags(Resources=[ids[1]], Tags=[{"Key": "team", "Value": "beta"}, {"Key": "env", "Value": "prod"}])

    def found(*filters):
        return {v["VpcId"] for v in ec2.describe_vpcs(Filters=list(filters))["Vpcs"]}

    assert found({"Name": "tag:team", "Values": ["alpha"]}) == {ids[0]}
    assert found({"Name": "tag:team", "Values": ["alpha", "beta"]}) == set(ids[:2])  # values OR
    assert found({"Name": "tag:team", "Values": ["*a"]}, {"Name": "tag-key", "Values": ["env"]}) == {ids[1]}  # filters AND
    assert found({"Name": "cidr", "Values": ["10.?.0.0/16"]}) == set(ids)
    assert found({"Name": "tag-value", "Values": ["prod"]}) == {ids[1]}
    assert error_of(ec2.describe_vpcs, Filters=[{"Name": "bogus", "Values": ["x"]}]) == (
        "InvalidParameterValue", "The filter 'bogus' is invalid"
    )
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [ids[1]]}])["Tags"]
    assert {(t["Key"], t["Value"], t["ResourceType"]) for t in tags} == {("team", "beta", "vpc"), ("env", "prod", "vpc")}
    ec2.delete_tags(Resources=[ids[1]], Tags=[{"Key": "env"}])
    assert found({"Name": "tag-key", "Values": ["env"]}) == set()
    assert error_of(ec2.create_tags, Resources=[ids[0]], Tags=[{"Key": "aws:x", "Value": "1"}])[0] == "InvalidParameterValue"


def test_pagination_and_dry_run(ec2):
    for n in range(6):
        new_vpc(ec2, f"10.{n}.0.0/16")
    first = ec2.describe_vpcs(MaxResults=5)
    assert len(first["Vpcs"]) == 5 and first["NextToken"]
    rest = ec2.describe_vpcs(MaxResults=5, NextToken=first["NextToken"])
    assert len(rest["Vpcs"]) == 2 and "NextToken" not in rest  # 6 new + the default
    pages = ec2.get_paginator("describe_vpcs").paginate(PaginationConfig={"PageSize": 5})
    assert sum(len(p["Vpcs"]) for p in pages) == 7
    assert error_of(ec2.create_vpc, CidrBlock="10.9.0.0/16", DryRun=True) == (
        "DryRunOperation", "Request would have succeeded, but DryRun flag is set."
    )
    assert not ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.9.0.0/16"]}])["Vpcs"]


def test_tags_on_unknown_ids(ec2):
    assert error_of(ec2.create_tags, Resources=["nothing-here"], Tags=[{"Key": "a", "Value": "b"}]) == (
        "InvalidID", "The ID 'nothing-here' is not valid"
    )
    assert error_of(ec2.create_tags, Resources=["subnet-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}])[0] == "InvalidSubnetID.NotFound"
