"""Amazon Cognito identity pools: identities for users of identity providers (or none),
OpenID tokens for them, and credentials from cloudtwin's STS for the pool's roles.

``GetCredentialsForIdentity`` asks STS (``AssumeRoleWithWebIdentity``, through the
internal client) for the authenticated or unauthenticated role with an OpenID token this
service signs (issuer ``https://cognito-identity.amazonaws.com``, audience the pool id,
``amr`` naming the providers), so the roles' trust policies are evaluated as AWS's are.
A user pool login (``cognito-idp.<region>.amazonaws.com/<pool-id>``) is an ID token
checked against that pool's JWKS, fetched from its issuer URL as any relying party does.
"""

from __future__ import annotations

import uuid
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cognito_identity.models import IdentityStore
from cloudtwin.services.cognito_idp.tokens import (
    PoolKeys, issuer_url, new_key, unverified_claims, verify_with_jwks,
)  # fmt: skip
from cloudtwin.services.provider import ServiceProvider

Params = dict[str, Any]
ISSUER = "https://cognito-identity.amazonaws.com"
_POOL_FIELDS = ("IdentityPoolName", "AllowUnauthenticatedIdentities", "AllowClassicFlow", "SupportedLoginProviders",
                "DeveloperProviderName", "OpenIdConnectProviderARNs", "CognitoIdentityProviders", "SamlProviderARNs")  # fmt: skip


