"""Amazon Cognito user pools.

The handlers live in feature modules, mixed in here:

    pools.py     pools, app clients, groups, domains, resource servers, tags
    users.py     users, sign-up and confirmation, passwords, attributes, codes
    auth.py      InitiateAuth / AdminInitiateAuth / RespondToAuthChallenge, sign-out
    issuance.py  ID / access / refresh tokens (tokens.py signs them; srp.py is SRP-6a)
    mfa.py       second factors: TOTP software tokens, SMS and e-mail codes
    devices.py   remembered devices (their SRP verifiers)
    providers.py external identity providers (stored, not federated)
    settings.py  stored settings (UI, risk, log delivery), CSV header, signing certificate
    imports.py   user import jobs (the CSV PUT to the pool's path)
    triggers.py  the Lambda triggers' events and answers
    web.py       the issuer's JWKS / OpenID configuration and the OAuth2 endpoints

Codes AWS would send by e-mail or SMS (sign-up, forgotten passwords, attribute
verification, temporary passwords) are listed at ``/_cloudtwin/cognito/codes``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from cloudtwin.services.cognito_idp.auth import AuthHandlers
from cloudtwin.services.cognito_idp.devices import DeviceHandlers
from cloudtwin.services.cognito_idp.imports import ImportHandlers
from cloudtwin.services.cognito_idp.issuance import TokenIssuer
from cloudtwin.services.cognito_idp.mfa import MfaHandlers
from cloudtwin.services.cognito_idp.models import CognitoStore
from cloudtwin.services.cognito_idp.pools import PoolHandlers
from cloudtwin.services.cognito_idp.providers import IdentityProviderHandlers
from cloudtwin.services.cognito_idp.settings import SettingsHandlers
from cloudtwin.services.cognito_idp.tokens import PoolKeys
from cloudtwin.services.cognito_idp.users import UserHandlers
from cloudtwin.services.cognito_idp.web import WebEndpoints
from cloudtwin.services.provider import ServiceProvider


class Provider(
    PoolHandlers, UserHandlers, AuthHandlers, MfaHandlers, DeviceHandlers, IdentityProviderHandlers, SettingsHandlers,
    ImportHandlers, TokenIssuer, WebEndpoints, ServiceProvider,
):
    service_name = "cognito-idp"
    store_class = CognitoStore

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.keys = PoolKeys()
        env.processors.register("cognito-expiry", self.prune)

    def prune(self, now: float) -> dict[str, int]:
        """Tick processor: forget challenge sessions, authorization codes, refresh tokens and
        revocations past their expiry, and codes a day after theirs."""
        dropped = 0
        for _, store in self.stores.items():  # type: ignore[union-attr]
            for table, expiry, grace in ((store.sessions, "Expires", 0), (store.auth_codes, "Expires", 0),
                                         (store.refresh_tokens, "Expires", 0), (store.codes, "Expires", 86400)):  # fmt: skip
                for key in [k for k, v in table.items() if v[expiry] + grace <= now]:
                    del table[key]
                    dropped += 1
            for key in [k for k, expires in store.revoked.items() if expires <= now]:
                del store.revoked[key]
                dropped += 1
        return {"forgotten": dropped}

    def introspection(self) -> dict[tuple[str, str], Any]:
        return {("GET", "codes"): self._introspect_codes}

    def _introspect_codes(self, params: dict[str, Any]) -> Any:
        """The codes and temporary passwords sent, newest last; filters: pool, username, kind."""
        out = []
        for (account, region), store in self.stores.items():  # type: ignore[union-attr]
            for code in store.codes.values():
                if params.get("pool") and code["PoolId"] != params["pool"]:
                    continue
                if params.get("username") and params["username"] not in (code["Username"], code.get("Destination")):
                    continue
                if params.get("kind") and code["Kind"] != params["kind"]:
                    continue
                out.append({
                    "account": account, "region": region, "user_pool_id": code["PoolId"], "username": code["Username"],
                    "kind": code["Kind"], "code": code["Code"], "attribute": code.get("Attribute"),
                    "destination": code.get("Destination"), "medium": code.get("Medium"),
                    "message": code.get("Message"), "client_id": code.get("ClientId"), "used": code["Used"],
                    "sent_at": datetime.fromtimestamp(code["Time"], timezone.utc).isoformat(),
                    "expired": code["Expires"] <= self.env.clock.now(),
                })  # fmt: skip
        out.sort(key=lambda c: c["sent_at"])
        return {"codes": out}
