"""With --data-dir, pools, users and their signing keys survive a restart: tokens issued
before it still verify against the pool's JWKS and still work; refresh tokens too."""

from __future__ import annotations

import boto3
import jwt

from cloudtwin.config import Config
from cloudtwin.testing.server import ServerThread, free_port

PASSWORD = "Passw0rd!"


def _idp(endpoint: str):
    return boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip


def test_keys_users_and_tokens_survive_a_restart(tmp_path):
    data_dir = str(tmp_path / "state")
    with ServerThread(Config(port=free_port(), log_level="warning", data_dir=data_dir)) as server:
        idp = _idp(server.endpoint)
        pool_id = idp.create_user_pool(PoolName="kept")["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app",
                                                ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                                                )["UserPoolClient"]["ClientId"]  # fmt: skip
        idp.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
        tokens = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]  # fmt: skip
        before = jwt.PyJWKClient(f"{server.endpoint}/{pool_id}/.well-known/jwks.json").get_jwk_set().keys[0].key_id
    with ServerThread(Config(port=free_port(), log_level="warning", data_dir=data_dir)) as server:
        idp = _idp(server.endpoint)
        jwks = jwt.PyJWKClient(f"{server.endpoint}/{pool_id}/.well-known/jwks.json")
        key = jwks.get_signing_key_from_jwt(tokens["IdToken"])
        assert key.key_id == before
        assert jwt.decode(tokens["IdToken"], key.key, algorithms=["RS256"], audience=client_id)["cognito:username"] == "alice"
        assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"
        again = idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                  AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})["AuthenticationResult"]  # fmt: skip
        assert idp.get_user(AccessToken=again["AccessToken"])["Username"] == "alice"
        assert idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]  # fmt: skip
