"""Multi-factor authentication: software tokens (TOTP, RFC 6238, on the virtual clock:
associating an authenticator app, verifying its first code), codes sent by SMS
(``SMS_MFA``) or e-mail (``EMAIL_OTP``) — listed at ``/_cloudtwin/cognito/codes`` — the
user's MFA preference, and which factor a sign-in asks for."""

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


#: The user record's keys of each factor being on, and preferred.
_ENABLED = {"SOFTWARE_TOKEN_MFA": "TotpEnabled", "SMS_MFA": "SmsMfaEnabled", "EMAIL_OTP": "EmailMfaEnabled"}
_PREFERRED = {"SOFTWARE_TOKEN_MFA": "TotpPreferred", "SMS_MFA": "SmsMfaPreferred", "EMAIL_OTP": "EmailMfaPreferred"}


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

    def mfa_factors(self, pool: Params, user: Params) -> list[str]:
        """The second factors a user has on, among those the pool offers."""
        if pool.get("MfaConfiguration", "OFF") == "OFF":
            return []
        attrs = user["Attributes"]
        factors = []
        if user.get("Totp") and (user.get("TotpEnabled") or pool.get("MfaConfiguration") == "ON"):
            factors.append("SOFTWARE_TOKEN_MFA")
        sms_offered = bool(pool.get("_SmsMfaConfiguration") or pool.get("SmsConfiguration"))
        if sms_offered and attrs.get("phone_number") and (
            user.get("SmsMfaEnabled") or (pool.get("MfaConfiguration") == "ON" and not factors)
        ):
            factors.append("SMS_MFA")
        if pool.get("_EmailMfaConfiguration") and attrs.get("email") and user.get("EmailMfaEnabled"):
            factors.append("EMAIL_OTP")
        return factors

    def mfa_challenge(self, pool: Params, user: Params) -> str | None:
        """The challenge a sign-in meets after the password: a factor, the choice between
        several (SELECT_MFA_TYPE), MFA_SETUP when MFA is required and the user has none."""
        factors = self.mfa_factors(pool, user)
        preferred = next((f for f, key in _PREFERRED.items() if user.get(key) and f in factors), None)
        if preferred or len(factors) == 1:
            return preferred or factors[0]
        if factors:
            return "SELECT_MFA_TYPE"
        if pool.get("MfaConfiguration") == "ON" and pool.get("SoftwareTokenMfa"):
            return "MFA_SETUP"
        return None

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
            store, pool, user, _ = self.token_user(ctx, params.get("AccessToken") or "")  # type: ignore[attr-defined]
            return store, pool, user, None
        if params.get("Session"):
            store, pool, user, session = self._session_user(ctx, params["Session"])
            return store, pool, user, session["Id"]
        raise invalid_parameter("Either AccessToken or Session must be provided.")

    def mfa_view(self, user: Params) -> Params:
        enabled = [f for f, key in _ENABLED.items() if user.get(key)]
        if not enabled:
            return {}
        out: Params = {"UserMFASettingList": enabled}
        preferred = next((f for f, key in _PREFERRED.items() if user.get(key)), None)
        if preferred:
            out["PreferredMfaSetting"] = preferred
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
        store, pool, user, _ = self.token_user(ctx, params.get("AccessToken") or "")  # type: ignore[attr-defined]
        self._preference(store, pool, user, params)
        return {}

    def admin_set_user_mfa_preference(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        user = self.user(store, pool, params["Username"])  # type: ignore[attr-defined]
        self._preference(store, pool, user, params)
        return {}

    def _preference(self, store: Any, pool: Params, user: Params, params: Params) -> None:
        for factor, member in (("SOFTWARE_TOKEN_MFA", "SoftwareTokenMfaSettings"), ("SMS_MFA", "SMSMfaSettings"),
                               ("EMAIL_OTP", "EmailMfaSettings")):  # fmt: skip
            settings = params.get(member)
            if settings is None:
                continue
            if settings.get("Enabled"):
                if factor == "SOFTWARE_TOKEN_MFA" and not user.get("Totp"):
                    raise invalid_parameter("User has not verified software token mfa")
                if factor == "SMS_MFA" and not user["Attributes"].get("phone_number"):
                    raise invalid_parameter("User does not have delivery config set to turn on SMS_MFA")
                if factor == "EMAIL_OTP" and not user["Attributes"].get("email"):
                    raise invalid_parameter("User does not have delivery config set to turn on EMAIL_OTP")
            user[_ENABLED[factor]] = bool(settings.get("Enabled"))
            preferred = bool(settings.get("PreferredMfa")) and user[_ENABLED[factor]]
            if preferred:
                for key in _PREFERRED.values():
                    user[key] = False
            user[_PREFERRED[factor]] = preferred
        self.save_user(store, pool, user)  # type: ignore[attr-defined]
