"""EC2's CloudFormation resource types: a public/private VPC deployed by a stack, with the
``Ref`` and ``Fn::GetAtt`` values AWS gives, updated and deleted."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

NETWORK = """
Parameters:
  HostnamesOn: {Type: String, Default: "false"}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.20.0.0/16
      EnableDnsHostnames: !Ref HostnamesOn
      Tags: [{Key: Name, Value: net}]
  Public:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.20.0.0/24
      AvailabilityZone: !Select [0, !GetAZs ""]
      MapPublicIpOnLaunch: true
  Private:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.20.1.0/24
      AvailabilityZone: !Select [1, !GetAZs ""]
  Gateway:
    Type: AWS::EC2::InternetGateway
  Attachment:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Gateway}
  PublicRoutes:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  DefaultRoute:
    Type: AWS::EC2::Route
    DependsOn: Attachment
    Properties: {RouteTableId: !Ref PublicRoutes, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref Gateway}
  PublicAssociation:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {RouteTableId: !Ref PublicRoutes, SubnetId: !Ref Public}
  NatAddress:
    Type: AWS::EC2::EIP
    Properties: {Domain: vpc}
  Nat:
    Type: AWS::EC2::NatGateway
    Properties: {SubnetId: !Ref Public, AllocationId: !GetAtt NatAddress.AllocationId}
  PrivateRoutes:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  NatRoute:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref PrivateRoutes, DestinationCidrBlock: 0.0.0.0/0, NatGatewayId: !Ref Nat}
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
  FromWeb:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: !GetAtt Vpc.DefaultSecurityGroup, IpProtocol: tcp, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: !Ref Web}
  Acl:
    Type: AWS::EC2::NetworkAcl
    Properties: {VpcId: !Ref Vpc}
  AclEntry:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 6, RuleAction: allow, CidrBlock: 0.0.0.0/0, PortRange: {From: 443, To: 443}}
  S3Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Vpc
      ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
      RouteTableIds: [!Ref PrivateRoutes]
  Offices:
    Type: AWS::EC2::PrefixList
    Properties:
      PrefixListName: offices
      AddressFamily: IPv4
      MaxEntries: 5
      Entries: [{Cidr: 10.1.0.0/16, Description: hq}]
  Key:
    Type: AWS::EC2::KeyPair
    Properties: {KeyName: !Sub "${AWS::StackName}-key"}
Outputs:
  VpcId: {Value: !Ref Vpc}
  DefaultSg: {Value: !GetAtt Vpc.DefaultSecurityGroup}
  DefaultAcl: {Value: !GetAtt Vpc.DefaultNetworkAcl}
  VpcCidr: {Value: !GetAtt Vpc.CidrBlock}
  PublicZone: {Value: !GetAtt Public.AvailabilityZone}
  PublicSubnet: {Value: !Ref Public}
  Attachment: {Value: !Ref Attachment}
  Address: {Value: !Ref NatAddress}
  Nat: {Value: !Ref Nat}
  Web: {Value: !GetAtt Web.GroupId}
  PrivateRoutes: {Value: !Ref PrivateRoutes}
  Endpoint: {Value: !Ref S3Endpoint}
  KeyName: {Value: !Ref Key}
  KeyId: {Value: !GetAtt Key.KeyPairId}
  Offices: {Value: !Ref Offices}
  OfficesArn: {Value: !GetAtt Offices.Arn}
"""


def test_stack_builds_a_vpc_and_tears_it_down(stack, aws_client):
    ec2 = aws_client("ec2")
    cloudformation = aws_client("cloudformation")
    _, out = stack(NETWORK, name="net")
    vpc_id = out["VpcId"]
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    tags = {t["Key"]: t["Value"] for t in vpc["Tags"]}
    assert tags["Name"] == "net" and tags["aws:cloudformation:logical-id"] == "Vpc" and tags["aws:cloudformation:stack-name"] == "net"
    assert out["VpcCidr"] == "10.20.0.0/16" and out["PublicZone"] == "us-east-1a"
    assert out["Attachment"] == f"IGW|{vpc_id}"
    groups = ec2.describe_security_groups(GroupIds=[out["DefaultSg"]])["SecurityGroups"]
    assert groups[0]["VpcId"] == vpc_id and groups[0]["GroupName"] == "default"
    assert [p["UserIdGroupPairs"][0]["GroupId"] for p in groups[0]["IpPermissions"] if p["IpProtocol"] == "tcp"] == [out["Web"]]
    assert ec2.describe_network_acls(NetworkAclIds=[out["DefaultAcl"]])["NetworkAcls"][0]["IsDefault"]
    assert ec2.describe_subnets(SubnetIds=[out["PublicSubnet"]])["Subnets"][0]["MapPublicIpOnLaunch"] is True
    web = ec2.describe_security_groups(GroupIds=[out["Web"]])["SecurityGroups"][0]
    assert web["GroupName"].startswith("net-Web-") and web["IpPermissions"][0]["FromPort"] == 443
    routes = ec2.describe_route_tables(RouteTableIds=[out["PrivateRoutes"]])["RouteTables"][0]["Routes"]
    assert {r.get("NatGatewayId") for r in routes} >= {out["Nat"]} and any(r.get("GatewayId") == out["Endpoint"] for r in routes)
    assert ec2.describe_addresses(PublicIps=[out["Address"]])["Addresses"][0]["AssociationId"]
    assert ec2.describe_key_pairs(KeyNames=["net-key"])["KeyPairs"][0]["KeyPairId"] == out["KeyId"]
    assert out["OfficesArn"].endswith(f":prefix-list/{out['Offices']}")
    entries = ec2.get_managed_prefix_list_entries(PrefixListId=out["Offices"])["Entries"]
    assert entries == [{"Cidr": "10.1.0.0/16", "Description": "hq"}]
    private_key = aws_client("ssm").get_parameter(Name=f"/ec2/keypair/{out['KeyId']}", WithDecryption=True)
    assert private_key["Parameter"]["Value"].startswith("-----BEGIN RSA PRIVATE KEY-----")

    cloudformation.update_stack(StackName="net", TemplateBody=NETWORK, Parameters=[{"ParameterKey": "HostnamesOn", "ParameterValue": "true"}])
    cloudformation.get_waiter("stack_update_complete").wait(StackName="net", WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")["EnableDnsHostnames"] == {"Value": True}

    cloudformation.delete_stack(StackName="net")
    cloudformation.get_waiter("stack_delete_complete").wait(StackName="net", WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    with pytest.raises(ClientError):
        ec2.describe_vpcs(VpcIds=[vpc_id])
    assert not ec2.describe_key_pairs(Filters=[{"Name": "key-name", "Values": ["net-key"]}])["KeyPairs"]


def test_security_group_of_the_default_vpc_is_referenced_by_name(stack, aws_client):
    template = """
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: plain, GroupName: plain-group}
Outputs:
  Ref: {Value: !Ref Group}
  Id: {Value: !GetAtt Group.GroupId}
"""
    _, out = stack(template, name="sg")
    assert out["Ref"] == "plain-group" and out["Id"].startswith("sg-")
