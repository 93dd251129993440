"""What a new account has in every region: the default VPC and its companions, zones,
regions and account attributes."""

from __future__ import annotations


def test_default_vpc_and_its_resources(ec2):
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert len(vpcs) == 1
    vpc = vpcs[0]
    assert vpc["CidrBlock"] == "172.31.0.0/16" and vpc["State"] == "available" and vpc["VpcId"].startswith("vpc-")
    assert len(vpc["VpcId"]) == len("vpc-") + 17
    by_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]

    subnets = ec2.describe_subnets(Filters=by_vpc)["Subnets"]
    assert sorted(s["AvailabilityZone"] for s in subnets) == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert all(s["DefaultForAz"] and s["MapPublicIpOnLaunch"] for s in subnets)
    assert sorted(s["CidrBlock"] for s in subnets) == ["172.31.0.0/20", "172.31.16.0/20", "172.31.32.0/20"]
    assert {s["AvailableIpAddressCount"] for s in subnets} == {4091}

    groups = ec2.describe_security_groups(Filters=by_vpc)["SecurityGroups"]
    assert [g["GroupName"] for g in groups] == ["default"]
    assert groups[0]["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"] == groups[0]["GroupId"]
    assert groups[0]["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]

    acls = ec2.describe_network_acls(Filters=by_vpc)["NetworkAcls"]
    assert len(acls) == 1 and acls[0]["IsDefault"] and len(acls[0]["Associations"]) == 3
    assert {(e["RuleNumber"], e["RuleAction"]) for e in acls[0]["Entries"]} == {(100, "allow"), (32767, "deny")}

    gateways = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])["InternetGateways"]
    assert len(gateways) == 1 and gateways[0]["Attachments"] == [{"State": "available", "VpcId": vpc["VpcId"]}]

    tables = ec2.describe_route_tables(Filters=[*by_vpc, {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    routes = {r["DestinationCidrBlock"]: r["GatewayId"] for r in tables[0]["Routes"]}
    assert routes == {"172.31.0.0/16": "local", "0.0.0.0/0": gateways[0]["InternetGatewayId"]}

    attributes = ec2.describe_account_attributes(AttributeNames=["default-vpc"])["AccountAttributes"]
    assert attributes[0]["AttributeValues"] == [{"AttributeValue": vpc["VpcId"]}]


def test_each_region_has_its_own_default_vpc(aws_client):
    east = aws_client("ec2", "us-east-1").describe_vpcs()["Vpcs"]
    west = aws_client("ec2", "eu-west-1")
    assert {v["VpcId"] for v in west.describe_vpcs()["Vpcs"]}.isdisjoint(v["VpcId"] for v in east)
    zones = west.describe_availability_zones()["AvailabilityZones"]
    assert [(z["ZoneName"], z["ZoneId"]) for z in zones] == [("eu-west-1a", "euw1-az1"), ("eu-west-1b", "euw1-az2"), ("eu-west-1c", "euw1-az3")]


def test_regions_and_zones(ec2):
    names = [r["RegionName"] for r in ec2.describe_regions()["Regions"]]
    assert "us-east-1" in names and "af-south-1" not in names  # opt-in regions only with AllRegions
    everything = ec2.describe_regions(AllRegions=True)["Regions"]
    assert {"RegionName": "af-south-1", "Endpoint": "ec2.af-south-1.amazonaws.com", "OptInStatus": "not-opted-in"} in everything
    one = ec2.describe_regions(RegionNames=["us-west-2"])["Regions"]
    assert one == [{"RegionName": "us-west-2", "Endpoint": "ec2.us-west-2.amazonaws.com", "OptInStatus": "opt-in-not-required"}]
    zone = ec2.describe_availability_zones(ZoneNames=["us-east-1b"])["AvailabilityZones"]
    assert zone[0]["ZoneId"] == "use1-az2" and zone[0]["State"] == "available"
    filtered = ec2.describe_availability_zones(Filters=[{"Name": "zone-id", "Values": ["use1-az3"]}])["AvailabilityZones"]
    assert [z["ZoneName"] for z in filtered] == ["us-east-1c"]
