"""User pools, app clients, groups, domains and resource servers: the control plane.

A pool id is ``<region>_<9 letters and digits>``: its region names the store it lives in,
so a call signed for another region (or not signed at all, as the sign-in operations are)
still finds it. Unsigned calls find an app client by id in any store.
"""

from __future__ import annotations

import copy
import secrets
import string
import uuid
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cognito_idp import schema
from cloudtwin.services.cognito_idp.errors import (
    client_not_found, invalid_parameter, not_found, pool_not_found,
)  # fmt: skip

Params = dict[str, Any]
_ALNUM = string.ascii_letters + string.digits
_CLIENT_ID = string.ascii_lowercase + string.digits

DEFAULT_PASSWORD_POLICY = {
    "MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True,
    "RequireSymbols": True, "TemporaryPasswordValidityDays": 7,
}  # fmt: skip
#: UserPoolType members a pool keeps as given (CreateUserPool / UpdateUserPool).
_POOL_SETTINGS = (
    "LambdaConfig", "AutoVerifiedAttributes", "AliasAttributes", "UsernameAttributes", "SmsVerificationMessage",
    "EmailVerificationMessage", "EmailVerificationSubject", "VerificationMessageTemplate", "SmsAuthenticationMessage",
    "UserAttributeUpdateSettings", "MfaConfiguration", "DeviceConfiguration", "EmailConfiguration", "SmsConfiguration",
    "UserPoolTags", "AdminCreateUserConfig", "UserPoolAddOns", "UsernameConfiguration", "AccountRecoverySetting",
    "DeletionProtection", "UserPoolTier",
)  # fmt: skip
_CLIENT_SETTINGS = (
    "RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits", "ReadAttributes",
    "WriteAttributes", "ExplicitAuthFlows", "SupportedIdentityProviders", "CallbackURLs", "LogoutURLs",
    "DefaultRedirectURI", "AllowedOAuthFlows", "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration", "PreventUserExistenceErrors", "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData", "AuthSessionValidity", "RefreshTokenRotation",
)  # fmt: skip


def region_of(pool_id: str) -> str:
    return pool_id.split("_", 1)[0]


def first_factors(pool: Params) -> list[str]:
    """The sign-in policy's first factors (``PASSWORD``, ``EMAIL_OTP``, ``SMS_OTP``...)."""
    return ((pool.get("Policies") or {}).get("SignInPolicy") or {}).get("AllowedFirstAuthFactors") or ["PASSWORD"]


def public(record: Params) -> Params:
    return {k: v for k, v in record.items() if not k.startswith("_")}


