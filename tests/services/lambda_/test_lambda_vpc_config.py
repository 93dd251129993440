"""A function's VpcConfig: checked with EC2 (security groups first, then subnets) and
answered with the subnets' VpcId; an empty configuration detaches the function."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

SOURCE = {"app.py": "def handler(event, context):\n    return event\n"}


@pytest.fixture
def network(aws_client):
    ec2 = aws_client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    group_id = ec2.create_security_group(VpcId=vpc_id, GroupName="fn", Description="fn")["GroupId"]
    return vpc_id, subnet_id, group_id


def test_vpc_config_answers_the_vpc_id(deploy, lam, network):
    vpc_id, subnet_id, group_id = network
    created = deploy("in-vpc", SOURCE, VpcConfig={"SubnetIds": [subnet_id], "SecurityGroupIds": [group_id]})
    assert created["VpcConfig"] == {"SubnetIds": [subnet_id], "SecurityGroupIds": [group_id], "VpcId": vpc_id,
                                    "Ipv6AllowedForDualStack": False}  # fmt: skip
    assert lam.get_function(FunctionName="in-vpc")["Configuration"]["VpcConfig"]["VpcId"] == vpc_id
    detached = lam.update_function_configuration(FunctionName="in-vpc", VpcConfig={"SubnetIds": [], "SecurityGroupIds": []})
    assert detached["VpcConfig"] == {"SubnetIds": [], "SecurityGroupIds": [], "VpcId": "", "Ipv6AllowedForDualStack": False}


def test_unknown_subnet_or_group_is_refused_with_ec2s_error(lam, role, network):
    _, subnet_id, group_id = network
    for config, text in (
        ({"SubnetIds": ["subnet-0123456789abcdef0"], "SecurityGroupIds": [group_id]},
         "Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound. "
         "EC2 Error Message: The subnet ID 'subnet-0123456789abcdef0' does not exist"),
        ({"SubnetIds": ["subnet-0123456789abcdef0"], "SecurityGroupIds": ["sg-0123456789abcdef0"]},
         "Error occurred while DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound. "
         "EC2 Error Message: The security group 'sg-0123456789abcdef0' does not exist"),
    ):  # fmt: skip
        with pytest.raises(ClientError) as excinfo:
            lam.create_function(FunctionName="nowhere", Runtime="python3.12", Role=role, Handler="app.handler",
                                Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18}, VpcConfig=config)  # fmt: skip
        error = excinfo.value.response["Error"]
        assert (error["Code"], error["Message"]) == ("InvalidParameterValueException", text)