def _not_found(message: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", message)


def _not_authorized(message: str) -> ServiceError:
    return ServiceError("NotAuthorizedException", message)


class Provider(ServiceProvider):
    service_name = "cognito-identity"
    store_class = IdentityStore

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.keys = PoolKeys()

    # -- finding ---------------------------------------------------------------------------

    def _pool(self, ctx: RequestContext, pool_id: str) -> tuple[Any, Params]:
        region = pool_id.split(":", 1)[0]
        found = None
        for (account, store_region), store in self.stores.items():  # type: ignore[union-attr]
            if store_region == region and pool_id in store.pools:
                if account == ctx.account_id:
                    return store, store.pools[pool_id]
                found = found or (store, store.pools[pool_id])
        if found is None:
            raise _not_found(f"IdentityPool '{pool_id}' not found.")
        return found

    def _identity(self, ctx: RequestContext, identity_id: str) -> tuple[Any, Params, Params]:
        region = identity_id.split(":", 1)[0]
        for (_, store_region), store in self.stores.items():  # type: ignore[union-attr]
            identity = store.identities.get(identity_id) if store_region == region else None
            if identity is not None and identity["IdentityPoolId"] in store.pools:
                return store, store.pools[identity["IdentityPoolId"]], identity
        raise _not_found(f"Identity '{identity_id}' not found.")

    # -- pools ----------------------------------------------------------------------------------

    def create_identity_pool(self, ctx: RequestContext, params: Params) -> Params:
        pool_id = f"{ctx.region}:{uuid.uuid4()}"
        pool = {k: params[k] for k in _POOL_FIELDS if k in params}
        pool["IdentityPoolId"] = pool_id
        pool["Tags"] = dict(params.get("IdentityPoolTags") or {})
        pool["Roles"], pool["RoleMappings"] = {}, {}
        ctx.store.pools[pool_id] = pool
        return self._view(pool)

    def _view(self, pool: Params) -> Params:
        out = {k: v for k, v in pool.items() if k not in ("Roles", "RoleMappings", "Tags")}
        out["IdentityPoolTags"] = dict(pool.get("Tags") or {})
        return out

    def describe_identity_pool(self, ctx: RequestContext, params: Params) -> Params:
        return self._view(self._pool(ctx, params["IdentityPoolId"])[1])

    def update_identity_pool(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self._pool(ctx, params["IdentityPoolId"])
        for name in _POOL_FIELDS:
            if name in params:
                pool[name] = params[name]
        if "IdentityPoolTags" in params:
            pool["Tags"] = dict(params["IdentityPoolTags"] or {})
        store.pools.save(pool["IdentityPoolId"])
        return self._view(pool)

    def delete_identity_pool(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self._pool(ctx, params["IdentityPoolId"])
        for key in [k for k, v in store.identities.items() if v["IdentityPoolId"] == pool["IdentityPoolId"]]:
            del store.identities[key]
        del store.pools[pool["IdentityPoolId"]]
        return {}

    def list_identity_pools(self, ctx: RequestContext, params: Params) -> Params:
        pools = [{"IdentityPoolId": p["IdentityPoolId"], "IdentityPoolName": p["IdentityPoolName"]}
                 for p in ctx.store.pools.values()]  # fmt: skip
        start = _start(params)
        out: Params = {"IdentityPools": pools[start : start + params["MaxResults"]]}
        if start + params["MaxResults"] < len(pools):
            out["NextToken"] = str(start + params["MaxResults"])
        return out

    def set_identity_pool_roles(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self._pool(ctx, params["IdentityPoolId"])
        pool["Roles"] = dict(params["Roles"])
        pool["RoleMappings"] = dict(params.get("RoleMappings") or {})
        store.pools.save(pool["IdentityPoolId"])
        return {}

    def get_identity_pool_roles(self, ctx: RequestContext, params: Params) -> Params:
        _, pool = self._pool(ctx, params["IdentityPoolId"])
        out: Params = {"IdentityPoolId": pool["IdentityPoolId"], "Roles": dict(pool.get("Roles") or {})}
        if pool.get("RoleMappings"):
            out["RoleMappings"] = pool["RoleMappings"]
        return out

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self._pool(ctx, params["ResourceArn"].rsplit("/", 1)[-1])
        pool.setdefault("Tags", {}).update(params["Tags"])
        store.pools.save(pool["IdentityPoolId"])
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self._pool(ctx, params["ResourceArn"].rsplit("/", 1)[-1])
        for key in params["TagKeys"]:
            pool.get("Tags", {}).pop(key, None)
        store.pools.save(pool["IdentityPoolId"])
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        return {"Tags": dict(self._pool(ctx, params["ResourceArn"].rsplit("/", 1)[-1])[1].get("Tags") or {})}

    # -- identities ---------------------------------------------------------------------------

    async def _check_logins(self, ctx: RequestContext, pool: Params, logins: dict[str, str],
                            claims_out: dict[str, Params] | None = None) -> dict[str, str]:  # fmt: skip
        """provider -> subject of each login, each token checked as AWS checks it (and its
        claims in ``claims_out``)."""
        subjects = {}
        for provider, token in logins.items():
            if provider.startswith("cognito-idp."):
                allowed = {p["ProviderName"]: p.get("ClientId") for p in pool.get("CognitoIdentityProviders") or ()}
                if provider not in allowed:
                    raise _not_authorized("Invalid login token. Issuer doesn't match providerName")
                claims = await self._verified_user_pool_token(ctx, provider, token)
                if allowed[provider] and claims.get("aud") != allowed[provider]:
                    raise _not_authorized("Invalid login token. Incorrect token audience.")
                subjects[provider] = str(claims.get("sub"))
                if claims_out is not None:
                    claims_out[provider] = claims
            elif provider == "cognito-identity.amazonaws.com":
                claims = self._own_token(ctx, pool, token)
                subjects[provider] = str(claims["sub"])
            elif provider in (pool.get("SupportedLoginProviders") or {}) or provider in (pool.get("OpenIdConnectProviderARNs") or []):
                claims = unverified_claims(token) or {}
                subjects[provider] = str(claims.get("sub") or token)
            else:
                raise _not_authorized(f"Invalid login token. Unknown provider: {provider}")  # not an AWS text
        return subjects

    def _own_token(self, ctx: RequestContext, pool: Params, token: str) -> Params:
        """The claims of an OpenID token this service issued for the pool (developer
        authenticated identities sign in with it)."""
        claims = unverified_claims(token) or {}
        store, _ = self._pool(ctx, pool["IdentityPoolId"])
        key = store.keys.get("key")
        if key is None or self.keys.verify(key["Key"], token) is None or claims.get("aud") != pool["IdentityPoolId"]:
            raise _not_authorized("Invalid login token. Couldn't verify signed token.")
        if claims.get("exp", 0) <= ctx.clock.now():
            raise _not_authorized(f"Invalid login token. Token expired: {int(claims['exp'])} >= {int(ctx.clock.now())}")
        return claims

    async def _verified_user_pool_token(self, ctx: RequestContext, provider: str, token: str) -> Params:
        import httpx

        claims = unverified_claims(token)
        if not claims or claims.get("token_use") != "id":
            raise _not_authorized("Invalid login token. Not a valid OpenId Connect identity token.")
        pool_id = provider.rsplit("/", 1)[-1]
        iss = str(claims.get("iss") or "")
        # Only cloudtwin's own issuer is asked for keys (the network stays on loopback).
        if iss != issuer_url(self.env.config, pool_id):
            raise _not_authorized("Invalid login token. Issuer doesn't match providerName")
        if claims.get("exp", 0) <= ctx.clock.now():
            raise _not_authorized("Invalid login token. Token expired: "
                                  f"{int(claims.get('exp', 0))} >= {int(ctx.clock.now())}")  # fmt: skip
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                jwks = (await client.get(f"{iss}/.well-known/jwks.json")).json()
        except (httpx.HTTPError, ValueError):
            raise _not_authorized("Invalid login token. Couldn't verify signed token.") from None
        if not verify_with_jwks(token, jwks):
            raise _not_authorized("Invalid login token. Couldn't verify signed token.")
        return claims

    async def get_id(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self._pool(ctx, params["IdentityPoolId"])
        logins = params.get("Logins") or {}
        if not logins and not pool.get("AllowUnauthenticatedIdentities"):
            raise _not_authorized("Unauthenticated access is not supported for this identity pool.")
        subjects = await self._check_logins(ctx, pool, logins)
        for identity_id, identity in store.identities.items():
            if identity["IdentityPoolId"] == pool["IdentityPoolId"] and subjects and any(
                identity["Logins"].get(p) == s for p, s in subjects.items()
            ):
                return {"IdentityId": identity_id}
        identity_id = f"{pool['IdentityPoolId'].split(':', 1)[0]}:{uuid.uuid4()}"
        now = ctx.clock.now()
        store.identities[identity_id] = {"IdentityPoolId": pool["IdentityPoolId"], "Logins": subjects,
                                         "CreationDate": now, "LastModifiedDate": now}  # fmt: skip
        return {"IdentityId": identity_id}

    def _signing_key(self, store: Any) -> Params:
        key = store.keys.get("key")
        if key is None:
            pem, kid = new_key()
            key = store.keys["key"] = {"Key": pem, "Kid": kid}
        return key

    async def _open_id_token(self, ctx: RequestContext, params: Params,
                             claims: dict[str, Params] | None = None) -> tuple[Any, Params, str, str, bool]:  # fmt: skip
        store, pool, identity = self._identity(ctx, params["IdentityId"])
        logins = params.get("Logins") or {}
        subjects = await self._check_logins(ctx, pool, logins, claims)
        if subjects:
            identity["Logins"].update(subjects)
            identity["LastModifiedDate"] = ctx.clock.now()
            store.identities.save(params["IdentityId"])
        elif identity["Logins"] or not pool.get("AllowUnauthenticatedIdentities"):
            raise _not_authorized("Logins don't match. Please include at least one valid login for this identity or identity pool.")  # noqa: E501
        amr = ["authenticated", *subjects] if subjects else ["unauthenticated"]
        token = self._sign(ctx, store, pool, params["IdentityId"], amr, 600)
        return store, pool, token, params["IdentityId"], bool(subjects)

    def _sign(self, ctx: RequestContext, store: Any, pool: Params, identity_id: str, amr: list[str], life: int) -> str:
        now = int(ctx.clock.now())
        key = self._signing_key(store)
        pool_id = pool["IdentityPoolId"]
        return self.keys.sign(key["Key"], key["Kid"], {
            "sub": identity_id, "aud": pool_id, "amr": amr, "iss": ISSUER, "exp": now + life, "iat": now,
            "https://cognito-identity.amazonaws.com/identity-pool-arn":
                f"arn:{ctx.partition}:cognito-identity:{pool_id.split(':')[0]}:{store.account_id}:identitypool/{pool_id}",
        })  # fmt: skip

    # -- developer authenticated identities -----------------------------------------------------

    def _developer_login(self, pool: Params, logins: dict[str, str]) -> str:
        name = pool.get("DeveloperProviderName")
        if not name or name not in logins:
            raise _not_authorized("Invalid login token. Unknown developer provider.")  # not an AWS text
        return logins[name]

    def get_open_id_token_for_developer_identity(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self._pool(ctx, params["IdentityPoolId"])
        user_id = self._developer_login(pool, params["Logins"])
        provider = pool["DeveloperProviderName"]
        identity_id = next((i for i, v in store.identities.items()
                            if v["IdentityPoolId"] == pool["IdentityPoolId"] and v["Logins"].get(provider) == user_id), None)  # fmt: skip
        now = ctx.clock.now()
        if identity_id is None:
            identity_id = params.get("IdentityId") or f"{pool['IdentityPoolId'].split(':', 1)[0]}:{uuid.uuid4()}"
            identity = store.identities.get(identity_id) or {"IdentityPoolId": pool["IdentityPoolId"], "Logins": {},
                                                             "CreationDate": now}  # fmt: skip
            identity["Logins"][provider] = user_id
            identity["LastModifiedDate"] = now
            store.identities[identity_id] = identity
        token = self._sign(ctx, store, pool, identity_id, ["authenticated", provider], params.get("TokenDuration") or 900)
        return {"IdentityId": identity_id, "Token": token}

    def lookup_developer_identity(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self._pool(ctx, params["IdentityPoolId"])
        provider = pool.get("DeveloperProviderName") or ""
        for identity_id, identity in store.identities.items():
            if identity["IdentityPoolId"] != pool["IdentityPoolId"] or provider not in identity["Logins"]:
                continue
            if params.get("IdentityId") in (None, identity_id) and params.get("DeveloperUserIdentifier") in (
                None, identity["Logins"][provider]
            ):
                return {"IdentityId": identity_id, "DeveloperUserIdentifierList": [identity["Logins"][provider]]}
        raise _not_found("Identity not found.")  # not an AWS text

    def unlink_developer_identity(self, ctx: RequestContext, params: Params) -> Params:
        store, _, identity = self._identity(ctx, params["IdentityId"])
        if identity["Logins"].get(params["DeveloperProviderName"]) == params["DeveloperUserIdentifier"]:
            del identity["Logins"][params["DeveloperProviderName"]]
            store.identities.save(params["IdentityId"])
        return {}

    async def get_open_id_token(self, ctx: RequestContext, params: Params) -> Params:
        _, _, token, identity_id, _ = await self._open_id_token(ctx, params)
        return {"IdentityId": identity_id, "Token": token}

    async def get_credentials_for_identity(self, ctx: RequestContext, params: Params) -> Params:
        claims: dict[str, Params] = {}
        store, pool, token, identity_id, authenticated = await self._open_id_token(ctx, params, claims)
        role = _mapped_role(pool, claims, params.get("CustomRoleArn")) if authenticated else None
        role = role or params.get("CustomRoleArn") or (pool.get("Roles") or {}).get("authenticated" if authenticated else "unauthenticated")
        if not role:
            raise ServiceError("InvalidIdentityPoolConfigurationException",
                               "Invalid identity pool configuration. Check assigned IAM roles for this pool.")  # fmt: skip
        try:
            out = await self.env.internal.call_async(
                "sts", "AssumeRoleWithWebIdentity",
                {"RoleArn": role, "RoleSessionName": "CognitoIdentityCredentials", "WebIdentityToken": token},
                account_id=role.split(":")[4] if role.count(":") >= 5 else store.account_id, region=store.region,
            )  # fmt: skip
        except ServiceError as error:
            if error.code in ("AccessDenied", "InvalidIdentityToken", "ValidationError"):
                raise ServiceError("InvalidIdentityPoolConfigurationException",
                                   "Invalid identity pool configuration. Check assigned IAM roles for this pool.") from None  # fmt: skip
            raise
        creds = out["Credentials"]
        return {"IdentityId": identity_id, "Credentials": {
            "AccessKeyId": creds["AccessKeyId"], "SecretKey": creds["SecretAccessKey"],
            "SessionToken": creds["SessionToken"], "Expiration": creds["Expiration"]}}  # fmt: skip

    def describe_identity(self, ctx: RequestContext, params: Params) -> Params:
        _, _, identity = self._identity(ctx, params["IdentityId"])
        return {"IdentityId": params["IdentityId"], "Logins": list(identity["Logins"]),
                "CreationDate": identity["CreationDate"], "LastModifiedDate": identity["LastModifiedDate"]}  # fmt: skip

    def list_identities(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self._pool(ctx, params["IdentityPoolId"])
        items = [{"IdentityId": i, "Logins": list(v["Logins"]), "CreationDate": v["CreationDate"],
                  "LastModifiedDate": v["LastModifiedDate"]}
                 for i, v in store.identities.items() if v["IdentityPoolId"] == pool["IdentityPoolId"]]  # fmt: skip
        start = _start(params)
        out: Params = {"IdentityPoolId": pool["IdentityPoolId"], "Identities": items[start : start + params["MaxResults"]]}
        if start + params["MaxResults"] < len(items):
            out["NextToken"] = str(start + params["MaxResults"])
        return out

    def delete_identities(self, ctx: RequestContext, params: Params) -> Params:
        unprocessed = []
        for identity_id in params["IdentityIdsToDelete"]:
            try:
                store, _, _ = self._identity(ctx, identity_id)
            except ServiceError:
                unprocessed.append({"IdentityId": identity_id, "ErrorCode": "InternalServerError"})
                continue
            del store.identities[identity_id]
        return {"UnprocessedIdentityIds": unprocessed}



def _start(params: Params) -> int:
    try:
        return int(params.get("NextToken") or 0)
    except ValueError:
        raise ServiceError("InvalidParameterException", "Invalid pagination token.") from None  # not an AWS text


_MATCH = {
    "Equals": lambda actual, value: actual == value,
    "Contains": lambda actual, value: value in actual,
    "StartsWith": lambda actual, value: actual.startswith(value),
    "NotEqual": lambda actual, value: actual != value,
}


def _mapped_role(pool: Params, claims: dict[str, Params], custom: str | None) -> str | None:
    """The role a pool's RoleMappings give a signed-in user: ``Token`` (the ID token's
    ``cognito:preferred_role``, or the custom role when it is one of ``cognito:roles``) or
    ``Rules`` (the first rule whose claim matches). None: the authenticated role applies;
    refused when the mapping says ``Deny`` for an ambiguous case."""
    for provider, mapping in (pool.get("RoleMappings") or {}).items():
        token = claims.get(provider)
        if token is None:
            continue
        role = None
        if mapping.get("Type") == "Token":
            roles = token.get("cognito:roles") or []
            role = custom if custom in roles else token.get("cognito:preferred_role")
        elif mapping.get("Type") == "Rules":
            for rule in (mapping.get("RulesConfiguration") or {}).get("Rules") or []:
                actual = token.get(rule["Claim"])
                if isinstance(actual, list):
                    actual = " ".join(str(a) for a in actual)
                if actual is not None and _MATCH.get(rule["MatchType"], _MATCH["Equals"])(str(actual), rule["Value"]):
                    role = rule["RoleARN"]
                    break
        if role:
            return role
        if mapping.get("AmbiguousRoleResolution") == "Deny":
            raise ServiceError("InvalidIdentityPoolConfigurationException",
                               "Invalid identity pool configuration. Check assigned IAM roles for this pool.")  # fmt: skip
    return None
