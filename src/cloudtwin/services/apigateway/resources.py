"""CloudFormation resource handlers of API Gateway's REST API types (``AWS::ApiGateway::*``).

Templates spell API Gateway's members in PascalCase (``RestApiId``), the API in camelCase
(``restApiId``): :func:`~cloudtwin.deployment.properties.shaped` matches them. A method's
template carries its integration and responses; they go to PutMethod, PutMethodResponse,
PutIntegration and PutIntegrationResponse in turn. Updates API Gateway takes as JSON Patch
operations are made so.
"""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import changed, gone_ok, json_text, shaped, tag_map, truthy

SERVICE = "apigateway"


def _call(request: ResourceRequest, operation: str, values: dict[str, Any]) -> dict[str, Any]:
    return request.call(SERVICE, operation, shaped(request, SERVICE, operation, values))


def _arn(request: ResourceRequest, path: str) -> str:
    return f"arn:aws:apigateway:{request.region}::{path}"


def _retag(request: ResourceRequest, arn: str) -> None:
    """The resource's tags made the template's (and the stack's)."""
    current = request.call(SERVICE, "GetTags", {"resourceArn": arn}).get("tags", {})
    wanted = tag_map(request)
    if stale := sorted(set(current) - set(wanted)):
        request.call(SERVICE, "UntagResource", {"resourceArn": arn, "tagKeys": stale})
    if wanted:
        request.call(SERVICE, "TagResource", {"resourceArn": arn, "tags": wanted})


def _replace(path: str, value: Any) -> dict[str, Any]:
    return {"op": "replace", "path": path, "value": value if isinstance(value, str) else json.dumps(value)}


class RestApiHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::RestApi"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        body = self._body(props, request)
        name = props.get("Name") or (body or {}).get("info", {}).get("title") or request.physical_name(128)
        values = {**props, "name": name, "apiKeySource": props.get("ApiKeySourceType")}
        if props.get("Policy"):
            values["Policy"] = json_text(props["Policy"])
        values.pop("Parameters", None)
        params = shaped(request, SERVICE, "CreateRestApi", values)
        if tags := tag_map(request):
            params["tags"] = tags
        api = request.call(SERVICE, "CreateRestApi", params)
        if body is not None:
            self._put_body(request, api["id"], body, props.get("Mode") or "overwrite")
            self._keep_given(request, api["id"])
        return self._outcome(request, api["id"])

    def update(self, request: ResourceRequest) -> Outcome:
        api_id = request.physical_id
        props = request.properties
        patches = []
        if changed(request, "Name") and props.get("Name"):
            patches.append(_replace("/name", props["Name"]))
        if changed(request, "Description"):
            patches.append(_replace("/description", props.get("Description", "")))
        if changed(request, "Policy"):
            patches.append(_replace("/policy", json_text(props["Policy"]) if props.get("Policy") else ""))
        if changed(request, "DisableExecuteApiEndpoint"):
            patches.append(_replace("/disableExecuteApiEndpoint", str(truthy(props.get("DisableExecuteApiEndpoint", False))).lower()))
        if patches:
            request.call(SERVICE, "UpdateRestApi", {"restApiId": api_id, "patchOperations": patches})
        if changed(request, "Body", "BodyS3Location") and (body := self._body(props, request)) is not None:
            self._put_body(request, api_id, body, props.get("Mode") or "overwrite")
            self._keep_given(request, api_id)
        if changed(request, "Tags"):
            _retag(request, _arn(request, f"/restapis/{api_id}"))
        return self._outcome(request, api_id)

    @staticmethod
    def _keep_given(request: ResourceRequest, api_id: str) -> None:
        """The template's Name and Description win over the imported definition's title and
        description, as CloudFormation documents."""
        api = request.call(SERVICE, "GetRestApi", {"restApiId": api_id})
        patches = [
            _replace(f"/{member}", request.properties[prop])
            for prop, member in (("Name", "name"), ("Description", "description"))
            if request.properties.get(prop) and api.get(member) != request.properties[prop]
        ]
        if patches:
            request.call(SERVICE, "UpdateRestApi", {"restApiId": api_id, "patchOperations": patches})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteRestApi", {"restApiId": request.physical_id})

    @staticmethod
    def _body(props: dict[str, Any], request: ResourceRequest | None = None) -> Any:
        body = props.get("Body")
        if body is None and request is not None and props.get("BodyS3Location"):
            body = request.s3_object(props["BodyS3Location"]).decode("utf-8")
        if isinstance(body, str):
            try:
                return json.loads(body)
            except ValueError:
                import yaml

                return yaml.safe_load(body)
        return body

    @staticmethod
    def _put_body(request: ResourceRequest, api_id: str, body: Any, mode: str) -> None:
        params: dict[str, Any] = {"restApiId": api_id, "mode": mode, "body": json.dumps(body).encode()}
        if request.properties.get("FailOnWarnings") is not None:
            params["failOnWarnings"] = truthy(request.properties["FailOnWarnings"])
        if request.properties.get("Parameters"):
            params["parameters"] = {str(k): str(v) for k, v in request.properties["Parameters"].items()}
        request.call(SERVICE, "PutRestApi", params)

    @staticmethod
    def _outcome(request: ResourceRequest, api_id: str) -> Outcome:
        api = request.call(SERVICE, "GetRestApi", {"restApiId": api_id})
        return Outcome(api_id, {"RestApiId": api_id, "RootResourceId": api.get("rootResourceId", "")})


class ResourceTypeHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::Resource"

    def create(self, request: ResourceRequest) -> Outcome:
        resource = _call(request, "CreateResource", request.properties)
        return Outcome(resource["id"], {"ResourceId": resource["id"]})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteResource", {
                "restApiId": request.properties["RestApiId"], "resourceId": request.physical_id,
            })


class MethodHandler(ResourceHandler):
    """``AWS::ApiGateway::Method`` with its integration and responses (an update puts the
    method again, as a whole)."""

    type_name = "AWS::ApiGateway::Method"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        target = {"restApiId": props["RestApiId"], "resourceId": props["ResourceId"], "httpMethod": props["HttpMethod"]}
        _call(request, "PutMethod", {**props, **target, "authorizationType": props.get("AuthorizationType", "NONE")})
        for response in props.get("MethodResponses") or []:
            _call(request, "PutMethodResponse", {**response, **target})
        integration = props.get("Integration")
        if integration:
            _call(request, "PutIntegration", {**integration, **target})
            for response in integration.get("IntegrationResponses") or []:
                _call(request, "PutIntegrationResponse", {**response, **target})
        return Outcome(f"{props['RestApiId']}|{props['ResourceId']}|{props['HttpMethod']}", {})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "RestApiId", "ResourceId", "HttpMethod"):
            raise UpdateNeedsReplacement()
        self.delete(request)
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        props = request.properties
        with gone_ok():
            request.call(SERVICE, "DeleteMethod", {
                "restApiId": props["RestApiId"], "resourceId": props["ResourceId"], "httpMethod": props["HttpMethod"],
            })


