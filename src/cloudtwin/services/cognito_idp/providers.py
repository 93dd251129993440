"""A pool's external identity providers (SAML, OIDC, social): stored and answered, so
infrastructure code can manage them; cloudtwin does not federate sign-ins with them."""

from __future__ import annotations

import copy
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cognito_idp.errors import not_found
from cloudtwin.services.cognito_idp.pools import paged

Params = dict[str, Any]
_FIELDS = ("ProviderDetails", "AttributeMapping", "IdpIdentifiers", "AcrMapping")


class IdentityProviderHandlers:
    def _provider(self, store: Any, pool_id: str, name: str) -> Params:
        provider = store.identity_providers.get((pool_id, name))
        if provider is None:
            raise not_found(f"Identity provider {name} does not exist.")
        return provider

    def create_identity_provider(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        key = (pool["Id"], params["ProviderName"])
        if key in store.identity_providers:
            raise ServiceError("DuplicateProviderException", f"A provider with the name {params['ProviderName']} already exists in this user pool.")  # noqa: E501
        taken = {i for k, p in store.identity_providers.items() if k[0] == pool["Id"] for i in p.get("IdpIdentifiers") or ()}
        if taken & set(params.get("IdpIdentifiers") or ()):
            raise ServiceError("DuplicateProviderException", "Identifier already exists in this user pool.")  # not an AWS text
        now = ctx.clock.now()
        provider: Params = {"UserPoolId": pool["Id"], "ProviderName": params["ProviderName"],
                            "ProviderType": params["ProviderType"], "CreationDate": now, "LastModifiedDate": now}  # fmt: skip
        for name in _FIELDS:
            provider[name] = copy.deepcopy(params.get(name) or ({} if name != "IdpIdentifiers" else []))
        store.identity_providers[key] = provider
        return {"IdentityProvider": copy.deepcopy(provider)}

    def describe_identity_provider(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        return {"IdentityProvider": copy.deepcopy(self._provider(store, pool["Id"], params["ProviderName"]))}

    def update_identity_provider(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        provider = self._provider(store, pool["Id"], params["ProviderName"])
        for name in _FIELDS:
            if params.get(name) is not None:
                provider[name] = copy.deepcopy(params[name])
        provider["LastModifiedDate"] = ctx.clock.now()
        store.identity_providers.save((pool["Id"], params["ProviderName"]))
        return {"IdentityProvider": copy.deepcopy(provider)}

    def delete_identity_provider(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        self._provider(store, pool["Id"], params["ProviderName"])
        del store.identity_providers[(pool["Id"], params["ProviderName"])]
        return {}

    def list_identity_providers(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        providers = [{k: p[k] for k in ("ProviderName", "ProviderType", "LastModifiedDate", "CreationDate")}
                     for key, p in store.identity_providers.items() if key[0] == pool["Id"]]  # fmt: skip
        return paged(params, providers, "Providers")

    def get_identity_provider_by_identifier(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        for key, provider in store.identity_providers.items():
            if key[0] == pool["Id"] and params["IdpIdentifier"] in (provider.get("IdpIdentifiers") or ()):
                return {"IdentityProvider": copy.deepcopy(provider)}
        raise not_found(f"Identity provider with identifier {params['IdpIdentifier']} does not exist.")  # not an AWS text
