"""Software token MFA (TOTP, RFC 6238): associating an authenticator app, verifying its
first code, the user's MFA preference, and the code asked at sign-in (virtual clock)."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cognito_idp.errors import invalid_parameter

Params = dict[str, Any]


def _totp(secret: str) -> TOTP:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return TOTP(key, 6, SHA1(), 30, enforce_key_length=False)


class MfaHandlers:
    stores: Any

    def totp_matches(self, ctx: RequestContext, secret: str | None, code: str) -> bool:
        if not secret or not code.isdigit():
            return False
        totp, now = _totp(secret), int(ctx.clock.now())
        for step in (0, -30, 30):
            try:
                totp.verify(code.encode(), now + step)
                return True
            except InvalidToken:
                continue
        return False

    def totp_required(self, pool: Params, user: Params) -> bool:
        if pool.get("MfaConfiguration", "OFF") == "OFF" or not user.get("Totp"):
            return False
        return bool(user.get("TotpEnabled")) or pool.get("MfaConfiguration") == "ON"

    def totp_setup_required(self, pool: Params, user: Params) -> bool:
        return pool.get("MfaConfiguration") == "ON" and bool(pool.get("SoftwareTokenMfa")) and not user.get("Totp")

    def _session_user(self, ctx: RequestContext, token: str) -> tuple[Any, Params, Params, Params]:
        """(store, pool, user, session) of an MFA_SETUP challenge's session."""
        for _, store in self.stores.items():
            session = store.sessions.get(token)
            if session is None:
                continue
            if session["Challenge"] != "MFA_SETUP" or session["Expires"] <= ctx.clock.now():
                break
            pool = store.pools.get(session["PoolId"])
            user = self.find_user(store, pool, session["Username"]) if pool else None  # type: ignore[attr-defined]
            if user is not None:
                return store, pool, user, session
        raise ServiceError("NotAuthorizedException", "Invalid session for the user.")

    def _mfa_target(self, ctx: RequestContext, params: Params) -> tuple[Any, Params, Params, str | None]:
        if params.get("AccessToken"):
            store, pool, user, _ = self.token_user(ctx, params["AccessToken"])  # type: ignore[attr-defined]
            return store, pool, user, None
        if params.get("Session"):
            store, pool, user, session = self._session_user(ctx, params["Session"])
            return store, pool, user, session["Id"]
        raise invalid_parameter("Either AccessToken or Session must be provided.")

    def mfa_view(self, user: Params) -> Params:
        if not user.get("TotpEnabled"):
            return {}
        out: Params = {"UserMFASettingList": ["SOFTWARE_TOKEN_MFA"]}
        if user.get("TotpPreferred"):
            out["PreferredMfaSetting"] = "SOFTWARE_TOKEN_MFA"
        return out

    def associate_software_token(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, user, session = self._mfa_target(ctx, params)
        secret = base64.b32encode(secrets.token_bytes(32)).decode().rstrip("=")
        user["TotpPending"] = secret
        self.save_user(store, pool, user)  # type: ignore[attr-defined]
        out: Params = {"SecretCode": secret}
        if session:
            out["Session"] = session
        return out

    def verify_software_token(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, user, session = self._mfa_target(ctx, params)
        secret = user.get("TotpPending") or user.get("Totp")
        if not secret:
            raise ServiceError("SoftwareTokenMFANotFoundException", "Software Token MFA has not been associated with this user.")
        if not self.totp_matches(ctx, secret, params["UserCode"]):
            raise ServiceError("EnableSoftwareTokenMFAException", "Code mismatch")
        user["Totp"] = secret
        user.pop("TotpPending", None)
        user["TotpEnabled"] = True
        self.save_user(store, pool, user)  # type: ignore[attr-defined]
        out: Params = {"Status": "SUCCESS"}
        if session:
            out["Session"] = session
        return out

    def set_user_mfa_preference(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, user, _ = self.token_user(ctx, params["AccessToken"])  # type: ignore[attr-defined]
        self._preference(store, pool, user, params)
        return {}

    def admin_set_user_mfa_preference(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        user = self.user(store, pool, params["Username"])  # type: ignore[attr-defined]
        self._preference(store, pool, user, params)
        return {}

    def _preference(self, store: Any, pool: Params, user: Params, params: Params) -> None:
        settings = params.get("SoftwareTokenMfaSettings")
        if settings is not None:
            if settings.get("Enabled") and not user.get("Totp"):
                raise invalid_parameter("User has not verified software token mfa")
            user["TotpEnabled"] = bool(settings.get("Enabled"))
            user["TotpPreferred"] = bool(settings.get("PreferredMfa")) and user["TotpEnabled"]
        self.save_user(store, pool, user)  # type: ignore[attr-defined]
