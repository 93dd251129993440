"""Two real cloudtwin servers that disagree on purpose (the helpers; fixtures in conftest.py).

Both get a test-only STS provider (installed with ``gateway.services.install``) whose
operations answer identically on both sides, except one planted difference per severity:

==============================  =====================================  ==========
operation                       reference vs. target                   severity
==============================  =====================================  ==========
GetCallerIdentity               the same                               (matched)
DecodeAuthorizationMessage      ``DecodedMessage`` "reference"/"target" data
GetAccessKeyInfo                ``Account`` present / absent           schema
GetFederationToken              the same error code, status 400 / 403  status
GetSessionToken                 credentials / an AccessDenied error    error
==============================  =====================================  ==========
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.provider import ServiceProvider
from cloudtwin.testing.server import ServerThread

DUMMY = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}


class PlantedSts(ServiceProvider):
    service_name = "sts"

    def __init__(self, env: Any, side: str) -> None:
        super().__init__(env)
        self.side = side

    def get_caller_identity(self, ctx: Any, params: dict) -> dict:
        return {"UserId": "AIDAEXAMPLE", "Account": ctx.account_id, "Arn": f"arn:aws:iam::{ctx.account_id}:root"}

    def decode_authorization_message(self, ctx: Any, params: dict) -> dict:
        return {"DecodedMessage": self.side}

    def get_access_key_info(self, ctx: Any, params: dict) -> dict:
        return {"Account": "123456789012"} if self.side == "reference" else {}

    def get_federation_token(self, ctx: Any, params: dict) -> dict:
        raise ServiceError("MalformedPolicyDocument", "planted", 400 if self.side == "reference" else 403)

    def get_session_token(self, ctx: Any, params: dict) -> dict:
        if self.side == "target":
            raise ServiceError("AccessDenied", "planted", 403)
        return {"Credentials": {
            "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "secret", "SessionToken": "token",
            "Expiration": dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc),
        }}


def planted_server(side: str) -> ServerThread:
    server = ServerThread()
    server.app.services.install("sts", PlantedSts(server.app.services.env, side))
    return server.start()


def sts_client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("sts", endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1}), **DUMMY)


def call_each_operation(endpoint: str) -> None:
    """One call per planted operation, errors swallowed (they are what is compared)."""
    from botocore.exceptions import ClientError

    sts = sts_client(endpoint)
    sts.get_caller_identity()
    sts.decode_authorization_message(EncodedMessage="x")
    sts.get_access_key_info(AccessKeyId="AKIAEXAMPLEEXAMPLE12")
    for call in (lambda: sts.get_federation_token(Name="bob"), sts.get_session_token):
        try:
            call()
        except ClientError:
            pass
