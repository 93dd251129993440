"""CloudFormation resource handlers of API Gateway REST APIs (``AWS::ApiGateway::*``),
each calling the service's own operations through the internal client (see
:mod:`cloudtwin.deployment.handler`)."""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement


def _lower_first(value: Any) -> Any:
    """CloudFormation's PascalCase properties as the API's camelCase members."""
    if isinstance(value, dict):
        return {(k[:1].lower() + k[1:]): _lower_first(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_first(v) for v in value]
    return value


def _tags(request: ResourceRequest) -> dict[str, str]:
    tags = {t["Key"]: t["Value"] for t in request.properties.get("Tags") or []}
    tags.update({t["Key"]: t["Value"] for t in request.stack_tags})
    return tags


class RestApiHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::RestApi"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        if props.get("Body") is not None or props.get("BodyS3Location"):
            body = props.get("Body")
            api = request.call("apigateway", "ImportRestApi", {
                "body": (json.dumps(body) if isinstance(body, dict) else str(body)).encode(),
                "parameters": props.get("Parameters") or {},
            })  # fmt: skip
            if props.get("Name"):
                api = request.call("apigateway", "UpdateRestApi", {"restApiId": api["id"], "patchOperations": [
                    {"op": "replace", "path": "/name", "value": props["Name"]}]})
        else:
            params = {k: v for k, v in _lower_first({
                "Name": props.get("Name") or request.logical_id, "Description": props.get("Description"),
                "BinaryMediaTypes": props.get("BinaryMediaTypes"), "ApiKeySource": props.get("ApiKeySourceType"),
                "MinimumCompressionSize": props.get("MinimumCompressionSize"),
                "EndpointConfiguration": props.get("EndpointConfiguration"),
                "DisableExecuteApiEndpoint": props.get("DisableExecuteApiEndpoint"),
                "Policy": json.dumps(props["Policy"]) if isinstance(props.get("Policy"), dict) else props.get("Policy"),
            }).items() if v is not None}  # fmt: skip
            tags = _tags(request)
            if tags:
                params["tags"] = tags
            api = request.call("apigateway", "CreateRestApi", params)
        return Outcome(api["id"], {"RestApiId": api["id"], "RootResourceId": api["rootResourceId"]})

    def delete(self, request: ResourceRequest) -> None:
        request.call("apigateway", "DeleteRestApi", {"restApiId": request.physical_id})


class ResourceResourceHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::Resource"

    def create(self, request: ResourceRequest) -> Outcome:
        p = request.properties
        resource = request.call("apigateway", "CreateResource", {
            "restApiId": p["RestApiId"], "parentId": p["ParentId"], "pathPart": p["PathPart"]})
        return Outcome(resource["id"], {"ResourceId": resource["id"]})

    def delete(self, request: ResourceRequest) -> None:
        request.call("apigateway", "DeleteResource", {
            "restApiId": request.properties["RestApiId"], "resourceId": request.physical_id})


class MethodHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::Method"

    def create(self, request: ResourceRequest) -> Outcome:
        p = request.properties
        key = {"restApiId": p["RestApiId"], "resourceId": p["ResourceId"], "httpMethod": p["HttpMethod"]}
        method = {k: v for k, v in {
            "authorizationType": p.get("AuthorizationType") or "NONE", "authorizerId": p.get("AuthorizerId"),
            "apiKeyRequired": p.get("ApiKeyRequired"), "operationName": p.get("OperationName"),
            "requestParameters": p.get("RequestParameters"), "requestModels": p.get("RequestModels"),
            "requestValidatorId": p.get("RequestValidatorId"), "authorizationScopes": p.get("AuthorizationScopes"),
        }.items() if v is not None}  # fmt: skip
        request.call("apigateway", "PutMethod", {**key, **method})
        for response in p.get("MethodResponses") or []:
            given = _lower_first(response)
            request.call("apigateway", "PutMethodResponse", {**key, **given})
        integration = p.get("Integration")
        if integration:
            given = _lower_first({k: v for k, v in integration.items() if k != "IntegrationResponses"})
            if "integrationHttpMethod" not in given and "httpMethod" in given:
                given["integrationHttpMethod"] = given.pop("httpMethod")
            given.pop("httpMethod", None)
            request.call("apigateway", "PutIntegration", {**key, **given})
            for response in integration.get("IntegrationResponses") or []:
                request.call("apigateway", "PutIntegrationResponse", {**key, **_lower_first(response)})
        return Outcome(f"{p['RestApiId']}-{p['ResourceId']}-{p['HttpMethod']}")

    def update(self, request: ResourceRequest) -> Outcome:
        raise UpdateNeedsReplacement()

    def delete(self, request: ResourceRequest) -> None:
        p = request.properties
        request.call("apigateway", "DeleteMethod", {
            "restApiId": p["RestApiId"], "resourceId": p["ResourceId"], "httpMethod": p["HttpMethod"]})


class DeploymentHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::Deployment"

    def create(self, request: ResourceRequest) -> Outcome:
        p = request.properties
        params = {"restApiId": p["RestApiId"]}
        if p.get("StageName"):
            params["stageName"] = p["StageName"]
        if p.get("Description"):
            params["description"] = p["Description"]
        deployment = request.call("apigateway", "CreateDeployment", params)
        return Outcome(deployment["id"], {"DeploymentId": deployment["id"]})

    def delete(self, request: ResourceRequest) -> None:
        p = request.properties
        try:
            request.call("apigateway", "DeleteDeployment", {"restApiId": p["RestApiId"], "deploymentId": request.physical_id})
        except Exception:  # noqa: BLE001 - a stage still serves it; the API's deletion takes it
            pass


class StageHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::Stage"

    def create(self, request: ResourceRequest) -> Outcome:
        p = request.properties
        params = {k: v for k, v in {
            "restApiId": p["RestApiId"], "stageName": p.get("StageName") or request.logical_id.lower(),
            "deploymentId": p["DeploymentId"], "description": p.get("Description"), "variables": p.get("Variables"),
            "tracingEnabled": p.get("TracingEnabled"),
        }.items() if v is not None}  # fmt: skip
        tags = _tags(request)
        if tags:
            params["tags"] = tags
        stage = request.call("apigateway", "CreateStage", params)
        return Outcome(stage["stageName"])

    def delete(self, request: ResourceRequest) -> None:
        request.call("apigateway", "DeleteStage", {"restApiId": request.properties["RestApiId"],
                                                   "stageName": request.physical_id})


class ApiKeyHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::ApiKey"

    def create(self, request: ResourceRequest) -> Outcome:
        p = request.properties
        params = {k: v for k, v in {
            "name": p.get("Name") or request.physical_name(1024), "description": p.get("Description"),
            "enabled": p.get("Enabled", False), "value": p.get("Value"), "customerId": p.get("CustomerId"),
            "stageKeys": _lower_first(p.get("StageKeys")),
        }.items() if v is not None}  # fmt: skip
        key = request.call("apigateway", "CreateApiKey", params)
        return Outcome(key["id"], {"APIKeyId": key["id"]})

    def delete(self, request: ResourceRequest) -> None:
        request.call("apigateway", "DeleteApiKey", {"apiKey": request.physical_id})


class UsagePlanHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::UsagePlan"

    def create(self, request: ResourceRequest) -> Outcome:
        p = request.properties
        params = {k: v for k, v in _lower_first({
            "Name": p.get("UsagePlanName") or request.physical_name(), "Description": p.get("Description"),
            "ApiStages": p.get("ApiStages"), "Throttle": p.get("Throttle"), "Quota": p.get("Quota"),
        }).items() if v is not None}  # fmt: skip
        plan = request.call("apigateway", "CreateUsagePlan", params)
        return Outcome(plan["id"], {"Id": plan["id"]})

    def delete(self, request: ResourceRequest) -> None:
        request.call("apigateway", "DeleteUsagePlan", {"usagePlanId": request.physical_id})


class UsagePlanKeyHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::UsagePlanKey"

    def create(self, request: ResourceRequest) -> Outcome:
        p = request.properties
        request.call("apigateway", "CreateUsagePlanKey", {
            "usagePlanId": p["UsagePlanId"], "keyId": p["KeyId"], "keyType": p.get("KeyType") or "API_KEY"})
        return Outcome(f"{p['KeyId']}:{p['UsagePlanId']}")

    def delete(self, request: ResourceRequest) -> None:
        p = request.properties
        request.call("apigateway", "DeleteUsagePlanKey", {"usagePlanId": p["UsagePlanId"], "keyId": p["KeyId"]})


class AuthorizerHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::Authorizer"

    def create(self, request: ResourceRequest) -> Outcome:
        params = _lower_first(request.properties)
        authorizer = request.call("apigateway", "CreateAuthorizer", params)
        return Outcome(authorizer["id"], {"AuthorizerId": authorizer["id"]})

    def delete(self, request: ResourceRequest) -> None:
        request.call("apigateway", "DeleteAuthorizer", {"restApiId": request.properties["RestApiId"],
                                                        "authorizerId": request.physical_id})


class ModelHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::Model"

    def create(self, request: ResourceRequest) -> Outcome:
        p = request.properties
        name = p.get("Name") or request.physical_name(64, separator="").replace("-", "")
        schema = p.get("Schema")
        request.call("apigateway", "CreateModel", {k: v for k, v in {
            "restApiId": p["RestApiId"], "name": name, "contentType": p.get("ContentType") or "application/json",
            "description": p.get("Description"), "schema": json.dumps(schema) if isinstance(schema, dict) else schema,
        }.items() if v is not None})  # fmt: skip
        return Outcome(name)

    def delete(self, request: ResourceRequest) -> None:
        request.call("apigateway", "DeleteModel", {"restApiId": request.properties["RestApiId"],
                                                   "modelName": request.physical_id})


class RequestValidatorHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::RequestValidator"

    def create(self, request: ResourceRequest) -> Outcome:
        validator = request.call("apigateway", "CreateRequestValidator", _lower_first(request.properties))
        return Outcome(validator["id"], {"RequestValidatorId": validator["id"]})

    def delete(self, request: ResourceRequest) -> None:
        request.call("apigateway", "DeleteRequestValidator", {"restApiId": request.properties["RestApiId"],
                                                              "requestValidatorId": request.physical_id})


class GatewayResponseHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::GatewayResponse"

    def create(self, request: ResourceRequest) -> Outcome:
        response = request.call("apigateway", "PutGatewayResponse", _lower_first(request.properties))
        return Outcome(f"{request.properties['RestApiId']}-{response['responseType']}")

    def delete(self, request: ResourceRequest) -> None:
        request.call("apigateway", "DeleteGatewayResponse", {"restApiId": request.properties["RestApiId"],
                                                             "responseType": request.properties["ResponseType"]})


HANDLERS = (
    RestApiHandler, ResourceResourceHandler, MethodHandler, DeploymentHandler, StageHandler, ApiKeyHandler,
    UsagePlanHandler, UsagePlanKeyHandler, AuthorizerHandler, ModelHandler, RequestValidatorHandler,
    GatewayResponseHandler,
)
