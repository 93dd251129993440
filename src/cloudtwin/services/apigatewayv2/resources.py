"""CloudFormation resource handlers of HTTP and WebSocket APIs (``AWS::ApiGatewayV2::*``):
the template's properties are the API's own member names, passed to its operations."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest


class _Handler(ResourceHandler):
    """Create with ``Create<kind>``, update with ``Update<kind>``, delete with ``Delete<kind>``."""

    kind: ClassVar[str] = ""
    id_member: ClassVar[str] = ""
    #: The members naming the parent (``ApiId``) that delete needs besides the id.
    parents: ClassVar[tuple[str, ...]] = ("ApiId",)
    #: Attributes for Fn::GetAtt: attribute name -> output member.
    outputs: ClassVar[dict[str, str]] = {}

    def params(self, request: ResourceRequest) -> dict[str, Any]:
        params = {k: v for k, v in request.properties.items() if v is not None}
        tags = {**(params.get("Tags") or {}), **{t["Key"]: t["Value"] for t in request.stack_tags}}
        if tags and self.kind in ("Api", "Stage", "DomainName", "VpcLink"):
            params["Tags"] = tags
        return params

    def create(self, request: ResourceRequest) -> Outcome:
        answer = request.call("apigatewayv2", f"Create{self.kind}", self.params(request))
        attributes = {name: answer.get(member) for name, member in self.outputs.items()}
        return Outcome(str(answer[self.id_member]), attributes)

    def update(self, request: ResourceRequest) -> Outcome:
        params = self.params(request)
        params[self.id_member] = request.physical_id
        answer = request.call("apigatewayv2", f"Update{self.kind}", params)
        return Outcome(request.physical_id or "", {n: answer.get(m) for n, m in self.outputs.items()})

    def delete(self, request: ResourceRequest) -> None:
        params = {p: request.properties[p] for p in self.parents if p in request.properties}
        params[self.id_member] = request.physical_id
        request.call("apigatewayv2", f"Delete{self.kind}", params)


class ApiHandler(_Handler):
    type_name = "AWS::ApiGatewayV2::Api"
    kind, id_member, parents = "Api", "ApiId", ()
    outputs = {"ApiId": "ApiId", "ApiEndpoint": "ApiEndpoint"}

    def params(self, request: ResourceRequest) -> dict[str, Any]:
        params = super().params(request)
        for key in ("Body", "BodyS3Location", "BasePath", "FailOnWarnings"):
            params.pop(key, None)
        params.setdefault("Name", request.logical_id)
        params.setdefault("ProtocolType", "HTTP")
        return params


class RouteHandler(_Handler):
    type_name = "AWS::ApiGatewayV2::Route"
    kind, id_member = "Route", "RouteId"
    outputs = {"RouteId": "RouteId"}


class IntegrationHandler(_Handler):
    type_name = "AWS::ApiGatewayV2::Integration"
    kind, id_member = "Integration", "IntegrationId"
    outputs = {"IntegrationId": "IntegrationId"}


class StageHandler(_Handler):
    type_name = "AWS::ApiGatewayV2::Stage"
    kind, id_member = "Stage", "StageName"


class DeploymentHandler(_Handler):
    type_name = "AWS::ApiGatewayV2::Deployment"
    kind, id_member = "Deployment", "DeploymentId"
    outputs = {"DeploymentId": "DeploymentId"}


class AuthorizerHandler(_Handler):
    type_name = "AWS::ApiGatewayV2::Authorizer"
    kind, id_member = "Authorizer", "AuthorizerId"
    outputs = {"AuthorizerId": "AuthorizerId"}


class ModelHandler(_Handler):
    type_name = "AWS::ApiGatewayV2::Model"
    kind, id_member = "Model", "ModelId"
    outputs = {"ModelId": "ModelId"}

    def params(self, request: ResourceRequest) -> dict[str, Any]:
        params = super().params(request)
        if isinstance(params.get("Schema"), dict):
            params["Schema"] = json.dumps(params["Schema"])
        return params


class RouteResponseHandler(_Handler):
    type_name = "AWS::ApiGatewayV2::RouteResponse"
    kind, id_member, parents = "RouteResponse", "RouteResponseId", ("ApiId", "RouteId")


class IntegrationResponseHandler(_Handler):
    type_name = "AWS::ApiGatewayV2::IntegrationResponse"
    kind, id_member, parents = "IntegrationResponse", "IntegrationResponseId", ("ApiId", "IntegrationId")


class DomainNameHandler(_Handler):
    type_name = "AWS::ApiGatewayV2::DomainName"
    kind, id_member, parents = "DomainName", "DomainName", ()


class ApiMappingHandler(_Handler):
    type_name = "AWS::ApiGatewayV2::ApiMapping"
    kind, id_member, parents = "ApiMapping", "ApiMappingId", ("DomainName",)


class VpcLinkHandler(_Handler):
    type_name = "AWS::ApiGatewayV2::VpcLink"
    kind, id_member, parents = "VpcLink", "VpcLinkId", ()


HANDLERS = (
    ApiHandler, RouteHandler, IntegrationHandler, StageHandler, DeploymentHandler, AuthorizerHandler, ModelHandler,
    RouteResponseHandler, IntegrationResponseHandler, DomainNameHandler, ApiMappingHandler, VpcLinkHandler,
)
