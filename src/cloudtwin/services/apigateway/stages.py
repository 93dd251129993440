"""Deployments (a frozen copy of an API's resources) and the stages that serve them."""

from __future__ import annotations

import copy
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.apigateway import patch
from cloudtwin.services.apigateway.common import (
    Params, api_record, bad_request, conflict, new_id, not_found, page, public, save,
)

#: ``/<resource>/<method>/<group>/<name>`` of a stage patch -> the MethodSetting member.
METHOD_SETTINGS = {
    "metrics/enabled": "metricsEnabled", "logging/dataTrace": "dataTraceEnabled",
    "logging/loglevel": "loggingLevel", "throttling/burstLimit": "throttlingBurstLimit",
    "throttling/rateLimit": "throttlingRateLimit", "caching/ttlInSeconds": "cacheTtlInSeconds",
    "caching/enabled": "cachingEnabled", "caching/dataEncrypted": "cacheDataEncrypted",
    "caching/requireAuthorizationForCacheControl": "requireAuthorizationForCacheControl",
    "caching/unauthorizedCacheControlHeaderStrategy": "unauthorizedCacheControlHeaderStrategy",
}  # fmt: skip
DEFAULT_SETTING = {
    "cacheDataEncrypted": False, "cacheTtlInSeconds": 300, "cachingEnabled": False,
    "dataTraceEnabled": False, "metricsEnabled": False, "requireAuthorizationForCacheControl": True,
    "throttlingBurstLimit": 5000, "throttlingRateLimit": 10000.0,
    "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
}  # fmt: skip
STAGE_PATHS = (
    "/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, /clientCertificateId, "
    "/accessLogSettings, /accessLogSettings/destinationArn, /accessLogSettings/format, "
    "/{resourcePath}/{httpMethod}/metrics/enabled, /{resourcePath}/{httpMethod}/logging/dataTrace, "
    "/{resourcePath}/{httpMethod}/logging/loglevel, /{resourcePath}/{httpMethod}/throttling/burstLimit"
    "/{resourcePath}/{httpMethod}/throttling/rateLimit/{resourcePath}/{httpMethod}/caching/ttlInSeconds, "
    "/{resourcePath}/{httpMethod}/caching/enabled, /{resourcePath}/{httpMethod}/caching/dataEncrypted, "
    "/{resourcePath}/{httpMethod}/caching/requireAuthorizationForCacheControl, "
    "/{resourcePath}/{httpMethod}/caching/unauthorizedCacheControlHeaderStrategy, /*/*/metrics/enabled, "
    "/*/*/logging/dataTrace, /*/*/logging/loglevel, /*/*/throttling/burstLimit /*/*/throttling/rateLimit "
    "/*/*/caching/ttlInSeconds, /*/*/caching/enabled, /*/*/caching/dataEncrypted, "
    "/*/*/caching/requireAuthorizationForCacheControl, /*/*/caching/unauthorizedCacheControlHeaderStrategy, "
    "/variables/{variable_name}, /tracingEnabled"
)
_SIMPLE = ("/deploymentId", "/description", "/cacheClusterEnabled", "/cacheClusterSize", "/clientCertificateId",
           "/tracingEnabled", "/documentationVersion", "/webAclArn")  # fmt: skip


def snapshot(record: dict) -> dict:
    """What a deployment freezes: everything the data plane reads."""
    return copy.deepcopy({
        "resources": record["resources"], "models": record["models"], "validators": record["validators"],
        "authorizers": record["authorizers"], "responses": record["responses"],
        "api": {k: record["api"].get(k) for k in ("binaryMediaTypes", "apiKeySource", "minimumCompressionSize")},
    })  # fmt: skip


def _canary(given: dict, deployment_id: str | None) -> dict:
    canary = {k: v for k, v in given.items() if v is not None}
    if deployment_id:
        canary["deploymentId"] = deployment_id
    canary["percentTraffic"] = float(canary.get("percentTraffic") or 0.0)
    canary.setdefault("useStageCache", False)
    return canary