class PoolHandlers:
    """Mixed into the provider: ``self.stores``, ``self.env`` are the provider's."""

    stores: Any
    env: Any

    # -- finding things -----------------------------------------------------------------

    def store_for(self, ctx: RequestContext, pool_id: str) -> Any:
        region = region_of(pool_id)
        if not region or "_" not in pool_id:
            raise pool_not_found(pool_id)
        return self.stores.get(ctx.account_id, region)

    def pool(self, ctx: RequestContext, pool_id: str) -> tuple[Any, Params]:
        store = self.store_for(ctx, pool_id)
        pool = store.pools.get(pool_id)
        if pool is None:
            raise pool_not_found(pool_id)
        return store, pool

    def client_anywhere(self, ctx: RequestContext, client_id: str) -> tuple[Any, Params, Params]:
        """(store, pool, client) of an app client by id: the caller's store first, then any
        (the sign-in operations are unsigned: no account or region comes with them)."""
        first = self.stores.get(ctx.account_id, ctx.region)
        candidates = [first] + [s for _, s in self.stores.items() if s is not first]
        for store in candidates:
            client = store.clients.get(client_id)
            if client is not None and client["UserPoolId"] in store.pools:
                return store, store.pools[client["UserPoolId"]], client
        raise client_not_found(client_id)

    def client(self, ctx: RequestContext, pool_id: str, client_id: str) -> tuple[Any, Params, Params]:
        store, pool = self.pool(ctx, pool_id)
        client = store.clients.get(client_id)
        if client is None or client["UserPoolId"] != pool_id:
            raise client_not_found(client_id)
        return store, pool, client

    def group(self, store: Any, pool_id: str, name: str) -> Params:
        group = store.groups.get((pool_id, name))
        if group is None:
            raise not_found("Group not found.")
        return group

    # -- pools ----------------------------------------------------------------------------

    def create_user_pool(self, ctx: RequestContext, params: Params) -> Params:
        store = ctx.store
        while True:
            pool_id = f"{ctx.region}_" + "".join(secrets.choice(_ALNUM) for _ in range(9))
            if pool_id not in store.pools:
                break
        now = ctx.clock.now()
        policies = copy.deepcopy(params.get("Policies") or {})
        policy = dict(DEFAULT_PASSWORD_POLICY)
        policy.update(policies.get("PasswordPolicy") or {})
        policies["PasswordPolicy"] = policy
        policies.setdefault("SignInPolicy", {"AllowedFirstAuthFactors": ["PASSWORD"]})
        pool: Params = {
            "Id": pool_id, "Name": params["PoolName"], "Policies": policies, "DeletionProtection": "INACTIVE",
            "LambdaConfig": {}, "LastModifiedDate": now, "CreationDate": now,
            "SchemaAttributes": schema.merge_schema(schema.standard_schema(), params.get("Schema"), custom_only=False),
            "VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_CODE"},
            "MfaConfiguration": "OFF", "EstimatedNumberOfUsers": 0,
            "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False, "UnusedAccountValidityDays": 7},
            "Arn": f"arn:{ctx.partition}:cognito-idp:{ctx.region}:{ctx.account_id}:userpool/{pool_id}",
            "UserPoolTier": "ESSENTIALS", "UserPoolTags": {},
            "_Key": None, "_Kid": None,  # made on first use (tokens.pool_key)
        }  # fmt: skip
        for name in _POOL_SETTINGS:
            if params.get(name) is not None:
                pool[name] = copy.deepcopy(params[name])
        admin = pool["AdminCreateUserConfig"]
        if "TemporaryPasswordValidityDays" in (params.get("Policies") or {}).get("PasswordPolicy", {}):
            admin.setdefault("UnusedAccountValidityDays", policy["TemporaryPasswordValidityDays"])
        if pool.get("UsernameConfiguration") is None:
            pool["UsernameConfiguration"] = {"CaseSensitive": False}
        pool["SoftwareTokenMfa"] = pool.get("MfaConfiguration") != "OFF"
        store.pools[pool_id] = pool
        return {"UserPool": self.pool_view(store, pool)}

    def pool_view(self, store: Any, pool: Params) -> Params:
        out = public(pool)
        out.pop("SoftwareTokenMfa", None)
        out["EstimatedNumberOfUsers"] = sum(1 for key in store.users if key[0] == pool["Id"])
        domain = next((d for d, rec in store.domains.items() if rec["UserPoolId"] == pool["Id"]), None)
        if domain is not None:
            out[("CustomDomain" if "." in domain else "Domain")] = domain
        return out

    def describe_user_pool(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        return {"UserPool": self.pool_view(store, pool)}

    def list_user_pools(self, ctx: RequestContext, params: Params) -> Params:
        pools = [{
            "Id": p["Id"], "Name": p["Name"], "LambdaConfig": p.get("LambdaConfig") or {},
            "LastModifiedDate": p["LastModifiedDate"], "CreationDate": p["CreationDate"],
        } for p in ctx.store.pools.values()]  # fmt: skip
        return paged(params, pools, "UserPools")

    def update_user_pool(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        for name in _POOL_SETTINGS:
            if name in params:
                pool[name] = copy.deepcopy(params[name])
        if "Policies" in params:
            policy = dict(DEFAULT_PASSWORD_POLICY)
            policy.update((params["Policies"] or {}).get("PasswordPolicy") or {})
            pool["Policies"] = {**copy.deepcopy(params["Policies"]), "PasswordPolicy": policy}
            pool["Policies"].setdefault("SignInPolicy", {"AllowedFirstAuthFactors": ["PASSWORD"]})
        if "MfaConfiguration" in params:
            pool["SoftwareTokenMfa"] = params["MfaConfiguration"] != "OFF"
        pool["LastModifiedDate"] = ctx.clock.now()
        store.pools.save(pool["Id"])
        return {}

    def delete_user_pool(self, ctx: RequestContext, params: Params) -> Params:
        pool_id = params["UserPoolId"]
        store, pool = self.pool(ctx, pool_id)
        if pool.get("DeletionProtection") == "ACTIVE":
            raise invalid_parameter("The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.")  # noqa: E501
        for table in (store.users, store.groups, store.resource_servers, store.identity_providers, store.import_jobs):
            for key in [k for k in table if k[0] == pool_id]:
                del table[key]
        for table in (store.clients, store.domains, store.refresh_tokens, store.sessions, store.codes, store.auth_codes):
            for key in [k for k, v in table.items() if v.get("UserPoolId", v.get("PoolId")) == pool_id]:
                del table[key]
        del store.pools[pool_id]
        return {}

    def add_custom_attributes(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        pool["SchemaAttributes"] = schema.merge_schema(pool["SchemaAttributes"], params["CustomAttributes"], custom_only=True)
        store.pools.save(pool["Id"])
        return {}

    def set_user_pool_mfa_config(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        if "MfaConfiguration" in params:
            pool["MfaConfiguration"] = params["MfaConfiguration"]
        if "SoftwareTokenMfaConfiguration" in params:
            pool["SoftwareTokenMfa"] = bool(params["SoftwareTokenMfaConfiguration"].get("Enabled"))
        for name in ("SmsMfaConfiguration", "EmailMfaConfiguration", "WebAuthnConfiguration"):
            if name in params:
                pool[f"_{name}"] = params[name]
        store.pools.save(pool["Id"])
        return self._mfa_config(pool)

    def get_user_pool_mfa_config(self, ctx: RequestContext, params: Params) -> Params:
        return self._mfa_config(self.pool(ctx, params["UserPoolId"])[1])

    def _mfa_config(self, pool: Params) -> Params:
        out: Params = {
            "MfaConfiguration": pool.get("MfaConfiguration", "OFF"),
            "SoftwareTokenMfaConfiguration": {"Enabled": bool(pool.get("SoftwareTokenMfa"))},
        }
        for name in ("SmsMfaConfiguration", "EmailMfaConfiguration", "WebAuthnConfiguration"):
            if pool.get(f"_{name}"):
                out[name] = pool[f"_{name}"]
        return out

    # -- app clients ----------------------------------------------------------------------

    def create_user_pool_client(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        client_id = "".join(secrets.choice(_CLIENT_ID) for _ in range(26))
        now = ctx.clock.now()
        client: Params = {
            "UserPoolId": pool["Id"], "ClientName": params["ClientName"], "ClientId": client_id,
            "LastModifiedDate": now, "CreationDate": now, "RefreshTokenValidity": 30,
            "TokenValidityUnits": {}, "AllowedOAuthFlowsUserPoolClient": False,
            "EnableTokenRevocation": True, "EnablePropagateAdditionalUserContextData": False,
            "AuthSessionValidity": 3, "PreventUserExistenceErrors": "LEGACY",
        }  # fmt: skip
        self._client_settings(client, params)
        if params.get("GenerateSecret"):
            client["ClientSecret"] = "".join(secrets.choice(_CLIENT_ID) for _ in range(51))
        store.clients[client_id] = client
        return {"UserPoolClient": public(client)}

    def _client_settings(self, client: Params, params: Params) -> None:
        for name in _CLIENT_SETTINGS:
            if name in params and params[name] is not None:
                client[name] = copy.deepcopy(params[name])
        flows = client.get("ExplicitAuthFlows")
        if flows:
            legacy = {"ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH", "CUSTOM_AUTH_FLOW_ONLY": "ALLOW_CUSTOM_AUTH",
                      "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH"}  # fmt: skip
            if any(f in legacy for f in flows) and any(f.startswith("ALLOW_") for f in flows):
                raise invalid_parameter("ExplicitAuthFlows can not have both ALLOW_XXX and legacy values.")
        scopes = client.get("AllowedOAuthScopes") or []
        if client.get("AllowedOAuthFlows") and not client.get("AllowedOAuthFlowsUserPoolClient"):
            raise invalid_parameter("AllowedOAuthFlowsUserPoolClient must be true when AllowedOAuthFlows are set.")
        if "client_credentials" in (client.get("AllowedOAuthFlows") or []) and not scopes:
            raise invalid_parameter("AllowedOAuthScopes must be specified when using client_credentials flow.")

    def describe_user_pool_client(self, ctx: RequestContext, params: Params) -> Params:
        _, _, client = self.client(ctx, params["UserPoolId"], params["ClientId"])
        return {"UserPoolClient": public(client)}

    def update_user_pool_client(self, ctx: RequestContext, params: Params) -> Params:
        store, _, client = self.client(ctx, params["UserPoolId"], params["ClientId"])
        if params.get("ClientName"):
            client["ClientName"] = params["ClientName"]
        self._client_settings(client, params)
        client["LastModifiedDate"] = ctx.clock.now()
        store.clients.save(client["ClientId"])
        return {"UserPoolClient": public(client)}

    def delete_user_pool_client(self, ctx: RequestContext, params: Params) -> Params:
        store, _, client = self.client(ctx, params["UserPoolId"], params["ClientId"])
        del store.clients[client["ClientId"]]
        return {}

    def list_user_pool_clients(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        clients = [c for c in store.clients.values() if c["UserPoolId"] == pool["Id"]]
        return paged(params, [{"ClientId": c["ClientId"], "UserPoolId": c["UserPoolId"], "ClientName": c["ClientName"]}
                              for c in clients], "UserPoolClients", limit=60)  # fmt: skip

    # -- groups -------------------------------------------------------------------------------

    def create_group(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        key = (pool["Id"], params["GroupName"])
        if key in store.groups:
            raise ServiceError("GroupExistsException", "A group with the name already exists.")
        now = ctx.clock.now()
        group = {"GroupName": params["GroupName"], "UserPoolId": pool["Id"], "LastModifiedDate": now, "CreationDate": now}
        for name in ("Description", "RoleArn", "Precedence"):
            if params.get(name) is not None:
                group[name] = params[name]
        store.groups[key] = group
        return {"Group": dict(group)}

    def get_group(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        return {"Group": dict(self.group(store, pool["Id"], params["GroupName"]))}

    def update_group(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        group = self.group(store, pool["Id"], params["GroupName"])
        for name in ("Description", "RoleArn", "Precedence"):
            if name in params:
                group[name] = params[name]
        group["LastModifiedDate"] = ctx.clock.now()
        store.groups.save((pool["Id"], params["GroupName"]))
        return {"Group": dict(group)}

    def delete_group(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        self.group(store, pool["Id"], params["GroupName"])
        del store.groups[(pool["Id"], params["GroupName"])]
        for key, user in store.users.items():
            if key[0] == pool["Id"] and params["GroupName"] in user.get("Groups", ()):
                user["Groups"].remove(params["GroupName"])
                store.users.save(key)
        return {}

    def list_groups(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        groups = [dict(g) for k, g in store.groups.items() if k[0] == pool["Id"]]
        return paged(params, groups, "Groups", token="NextToken", limit_name="Limit")

    # -- domains and resource servers ---------------------------------------------------------

    @staticmethod
    def _check_login_version(params: Params) -> None:
        """ManagedLoginVersion is 1 (hosted UI, classic) or 2 (managed login), as its
        documentation says: another number names no branding version."""
        version = params.get("ManagedLoginVersion")
        if version is not None and version not in (1, 2):
            raise invalid_parameter(f"Invalid ManagedLoginVersion: {version}. Valid values are 1 and 2.")  # not an AWS text

    def create_user_pool_domain(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        self._check_login_version(params)
        domain = params["Domain"]
        for _, other in self.stores.items():
            if domain in other.domains:
                raise invalid_parameter("Domain already associated with another user pool.")
        if any(rec["UserPoolId"] == pool["Id"] and ("." in d) == ("." in domain) for d, rec in store.domains.items()):
            raise invalid_parameter(f"User pool {pool['Id']} already has a domain configured.")
        store.domains[domain] = {
            "UserPoolId": pool["Id"], "Domain": domain, "CustomDomainConfig": params.get("CustomDomainConfig"),
            "ManagedLoginVersion": params.get("ManagedLoginVersion", 1),
        }  # fmt: skip
        out: Params = {"ManagedLoginVersion": store.domains[domain]["ManagedLoginVersion"]}
        if params.get("CustomDomainConfig"):
            out["CloudFrontDomain"] = f"{uuid.uuid4().hex[:13]}.cloudfront.net"
        return out

    def describe_user_pool_domain(self, ctx: RequestContext, params: Params) -> Params:
        for (account, region), store in self.stores.items():
            rec = store.domains.get(params["Domain"])
            if rec is not None and account == ctx.account_id:
                desc = {
                    "UserPoolId": rec["UserPoolId"], "AWSAccountId": account, "Domain": rec["Domain"],
                    "S3Bucket": "aws-cognito-prod-iad-assets", "CloudFrontDistribution": f"{rec['Domain']}.auth.{region}.localhost",
                    "Version": "20130630", "Status": "ACTIVE", "ManagedLoginVersion": rec.get("ManagedLoginVersion", 1),
                }  # fmt: skip
                if rec.get("CustomDomainConfig"):
                    desc["CustomDomainConfig"] = rec["CustomDomainConfig"]
                return {"DomainDescription": desc}
        return {"DomainDescription": {}}

    def update_user_pool_domain(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        rec = store.domains.get(params["Domain"])
        if rec is None or rec["UserPoolId"] != pool["Id"]:
            raise invalid_parameter("Domain does not exist.")
        self._check_login_version(params)
        for name in ("CustomDomainConfig", "ManagedLoginVersion"):
            if params.get(name) is not None:
                rec[name] = params[name]
        store.domains.save(params["Domain"])
        return {"ManagedLoginVersion": rec.get("ManagedLoginVersion", 1)}

    def delete_user_pool_domain(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        rec = store.domains.get(params["Domain"])
        if rec is None or rec["UserPoolId"] != pool["Id"]:
            raise invalid_parameter("No such domain or user pool exists.")
        del store.domains[params["Domain"]]
        return {}

    def create_resource_server(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        key = (pool["Id"], params["Identifier"])
        if key in store.resource_servers:
            raise invalid_parameter(f"{params['Identifier']} already exists in user pool {pool['Id']}.")
        server = {"UserPoolId": pool["Id"], "Identifier": params["Identifier"], "Name": params["Name"],
                  "Scopes": params.get("Scopes") or []}  # fmt: skip
        store.resource_servers[key] = server
        return {"ResourceServer": copy.deepcopy(server)}

    def _resource_server(self, ctx: RequestContext, params: Params) -> tuple[Any, tuple[str, str], Params]:
        store, pool = self.pool(ctx, params["UserPoolId"])
        key = (pool["Id"], params["Identifier"])
        server = store.resource_servers.get(key)
        if server is None:
            raise not_found(f"Resource server {params['Identifier']} does not exist.")
        return store, key, server

    def describe_resource_server(self, ctx: RequestContext, params: Params) -> Params:
        return {"ResourceServer": copy.deepcopy(self._resource_server(ctx, params)[2])}

    def update_resource_server(self, ctx: RequestContext, params: Params) -> Params:
        store, key, server = self._resource_server(ctx, params)
        server["Name"] = params["Name"]
        server["Scopes"] = params.get("Scopes") or []
        store.resource_servers.save(key)
        return {"ResourceServer": copy.deepcopy(server)}

    def delete_resource_server(self, ctx: RequestContext, params: Params) -> Params:
        store, key, _ = self._resource_server(ctx, params)
        del store.resource_servers[key]
        return {}

    def list_resource_servers(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])
        servers = [copy.deepcopy(s) for k, s in store.resource_servers.items() if k[0] == pool["Id"]]
        return paged(params, servers, "ResourceServers")

    # -- tags ---------------------------------------------------------------------------------

    def _pool_by_arn(self, ctx: RequestContext, arn: str) -> tuple[Any, Params]:
        if ":userpool/" not in arn:
            raise invalid_parameter(f"Invalid ARN: {arn}")
        return self.pool(ctx, arn.rsplit("/", 1)[1])

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self._pool_by_arn(ctx, params["ResourceArn"])
        pool.setdefault("UserPoolTags", {}).update(params["Tags"])
        store.pools.save(pool["Id"])
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self._pool_by_arn(ctx, params["ResourceArn"])
        for key in params["TagKeys"]:
            pool.get("UserPoolTags", {}).pop(key, None)
        store.pools.save(pool["Id"])
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        return {"Tags": dict(self._pool_by_arn(ctx, params["ResourceArn"])[1].get("UserPoolTags") or {})}


def paged(params: Params, items: list, key: str, *, token: str = "NextToken", limit_name: str = "MaxResults",
          limit: int = 60) -> Params:  # fmt: skip
    """One page of ``items``; the token is the index of the next item."""
    try:
        start = int(params.get(token) or 0)
    except ValueError:
        raise invalid_parameter("Invalid pagination token.") from None
    size = params.get(limit_name) or limit
    out: Params = {key: items[start : start + size]}
    if start + size < len(items):
        out[token] = str(start + size)
    return out
