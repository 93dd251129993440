"""STS: who am I, the same body on every target."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.parity


@pytest.mark.skip_snapshot_verify(paths=["$..Arn", "$..UserId"])  # a root, a user or a role: differs by caller
def test_get_caller_identity(aws_client, snapshot, require) -> None:
    require("sts", "GetCallerIdentity")
    identity = aws_client("sts").get_caller_identity()
    assert re.fullmatch(r"\d{12}", identity["Account"])
    assert re.fullmatch(r"arn:aws[a-z-]*:(iam|sts)::\d{12}:\S+", identity["Arn"])
    assert identity["UserId"]
    snapshot.match("get-caller-identity", identity)


def test_get_access_key_info_names_an_account(aws_client, require) -> None:
    require("sts", "GetAccessKeyInfo")
    info = aws_client("sts").get_access_key_info(AccessKeyId="AKIAIOSFODNN7EXAMPLE")
    assert re.fullmatch(r"\d{12}", info["Account"])
