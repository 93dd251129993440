"""Signing in: ``InitiateAuth`` / ``AdminInitiateAuth`` and their challenges.

    USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH  the password in the clear
    USER_SRP_AUTH        SRP_A -> PASSWORD_VERIFIER (see srp.py)
    REFRESH_TOKEN_AUTH   a refresh token for new ID and access tokens
    CUSTOM_AUTH          define / create / verify auth challenge triggers, round after round
    then, as the user needs: NEW_PASSWORD_REQUIRED (temporary password), SOFTWARE_TOKEN_MFA

A challenge's state lives under its ``Session`` (SRP's under its secret block) for the
client's AuthSessionValidity minutes of the virtual clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cognito_idp import srp, triggers
from cloudtwin.services.cognito_idp.errors import (
    invalid_parameter, not_authorized, user_not_found,
)  # fmt: skip
from cloudtwin.services.cognito_idp.pools import first_factors
from cloudtwin.services.cognito_idp.tokens import pool_key, unverified_claims
from cloudtwin.services.cognito_idp.users import check_password, pool_name, set_password

Params = dict[str, Any]

_ALLOW = {
    "USER_PASSWORD_AUTH": ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"),
    "ADMIN_USER_PASSWORD_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "ADMIN_NO_SRP_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "USER_SRP_AUTH": ("ALLOW_USER_SRP_AUTH",),
    "CUSTOM_AUTH": ("ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"),
    "REFRESH_TOKEN_AUTH": ("ALLOW_REFRESH_TOKEN_AUTH",),
    "REFRESH_TOKEN": ("ALLOW_REFRESH_TOKEN_AUTH",),
    "USER_AUTH": ("ALLOW_USER_AUTH",),
}
_DEFAULT_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
_LEGACY = ("ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH")
_LOCKOUT_AFTER = 5
_LOCKOUT_MAX = 900
_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def _device_session(pool: Params, user: Params, device_key: str) -> str:
    """The id of a DEVICE_SRP_AUTH challenge (clients answer it without its Session)."""
    return hashlib.sha256(f"device:{pool['Id']}:{user['Username']}:{device_key}".encode()).hexdigest()


def available_first_factors(pool: Params, user: Params) -> list[str]:
    """USER_AUTH's AvailableChallenges for a user: the password ones, and the one-time
    codes the pool allows where the user has the address."""
    allowed = first_factors(pool)
    out = ["PASSWORD", "PASSWORD_SRP"] if "PASSWORD" in allowed and user.get("Password") else []
    if "EMAIL_OTP" in allowed and user["Attributes"].get("email"):
        out.append("EMAIL_OTP")
    if "SMS_OTP" in allowed and user["Attributes"].get("phone_number"):
        out.append("SMS_OTP")
    return out


def secret_hash(secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def flow_allowed(client: Params, flow: str) -> bool:
    flows = client.get("ExplicitAuthFlows") or list(_DEFAULT_FLOWS)
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        return True
    if flow == "USER_SRP_AUTH" and any(f in _LEGACY for f in flows):
        return True  # the legacy settings always allowed SRP
    return any(f in flows for f in _ALLOW.get(flow, ()))


def validity(client: Params, name: str, default_unit: str, default: int) -> int:
    value = client.get(f"{name}Validity")
    units = client.get("TokenValidityUnits") or {}
    unit = units.get(name) or default_unit
    if value is None:
        return default
    return int(value) * _UNITS[unit]


class AuthHandlers:
    stores: Any
    env: Any
    keys: Any

    # -- checks -------------------------------------------------------------------------------

    def check_secret_hash(self, client: Params, username: str, given: str | None) -> None:
        secret = client.get("ClientSecret")
        if not secret:
            return
        if not given:
            raise not_authorized(f"Client {client['ClientId']} is configured with secret but SECRET_HASH was not received")
        if not hmac.compare_digest(given.encode(), secret_hash(secret, username, client["ClientId"]).encode()):
            raise not_authorized(f"Unable to verify secret hash for client {client['ClientId']}")

    def pool_anywhere(self, ctx: Any, pool_id: str) -> tuple[Any, Params]:
        """The pool a token names, in the caller's account first, then in any (tokens are
        presented unsigned)."""
        region = pool_id.split("_", 1)[0]
        found = None
        for (account, store_region), store in self.stores.items():
            if store_region == region and pool_id in store.pools:
                if account == ctx.account_id:
                    return store, store.pools[pool_id]
                found = found or (store, store.pools[pool_id])
        if found is None:
            raise not_authorized("Invalid Access Token")
        return found

    def token_user(self, ctx: RequestContext, token: str) -> tuple[Any, Params, Params, Params]:
        """(store, pool, user, claims) of a valid access token, else NotAuthorized as AWS says it."""
        claims = unverified_claims(token)
        if not claims or not isinstance(claims.get("iss"), str):
            raise not_authorized("Invalid Access Token")
        store, pool = self.pool_anywhere(ctx, claims["iss"].rsplit("/", 1)[-1])
        claims = self.keys.verify(pool_key(store, pool)[0], token)
        if claims is None or claims.get("token_use") != "access":
            raise not_authorized("Invalid Access Token")
        if claims.get("exp", 0) <= ctx.clock.now():
            raise not_authorized("Access Token has expired")
        user = self.find_user(store, pool, claims.get("username", ""))  # type: ignore[attr-defined]
        if user is None:
            raise user_not_found()
        if claims.get("origin_jti") in store.revoked:
            raise not_authorized("Access Token has been revoked")
        if not user["Enabled"]:
            raise not_authorized("User is disabled.")
        return store, pool, user, claims

    # -- the operations ---------------------------------------------------------------------------

    async def initiate_auth(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, client = self.client_anywhere(ctx, params["ClientId"])  # type: ignore[attr-defined]
        flow = params["AuthFlow"]
        if flow in ("ADMIN_NO_SRP_AUTH", "ADMIN_USER_PASSWORD_AUTH"):
            raise invalid_parameter("Initiate Auth method not supported.")
        if not flow_allowed(client, flow):
            raise invalid_parameter(f"{flow} flow not enabled for this client")
        return await self._initiate(ctx, store, pool, client, flow, params)

    async def admin_initiate_auth(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, client = self.client(ctx, params["UserPoolId"], params["ClientId"])  # type: ignore[attr-defined]
        flow = params["AuthFlow"]
        if flow == "USER_PASSWORD_AUTH":
            raise invalid_parameter("Initiate Auth method not supported.")
        if not flow_allowed(client, flow):
            raise invalid_parameter("Auth flow not enabled for this client")
        return await self._initiate(ctx, store, pool, client, flow, params)

    async def _initiate(self, ctx, store, pool, client, flow: str, params: Params) -> Params:
        auth = params.get("AuthParameters") or {}
        metadata = params.get("ClientMetadata") or {}
        if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            return await self._refresh(ctx, store, pool, client, auth.get("REFRESH_TOKEN") or "", metadata)
        username = auth.get("USERNAME")
        if not username:
            raise invalid_parameter("Missing required parameter USERNAME")
        self.check_secret_hash(client, username, auth.get("SECRET_HASH"))
        if flow in ("USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
            password = auth.get("PASSWORD")
            if password is None:
                raise invalid_parameter("Missing required parameter PASSWORD")
            user = self.find_user(store, pool, username)  # type: ignore[attr-defined]
            if user is None:
                user = await self._migrate(ctx, store, pool, client, username, password, params)
            user = self._known(client, user)
            await self._pre_authentication(pool, client, user, params)
            self._attempt(ctx, store, pool, user, srp.password_matches(password, user.get("Password") or "$"))
            return await self._password_verified(ctx, store, pool, client, user, metadata, auth.get("DEVICE_KEY"))
        if flow == "USER_SRP_AUTH":
            if not auth.get("SRP_A"):
                raise invalid_parameter("Missing required parameter SRP_A")
            user = self._known(client, self.find_user(store, pool, username))  # type: ignore[attr-defined]
            return self._srp_challenge(ctx, store, pool, client, user, auth["SRP_A"], None, auth.get("DEVICE_KEY"))
        if flow == "USER_AUTH":
            user = self._known(client, self.find_user(store, pool, username))  # type: ignore[attr-defined]
            allowed = available_first_factors(pool, user)
            preferred = auth.get("PREFERRED_CHALLENGE")
            if preferred in allowed:
                return await self._first_factor(ctx, store, pool, client, user, preferred, auth, params)
            session = self._new_session(ctx, store, pool, client, user, "SELECT_CHALLENGE", metadata=metadata)
            return {"ChallengeName": "SELECT_CHALLENGE", "Session": session["Id"], "ChallengeParameters": {},
                    "AvailableChallenges": allowed}  # fmt: skip
        if flow == "CUSTOM_AUTH":
            user = self._known(client, self.find_user(store, pool, username))  # type: ignore[attr-defined]
            await self._pre_authentication(pool, client, user, params)
            session = self._new_session(ctx, store, pool, client, user, "CUSTOM_CHALLENGE", metadata=metadata)
            session["Custom"] = []
            if auth.get("SRP_A"):
                session["SrpA"] = auth["SRP_A"]
            return await self._define(ctx, store, pool, client, user, session)
        raise invalid_parameter(f"{flow} flow not enabled for this client")

    async def _first_factor(self, ctx, store, pool, client, user, factor: str, answers: Params, params: Params) -> Params:
        """USER_AUTH's chosen first factor: the password, SRP, or a one-time code sent by
        e-mail or SMS (passwordless)."""
        metadata = params.get("ClientMetadata") or {}
        if factor in ("EMAIL_OTP", "SMS_OTP"):
            attribute = "email" if factor == "EMAIL_OTP" else "phone_number"
            session = self._new_session(ctx, store, pool, client, user, factor, Source="TokenGeneration_Authentication")
            delivery = await self.send_code(ctx, store, pool, user, factor, "CustomMessage_Authentication",  # type: ignore[attr-defined]
                                            client["ClientId"], attribute=attribute, metadata=metadata, validity=180)  # fmt: skip
            return {"ChallengeName": factor, "Session": session["Id"], "ChallengeParameters": {
                "CODE_DELIVERY_DELIVERY_MEDIUM": delivery["DeliveryMedium"],
                "CODE_DELIVERY_DESTINATION": delivery["Destination"]}}  # fmt: skip
        if factor == "PASSWORD":
            if answers.get("PASSWORD") is None:
                raise invalid_parameter("Missing required parameter PASSWORD")
            await self._pre_authentication(pool, client, user, params)
            self._attempt(ctx, store, pool, user, srp.password_matches(answers["PASSWORD"], user.get("Password") or "$"))
            return await self._password_verified(ctx, store, pool, client, user, metadata)
        if not answers.get("SRP_A"):
            raise invalid_parameter("Missing required parameter SRP_A")
        return self._srp_challenge(ctx, store, pool, client, user, answers["SRP_A"], None)

    def _attempt(self, ctx, store, pool, user: Params, matched: bool) -> None:
        """A password check, and AWS's temporary lockout: from the fifth failure in a row,
        sign-ins are refused for 1 s, doubling with each further failure (up to 15 min)."""
        now = ctx.clock.now()
        if user.get("LockedUntil", 0) > now:
            raise not_authorized("Password attempts exceeded")
        if matched:
            if user.get("FailedAttempts"):
                user["FailedAttempts"], user["LockedUntil"] = 0, 0
                self.save_user(store, pool, user)  # type: ignore[attr-defined]
            return
        user["FailedAttempts"] = failures = user.get("FailedAttempts", 0) + 1
        if failures >= _LOCKOUT_AFTER:
            user["LockedUntil"] = now + min(2 ** (failures - _LOCKOUT_AFTER), _LOCKOUT_MAX)
        self.save_user(store, pool, user)  # type: ignore[attr-defined]
        raise not_authorized()

    def _known(self, client: Params, user: Params | None) -> Params:
        if user is None:
            if client.get("PreventUserExistenceErrors") == "ENABLED":
                raise not_authorized()
            raise user_not_found()
        if not user["Enabled"]:
            raise not_authorized("User is disabled.")
        if user["UserStatus"] == "RESET_REQUIRED":  # (imported, or reset by an administrator)
            raise ServiceError("PasswordResetRequiredException", "Password reset required for the user")
        return user

    async def _pre_authentication(self, pool, client, user, params) -> None:
        await triggers.invoke(self.env, pool, "PreAuthentication", "PreAuthentication_Authentication", user["Username"],
                              {"userAttributes": dict(user["Attributes"]), "validationData": params.get("ClientMetadata") or {},
                               "userNotFound": False}, {}, client["ClientId"])  # fmt: skip

    async def _migrate(self, ctx, store, pool, client, username, password, params) -> Params | None:
        answer = await triggers.invoke(
            self.env, pool, "UserMigration", "UserMigration_Authentication", username,
            {"password": password, "validationData": params.get("ClientMetadata") or {},
             "clientMetadata": params.get("ClientMetadata") or {}},
            {"userAttributes": None, "forceAliasCreation": None, "enableSMSMFA": None, "finalUserStatus": None,
             "messageAction": None, "desiredDeliveryMediums": None}, client["ClientId"],
        )  # fmt: skip
        if not answer or not isinstance(answer.get("userAttributes"), dict):
            return None
        attributes = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in answer["userAttributes"].items()}
        user = self.new_user(ctx, pool, username, attributes)  # type: ignore[attr-defined]
        if not user:
            return None
        set_password(pool, user, password)
        user["UserStatus"] = "CONFIRMED" if answer.get("finalUserStatus") == "CONFIRMED" else "RESET_REQUIRED"
        self.save_user(store, pool, user)  # type: ignore[attr-defined]
        return user

    # -- sessions ---------------------------------------------------------------------------------

    def _new_session(self, ctx, store, pool, client, user, challenge: str, **extra: Any) -> Params:
        token = base64.b64encode(secrets.token_bytes(96)).decode()
        minutes = client.get("AuthSessionValidity") or 3
        session = {"Id": token, "PoolId": pool["Id"], "ClientId": client["ClientId"], "Username": user["Username"],
                   "Challenge": challenge, "Expires": ctx.clock.now() + minutes * 60, **extra}  # fmt: skip
        store.sessions[token] = session
        return session

    def _session(self, ctx, store, pool, client, token: str | None, challenge: str) -> Params:
        session = store.sessions.get(token or "")
        if session is None or session["ClientId"] != client["ClientId"] or session["Challenge"] != challenge:
            raise not_authorized("Invalid session for the user.")
        if session["Expires"] <= ctx.clock.now():
            del store.sessions[session["Id"]]
            raise not_authorized("Invalid session for the user, session is expired.")
        return session

    # -- SRP ----------------------------------------------------------------------------------------

    def _srp_challenge(self, ctx, store, pool, client, user, srp_a: str, custom: Params | None,
                       device_key: str | None = None) -> Params:  # fmt: skip
        try:
            if int(srp_a, 16) % srp.N == 0:
                raise not_authorized()
        except ValueError:
            raise invalid_parameter("SRP_A is not a valid hexadecimal number.") from None  # not an AWS text
        salt, verifier = user.get("Srp") or srp.verifier(pool_name(pool["Id"]), user["Username"], secrets.token_hex(16))
        b, big_b = srp.server_challenge(verifier)
        block = base64.b64encode(secrets.token_bytes(1024)).decode()
        session = self._new_session(ctx, store, pool, client, user, "PASSWORD_VERIFIER", SrpA=srp_a, SrpB=big_b, Srpb=b,
                                    Block=block, CustomSession=custom["Id"] if custom else None,
                                    DeviceKey=device_key)  # fmt: skip
        # The secret block is the session of this challenge (clients send it back, no Session).
        self._rekey(store, session, hashlib.sha256(block.encode()).hexdigest())
        out: Params = {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeParameters": {"SALT": salt, "SECRET_BLOCK": block, "SRP_B": big_b, "USERNAME": user["Username"],
                                    "USER_ID_FOR_SRP": user["Username"]},
        }  # fmt: skip
        if custom is not None:
            out["Session"] = custom["Id"]
        return out

    async def _password_verifier(self, ctx, store, pool, client, responses: Params, metadata: Params) -> Params:
        block = responses.get("PASSWORD_CLAIM_SECRET_BLOCK") or ""
        session = self._session(ctx, store, pool, client, hashlib.sha256(block.encode()).hexdigest(), "PASSWORD_VERIFIER")
        del store.sessions[session["Id"]]
        user = self._known(client, self.find_user(store, pool, session["Username"]))  # type: ignore[attr-defined]
        salt_verifier = user.get("Srp")
        key = srp.session_key(session["SrpA"], session["Srpb"], session["SrpB"], salt_verifier[1]) if salt_verifier else None
        try:
            expected = (
                srp.claim_signature(key, pool_name(pool["Id"]), user["Username"], block, responses.get("TIMESTAMP") or "")
                if key else ""
            )  # fmt: skip
        except ValueError:  # a secret block that is not base64
            expected = ""
        given = (responses.get("PASSWORD_CLAIM_SIGNATURE") or "").encode()
        self._attempt(ctx, store, pool, user, bool(key and expected and hmac.compare_digest(expected.encode(), given)))
        if session.get("CustomSession"):
            custom = self._session(ctx, store, pool, client, session["CustomSession"], "CUSTOM_CHALLENGE")
            custom["Custom"].append({"challengeName": "PASSWORD_VERIFIER", "challengeResult": True, "challengeMetadata": None})
            store.sessions.save(custom["Id"])
            return await self._define(ctx, store, pool, client, user, custom)
        await self._pre_authentication(pool, client, user, {"ClientMetadata": metadata})
        device_key = responses.get("DEVICE_KEY") or session.get("DeviceKey")
        return await self._password_verified(ctx, store, pool, client, user, metadata, device_key)

    # -- after the password ---------------------------------------------------------------------

    async def _password_verified(self, ctx, store, pool, client, user, metadata: Params,
                                 device_key: str | None = None) -> Params:  # fmt: skip
        status = user["UserStatus"]
        if status == "UNCONFIRMED":
            raise ServiceError("UserNotConfirmedException", "User is not confirmed.")
        if status == "RESET_REQUIRED":
            raise ServiceError("PasswordResetRequiredException", "Password reset required for the user")
        if status == "FORCE_CHANGE_PASSWORD":
            if user.get("TempExpires", float("inf")) <= ctx.clock.now():
                raise not_authorized("Temporary password has expired and must be reset by an administrator.")
            session = self._new_session(ctx, store, pool, client, user, "NEW_PASSWORD_REQUIRED")
            # (AWS leaves the read-only *_verified in: clients drop them before answering)
            shown = {k: v for k, v in user["Attributes"].items() if k != "sub"}
            required = [f"userAttributes.{a['Name']}" for a in pool["SchemaAttributes"]
                        if a.get("Required") and a["Name"] != "sub" and not user["Attributes"].get(a["Name"])]  # fmt: skip
            return {"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": session["Id"], "ChallengeParameters": {
                "USER_ID_FOR_SRP": user["Username"], "requiredAttributes": json.dumps(required),
                "userAttributes": json.dumps(shown)}}  # fmt: skip
        device = self.known_device(user, device_key)  # type: ignore[attr-defined]
        if device is not None:  # the device proves itself next (DEVICE_SRP_AUTH)
            session = self._new_session(ctx, store, pool, client, user, "DEVICE_SRP_AUTH", DeviceKey=device["DeviceKey"])
            self._rekey(store, session, _device_session(pool, user, device["DeviceKey"]))
            return {"ChallengeName": "DEVICE_SRP_AUTH", "Session": session["Id"], "ChallengeParameters": {}}
        return await self._after_first_factor(ctx, store, pool, client, user, metadata)

    async def _after_first_factor(self, ctx, store, pool, client, user, metadata: Params, source: str = "TokenGeneration_Authentication") -> Params:  # noqa: E501
        challenge = self.mfa_challenge(pool, user)  # type: ignore[attr-defined]
        if challenge is None:
            return await self._signed_in(ctx, store, pool, client, user, metadata, source)
        return await self._mfa_step(ctx, store, pool, client, user, challenge, source, metadata)

    async def _mfa_step(self, ctx, store, pool, client, user, challenge: str, source: str, metadata: Params) -> Params:
        session = self._new_session(ctx, store, pool, client, user, challenge, Source=source)
        parameters: Params = {}
        if challenge == "MFA_SETUP":
            parameters = {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'}
        elif challenge == "SELECT_MFA_TYPE":
            parameters = {"MFAS_CAN_CHOOSE": json.dumps(self.mfa_factors(pool, user))}  # type: ignore[attr-defined]
        elif challenge in ("SMS_MFA", "EMAIL_OTP"):
            attribute = "phone_number" if challenge == "SMS_MFA" else "email"
            delivery = await self.send_code(ctx, store, pool, user, challenge, "CustomMessage_Authentication",  # type: ignore[attr-defined]
                                            client["ClientId"], attribute=attribute, metadata=metadata, validity=180)  # fmt: skip
            parameters = {"CODE_DELIVERY_DELIVERY_MEDIUM": delivery["DeliveryMedium"],
                          "CODE_DELIVERY_DESTINATION": delivery["Destination"]}  # fmt: skip
        return {"ChallengeName": challenge, "Session": session["Id"], "ChallengeParameters": parameters}

    async def _signed_in(self, ctx, store, pool, client, user, metadata: Params, source: str,
                         device_used: bool = False) -> Params:  # fmt: skip
        await triggers.invoke(self.env, pool, "PostAuthentication", "PostAuthentication_Authentication", user["Username"],
                              {"userAttributes": dict(user["Attributes"]), "newDeviceUsed": False,
                               "clientMetadata": metadata}, {}, client["ClientId"])  # fmt: skip
        result = await self.issue_tokens(ctx, store, pool, client, user, source, metadata)  # type: ignore[attr-defined]
        if pool.get("DeviceConfiguration") and not device_used:
            result["NewDeviceMetadata"] = self.new_device(ctx, store, pool, user)  # type: ignore[attr-defined]
        return {"ChallengeParameters": {}, "AuthenticationResult": result}

    # -- devices ------------------------------------------------------------------------------------

    def _rekey(self, store, session: Params, new_id: str) -> None:
        """Keep a challenge's state under an id the client can name without a Session."""
        del store.sessions[session["Id"]]
        session["Id"] = new_id
        store.sessions[new_id] = session

    def _device_srp(self, ctx, store, pool, client, responses: Params, given: str | None) -> Params:
        device_key = responses.get("DEVICE_KEY") or ""
        user = self._known(client, self.find_user(store, pool, responses.get("USERNAME") or ""))  # type: ignore[attr-defined]
        session = self._session(ctx, store, pool, client, given or _device_session(pool, user, device_key), "DEVICE_SRP_AUTH")
        device = self.known_device(user, session["DeviceKey"])  # type: ignore[attr-defined]
        if device is None or device_key != session["DeviceKey"]:
            raise not_authorized("Device does not exist.")  # not an AWS text
        try:
            if int(responses.get("SRP_A") or "0", 16) % srp.N == 0:
                raise not_authorized()
        except ValueError:
            raise invalid_parameter("SRP_A is not a valid hexadecimal number.") from None  # not an AWS text
        del store.sessions[session["Id"]]
        b, big_b = srp.server_challenge(device["Verifier"])
        block = base64.b64encode(secrets.token_bytes(1024)).decode()
        verifier = self._new_session(ctx, store, pool, client, user, "DEVICE_PASSWORD_VERIFIER", SrpA=responses["SRP_A"],
                                     SrpB=big_b, Srpb=b, DeviceKey=device_key, Source=session.get("Source"))  # fmt: skip
        self._rekey(store, verifier, hashlib.sha256(block.encode()).hexdigest())
        return {"ChallengeName": "DEVICE_PASSWORD_VERIFIER", "ChallengeParameters": {
            "USERNAME": user["Username"], "SALT": device["Salt"], "SRP_B": big_b, "SECRET_BLOCK": block,
            "DEVICE_KEY": device_key}}  # fmt: skip

    async def _device_verifier(self, ctx, store, pool, client, responses: Params, metadata: Params) -> Params:
        block = responses.get("PASSWORD_CLAIM_SECRET_BLOCK") or ""
        session = self._session(ctx, store, pool, client, hashlib.sha256(block.encode()).hexdigest(), "DEVICE_PASSWORD_VERIFIER")
        del store.sessions[session["Id"]]
        user = self._known(client, self.find_user(store, pool, session["Username"]))  # type: ignore[attr-defined]
        device = self.known_device(user, session["DeviceKey"])  # type: ignore[attr-defined]
        if device is None:
            raise not_authorized("Device does not exist.")  # not an AWS text
        key = srp.session_key(session["SrpA"], session["Srpb"], session["SrpB"], device["Verifier"])
        try:
            expected = srp.claim_signature(key, device["GroupKey"], device["DeviceKey"], block,
                                           responses.get("TIMESTAMP") or "") if key else ""  # fmt: skip
        except ValueError:
            expected = ""
        if not expected or not hmac.compare_digest(expected.encode(), (responses.get("PASSWORD_CLAIM_SIGNATURE") or "").encode()):
            raise not_authorized("Incorrect username or password.")
        device["LastAuthenticated"] = ctx.clock.now()
        self.save_user(store, pool, user)  # type: ignore[attr-defined]
        source = "TokenGeneration_AuthenticateDevice"
        if device["Remembered"] == "remembered":
            return await self._signed_in(ctx, store, pool, client, user, metadata, source, device_used=True)
        challenge = self.mfa_challenge(pool, user)  # type: ignore[attr-defined]
        if challenge is None:
            return await self._signed_in(ctx, store, pool, client, user, metadata, source, device_used=True)
        return await self._mfa_step(ctx, store, pool, client, user, challenge, source, metadata)

    async def _refresh(self, ctx, store, pool, client, token: str, metadata: Params) -> Params:
        record = store.refresh_tokens.get(token)
        if record is None or record["ClientId"] != client["ClientId"] or record["Expires"] <= ctx.clock.now():
            raise not_authorized("Invalid Refresh Token")
        if record["OriginJti"] in store.revoked:
            raise not_authorized("Refresh Token has been revoked")
        user = self.find_user(store, pool, record["Username"])  # type: ignore[attr-defined]
        if user is None:
            raise not_authorized("Invalid Refresh Token")
        if not user["Enabled"]:
            raise not_authorized("User is disabled.")
        result = await self.issue_tokens(ctx, store, pool, client, user, "TokenGeneration_RefreshTokens", metadata,  # type: ignore[attr-defined]
                                         refresh=record)  # fmt: skip
        return {"ChallengeParameters": {}, "AuthenticationResult": result}

    async def get_tokens_from_refresh_token(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, client = self.client_anywhere(ctx, params["ClientId"])  # type: ignore[attr-defined]
        if client.get("ClientSecret") and params.get("ClientSecret") != client["ClientSecret"]:
            raise not_authorized(f"Unable to verify secret hash for client {client['ClientId']}")
        out = await self._refresh(ctx, store, pool, client, params["RefreshToken"], params.get("ClientMetadata") or {})
        return {"AuthenticationResult": out["AuthenticationResult"]}

    # -- challenges -------------------------------------------------------------------------------

    async def respond_to_auth_challenge(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, client = self.client_anywhere(ctx, params["ClientId"])  # type: ignore[attr-defined]
        return await self._respond(ctx, store, pool, client, params)

    async def admin_respond_to_auth_challenge(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, client = self.client(ctx, params["UserPoolId"], params["ClientId"])  # type: ignore[attr-defined]
        return await self._respond(ctx, store, pool, client, params)

    async def _respond(self, ctx, store, pool, client, params: Params) -> Params:
        name = params["ChallengeName"]
        responses = params.get("ChallengeResponses") or {}
        metadata = params.get("ClientMetadata") or {}
        username = responses.get("USERNAME")
        if username is None:
            raise invalid_parameter("Missing required parameter USERNAME")
        self.check_secret_hash(client, username, responses.get("SECRET_HASH"))
        if name == "PASSWORD_VERIFIER":
            return await self._password_verifier(ctx, store, pool, client, responses, metadata)
        if name == "DEVICE_SRP_AUTH":
            return self._device_srp(ctx, store, pool, client, responses, params.get("Session"))
        if name == "DEVICE_PASSWORD_VERIFIER":
            return await self._device_verifier(ctx, store, pool, client, responses, metadata)
        session = self._session(ctx, store, pool, client, params.get("Session"), name)
        user = self._known(client, self.find_user(store, pool, session["Username"]))  # type: ignore[attr-defined]
        if name == "NEW_PASSWORD_REQUIRED":
            password = responses.get("NEW_PASSWORD")
            if not password:
                raise invalid_parameter("Missing required parameter NEW_PASSWORD")
            check_password(pool, password)
            for key, value in responses.items():
                if key.startswith("userAttributes."):
                    user["Attributes"][key.split(".", 1)[1]] = value
            set_password(pool, user, password)
            user["UserStatus"] = "CONFIRMED"
            user.pop("TempExpires", None)
            self.save_user(store, pool, user)  # type: ignore[attr-defined]
            del store.sessions[session["Id"]]
            return await self._after_first_factor(ctx, store, pool, client, user, metadata,
                                                  "TokenGeneration_NewPasswordChallenge")  # fmt: skip
        if name == "SOFTWARE_TOKEN_MFA":
            if not self.totp_matches(ctx, user.get("Totp"), responses.get("SOFTWARE_TOKEN_MFA_CODE") or ""):  # type: ignore[attr-defined]
                raise ServiceError("CodeMismatchException", "Invalid code received for user")
            del store.sessions[session["Id"]]
            return await self._signed_in(ctx, store, pool, client, user, metadata, session.get("Source") or "TokenGeneration_Authentication")
        if name in ("SMS_MFA", "EMAIL_OTP", "SMS_OTP"):
            code = responses.get(f"{name}_CODE") or ""
            try:
                self.use_code(ctx, store, pool, user, name, code)  # type: ignore[attr-defined]
            except ServiceError as error:
                if error.code == "CodeMismatchException":
                    raise ServiceError("CodeMismatchException", "Invalid code received for user") from None
                raise
            del store.sessions[session["Id"]]
            return await self._signed_in(ctx, store, pool, client, user, metadata, session.get("Source") or "TokenGeneration_Authentication")
        if name == "SELECT_MFA_TYPE":
            answer = responses.get("ANSWER")
            if answer not in self.mfa_factors(pool, user):  # type: ignore[attr-defined]
                raise invalid_parameter(f"The MFA type {answer} is not available for this user.")  # not an AWS text
            del store.sessions[session["Id"]]
            return await self._mfa_step(ctx, store, pool, client, user, answer, session.get("Source") or "TokenGeneration_Authentication", metadata)
        if name == "SELECT_CHALLENGE":
            answer = responses.get("ANSWER")
            if answer not in available_first_factors(pool, user):
                raise invalid_parameter(f"The challenge {answer} is not available for this user.")  # not an AWS text
            del store.sessions[session["Id"]]
            return await self._first_factor(ctx, store, pool, client, user, answer, responses, params)
        if name == "MFA_SETUP":
            if not user.get("TotpEnabled"):
                raise invalid_parameter("Software token MFA has not been verified for the user.")  # not an AWS text
            del store.sessions[session["Id"]]
            return await self._signed_in(ctx, store, pool, client, user, metadata, session.get("Source") or "TokenGeneration_Authentication")
        if name == "CUSTOM_CHALLENGE":
            answer = await triggers.invoke(
                self.env, pool, "VerifyAuthChallengeResponse", "VerifyAuthChallengeResponse_Authentication", user["Username"],
                {"userAttributes": dict(user["Attributes"]), "privateChallengeParameters": session.get("Private") or {},
                 "challengeAnswer": responses.get("ANSWER", ""), "clientMetadata": metadata, "userNotFound": False},
                {"answerCorrect": False}, client["ClientId"],
            )  # fmt: skip
            session["Custom"].append({"challengeName": "CUSTOM_CHALLENGE", "challengeResult": bool((answer or {}).get("answerCorrect")),
                                      "challengeMetadata": session.get("Metadata")})  # fmt: skip
            store.sessions.save(session["Id"])
            return await self._define(ctx, store, pool, client, user, session)
        raise invalid_parameter(f"Invalid challenge name: {name}")

    async def _define(self, ctx, store, pool, client, user, session: Params) -> Params:
        metadata = session.get("metadata") or {}
        attrs = dict(user["Attributes"])
        answer = await triggers.invoke(
            self.env, pool, "DefineAuthChallenge", "DefineAuthChallenge_Authentication", user["Username"],
            {"userAttributes": attrs, "session": list(session["Custom"]), "clientMetadata": metadata, "userNotFound": False},
            {"challengeName": None, "issueTokens": False, "failAuthentication": False}, client["ClientId"],
        )  # fmt: skip
        if answer is None:
            raise invalid_parameter("Custom auth lambda trigger is not configured for the user pool.")
        if answer.get("failAuthentication"):
            del store.sessions[session["Id"]]
            raise not_authorized()
        if answer.get("issueTokens"):
            del store.sessions[session["Id"]]
            return await self._password_verified(ctx, store, pool, client, user, metadata)
        challenge = answer.get("challengeName")
        if challenge in ("PASSWORD_VERIFIER", "SRP_A") and session.get("SrpA"):
            return self._srp_challenge(ctx, store, pool, client, user, session["SrpA"], session)
        if challenge != "CUSTOM_CHALLENGE":
            raise ServiceError("InvalidLambdaResponseException", "Invalid challenge name returned by DefineAuthChallenge")
        created = await triggers.invoke(
            self.env, pool, "CreateAuthChallenge", "CreateAuthChallenge_Authentication", user["Username"],
            {"userAttributes": attrs, "challengeName": "CUSTOM_CHALLENGE", "session": list(session["Custom"]),
             "clientMetadata": metadata, "userNotFound": False},
            {"publicChallengeParameters": {}, "privateChallengeParameters": {}, "challengeMetadata": None}, client["ClientId"],
        ) or {}  # fmt: skip
        private, public = created.get("privateChallengeParameters"), created.get("publicChallengeParameters")
        session["Private"] = private if isinstance(private, dict) else {}
        session["Metadata"] = created.get("challengeMetadata")
        store.sessions.save(session["Id"])
        public = {str(k): str(v) for k, v in (public if isinstance(public, dict) else {}).items()}
        public["USERNAME"] = user["Username"]
        return {"ChallengeName": "CUSTOM_CHALLENGE", "Session": session["Id"], "ChallengeParameters": public}

    # -- signing out --------------------------------------------------------------------------------

    def global_sign_out(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, user, _ = self.token_user(ctx, params.get("AccessToken") or "")
        self._sign_out(ctx, store, pool, user)
        return {}

    def admin_user_global_sign_out(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        user = self.user(store, pool, params["Username"])  # type: ignore[attr-defined]
        self._sign_out(ctx, store, pool, user)
        return {}

    def _sign_out(self, ctx, store, pool, user) -> None:
        # Every sign-in made a refresh token of its origin jti: revoking those origins
        # revokes each access and ID token issued from them.
        for token, record in list(store.refresh_tokens.items()):
            if record["PoolId"] == pool["Id"] and record["Username"] == user["Username"]:
                store.revoked[record["OriginJti"]] = record["Expires"]
                del store.refresh_tokens[token]

    def revoke_token(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, client = self.client_anywhere(ctx, params["ClientId"])  # type: ignore[attr-defined]
        if client.get("ClientSecret") and params.get("ClientSecret") != client["ClientSecret"]:
            raise not_authorized(f"Unable to verify secret hash for client {client['ClientId']}" if params.get("ClientSecret")
                                 else f"Client {client['ClientId']} is configured with secret but ClientSecret was not received")  # fmt: skip
        if client.get("EnableTokenRevocation") is False:
            raise ServiceError("UnsupportedOperationException", "Token revocation is not enabled for this app client.")
        record = store.refresh_tokens.get(params["Token"])
        if record is None:
            if unverified_claims(params["Token"]):
                raise ServiceError("UnsupportedTokenTypeException", "Unsupported token type.")
            return {}
        if record["ClientId"] != client["ClientId"]:
            raise ServiceError("UnauthorizedException", "Token is not issued for this client.")
        store.revoked[record["OriginJti"]] = record["Expires"]
        del store.refresh_tokens[params["Token"]]
        return {}

    def _new_ids(self) -> tuple[str, str]:
        return str(uuid.uuid4()), str(uuid.uuid4())
