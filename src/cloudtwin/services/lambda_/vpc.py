"""A function's ``VpcConfig``: its security groups and subnets, checked with EC2 as AWS
checks them, and the VPC they belong to.

Lambda asks EC2 (``DescribeSecurityGroups``, then ``DescribeSubnets``) and answers EC2's
refusal as its own ``InvalidParameterValueException`` naming the EC2 call and error. An
empty configuration detaches the function (``VpcId: ""``). Where this cloudtwin has no
EC2, the ids are kept as given, without a VPC id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_.errors import lambda_error

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.events.internal import InternalClient


def vpc_config(internal: "InternalClient", given: dict[str, Any], account_id: str, region: str) -> dict[str, Any]:
    """The ``VpcConfig`` a function shows for the ``VpcConfig`` it was given."""
    groups = list(given.get("SecurityGroupIds") or [])
    subnets = list(given.get("SubnetIds") or [])
    config: dict[str, Any] = {
        "SubnetIds": subnets,
        "SecurityGroupIds": groups,
        "Ipv6AllowedForDualStack": bool(given.get("Ipv6AllowedForDualStack", False)),
    }
    if not groups and not subnets:
        config["VpcId"] = ""
        return config

    def ec2(operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return internal.call("ec2", operation, params, account_id=account_id, region=region)
        except ServiceError as error:
            if error.code == "NotImplemented":  # no EC2 here: nothing to check against
                return None
            raise lambda_error(
                "InvalidParameterValueException",
                f"Error occurred while {operation}. EC2 Error Code: {error.code}. "
                f"EC2 Error Message: {error.message}",
            ) from None

    if groups:
        ec2("DescribeSecurityGroups", {"GroupIds": groups})
    if subnets:
        found = ec2("DescribeSubnets", {"SubnetIds": subnets})
        vpc_ids = [s.get("VpcId") for s in (found or {}).get("Subnets") or [] if s.get("VpcId")]
        if vpc_ids:
            config["VpcId"] = vpc_ids[0]
    return config
