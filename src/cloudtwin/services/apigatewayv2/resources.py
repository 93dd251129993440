"""CloudFormation resource handlers of API Gateway's HTTP and WebSocket API types
(``AWS::ApiGatewayV2::*``).

Every type but the API itself lives under an API (``ApiId``) and has one create, update
and delete operation taking the template's properties as they are; a table drives them.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import changed, gone_ok, shaped, tag_map
from cloudtwin.protocol.errors import ServiceError

SERVICE = "apigatewayv2"


class ApiHandler(ResourceHandler):
    type_name = "AWS::ApiGatewayV2::Api"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        if props.get("Body") or props.get("BodyS3Location"):
            raise ServiceError(
                "BadRequestException", "cloudtwin does not import HTTP APIs from an OpenAPI Body yet (ImportApi)"
            )
        params = shaped(request, SERVICE, "CreateApi", {**props, "Name": props.get("Name") or request.physical_name(128)})
        if tags := tag_map(request):
            params["Tags"] = tags
        api = request.call(SERVICE, "CreateApi", params)
        return self._outcome(request, api)

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "ProtocolType", "Body", "BodyS3Location"):
            raise UpdateNeedsReplacement()
        api = request.call(SERVICE, "UpdateApi", shaped(request, SERVICE, "UpdateApi", {
            **request.properties, "ApiId": request.physical_id,
        }))
        return self._outcome(request, api)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteApi", {"ApiId": request.physical_id})

    @staticmethod
    def _outcome(request: ResourceRequest, api: dict[str, Any]) -> Outcome:
        api_id = api["ApiId"]
        return Outcome(api_id, {
            "ApiId": api_id,
            "ApiEndpoint": api.get("ApiEndpoint", ""),
            "ExecuteApiArn": f"arn:aws:execute-api:{request.region}:{request.account_id}:{api_id}",
        })


class _ApiChildHandler(ResourceHandler):
    """A resource of an API: ``<Create|Update|Delete><noun>`` with ``ApiId`` and its id."""

    noun: ClassVar[str] = ""
    #: The member naming the resource in the API (``RouteId``...), and the GetAtt it answers.
    id_member: ClassVar[str] = ""
    #: Properties whose change makes a new resource.
    create_only: ClassVar[tuple[str, ...]] = ("ApiId",)

    def create(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, SERVICE, f"Create{self.noun}", self._values(request))
        result = request.call(SERVICE, f"Create{self.noun}", params)
        return self._outcome(result[self.id_member])

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, *self.create_only):
            raise UpdateNeedsReplacement()
        params = shaped(request, SERVICE, f"Update{self.noun}", {
            **self._values(request), self.id_member: request.physical_id,
        })
        request.call(SERVICE, f"Update{self.noun}", params)
        return self._outcome(request.physical_id)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, f"Delete{self.noun}", shaped(request, SERVICE, f"Delete{self.noun}", {
                **request.properties, self.id_member: request.physical_id,
            }))

    def _values(self, request: ResourceRequest) -> dict[str, Any]:
        values = dict(request.properties)
        if isinstance(values.get("Schema"), (dict, list)):  # a model's JSON schema
            values["Schema"] = json.dumps(values["Schema"])
        return values

    def _outcome(self, resource_id: str) -> Outcome:
        return Outcome(resource_id, {self.id_member: resource_id})


class RouteHandler(_ApiChildHandler):
    type_name = "AWS::ApiGatewayV2::Route"
    noun, id_member = "Route", "RouteId"


class IntegrationHandler(_ApiChildHandler):
    type_name = "AWS::ApiGatewayV2::Integration"
    noun, id_member = "Integration", "IntegrationId"


class AuthorizerHandler(_ApiChildHandler):
    type_name = "AWS::ApiGatewayV2::Authorizer"
    noun, id_member = "Authorizer", "AuthorizerId"


class DeploymentHandler(_ApiChildHandler):
    type_name = "AWS::ApiGatewayV2::Deployment"
    noun, id_member = "Deployment", "DeploymentId"


class RouteResponseHandler(_ApiChildHandler):
    type_name = "AWS::ApiGatewayV2::RouteResponse"
    noun, id_member = "RouteResponse", "RouteResponseId"
    create_only = ("ApiId", "RouteId")


class IntegrationResponseHandler(_ApiChildHandler):
    type_name = "AWS::ApiGatewayV2::IntegrationResponse"
    noun, id_member = "IntegrationResponse", "IntegrationResponseId"
    create_only = ("ApiId", "IntegrationId")


class ModelHandler(_ApiChildHandler):
    type_name = "AWS::ApiGatewayV2::Model"
    noun, id_member = "Model", "ModelId"


class ApiMappingHandler(_ApiChildHandler):
    type_name = "AWS::ApiGatewayV2::ApiMapping"
    noun, id_member = "ApiMapping", "ApiMappingId"
    create_only = ("DomainName",)


class VpcLinkHandler(_ApiChildHandler):
    type_name = "AWS::ApiGatewayV2::VpcLink"
    noun, id_member = "VpcLink", "VpcLinkId"
    create_only = ("SecurityGroupIds", "SubnetIds")

    def _values(self, request: ResourceRequest) -> dict[str, Any]:
        return {**super()._values(request), "Tags": tag_map(request)}


class DomainNameHandler(ResourceHandler):
    type_name = "AWS::ApiGatewayV2::DomainName"

    def create(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, SERVICE, "CreateDomainName", request.properties)
        if tags := tag_map(request):
            params["Tags"] = tags
        return self._outcome(request.call(SERVICE, "CreateDomainName", params))

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "DomainName"):
            raise UpdateNeedsReplacement()
        params = shaped(request, SERVICE, "UpdateDomainName", request.properties)
        return self._outcome(request.call(SERVICE, "UpdateDomainName", params))

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteDomainName", {"DomainName": request.physical_id})

    @staticmethod
    def _outcome(domain: dict[str, Any]) -> Outcome:
        config = (domain.get("DomainNameConfigurations") or [{}])[0]
        return Outcome(domain["DomainName"], {
            "DomainNameArn": domain.get("DomainNameArn", ""),
            "RegionalDomainName": config.get("ApiGatewayDomainName", ""),
            "RegionalHostedZoneId": config.get("HostedZoneId", ""),
        })


class StageHandler(_ApiChildHandler):
    """``AWS::ApiGatewayV2::Stage``: named by the template (``$default`` for an HTTP API's
    automatic stage); its ``Ref`` is the name."""

    type_name = "AWS::ApiGatewayV2::Stage"
    noun, id_member = "Stage", "StageName"
    create_only = ("ApiId", "StageName")

    def create(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, SERVICE, "CreateStage", request.properties)
        if tags := tag_map(request):
            params["Tags"] = tags
        stage = request.call(SERVICE, "CreateStage", params)
        return Outcome(stage["StageName"], {})

    def update(self, request: ResourceRequest) -> Outcome:
        super().update(request)
        return Outcome(request.physical_id, {})


HANDLERS = [
    ApiHandler,
    RouteHandler,
    RouteResponseHandler,
    IntegrationHandler,
    IntegrationResponseHandler,
    AuthorizerHandler,
    ModelHandler,
    DeploymentHandler,
    StageHandler,
    ApiMappingHandler,
    DomainNameHandler,
    VpcLinkHandler,
]
