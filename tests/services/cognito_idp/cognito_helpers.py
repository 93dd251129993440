"""Helpers of the Cognito tests (imported by name: tests are not packages)."""

from __future__ import annotations

import json
import urllib.request

PASSWORD = "Passw0rd!"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
         "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"]  # fmt: skip


def sign_in(idp, client_id: str, username: str = "alice", password: str = PASSWORD) -> dict:
    return idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": username, "PASSWORD": password})  # fmt: skip


def codes(endpoint: str, **filters: str) -> list[dict]:
    """What /_cloudtwin/cognito/codes lists (the codes AWS would have sent)."""
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    with urllib.request.urlopen(f"{endpoint}/_cloudtwin/cognito/codes?{query}", timeout=5) as resp:
        return json.loads(resp.read())["codes"]
