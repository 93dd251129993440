"""Fixtures of the Cognito tests: a pool with a password-flow app client, and users in it."""

from __future__ import annotations

import pytest

PASSWORD = "Passw0rd!"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
         "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"]  # fmt: skip


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


def sign_in(idp, client_id: str, username: str = "alice", password: str = PASSWORD) -> dict:
    return idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": username, "PASSWORD": password})  # fmt: skip
