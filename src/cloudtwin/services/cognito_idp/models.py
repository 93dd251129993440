"""Cognito user pools' store, as plain records (dicts), per account and region.

Each pool keeps its own RSA signing key (PEM) in its record, so tokens issued before a
restart with ``--data-dir`` still verify after it.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.state.store import Store, Tables


class CognitoStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        #: pool id -> the UserPoolType members, plus "_Key" (PEM) and "_Kid"
        self.pools: Any = tables.table("pools")
        #: client id -> the UserPoolClientType members
        self.clients: Any = tables.table("clients")
        #: (pool id, username) -> {"Username", "Attributes": {name: value}, "UserStatus", "Enabled",
        #:   "Password": {salt, verifier, hash}, "Groups": [...], "Mfa": {...}, ...}
        self.users: Any = tables.table("users")
        #: (pool id, group name) -> the GroupType members
        self.groups: Any = tables.table("groups")
        #: refresh token -> {"PoolId", "ClientId", "Username", "OriginJti", "AuthTime", "Expires"}
        self.refresh_tokens: Any = tables.table("refresh_tokens")
        #: origin jti of revoked token families -> expiry
        self.revoked: Any = tables.table("revoked")
        #: challenge session -> {"PoolId", "ClientId", "Username", "Challenge", "Expires", ...}
        self.sessions: Any = tables.table("sessions")
        #: code id -> {"PoolId", "Username", "Kind", "Code", "Destination", "Time", ...}
        self.codes: Any = tables.table("codes")
        #: domain -> {"UserPoolId", "Domain", ...}
        self.domains: Any = tables.table("domains")
        #: (pool id, identifier) -> the ResourceServerType members
        self.resource_servers: Any = tables.table("resource_servers")
        #: (pool id, provider name) -> the IdentityProviderType members
        self.identity_providers: Any = tables.table("identity_providers")
        #: (pool id, job id) -> the UserImportJobType members, plus "Csv" (the uploaded file)
        self.import_jobs: Any = tables.table("import_jobs")
        #: authorization code -> {"PoolId", "ClientId", "Username", "RedirectUri", "Scopes", "Expires"}
        self.auth_codes: Any = tables.table("auth_codes")
