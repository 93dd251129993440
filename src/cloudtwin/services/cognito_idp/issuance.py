"""Issuing ID, access and refresh tokens with AWS's claims, through the pre token
generation trigger (v1: ID token claims and groups; v2: both tokens' claims and scopes)."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from cloudtwin.services.cognito_idp import triggers
from cloudtwin.services.cognito_idp.auth import validity
from cloudtwin.services.cognito_idp.tokens import issuer_url, opaque_token, pool_key

Params = dict[str, Any]
_PROTECTED = {"iss", "sub", "aud", "exp", "iat", "jti", "token_use", "auth_time", "origin_jti", "event_id",
              "cognito:username", "client_id", "username", "scope", "nonce", "at_hash", "acr", "amr"}  # fmt: skip
ADMIN_SCOPE = "aws.cognito.signin.user.admin"


def _claim_value(name: str, value: str) -> Any:
    if name.endswith("_verified"):
        return value == "true"
    return value


class TokenIssuer:
    env: Any
    keys: Any

    def issuer(self, pool_id: str) -> str:
        return issuer_url(self.env.config, pool_id)

    async def issue_tokens(
        self, ctx: Any, store: Any, pool: Params, client: Params, user: Params, source: str,
        metadata: Params | None = None, refresh: Params | None = None, scopes: list[str] | None = None,
        nonce: str | None = None,
    ) -> Params:  # fmt: skip
        now = int(ctx.clock.now())
        origin = refresh["OriginJti"] if refresh else str(uuid.uuid4())
        auth_time = refresh["AuthTime"] if refresh else now
        event_id = str(uuid.uuid4())
        groups = [g for g in user.get("Groups", []) if (pool["Id"], g) in store.groups]
        groups.sort(key=lambda g: (store.groups[(pool["Id"], g)].get("Precedence") is None,
                                   store.groups[(pool["Id"], g)].get("Precedence") or 0))  # fmt: skip
        roles = [store.groups[(pool["Id"], g)]["RoleArn"] for g in groups if store.groups[(pool["Id"], g)].get("RoleArn")]
        scopes = list(scopes) if scopes is not None else [ADMIN_SCOPE]
        username = user["Username"]
        iss = self.issuer(pool["Id"])
        id_claims: Params = {"sub": user["Attributes"]["sub"]}
        for name, value in user["Attributes"].items():
            if name != "sub":
                id_claims[name] = _claim_value(name, value)
        id_claims.update({
            "iss": iss, "cognito:username": username, "origin_jti": origin, "aud": client["ClientId"],
            "event_id": event_id, "token_use": "id", "auth_time": auth_time,
        })  # fmt: skip
        if nonce:
            id_claims["nonce"] = nonce
        access: Params = {
            "sub": user["Attributes"]["sub"], "iss": iss, "client_id": client["ClientId"], "origin_jti": origin,
            "event_id": event_id, "token_use": "access", "scope": " ".join(scopes), "auth_time": auth_time,
            "username": username,
        }  # fmt: skip
        version = triggers.token_trigger_version(pool)
        request: Params = {
            "userAttributes": dict(user["Attributes"]),
            "groupConfiguration": {"groupsToOverride": list(groups), "iamRolesToOverride": list(roles), "preferredRole": roles[0] if roles else None},
            "clientMetadata": metadata or {},
        }  # fmt: skip
        if version != "1":
            request["scopes"] = list(scopes)
        answer = await triggers.invoke(self.env, pool, "PreTokenGeneration", source, username, request,
                                       {"claimsOverrideDetails": None} if version == "1" else {"claimsAndScopeOverrideDetails": None},
                                       client["ClientId"], version)  # fmt: skip
        preferred = None
        id_extra: Params = {}
        access_extra: Params = {}
        if answer:
            details = answer.get("claimsOverrideDetails") if version == "1" else answer.get("claimsAndScopeOverrideDetails")
            details = _dict(details)
            override = _dict(details.get("groupOverrideDetails"))
            if override.get("groupsToOverride") is not None:
                groups = list(override["groupsToOverride"])
            if override.get("iamRolesToOverride") is not None:
                roles = list(override["iamRolesToOverride"])
            preferred = override.get("preferredRole")
            if version == "1":
                id_extra = details
            else:
                id_extra = _dict(details.get("idTokenGeneration"))
                access_extra = _dict(details.get("accessTokenGeneration"))
                added = [a for a in access_extra.get("scopesToAdd") or [] if isinstance(a, str)]
                removed = {r for r in access_extra.get("scopesToSuppress") or [] if isinstance(r, str)}
                scopes = [s for s in scopes + [a for a in added if a not in scopes] if s not in removed]
                access["scope"] = " ".join(scopes)
        if groups:
            id_claims["cognito:groups"] = groups
            access["cognito:groups"] = groups
        if roles:
            id_claims["cognito:roles"] = roles
            id_claims["cognito:preferred_role"] = preferred or roles[0]
        _apply(id_claims, id_extra)
        _apply(access, access_extra)
        if not access.get("scope"):
            access.pop("scope")
        id_life = validity(client, "IdToken", "hours", 3600)
        access_life = validity(client, "AccessToken", "hours", 3600)
        id_claims.update({"exp": now + id_life, "iat": now, "jti": str(uuid.uuid4())})
        access.update({"exp": now + access_life, "iat": now, "jti": str(uuid.uuid4())})
        pem, kid = pool_key(store, pool)
        result: Params = {
            "AccessToken": self.keys.sign(pem, kid, access),
            "ExpiresIn": access_life, "TokenType": "Bearer",
        }  # fmt: skip
        if ADMIN_SCOPE in scopes or "openid" in scopes:
            result["IdToken"] = self.keys.sign(pem, kid, id_claims)
        if refresh is None:
            token = opaque_token()
            store.refresh_tokens[token] = {
                "PoolId": pool["Id"], "ClientId": client["ClientId"], "Username": username, "OriginJti": origin,
                "AuthTime": auth_time, "Expires": now + validity(client, "RefreshToken", "days", 30 * 86400),
                "Scopes": scopes if scopes != [ADMIN_SCOPE] else None,
            }  # fmt: skip
            result["RefreshToken"] = token
        return result

    async def client_credentials_token(self, ctx: Any, store: Any, pool: Params, client: Params, scopes: list[str]) -> Params:
        """A machine-to-machine access token; a pool whose pre token generation trigger is
        version 3 (``V3_0``) lets it change the claims and scopes
        (``TokenGeneration_ClientCredentials``)."""
        now = int(ctx.clock.now())
        life = validity(client, "AccessToken", "hours", 3600)
        claims: Params = {
            "sub": client["ClientId"], "token_use": "access", "scope": " ".join(scopes), "auth_time": now,
            "iss": self.issuer(pool["Id"]), "exp": now + life, "iat": now, "version": 2, "jti": str(uuid.uuid4()),
            "client_id": client["ClientId"],
        }  # fmt: skip
        if triggers.token_trigger_version(pool) == "3":
            answer = await triggers.invoke(
                self.env, pool, "PreTokenGeneration", "TokenGeneration_ClientCredentials", client["ClientId"],
                {"userAttributes": {}, "groupConfiguration": {"groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": None},
                 "scopes": list(scopes), "clientMetadata": {}},
                {"claimsAndScopeOverrideDetails": None}, client["ClientId"], "3",
            )  # fmt: skip
            access = _dict(_dict((answer or {}).get("claimsAndScopeOverrideDetails")).get("accessTokenGeneration"))
            _apply(claims, access)
            added = [a for a in access.get("scopesToAdd") or [] if isinstance(a, str) and a not in scopes]
            removed = {r for r in access.get("scopesToSuppress") or [] if isinstance(r, str)}
            claims["scope"] = " ".join(s for s in scopes + added if s not in removed)
        token = self.keys.sign(*pool_key(store, pool), claims)
        return {"access_token": token, "expires_in": life, "token_type": "Bearer"}


def _dict(value: Any) -> Params:
    """A trigger's answer part as a dict (anything else: nothing to apply)."""
    return value if isinstance(value, dict) else {}


def _apply(claims: Params, details: Params) -> None:
    for name, value in copy.deepcopy(_dict(details.get("claimsToAddOrOverride"))).items():
        if name not in _PROTECTED:
            claims[name] = value
    suppressed = details.get("claimsToSuppress")
    for name in suppressed if isinstance(suppressed, list) else []:
        if isinstance(name, str) and name not in _PROTECTED:
            claims.pop(name, None)
