"""Lambda aliases: a name pointing at a version, with weighted routing to one more version
(``RoutingConfig.AdditionalVersionWeights``), as a mixin of the provider."""

from __future__ import annotations

import dataclasses
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_ import configuration as conf
from cloudtwin.services.lambda_.errors import lambda_error, precondition_failed
from cloudtwin.services.lambda_.models import LATEST, LambdaStore, new_revision_id
from cloudtwin.services.lambda_.paging import page as paged

Params = dict[str, Any]


class AliasOperations:
    """Mixin of the Lambda provider: the alias operations."""

    def _ref(self, ctx: RequestContext, params: Params, qualifier: bool = True) -> Any:  # pragma: no cover - the provider's
        raise NotImplementedError

    def _function(self, ctx: RequestContext, ref: Any) -> tuple[LambdaStore, dict]:  # pragma: no cover - the provider's
        raise NotImplementedError

    def _alias_arn(self, record: dict, name: str) -> str:
        return f"{record['latest']['FunctionArn']}:{name}"

    def _check_version(self, ctx: RequestContext, record: dict, version: str) -> None:
        if version != LATEST and version not in record["versions"]:
            raise lambda_error(
                "ResourceNotFoundException",
                f"Function not found: {record['latest']['FunctionArn']}:{version}", 404,
            )

    def _check_routing(self, ctx: RequestContext, record: dict, routing: Params | None, version: str) -> None:
        weights = (routing or {}).get("AdditionalVersionWeights") or {}
        if len(weights) > 1:
            raise conf.invalid("Number of items in AdditionalVersionWeights cannot be greater than 1")
        if weights and version == LATEST:
            # (AWS sends this one without the "Type" member)
            raise ServiceError("InvalidParameterValueException", "$LATEST is not supported for an alias pointing to more than 1 version")
        for extra, weight in weights.items():
            self._check_version(ctx, record, extra)
            if extra == version:
                raise conf.invalid(f"Invalid function version {extra}. Function version {extra} is already included in routing configuration.")

    def create_alias(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)
        store, record = self._function(ctx, dataclasses.replace(ref, qualifier=params["FunctionVersion"]))
        name = params["Name"]
        if name in record["aliases"]:
            raise lambda_error(
                "ResourceConflictException", f"Alias already exists: {self._alias_arn(record, name)}", 409
            )
        self._check_version(ctx, record, params["FunctionVersion"])
        self._check_routing(ctx, record, params.get("RoutingConfig"), params["FunctionVersion"])
        alias: Params = {
            "AliasArn": self._alias_arn(record, name),
            "Name": name,
            "FunctionVersion": params["FunctionVersion"],
            "Description": params.get("Description", ""),
            "RevisionId": new_revision_id(),
        }
        if (params.get("RoutingConfig") or {}).get("AdditionalVersionWeights"):
            alias["RoutingConfig"] = params["RoutingConfig"]
        record["aliases"][name] = alias
        store.save(ref.name)
        return dict(alias)

    def _alias(self, ctx: RequestContext, params: Params, missing: str = "Cannot find alias arn") -> tuple[LambdaStore, dict, dict]:
        ref = self._ref(ctx, params, qualifier=False)
        store, record = self._function(ctx, ref)
        alias = record["aliases"].get(params["Name"])
        if alias is None:
            raise lambda_error(
                "ResourceNotFoundException", f"{missing}: {self._alias_arn(record, params['Name'])}", 404
            )
        return store, record, alias

    def get_alias(self, ctx: RequestContext, params: Params) -> Params:
        return dict(self._alias(ctx, params)[2])

    def update_alias(self, ctx: RequestContext, params: Params) -> Params:
        store, record, alias = self._alias(ctx, params, missing="Alias not found")
        if params.get("RevisionId") and params["RevisionId"] != alias["RevisionId"]:
            raise precondition_failed()
        version = params.get("FunctionVersion", alias["FunctionVersion"])
        self._check_version(ctx, record, version)
        if "RoutingConfig" in params:
            self._check_routing(ctx, record, params["RoutingConfig"], version)
            if params["RoutingConfig"]:
                alias["RoutingConfig"] = params["RoutingConfig"]
            else:
                alias.pop("RoutingConfig", None)
        alias["FunctionVersion"] = version
        if "Description" in params:
            alias["Description"] = params["Description"]
        alias["RevisionId"] = new_revision_id()
        store.save(record["latest"]["FunctionName"])
        return dict(alias)

    def delete_alias(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)
        store, record = self._function(ctx, ref)
        if record["aliases"].pop(params["Name"], None) is not None:
            store.save(ref.name)
        return {}

    def list_aliases(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)
        _, record = self._function(ctx, ref)
        aliases = [a for _, a in sorted(record["aliases"].items())]
        if params.get("FunctionVersion"):
            aliases = [a for a in aliases if a["FunctionVersion"] == params["FunctionVersion"]]
        page, marker = paged(aliases, params.get("Marker"), params.get("MaxItems"))
        out: Params = {"Aliases": [dict(a) for a in page]}
        if marker:
            out["NextMarker"] = marker
        return out

