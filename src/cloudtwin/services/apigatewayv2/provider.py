"""Amazon API Gateway v2: HTTP APIs and WebSocket APIs — the control plane (handlers made
from one table in crud.py, with each kind's defaults here) and the data plane behind
``http://<api-id>.execute-api.localhost:4566/[<stage>/]<path>`` (see
:mod:`cloudtwin.execute_api.http_api` and :mod:`cloudtwin.execute_api.websocket`).

Quick create (``CreateApi`` with ``Target``) makes the integration, the ``$default`` route
(or ``RouteKey``) and an auto-deploying ``$default`` stage, as AWS does.
"""

from __future__ import annotations

import copy
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.http import HttpRequest, HttpResponse
from cloudtwin.services.apigatewayv2.crud import Crud, Params, bad_request, conflict, install, new_id, not_found
from cloudtwin.services.apigatewayv2.models import ApiGatewayV2Store
from cloudtwin.services.provider import ServiceProvider


def _endpoint(env: Any, api_id: str, protocol: str) -> str:
    scheme = "ws" if protocol == "WEBSOCKET" else "http"
    return f"{scheme}://{api_id}.execute-api.{env.config.url_domain()}:{env.config.port}"


@install
class Provider(ServiceProvider):
    service_name = "apigatewayv2"
    store_class = ApiGatewayV2Store

    def __init__(self, env) -> None:
        super().__init__(env)
        from cloudtwin.execute_api.authorizers import AuthorizerCache, JwksCache
        from cloudtwin.execute_api.journal import Journal
        from cloudtwin.execute_api.websocket import Connections

        self.crud = Crud(self)
        self.authorizer_cache = AuthorizerCache(env.clock)
        self.jwks = JwksCache()
        self.journal = Journal()
        self.connections = Connections(env)

    def introspection(self) -> dict:
        return {("GET", "requests"): lambda params: {"requests": self.journal.entries(params)}}

    def reset(self, account_id: str | None = None) -> None:
        super().reset(account_id)
        self.authorizer_cache.flush()
        self.journal.clear()

    # -- each kind's defaults ---------------------------------------------------------------------

    def _new_api(self, ctx: RequestContext, record: Params, params: Params) -> Params:
        protocol = record.get("ProtocolType") or "HTTP"
        if protocol == "WEBSOCKET" and not record.get("RouteSelectionExpression"):
            raise bad_request("RouteSelectionExpression is required for WEBSOCKET APIs")
        if protocol == "WEBSOCKET" and (record.get("Target") or record.get("CorsConfiguration")):
            raise bad_request("Target and CorsConfiguration are only supported for HTTP APIs")
        record.setdefault("ApiKeySelectionExpression", "$request.header.x-api-key")
        record.setdefault("RouteSelectionExpression", "$request.method $request.path")
        record.setdefault("DisableExecuteApiEndpoint", False)
        record.setdefault("IpAddressType", "ipv4")
        record.setdefault("Tags", {})
        if protocol == "WEBSOCKET":
            record.setdefault("DisableSchemaValidation", False)
        record["ApiEndpoint"] = _endpoint(self.env, record["ApiId"], protocol)
        record["CreatedDate"] = self.env.clock.now()
        for key in ("Target", "RouteKey", "CredentialsArn"):
            record.pop(key, None)
        return record

    def _created_api(self, ctx: RequestContext, record: Params, params: Params) -> None:
        target = params.get("Target")
        if not target:
            return
        api = ctx.store.apis[record["ApiId"]]
        is_lambda = target.startswith("arn:")
        integration = {
            "IntegrationId": new_id(), "IntegrationType": "AWS_PROXY" if is_lambda else "HTTP_PROXY",
            "IntegrationUri": target, "IntegrationMethod": "POST" if is_lambda else "ANY",
            "PayloadFormatVersion": "2.0" if is_lambda else "1.0", "ConnectionType": "INTERNET",
            "TimeoutInMillis": 30000, "ApiGatewayManaged": True,
        }  # fmt: skip
        if params.get("CredentialsArn"):
            integration["CredentialsArn"] = params["CredentialsArn"]
        api["integrations"][integration["IntegrationId"]] = integration
        route = {"RouteId": new_id(), "RouteKey": params.get("RouteKey") or "$default", "ApiGatewayManaged": True,
                 "ApiKeyRequired": False, "AuthorizationType": "NONE",
                 "Target": f"integrations/{integration['IntegrationId']}"}  # fmt: skip
        api["routes"][route["RouteId"]] = route
        now = self.env.clock.now()
        api["stages"]["$default"] = {
            "StageName": "$default", "AutoDeploy": True, "ApiGatewayManaged": True, "CreatedDate": now,
            "LastUpdatedDate": now, "DefaultRouteSettings": {"DetailedMetricsEnabled": False},
            "RouteSettings": {}, "StageVariables": {}, "Tags": {},
        }  # fmt: skip
        ctx.store.apis.save(record["ApiId"])

    def _new_route(self, ctx: RequestContext, record: Params, params: Params) -> Params:
        api = self.crud.api(ctx, params["ApiId"])
        if any(r["RouteKey"] == record["RouteKey"] for r in api["routes"].values()):
            raise conflict(f"Route with key {record['RouteKey']} already exists for this API")
        self._check_route_key(api, record["RouteKey"])
        record.pop("ApiId", None)
        record.setdefault("ApiKeyRequired", False)
        record.setdefault("AuthorizationType", "NONE")
        record.setdefault("ApiGatewayManaged", False)
        return record

    @staticmethod
    def _check_route_key(api: dict, key: str) -> None:
        if api["api"].get("ProtocolType", "HTTP") != "HTTP" or key == "$default":
            return
        verb, _, path = key.partition(" ")
        if not path.startswith("/") or verb not in ("ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
            raise bad_request(f"Unable to create route {key}. Route key must be $default or match the pattern "
                              "'<HTTP method> /<path>'.")

    def _update_route(self, ctx: RequestContext, record: Params, changes: Params) -> Params:
        changes.pop("ApiId", None)
        return changes

    def _new_integration(self, ctx: RequestContext, record: Params, params: Params) -> Params:
        api = self.crud.api(ctx, params["ApiId"])
        record.pop("ApiId", None)
        protocol = api["api"].get("ProtocolType", "HTTP")
        kind = record.get("IntegrationType")
        if protocol == "HTTP" and kind == "AWS_PROXY" and not record.get("PayloadFormatVersion"):
            raise bad_request("PayloadFormatVersion is required for AWS_PROXY integrations on HTTP APIs")
        record.setdefault("PayloadFormatVersion", "1.0")
        record.setdefault("ConnectionType", "INTERNET")
        record.setdefault("TimeoutInMillis", 30000 if protocol == "HTTP" else 29000)
        record.setdefault("ApiGatewayManaged", False)
        if protocol == "WEBSOCKET":
            record.setdefault("PassthroughBehavior", "WHEN_NO_MATCH")
            record.setdefault("ContentHandlingStrategy", None)
        if kind in ("HTTP_PROXY", "AWS_PROXY") and protocol == "HTTP":
            record.setdefault("IntegrationMethod", "POST" if kind == "AWS_PROXY" else "ANY")
        return {k: v for k, v in record.items() if v is not None}

    def _update_integration(self, ctx: RequestContext, record: Params, changes: Params) -> Params:
        changes.pop("ApiId", None)
        return changes

    def _new_authorizer(self, ctx: RequestContext, record: Params, params: Params) -> Params:
        self.crud.api(ctx, params["ApiId"])
        record.pop("ApiId", None)
        if record.get("AuthorizerType") == "REQUEST":
            record.setdefault("AuthorizerResultTtlInSeconds", 0)
        return record

    def _new_model(self, ctx: RequestContext, record: Params, params: Params) -> Params:
        record.pop("ApiId", None)
        return record

    def _new_stage(self, ctx: RequestContext, record: Params, params: Params) -> Params:
        api = self.crud.api(ctx, params["ApiId"])
        if record["StageName"] in api["stages"]:
            raise conflict(f"Stage {record['StageName']} already exists")
        record.pop("ApiId", None)
        now = self.env.clock.now()
        record.update({"CreatedDate": now, "LastUpdatedDate": now})
        record.setdefault("DefaultRouteSettings", {"DetailedMetricsEnabled": False})
        record.setdefault("RouteSettings", {})
        record.setdefault("StageVariables", {})
        record.setdefault("Tags", {})
        record.setdefault("AutoDeploy", False)
        if record.get("DeploymentId") and record["DeploymentId"] not in api["deployments"]:
            raise not_found(f"Invalid Deployment identifier specified {record['DeploymentId']}", "Deployment")
        return record

    def _update_stage(self, ctx: RequestContext, record: Params, changes: Params) -> Params:
        changes.pop("ApiId", None)
        return changes

    def _new_deployment(self, ctx: RequestContext, record: Params, params: Params) -> Params:
        api = self.crud.api(ctx, params["ApiId"])
        record.pop("ApiId", None)
        stage_name = record.pop("StageName", None)
        if stage_name and stage_name not in api["stages"]:
            raise bad_request(f"Stage {stage_name} does not exist")
        record.update({"CreatedDate": self.env.clock.now(), "DeploymentStatus": "DEPLOYED", "AutoDeployed": False,
                       "_snapshot": self.snapshot(api)})  # fmt: skip
        if stage_name:
            api["stages"][stage_name]["DeploymentId"] = record["DeploymentId"]
            api["stages"][stage_name]["LastUpdatedDate"] = self.env.clock.now()
        return record

    @staticmethod
    def snapshot(api: dict) -> dict:
        return copy.deepcopy({k: api[k] for k in ("routes", "integrations", "authorizers", "models")})

    def _new_domainname(self, ctx: RequestContext, record: Params, params: Params) -> Params:
        configs = record.get("DomainNameConfigurations") or [{}]
        for config in configs:
            config.setdefault("ApiGatewayDomainName", f"d-{new_id(10)}.execute-api.{ctx.region}.amazonaws.com")
            config.setdefault("EndpointType", "REGIONAL")
            config.setdefault("HostedZoneId", "Z1UJRXOUMOOFQ8")
            config.setdefault("DomainNameStatus", "AVAILABLE")
            config.setdefault("SecurityPolicy", "TLS_1_2")
        record["DomainNameConfigurations"] = configs
        record["ApiMappingSelectionExpression"] = "$request.basepath"
        record["DomainNameArn"] = f"arn:{ctx.partition}:apigateway:{ctx.region}::/domainnames/{record['DomainName']}"
        record.setdefault("Tags", {})
        return record

    def _new_apimapping(self, ctx: RequestContext, record: Params, params: Params) -> Params:
        self.crud.api(ctx, params["ApiId"])
        record.pop("DomainName", None)
        return record

    def _new_vpclink(self, ctx: RequestContext, record: Params, params: Params) -> Params:
        record.update({"CreatedDate": self.env.clock.now(), "VpcLinkStatus": "AVAILABLE",
                       "VpcLinkStatusMessage": "VPC link is ready to route traffic", "VpcLinkVersion": "V2"})
        record.setdefault("Tags", {})
        record.setdefault("SecurityGroupIds", [])
        return record

    def _new_routeresponse(self, ctx: RequestContext, record: Params, params: Params) -> Params:
        record.pop("ApiId", None)
        record.pop("RouteId", None)
        return record

    def _new_integrationresponse(self, ctx: RequestContext, record: Params, params: Params) -> Params:
        record.pop("ApiId", None)
        record.pop("IntegrationId", None)
        return record

    # -- the handlers the table does not make ----------------------------------------------------

    def get_deployment(self, ctx: RequestContext, params: Params) -> Params:
        from cloudtwin.services.apigatewayv2.crud import KINDS, shape_view

        record = self.crud.get(ctx, KINDS["Deployment"], params)
        shape = self.env.catalog.service_model("apigatewayv2").operation_model("GetDeployment").output_shape
        return shape_view(record, shape)

    def delete_cors_configuration(self, ctx: RequestContext, params: Params) -> None:
        api = self.crud.api(ctx, params["ApiId"])
        api["api"].pop("CorsConfiguration", None)
        ctx.store.apis.save(params["ApiId"])
        return None

    def delete_route_request_parameter(self, ctx: RequestContext, params: Params) -> None:
        api = self.crud.api(ctx, params["ApiId"])
        route = api["routes"].get(params["RouteId"])
        if route is None:
            raise not_found(f"Invalid Route identifier specified {params['RouteId']}", "Route")
        (route.get("RequestParameters") or {}).pop(params["RequestParameterKey"], None)
        ctx.store.apis.save(params["ApiId"])
        return None

    def delete_route_settings(self, ctx: RequestContext, params: Params) -> None:
        api = self.crud.api(ctx, params["ApiId"])
        stage = api["stages"].get(params["StageName"])
        if stage is None:
            raise not_found("Invalid stage identifier specified", "Stage")
        (stage.get("RouteSettings") or {}).pop(params["RouteKey"], None)
        ctx.store.apis.save(params["ApiId"])
        return None

    def delete_access_log_settings(self, ctx: RequestContext, params: Params) -> None:
        api = self.crud.api(ctx, params["ApiId"])
        stage = api["stages"].get(params["StageName"])
        if stage is None:
            raise not_found("Invalid stage identifier specified", "Stage")
        stage.pop("AccessLogSettings", None)
        ctx.store.apis.save(params["ApiId"])
        return None

    def reset_authorizers_cache(self, ctx: RequestContext, params: Params) -> None:
        self.crud.api(ctx, params["ApiId"])
        self.authorizer_cache.flush(params["ApiId"], params["StageName"])
        return None

    def _tagged(self, ctx: RequestContext, arn: str) -> tuple[dict, Any]:
        path = arn.split("::", 1)[-1].strip("/").split("/")
        if path[0] == "apis" and len(path) == 2:
            return self.crud.api(ctx, path[1])["api"], lambda: ctx.store.apis.save(path[1])
        if path[0] == "apis" and len(path) == 4 and path[2] == "stages":
            stage = self.crud.api(ctx, path[1])["stages"].get(path[3])
            if stage is not None:
                return stage, lambda: ctx.store.apis.save(path[1])
        if path[0] == "domainnames" and len(path) == 2 and path[1] in ctx.store.domains:
            return ctx.store.domains[path[1]], lambda: ctx.store.domains.save(path[1])
        if path[0] == "vpclinks" and len(path) == 2 and path[1] in ctx.store.links:
            return ctx.store.links[path[1]], lambda: ctx.store.links.save(path[1])
        raise not_found(f"Invalid resource identifier specified {arn}")

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        record, save = self._tagged(ctx, params["ResourceArn"])
        record.setdefault("Tags", {}).update(params.get("Tags") or {})
        save()
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> None:
        record, save = self._tagged(ctx, params["ResourceArn"])
        for key in params.get("TagKeys") or []:
            (record.get("Tags") or {}).pop(key, None)
        save()
        return None

    def get_tags(self, ctx: RequestContext, params: Params) -> Params:
        record, _ = self._tagged(ctx, params["ResourceArn"])
        return {"Tags": record.get("Tags") or {}}

    # -- the data plane ---------------------------------------------------------------------------

    def find_api(self, api_id: str) -> tuple[Any, dict] | None:
        if self.stores is None:
            return None
        for _, store in self.stores.items():
            record = store.apis.get(api_id)
            if record is not None:
                return store, record
        return None

    async def serve(self, request: HttpRequest, api_id: str, path: str, request_id: str,
                    loopback: Any = None) -> HttpResponse | None:
        """A request to an HTTP API (or the ``@connections`` API of a WebSocket API)."""
        found = self.find_api(api_id)
        if found is None:
            return None
        store, record = found
        if record["api"].get("ProtocolType") == "WEBSOCKET":
            return await self.connections.management(request, record, path)
        from cloudtwin.execute_api.http_api import HttpInvocation

        return await HttpInvocation(self, store, record, request, path, request_id).run()

    async def serve_websocket(self, scope: dict, receive: Any, send: Any, api_id: str, path: str) -> bool:
        """A WebSocket connection to a WebSocket API; False when no such API exists."""
        found = self.find_api(api_id)
        if found is None or found[1]["api"].get("ProtocolType") != "WEBSOCKET":
            return False
        store, record = found
        await self.connections.run(self, store, record, scope, receive, send, path)
        return True
