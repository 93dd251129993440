"""Cognito identity pools' store, as plain records, per account and region."""

from __future__ import annotations

from typing import Any

from cloudtwin.state.store import Store, Tables


class IdentityStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        #: pool id -> the IdentityPool members, plus "Roles", "RoleMappings", "Tags"
        self.pools: Any = tables.table("pools")
        #: identity id -> {"IdentityPoolId", "Logins": {provider: subject}, "CreationDate", "LastModifiedDate"}
        self.identities: Any = tables.table("identities")
        #: "key" -> {"Key": PEM, "Kid"}: the key GetOpenIdToken signs with (one per store)
        self.keys: Any = tables.table("keys")
