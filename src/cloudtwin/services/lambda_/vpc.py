"""A function's ``VpcConfig``: AWS checks with EC2 that its security groups and subnets
exist (security groups first) and answers the configuration with the subnets' ``VpcId``.
EC2 is asked through the internal client; its refusal becomes Lambda's
``InvalidParameterValueException`` quoting EC2's error, as AWS words it."""

from __future__ import annotations

from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_.errors import lambda_error


def resolve(internal: Any, account_id: str, region: str, given: dict[str, Any]) -> dict[str, Any]:
    """The stored ``VpcConfig`` of a request's one (an empty one detaches the function)."""
    subnets = list(given.get("SubnetIds") or ())
    groups = list(given.get("SecurityGroupIds") or ())
    config: dict[str, Any] = {
        "SubnetIds": subnets,
        "SecurityGroupIds": groups,
        "VpcId": "",
        "Ipv6AllowedForDualStack": bool(given.get("Ipv6AllowedForDualStack", False)),
    }
    if not subnets and not groups:
        return config

    def ask(operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return internal.call("ec2", operation, params, account_id=account_id, region=region)
        except ServiceError as error:
            if error.code == "NotImplemented":
                return None  # no EC2 to ask: keep the configuration as given
            raise lambda_error(
                "InvalidParameterValueException",
                f"Error occurred while {operation}. EC2 Error Code: {error.code}. EC2 Error Message: {error.message}",
            ) from None

    if groups:
        ask("DescribeSecurityGroups", {"GroupIds": groups})
    if subnets:
        found = ask("DescribeSubnets", {"SubnetIds": subnets})
        if found and found["Subnets"]:
            config["VpcId"] = found["Subnets"][0]["VpcId"]
    return config
