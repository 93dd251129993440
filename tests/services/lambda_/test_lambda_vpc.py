"""A function's VpcConfig detached with empty lists (the EC2 checks: test_lambda_vpc_config.py)."""

from __future__ import annotations


HANDLER = {"app.py": "def handler(e, c):\n    return e\n"}


def test_an_empty_vpc_config_detaches_the_function(lam, deploy):
    deploy("no-vpc", HANDLER)
    updated = lam.update_function_configuration(FunctionName="no-vpc", VpcConfig={"SubnetIds": [], "SecurityGroupIds": []})
    expected = {"SubnetIds": [], "SecurityGroupIds": [], "Ipv6AllowedForDualStack": False, "VpcId": ""}
    assert updated["VpcConfig"] == expected
    lam.get_waiter("function_updated_v2").wait(FunctionName="no-vpc", WaiterConfig={"Delay": 1})
    assert lam.get_function(FunctionName="no-vpc")["Configuration"]["VpcConfig"] == expected

