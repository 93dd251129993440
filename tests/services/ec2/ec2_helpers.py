"""Helpers shared by the EC2 tests."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def error_of(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        call(*args, **kwargs)
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def new_vpc(ec2: Any, cidr: str = "10.0.0.0/16", **kwargs: Any) -> str:
    return ec2.create_vpc(CidrBlock=cidr, **kwargs)["Vpc"]["VpcId"]
