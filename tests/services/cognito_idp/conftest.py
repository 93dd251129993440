"""Fixtures of the Cognito tests: a pool with a password-flow app client, and users in it."""

from __future__ import annotations

import pytest
from cognito_helpers import FLOWS, PASSWORD


@pytest.fixture
def idp(aws_client):
    return aws_client("cognito-idp")


@pytest.fixture
def pool(idp) -> dict:
    return idp.create_user_pool(PoolName="app", AutoVerifiedAttributes=["email"])["UserPool"]


@pytest.fixture
def client_id(idp, pool) -> str:
    return idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="web", ExplicitAuthFlows=FLOWS)[
        "UserPoolClient"
    ]["ClientId"]


@pytest.fixture
def user(idp, pool) -> str:
    """A confirmed user with a permanent password (``PASSWORD``)."""
    idp.admin_create_user(UserPoolId=pool["Id"], Username="alice", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "alice@example.com"},
                                          {"Name": "email_verified", "Value": "true"}])  # fmt: skip
    idp.admin_set_user_password(UserPoolId=pool["Id"], Username="alice", Password=PASSWORD, Permanent=True)
    return "alice"