class StageOps:
    env: Any

    # -- deployments ------------------------------------------------------------------------------

    def create_deployment(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        if not any(r.get("resourceMethods") for r in record["resources"].values()):
            raise bad_request("The REST API doesn't contain any methods")
        for resource in record["resources"].values():
            for method in (resource.get("resourceMethods") or {}).values():
                if "methodIntegration" not in method:
                    raise bad_request("No integration defined for method")
        deployment = {"id": new_id(6), "createdDate": self.env.clock.now(), "_snapshot": snapshot(record)}
        if params.get("description") is not None:
            deployment["description"] = params["description"]
        record["deployments"][deployment["id"]] = deployment
        name = params.get("stageName")
        if name:
            stage = record["stages"].get(name)
            if stage is None:
                self._new_stage(record, {"stageName": name, "deploymentId": deployment["id"],
                                         "description": params.get("stageDescription"),
                                         "variables": params.get("variables"),
                                         "cacheClusterEnabled": params.get("cacheClusterEnabled"),
                                         "cacheClusterSize": params.get("cacheClusterSize"),
                                         "tracingEnabled": params.get("tracingEnabled"),
                                         "canarySettings": params.get("canarySettings")})
            elif params.get("canarySettings") is not None:
                stage["canarySettings"] = _canary(params["canarySettings"], deployment["id"])
                stage["lastUpdatedDate"] = self.env.clock.now()
            else:
                stage["deploymentId"] = deployment["id"]
                if params.get("variables"):
                    stage.setdefault("variables", {}).update(params["variables"])
                stage["lastUpdatedDate"] = self.env.clock.now()
        save(ctx, params["restApiId"])
        return public(deployment)

    def _deployment(self, record: dict, deployment_id: str) -> dict:
        deployment = record["deployments"].get(deployment_id)
        if deployment is None:
            raise not_found("Invalid Deployment identifier specified")
        return deployment

    def get_deployment(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        deployment = self._deployment(record, params["deploymentId"])
        out = public(deployment)
        if "apisummary" in (params.get("embed") or []):
            summary: dict = {}
            for resource in deployment["_snapshot"]["resources"].values():
                for verb, method in (resource.get("resourceMethods") or {}).items():
                    summary.setdefault(resource["path"], {})[verb] = {
                        "authorizationType": method.get("authorizationType"),
                        "apiKeyRequired": method.get("apiKeyRequired", False),
                    }
            out["apiSummary"] = summary
        return out

    def get_deployments(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        return page([public(d) for d in record["deployments"].values()], params)

    def update_deployment(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        deployment = self._deployment(record, params["deploymentId"])
        for op in params.get("patchOperations") or []:
            if op.get("path") != "/description":
                raise bad_request(f"Invalid patch path {op.get('path')}")
            patch.apply(deployment, [op])
        save(ctx, params["restApiId"])
        return public(deployment)

    def delete_deployment(self, ctx: RequestContext, params: Params) -> None:
        record = api_record(ctx, params["restApiId"])
        self._deployment(record, params["deploymentId"])
        if any(s.get("deploymentId") == params["deploymentId"] for s in record["stages"].values()):
            raise bad_request("Active stages pointing to this deployment must be moved or deleted")
        del record["deployments"][params["deploymentId"]]
        save(ctx, params["restApiId"])
        return None

    # -- stages -----------------------------------------------------------------------------------

    def _new_stage(self, record: dict, params: Params) -> dict:
        now = self.env.clock.now()
        stage: Params = {
            "stageName": params["stageName"], "deploymentId": params["deploymentId"],
            "cacheClusterEnabled": bool(params.get("cacheClusterEnabled")),
            "cacheClusterStatus": "AVAILABLE" if params.get("cacheClusterEnabled") else "NOT_AVAILABLE",
            "methodSettings": {}, "tracingEnabled": bool(params.get("tracingEnabled")),
            "createdDate": now, "lastUpdatedDate": now,
        }  # fmt: skip
        for key in ("description", "variables", "documentationVersion", "tags", "cacheClusterSize"):
            if params.get(key) not in (None, {}):
                stage[key] = params[key]
        if params.get("canarySettings") is not None:
            stage["canarySettings"] = _canary(params["canarySettings"], params["canarySettings"].get("deploymentId"))
        if stage["cacheClusterEnabled"] and "cacheClusterSize" not in stage:
            stage["cacheClusterSize"] = "0.5"
        record["stages"][stage["stageName"]] = stage
        return stage

    def create_stage(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        if params["stageName"] in record["stages"]:
            raise conflict("Stage already exists")
        self._deployment(record, params["deploymentId"])
        stage = self._new_stage(record, params)
        save(ctx, params["restApiId"])
        return stage

    def _stage(self, record: dict, name: str) -> dict:
        stage = record["stages"].get(name)
        if stage is None:
            raise not_found("Invalid Stage identifier specified")
        return stage

    def get_stage(self, ctx: RequestContext, params: Params) -> Params:
        return self._stage(api_record(ctx, params["restApiId"]), params["stageName"])

    def get_stages(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        stages = list(record["stages"].values())
        if params.get("deploymentId"):
            stages = [s for s in stages if s.get("deploymentId") == params["deploymentId"]]
        return {"item": stages}

    def delete_stage(self, ctx: RequestContext, params: Params) -> None:
        record = api_record(ctx, params["restApiId"])
        self._stage(record, params["stageName"])
        del record["stages"][params["stageName"]]
        save(ctx, params["restApiId"])
        return None

    def update_stage(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        stage = copy.deepcopy(self._stage(record, params["stageName"]))
        for op in params.get("patchOperations") or []:
            path, name, value = op.get("path") or "", op.get("op"), op.get("value")
            if name == "copy" and path in ("/deploymentId", "/variables"):
                self._copy(stage, op)  # promoting the canary
            elif path in _SIMPLE:
                if path == "/deploymentId":
                    self._deployment(record, value)
                patch.apply(stage, [op], boolean_paths=("/cacheClusterEnabled", "/tracingEnabled"))
                if path == "/cacheClusterEnabled":
                    stage["cacheClusterStatus"] = "AVAILABLE" if stage["cacheClusterEnabled"] else "NOT_AVAILABLE"
                    if stage["cacheClusterEnabled"]:
                        stage.setdefault("cacheClusterSize", "0.5")
            elif path.startswith("/variables/") or path.startswith("/accessLogSettings") or path.startswith("/canarySettings"):
                if path.startswith("/canarySettings/") and name != "copy" and "canarySettings" not in stage:
                    # a canary starts on the stage's own deployment
                    stage["canarySettings"] = {"deploymentId": stage["deploymentId"], "percentTraffic": 0.0,
                                               "useStageCache": False}
                if name == "copy":
                    self._copy(stage, op)
                else:
                    patch.apply(stage, [op], boolean_paths=("/canarySettings/useStageCache",))
                    if path.startswith("/canarySettings/percentTraffic") and "canarySettings" in stage:
                        stage["canarySettings"]["percentTraffic"] = float(stage["canarySettings"]["percentTraffic"])
            else:
                self._method_setting(stage, path, name, value)
        for key in ("variables", "accessLogSettings"):
            if stage.get(key) == {}:
                del stage[key]
        stage["lastUpdatedDate"] = self.env.clock.now()
        record["stages"][params["stageName"]] = stage
        save(ctx, params["restApiId"])
        return stage

    @staticmethod
    def _copy(stage: dict, op: dict) -> None:
        path, source = op.get("path"), op.get("from")
        valid = {("/deploymentId", "/canarySettings/deploymentId"),
                 ("/variables", "/canarySettings/stageVariableOverrides")}
        if (path, source) not in valid:
            raise bad_request(
                f"Invalid copy operation with path: {path} and from {source}. Valid copy:path are "
                "[/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, "
                "/canarySettings/stageVariableOverrides]"
            )
        canary = stage.get("canarySettings")
        if canary is None:
            raise bad_request("Promotion not available. Canary does not exist.")
        if path == "/deploymentId":
            stage["deploymentId"] = canary.get("deploymentId", stage["deploymentId"])
        else:
            stage.setdefault("variables", {}).update(canary.get("stageVariableOverrides") or {})

    @staticmethod
    def _method_setting(stage: dict, path: str, name: str | None, value: Any) -> None:
        parts = path.split("/")
        if len(parts) == 5 and f"{parts[3]}/{parts[4]}" in METHOD_SETTINGS:
            key = f"{parts[1].replace('~1', '/').lstrip('/')}/{parts[2]}"
            member = METHOD_SETTINGS[f"{parts[3]}/{parts[4]}"]
            settings = stage.setdefault("methodSettings", {})
            if name == "remove":
                if key not in settings:
                    raise bad_request(f"Cannot remove method setting {key} because there is no method setting for this method ")
                del settings[key]
                return
            # a new method's settings start from the stage-wide ones (*/*)
            setting = settings.setdefault(key, dict(settings.get("*/*") or DEFAULT_SETTING))
            setting[member] = patch.coerce(value, DEFAULT_SETTING.get(member, ""))
            if member == "throttlingRateLimit":
                setting[member] = float(value)
            return
        if len(parts) == 3 and name == "remove" and parts[1] and parts[2]:
            key = f"{parts[1].replace('~1', '/').lstrip('/')}/{parts[2]}"
            settings = stage.setdefault("methodSettings", {})
            if key not in settings:
                raise bad_request(f"Cannot remove method setting {key} because there is no method setting for this method ")
            del settings[key]
            return
        raise bad_request(f"Invalid method setting path: {path}. Must be one of: [{STAGE_PATHS}]")

    def flush_stage_cache(self, ctx: RequestContext, params: Params) -> None:
        self._stage(api_record(ctx, params["restApiId"]), params["stageName"])
        return None

    def flush_stage_authorizers_cache(self, ctx: RequestContext, params: Params) -> None:
        self._stage(api_record(ctx, params["restApiId"]), params["stageName"])
        self.authorizer_cache.flush(params["restApiId"], params["stageName"])  # type: ignore[attr-defined]
        return None