def _method_setting_patches(settings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A stage's ``MethodSettings`` as UpdateStage's patch operations."""
    fields = {
        "LoggingLevel": "logging/loglevel", "MetricsEnabled": "metrics/enabled",
        "DataTraceEnabled": "logging/dataTrace", "ThrottlingBurstLimit": "throttling/burstLimit",
        "ThrottlingRateLimit": "throttling/rateLimit", "CachingEnabled": "caching/enabled",
        "CacheTtlInSeconds": "caching/ttlInSeconds", "CacheDataEncrypted": "caching/dataEncrypted",
    }
    patches = []
    for setting in settings:
        path = setting.get("ResourcePath", "/*")
        resource = "*" if path in ("/*", "*") else path.replace("/", "~1")
        prefix = f"/{resource}/{setting.get('HttpMethod', '*')}"
        for name, suffix in fields.items():
            if setting.get(name) is not None:
                value = setting[name]
                text = str(value).lower() if isinstance(value, bool) else str(value)
                patches.append({"op": "replace", "path": f"{prefix}/{suffix}", "value": text})
    return patches


def _stage_patches(props: dict[str, Any]) -> list[dict[str, Any]]:
    """What CreateStage/CreateDeployment do not take: method settings, access logs."""
    patches = _method_setting_patches(props.get("MethodSettings") or [])
    logs = props.get("AccessLogSetting")
    if logs:
        if logs.get("DestinationArn"):
            patches.append({"op": "replace", "path": "/accessLogSettings/destinationArn", "value": logs["DestinationArn"]})
        if logs.get("Format"):
            patches.append({"op": "replace", "path": "/accessLogSettings/format", "value": logs["Format"]})
    return patches


class DeploymentHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::Deployment"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        stage = props.get("StageDescription") or {}
        values = {
            "restApiId": props["RestApiId"], "stageName": props.get("StageName"), "description": props.get("Description"),
            "stageDescription": stage.get("Description"), "variables": stage.get("Variables"),
            "cacheClusterEnabled": stage.get("CacheClusterEnabled"), "cacheClusterSize": stage.get("CacheClusterSize"),
            "tracingEnabled": stage.get("TracingEnabled"),
        }
        if props.get("DeploymentCanarySettings"):
            values["canarySettings"] = props["DeploymentCanarySettings"]
        deployment = _call(request, "CreateDeployment", values)
        if props.get("StageName") and (patches := _stage_patches(stage)):
            request.call(SERVICE, "UpdateStage", {
                "restApiId": props["RestApiId"], "stageName": props["StageName"], "patchOperations": patches,
            })
        return Outcome(deployment["id"], {"DeploymentId": deployment["id"]})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "RestApiId", "StageName", "StageDescription", "DeploymentCanarySettings"):
            raise UpdateNeedsReplacement()
        request.call(SERVICE, "UpdateDeployment", {
            "restApiId": request.properties["RestApiId"], "deploymentId": request.physical_id,
            "patchOperations": [_replace("/description", request.properties.get("Description", ""))],
        })
        return Outcome(request.physical_id, {"DeploymentId": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        props = request.properties
        api = props["RestApiId"]
        with gone_ok():
            if props.get("StageName"):
                stages = request.call(SERVICE, "GetStages", {"restApiId": api, "deploymentId": request.physical_id})
                for stage in stages.get("item", []):
                    if stage["stageName"] == props["StageName"]:
                        request.call(SERVICE, "DeleteStage", {"restApiId": api, "stageName": stage["stageName"]})
            request.call(SERVICE, "DeleteDeployment", {"restApiId": api, "deploymentId": request.physical_id})


class StageHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::Stage"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("StageName") or request.physical_name(128)
        values = {**props, "stageName": name}
        if props.get("CanarySetting"):
            values["canarySettings"] = props["CanarySetting"]
        params = shaped(request, SERVICE, "CreateStage", values)
        if tags := tag_map(request):
            params["tags"] = tags
        request.call(SERVICE, "CreateStage", params)
        if patches := _stage_patches(props):
            request.call(SERVICE, "UpdateStage", {"restApiId": props["RestApiId"], "stageName": name, "patchOperations": patches})
        return Outcome(name, {})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "RestApiId", "StageName"):
            raise UpdateNeedsReplacement()
        props = request.properties
        before = request.previous_properties or {}
        patches = []
        if changed(request, "DeploymentId"):
            patches.append(_replace("/deploymentId", props["DeploymentId"]))
        if changed(request, "Description"):
            patches.append(_replace("/description", props.get("Description", "")))
        if changed(request, "TracingEnabled"):
            patches.append(_replace("/tracingEnabled", str(truthy(props.get("TracingEnabled", False))).lower()))
        if changed(request, "Variables"):
            old, new = before.get("Variables") or {}, props.get("Variables") or {}
            patches += [{"op": "remove", "path": f"/variables/{k}"} for k in old if k not in new]
            patches += [{"op": "replace", "path": f"/variables/{k}", "value": str(v)} for k, v in new.items()]
        if changed(request, "MethodSettings", "AccessLogSetting"):
            patches += _stage_patches(props)
        if patches:
            request.call(SERVICE, "UpdateStage", {
                "restApiId": props["RestApiId"], "stageName": request.physical_id, "patchOperations": patches,
            })
        if changed(request, "Tags"):
            _retag(request, _arn(request, f"/restapis/{props['RestApiId']}/stages/{request.physical_id}"))
        return Outcome(request.physical_id, {})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteStage", {
                "restApiId": request.properties["RestApiId"], "stageName": request.physical_id,
            })


class ApiKeyHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::ApiKey"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = shaped(request, SERVICE, "CreateApiKey", {
            **props, "name": props.get("Name") or request.physical_name(128), "enabled": props.get("Enabled", False),
        })
        if tags := tag_map(request):
            params["tags"] = tags
        key = request.call(SERVICE, "CreateApiKey", params)
        return Outcome(key["id"], {"APIKeyId": key["id"]})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "Name", "Value", "GenerateDistinctId", "StageKeys"):
            raise UpdateNeedsReplacement()
        props = request.properties
        request.call(SERVICE, "UpdateApiKey", {"apiKey": request.physical_id, "patchOperations": [
            _replace("/enabled", str(truthy(props.get("Enabled", False))).lower()),
            _replace("/description", props.get("Description", "")),
            *([_replace("/customerId", props["CustomerId"])] if props.get("CustomerId") else []),
        ]})
        if changed(request, "Tags"):
            _retag(request, _arn(request, f"/apikeys/{request.physical_id}"))
        return Outcome(request.physical_id, {"APIKeyId": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteApiKey", {"apiKey": request.physical_id})


class UsagePlanHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::UsagePlan"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = shaped(request, SERVICE, "CreateUsagePlan", {
            **props, "name": props.get("UsagePlanName") or request.physical_name(128),
        })
        if tags := tag_map(request):
            params["tags"] = tags
        plan = request.call(SERVICE, "CreateUsagePlan", params)
        return Outcome(plan["id"], {"Id": plan["id"]})

    def update(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        before = request.previous_properties or {}
        plan_id = request.physical_id
        patches = []
        if changed(request, "UsagePlanName") and props.get("UsagePlanName"):
            patches.append(_replace("/name", props["UsagePlanName"]))
        if changed(request, "Description"):
            patches.append(_replace("/description", props.get("Description", "")))
        for prop, path in (("Throttle", "/throttle"), ("Quota", "/quota")):
            if changed(request, prop):
                for key, value in (props.get(prop) or {}).items():
                    member = key[:1].lower() + key[1:]
                    patches.append(_replace(f"{path}/{member}", str(value)))
        if changed(request, "ApiStages"):
            old = {f"{s['ApiId']}:{s['Stage']}" for s in before.get("ApiStages") or []}
            new = {f"{s['ApiId']}:{s['Stage']}" for s in props.get("ApiStages") or []}
            patches += [{"op": "remove", "path": "/apiStages", "value": v} for v in sorted(old - new)]
            patches += [{"op": "add", "path": "/apiStages", "value": v} for v in sorted(new - old)]
        if patches:
            request.call(SERVICE, "UpdateUsagePlan", {"usagePlanId": plan_id, "patchOperations": patches})
        if changed(request, "Tags"):
            _retag(request, _arn(request, f"/usageplans/{plan_id}"))
        return Outcome(plan_id, {"Id": plan_id})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteUsagePlan", {"usagePlanId": request.physical_id})


class UsagePlanKeyHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::UsagePlanKey"

    def create(self, request: ResourceRequest) -> Outcome:
        key = _call(request, "CreateUsagePlanKey", request.properties)
        return Outcome(key["id"], {"Id": key["id"]})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteUsagePlanKey", {
                "usagePlanId": request.properties["UsagePlanId"], "keyId": request.physical_id,
            })


class AuthorizerHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::Authorizer"

    def create(self, request: ResourceRequest) -> Outcome:
        authorizer = _call(request, "CreateAuthorizer", request.properties)
        return Outcome(authorizer["id"], {"AuthorizerId": authorizer["id"]})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "RestApiId"):
            raise UpdateNeedsReplacement()
        fields = {
            "Name": "/name", "Type": "/type", "AuthorizerUri": "/authorizerUri", "AuthorizerCredentials": "/authorizerCredentials",
            "IdentitySource": "/identitySource", "IdentityValidationExpression": "/identityValidationExpression",
            "AuthorizerResultTtlInSeconds": "/authorizerResultTtlInSeconds", "AuthType": "/authType",
        }
        patches = [_replace(path, str(request.properties.get(prop, ""))) for prop, path in fields.items() if changed(request, prop)]
        if patches:
            request.call(SERVICE, "UpdateAuthorizer", {
                "restApiId": request.properties["RestApiId"], "authorizerId": request.physical_id, "patchOperations": patches,
            })
        return Outcome(request.physical_id, {"AuthorizerId": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteAuthorizer", {
                "restApiId": request.properties["RestApiId"], "authorizerId": request.physical_id,
            })


class RequestValidatorHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::RequestValidator"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        validator = _call(request, "CreateRequestValidator", {**props, "name": props.get("Name") or request.physical_name(128)})
        return Outcome(validator["id"], {"RequestValidatorId": validator["id"]})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "RestApiId", "Name"):
            raise UpdateNeedsReplacement()
        props = request.properties
        request.call(SERVICE, "UpdateRequestValidator", {
            "restApiId": props["RestApiId"], "requestValidatorId": request.physical_id, "patchOperations": [
                _replace("/validateRequestBody", str(truthy(props.get("ValidateRequestBody", False))).lower()),
                _replace("/validateRequestParameters", str(truthy(props.get("ValidateRequestParameters", False))).lower()),
            ],
        })
        return Outcome(request.physical_id, {"RequestValidatorId": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteRequestValidator", {
                "restApiId": request.properties["RestApiId"], "requestValidatorId": request.physical_id,
            })


class ModelHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::Model"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        # an unnamed model is named as CloudFormation names it (stack, logical id, suffix), kept
        # to the letters and digits model names take
        name = props.get("Name") or "".join(c for c in request.physical_name(128, separator="") if c.isalnum())
        values = {**props, "name": name, "contentType": props.get("ContentType", "application/json")}
        if props.get("Schema") is not None:
            values["schema"] = json_text(props["Schema"])
        _call(request, "CreateModel", values)
        return Outcome(name, {})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "RestApiId", "Name", "ContentType"):
            raise UpdateNeedsReplacement()
        props = request.properties
        patches = []
        if changed(request, "Schema"):
            patches.append(_replace("/schema", json_text(props.get("Schema") or {})))
        if changed(request, "Description"):
            patches.append(_replace("/description", props.get("Description", "")))
        if patches:
            request.call(SERVICE, "UpdateModel", {
                "restApiId": props["RestApiId"], "modelName": request.physical_id, "patchOperations": patches,
            })
        return Outcome(request.physical_id, {})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteModel", {"restApiId": request.properties["RestApiId"], "modelName": request.physical_id})


class GatewayResponseHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::GatewayResponse"

    def create(self, request: ResourceRequest) -> Outcome:
        _call(request, "PutGatewayResponse", request.properties)
        physical_id = request.physical_name(128)
        return Outcome(physical_id, {"Id": physical_id})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "RestApiId", "ResponseType"):
            raise UpdateNeedsReplacement()
        _call(request, "PutGatewayResponse", request.properties)
        return Outcome(request.physical_id, {"Id": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteGatewayResponse", {
                "restApiId": request.properties["RestApiId"], "responseType": request.properties["ResponseType"],
            })


class DomainNameHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::DomainName"

    def create(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, SERVICE, "CreateDomainName", request.properties)
        if request.properties.get("Policy"):
            params["policy"] = json_text(request.properties["Policy"])
        if tags := tag_map(request):
            params["tags"] = tags
        return self._outcome(request.call(SERVICE, "CreateDomainName", params))

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "DomainName"):
            raise UpdateNeedsReplacement()
        fields = {"CertificateArn": "/certificateArn", "RegionalCertificateArn": "/regionalCertificateArn",
                  "SecurityPolicy": "/securityPolicy"}  # fmt: skip
        patches = [_replace(path, request.properties[prop]) for prop, path in fields.items()
                   if changed(request, prop) and request.properties.get(prop)]  # fmt: skip
        if patches:
            request.call(SERVICE, "UpdateDomainName", {"domainName": request.physical_id, "patchOperations": patches})
        return self._outcome(request.call(SERVICE, "GetDomainName", {"domainName": request.physical_id}))

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteDomainName", {"domainName": request.physical_id})

    @staticmethod
    def _outcome(domain: dict[str, Any]) -> Outcome:
        return Outcome(domain["domainName"], {
            name: domain.get(member, "") for name, member in (
                ("DomainNameArn", "domainNameArn"), ("DistributionDomainName", "distributionDomainName"),
                ("DistributionHostedZoneId", "distributionHostedZoneId"), ("RegionalDomainName", "regionalDomainName"),
                ("RegionalHostedZoneId", "regionalHostedZoneId"),
            )
        })


class BasePathMappingHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::BasePathMapping"

    def create(self, request: ResourceRequest) -> Outcome:
        mapping = _call(request, "CreateBasePathMapping", request.properties)
        return Outcome(f"{request.properties['DomainName']}|{mapping.get('basePath', '(none)')}", {})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "DomainName", "BasePath"):
            raise UpdateNeedsReplacement()
        props = request.properties
        patches = [_replace("/restapiId", props["RestApiId"])] if changed(request, "RestApiId") else []
        if changed(request, "Stage"):
            patches.append(_replace("/stage", props.get("Stage", "")))
        if patches:
            request.call(SERVICE, "UpdateBasePathMapping", {
                "domainName": props["DomainName"], "basePath": props.get("BasePath") or "(none)",
                "patchOperations": patches,
            })
        return Outcome(request.physical_id, {})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteBasePathMapping", {
                "domainName": request.properties["DomainName"], "basePath": request.properties.get("BasePath") or "(none)",
            })


class VpcLinkHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::VpcLink"

    def create(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, SERVICE, "CreateVpcLink", request.properties)
        if tags := tag_map(request):
            params["tags"] = tags
        link = request.call(SERVICE, "CreateVpcLink", params)
        return Outcome(link["id"], {"VpcLinkId": link["id"]})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "TargetArns"):
            raise UpdateNeedsReplacement()
        props = request.properties
        request.call(SERVICE, "UpdateVpcLink", {"vpcLinkId": request.physical_id, "patchOperations": [
            _replace("/name", props["Name"]), _replace("/description", props.get("Description", "")),
        ]})
        return Outcome(request.physical_id, {"VpcLinkId": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteVpcLink", {"vpcLinkId": request.physical_id})


class ClientCertificateHandler(ResourceHandler):
    type_name = "AWS::ApiGateway::ClientCertificate"

    def create(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, SERVICE, "GenerateClientCertificate", request.properties)
        if tags := tag_map(request):
            params["tags"] = tags
        certificate = request.call(SERVICE, "GenerateClientCertificate", params)
        return Outcome(certificate["clientCertificateId"], {"ClientCertificateId": certificate["clientCertificateId"]})

    def update(self, request: ResourceRequest) -> Outcome:
        request.call(SERVICE, "UpdateClientCertificate", {
            "clientCertificateId": request.physical_id,
            "patchOperations": [_replace("/description", request.properties.get("Description", ""))],
        })
        return Outcome(request.physical_id, {"ClientCertificateId": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteClientCertificate", {"clientCertificateId": request.physical_id})


class AccountHandler(ResourceHandler):
    """``AWS::ApiGateway::Account``: the account's CloudWatch role (the settings stay when
    the resource goes, as in AWS)."""

    type_name = "AWS::ApiGateway::Account"

    def create(self, request: ResourceRequest) -> Outcome:
        role = request.properties.get("CloudWatchRoleArn")
        if role:
            request.call(SERVICE, "UpdateAccount", {"patchOperations": [_replace("/cloudwatchRoleArn", role)]})
        physical_id = request.physical_name(128)
        return Outcome(physical_id, {"Id": physical_id})

    def update(self, request: ResourceRequest) -> Outcome:
        self.create(request)
        return Outcome(request.physical_id, {"Id": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        return None


HANDLERS = [
    RestApiHandler,
    ResourceTypeHandler,
    MethodHandler,
    DeploymentHandler,
    StageHandler,
    ApiKeyHandler,
    UsagePlanHandler,
    UsagePlanKeyHandler,
    AuthorizerHandler,
    RequestValidatorHandler,
    ModelHandler,
    GatewayResponseHandler,
    DomainNameHandler,
    BasePathMappingHandler,
    VpcLinkHandler,
    ClientCertificateHandler,
    AccountHandler,
]
