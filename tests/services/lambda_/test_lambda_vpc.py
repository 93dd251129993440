"""A function's VpcConfig: checked with EC2 as AWS checks it, detached with empty lists."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from lambda_helpers import zipped

HANDLER = {"app.py": "def handler(e, c):\n    return e\n"}


def test_an_empty_vpc_config_detaches_the_function(lam, deploy):
    deploy("no-vpc", HANDLER)
    updated = lam.update_function_configuration(FunctionName="no-vpc", VpcConfig={"SubnetIds": [], "SecurityGroupIds": []})
    expected = {"SubnetIds": [], "SecurityGroupIds": [], "Ipv6AllowedForDualStack": False, "VpcId": ""}
    assert updated["VpcConfig"] == expected
    lam.get_waiter("function_updated_v2").wait(FunctionName="no-vpc", WaiterConfig={"Delay": 1})
    assert lam.get_function(FunctionName="no-vpc")["Configuration"]["VpcConfig"] == expected


def test_subnets_and_security_groups_are_checked_with_ec2(lam, deploy, role, aws_client):
    ec2 = aws_client("ec2")
    try:
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    except ClientError as err:
        if err.response["Error"]["Code"] == "NotImplemented":
            pytest.skip("this cloudtwin has no EC2 yet")
        raise
    group = ec2.create_security_group(VpcId=vpc_id, GroupName="fn", Description="fn")["GroupId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    created = deploy("in-vpc", HANDLER, VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": [group]})
    assert created["VpcConfig"] == {"SubnetIds": [subnet], "SecurityGroupIds": [group],
                                    "Ipv6AllowedForDualStack": False, "VpcId": vpc_id}  # fmt: skip
    with pytest.raises(ClientError) as err:
        lam.create_function(FunctionName="lost-subnet", Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": zipped(HANDLER)},
                            VpcConfig={"SubnetIds": ["subnet-0000000000"], "SecurityGroupIds": [group]})  # fmt: skip
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert err.value.response["Error"]["Message"] == (
        "Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound. "
        "EC2 Error Message: The subnet ID 'subnet-0000000000' does not exist"
    )
