"""Methods, method responses, integrations and integration responses."""

from __future__ import annotations

import re
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.apigateway import patch
from cloudtwin.services.apigateway.common import (
    Params, bad_request, method_of, not_found, public, resource_api, resource_of, save,
)

_STATUS = re.compile(r"[1-5]\d\d")
_AWS_URI = re.compile(r"arn:aws[a-z-]*:apigateway:[a-z0-9-]+:[a-z0-9.-]+:(path|action)/.+")
_PROXY_URI = re.compile(
    r"arn:aws[a-z-]*:apigateway:[a-z0-9-]+:(lambda:path/2015-03-31/functions/.+/invocations|firehose:action/.+)"
)
_PARAM_LOCATIONS = ("querystring", "header", "path")
_METHOD_SCALARS = ("/authorizationType", "/authorizerId", "/apiKeyRequired", "/requestValidatorId", "/operationName")


def _status_code(value: str) -> None:
    if not _STATUS.fullmatch(value or ""):
        from cloudtwin.protocol.errors import ServiceError

        raise ServiceError(
            "ValidationException",
            f"1 validation error detected: Value '{value}' at 'statusCode' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [1-5]\\d\\d",
            400,
        )


def _check_unique_parameters(parameters: dict) -> None:
    seen: set[str] = set()
    for key in parameters or {}:
        parts = key.split(".", 3)
        if len(parts) == 4 and parts[2] in _PARAM_LOCATIONS:
            if parts[3] in seen:
                raise bad_request("Parameter names must be unique across querystring, header and path")
            seen.add(parts[3])


def _check_mapping_values(parameters: dict | None, name: str) -> None:
    for key, value in (parameters or {}).items():
        if value is None or value == "":
            raise bad_request(f"Invalid null or empty value in {name}")
        if not isinstance(value, str):
            raise bad_request(
                f"Invalid mapping expression specified: Validation Result: warnings : [], "
                f"errors : [Invalid mapping expression specified: {str(value).lower()}]"
            )


def integration_of(method: dict) -> dict:
    integration = method.get("methodIntegration")
    if integration is None:
        raise not_found("Invalid Integration identifier specified")
    return integration


class MethodOps:
    env: Any

    # -- methods ----------------------------------------------------------------------------------

    def put_method(self, ctx: RequestContext, params: Params) -> Params:
        record = resource_api(ctx, params["restApiId"])
        resource = resource_of(record, params["resourceId"])
        auth = (params.get("authorizationType") or "NONE").upper()
        if auth in ("CUSTOM", "COGNITO_USER_POOLS") and params.get("authorizerId") not in record["authorizers"]:
            raise bad_request(
                "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
                "COGNITO_USER_POOLS requires a valid authorizer."
            )
        if params.get("requestValidatorId") and params["requestValidatorId"] not in record["validators"]:
            raise bad_request("Invalid Request Validator identifier specified")
        for model in (params.get("requestModels") or {}).values():
            if model not in record["models"]:
                raise bad_request(f"Invalid model identifier specified: {model}")
        _check_unique_parameters(params.get("requestParameters") or {})
        method: Params = {
            "httpMethod": params["httpMethod"], "authorizationType": auth,
            "apiKeyRequired": bool(params.get("apiKeyRequired")),
        }  # fmt: skip
        for key in ("authorizerId", "requestValidatorId", "operationName", "requestParameters",
                    "requestModels", "authorizationScopes"):
            if params.get(key) is not None:
                method[key] = params[key]
        resource.setdefault("resourceMethods", {})[params["httpMethod"]] = method
        save(ctx, params["restApiId"])
        return method

    def get_method(self, ctx: RequestContext, params: Params) -> Params:
        record = resource_api(ctx, params["restApiId"])
        return public(method_of(record, params["resourceId"], params["httpMethod"]))

    def delete_method(self, ctx: RequestContext, params: Params) -> None:
        record = resource_api(ctx, params["restApiId"])
        method_of(record, params["resourceId"], params["httpMethod"])
        del record["resources"][params["resourceId"]]["resourceMethods"][params["httpMethod"]]
        save(ctx, params["restApiId"])
        return None

    def update_method(self, ctx: RequestContext, params: Params) -> Params:
        record = resource_api(ctx, params["restApiId"])
        method = method_of(record, params["resourceId"], params["httpMethod"])
        updated = {k: v for k, v in method.items()}
        for op in params.get("patchOperations") or []:
            path, value, name = op.get("path"), op.get("value"), op.get("op")
            if path in _METHOD_SCALARS:
                if name != "replace":
                    raise bad_request("Invalid patch operation specified. Must be one of: [replace]")
                patch.apply(updated, [op], boolean_paths=("/apiKeyRequired",))
                if path == "/apiKeyRequired":
                    updated["apiKeyRequired"] = bool(updated["apiKeyRequired"])
            elif path and path.startswith("/requestParameters/") and name in ("add", "remove", "replace"):
                key = path.split("/", 2)[2]
                if name == "remove":
                    (updated.get("requestParameters") or {}).pop(key, None)
                else:
                    updated.setdefault("requestParameters", {})[key] = str(value).lower() == "true"
            elif path and path.startswith("/requestModels/") and "/" not in path[len("/requestModels/"):] \
                    and name in ("add", "remove", "replace"):
                content_type = path.split("/", 2)[2].replace("~1", "/")
                if name == "remove":
                    (updated.get("requestModels") or {}).pop(content_type, None)
                else:
                    if value not in record["models"]:
                        raise not_found(f"Invalid model name specified: {value}")
                    updated.setdefault("requestModels", {})[content_type] = value
            elif path and path.startswith("/authorizationScopes") and name in ("add", "remove", "replace"):
                scopes = updated.setdefault("authorizationScopes", [])
                if name == "remove":
                    if value in scopes:
                        scopes.remove(value)
                elif value and value not in scopes:
                    scopes.append(value)
            else:
                raise bad_request(f"Invalid patch path {path or 'null'}")
        if updated.get("authorizationType") in ("CUSTOM", "COGNITO_USER_POOLS") and \
                updated.get("authorizerId") not in record["authorizers"]:
            raise bad_request(
                "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
                "COGNITO_USER_POOLS requires a valid authorizer."
            )
        if updated.get("authorizationType") in ("NONE", "AWS_IAM"):
            updated.pop("authorizerId", None)
        if updated.get("requestValidatorId") and updated["requestValidatorId"] not in record["validators"]:
            raise bad_request("Invalid Request Validator identifier specified")
        for key in ("requestParameters", "requestModels"):
            if updated.get(key) == {}:
                del updated[key]
        method.clear()
        method.update(updated)
        save(ctx, params["restApiId"])
        return public(method)

    # -- method responses -------------------------------------------------------------------------

    def put_method_response(self, ctx: RequestContext, params: Params) -> Params:
        record = resource_api(ctx, params["restApiId"])
        method = method_of(record, params["resourceId"], params["httpMethod"])
        _status_code(params["statusCode"])
        response: Params = {"statusCode": params["statusCode"]}
        for key in ("responseParameters", "responseModels"):
            if params.get(key) is not None:
                response[key] = params[key]
        method.setdefault("methodResponses", {})[params["statusCode"]] = response
        save(ctx, params["restApiId"])
        return response

    def _method_response(self, method: dict, status: str) -> dict:
        response = (method.get("methodResponses") or {}).get(status)
        if response is None:
            raise not_found("Invalid Response status code specified")
        return response

    def get_method_response(self, ctx: RequestContext, params: Params) -> Params:
        record = resource_api(ctx, params["restApiId"])
        method = method_of(record, params["resourceId"], params["httpMethod"])
        return self._method_response(method, params["statusCode"])

    def delete_method_response(self, ctx: RequestContext, params: Params) -> None:
        record = resource_api(ctx, params["restApiId"])
        method = method_of(record, params["resourceId"], params["httpMethod"])
        self._method_response(method, params["statusCode"])
        del method["methodResponses"][params["statusCode"]]
        if not method["methodResponses"]:
            del method["methodResponses"]
        save(ctx, params["restApiId"])
        return None

    def update_method_response(self, ctx: RequestContext, params: Params) -> Params:
        record = resource_api(ctx, params["restApiId"])
        method = method_of(record, params["resourceId"], params["httpMethod"])
        response = self._method_response(method, params["statusCode"])
        for op in params.get("patchOperations") or []:
            path, name = op.get("path") or "", op.get("op")
            if path.startswith("/responseParameters/") and name in ("add", "remove", "replace"):
                key = path.split("/", 2)[2]
                if name == "remove":
                    (response.get("responseParameters") or {}).pop(key, None)
                else:
                    response.setdefault("responseParameters", {})[key] = str(op.get("value")).lower() == "true"
            elif path.startswith("/responseModels/") and name in ("add", "remove", "replace"):
                key = path.split("/", 2)[2].replace("~1", "/")
                if name == "remove":
                    (response.get("responseModels") or {}).pop(key, None)
                else:
                    response.setdefault("responseModels", {})[key] = op.get("value")
            else:
                raise bad_request(f"Invalid patch path {path or 'null'}")
        save(ctx, params["restApiId"])
        return response

    # -- integrations -----------------------------------------------------------------------------

    def put_integration(self, ctx: RequestContext, params: Params) -> Params:
        record = resource_api(ctx, params["restApiId"])
        method = method_of(record, params["resourceId"], params["httpMethod"])
        kind = params["type"]
        uri = params.get("uri")
        verb = params.get("integrationHttpMethod")
        if kind in ("HTTP", "HTTP_PROXY", "AWS", "AWS_PROXY"):
            if not verb:
                raise bad_request("Enumeration value for HttpMethod must be non-empty")
            if not uri:
                raise bad_request("Invalid HTTP endpoint specified for URI" if kind.startswith("HTTP")
                                  else "Invalid ARN specified in the request")
        if kind.startswith("HTTP") and uri and not re.match(r"https?://[^\s]+$", uri) \
                and params.get("connectionType") != "VPC_LINK":
            raise bad_request("Invalid HTTP endpoint specified for URI")
        if kind in ("AWS", "AWS_PROXY") and uri:
            if not uri.startswith("arn:"):
                raise bad_request("Invalid ARN specified in the request")
            if not _AWS_URI.fullmatch(uri):
                raise bad_request("AWS ARN for integration must contain path or action")
            if kind == "AWS_PROXY" and not _PROXY_URI.fullmatch(uri):
                raise bad_request(
                    "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations."
                )
        _check_mapping_values(params.get("requestParameters"), "requestParameters")
        integration: Params = {"type": kind}
        if verb and kind != "MOCK":
            integration["httpMethod"] = verb
        for key in ("uri" if kind != "MOCK" else "", "connectionType", "connectionId", "credentials", "requestParameters",
                    "requestTemplates", "contentHandling", "tlsConfig", "responseTransferMode"):
            if params.get(key) is not None:
                integration[key] = params[key]
        integration["passthroughBehavior"] = params.get("passthroughBehavior") or "WHEN_NO_MATCH"
        integration["timeoutInMillis"] = params.get("timeoutInMillis") or 29000
        integration["cacheNamespace"] = params.get("cacheNamespace") or params["resourceId"]
        integration["cacheKeyParameters"] = params.get("cacheKeyParameters") or []
        if params.get("connectionType") == "VPC_LINK" or kind in ("HTTP", "HTTP_PROXY"):
            integration.setdefault("connectionType", "INTERNET")
        previous = method.get("methodIntegration") or {}
        if previous.get("integrationResponses"):
            integration["integrationResponses"] = previous["integrationResponses"]
        method["methodIntegration"] = integration
        save(ctx, params["restApiId"])
        return integration

    def get_integration(self, ctx: RequestContext, params: Params) -> Params:
        record = resource_api(ctx, params["restApiId"])
        return integration_of(method_of(record, params["resourceId"], params["httpMethod"]))

    @staticmethod
    def _method_for_integration(ctx: RequestContext, params: Params) -> dict:
        record = resource_api(ctx, params["restApiId"])
        resource = resource_of(record, params["resourceId"])
        method = (resource.get("resourceMethods") or {}).get(params["httpMethod"])
        if method is None:
            raise not_found("Invalid Integration identifier specified")
        return method

    def delete_integration(self, ctx: RequestContext, params: Params) -> None:
        record = resource_api(ctx, params["restApiId"])
        method = method_of(record, params["resourceId"], params["httpMethod"])
        integration_of(method)
        del method["methodIntegration"]
        save(ctx, params["restApiId"])
        return None

    def update_integration(self, ctx: RequestContext, params: Params) -> Params:
        record = resource_api(ctx, params["restApiId"])
        integration = integration_of(method_of(record, params["resourceId"], params["httpMethod"]))
        operations = []
        for op in params.get("patchOperations") or []:
            path = op.get("path") or ""
            if path.startswith("/cacheKeyParameters/"):
                keys = integration.setdefault("cacheKeyParameters", [])
                key = path.split("/", 2)[2]
                if op.get("op") == "remove" and key in keys:
                    keys.remove(key)
                elif op.get("op") == "add" and key not in keys:
                    keys.append(key)
                continue
            if path.startswith("/requestTemplates/") or path.startswith("/requestParameters/"):
                head, key = path.split("/", 2)[1:]
                key = key.replace("~1", "/")
                if op.get("op") == "remove":
                    integration.get(head, {}).pop(key, None)
                else:
                    integration.setdefault(head, {})[key] = op.get("value")
                continue
            if path == "/httpMethod":
                op = {**op, "path": "/httpMethod"}
            operations.append(op)
        patch.apply(integration, operations)
        if "timeoutInMillis" in integration:
            integration["timeoutInMillis"] = int(integration["timeoutInMillis"])
        save(ctx, params["restApiId"])
        return integration

    # -- integration responses --------------------------------------------------------------------

    def put_integration_response(self, ctx: RequestContext, params: Params) -> Params:
        record = resource_api(ctx, params["restApiId"])
        method = method_of(record, params["resourceId"], params["httpMethod"])
        integration = integration_of(method)
        _status_code(params["statusCode"])
        _check_mapping_values(params.get("responseParameters"), "responseParameters")
        response: Params = {"statusCode": params["statusCode"]}
        for key in ("selectionPattern", "responseParameters", "responseTemplates", "contentHandling"):
            if params.get(key) is not None:
                response[key] = params[key]
        if response.get("responseTemplates"):  # an empty template is no template: AWS answers null
            response["responseTemplates"] = {k: v or None for k, v in response["responseTemplates"].items()}
        integration.setdefault("integrationResponses", {})[params["statusCode"]] = response
        save(ctx, params["restApiId"])
        return response

    def _integration_response(self, ctx: RequestContext, params: Params) -> tuple[dict, dict]:
        integration = integration_of(self._method_for_integration(ctx, params))
        response = (integration.get("integrationResponses") or {}).get(params["statusCode"])
        if response is None:
            raise not_found("Invalid Response status code specified")
        return integration, response

    def get_integration_response(self, ctx: RequestContext, params: Params) -> Params:
        return self._integration_response(ctx, params)[1]

    def delete_integration_response(self, ctx: RequestContext, params: Params) -> None:
        integration, _ = self._integration_response(ctx, params)
        del integration["integrationResponses"][params["statusCode"]]
        if not integration["integrationResponses"]:
            del integration["integrationResponses"]
        save(ctx, params["restApiId"])
        return None

    def update_integration_response(self, ctx: RequestContext, params: Params) -> Params:
        _, response = self._integration_response(ctx, params)
        for op in params.get("patchOperations") or []:
            path = op.get("path") or ""
            if path.startswith("/responseTemplates/") or path.startswith("/responseParameters/"):
                head, key = path.split("/", 2)[1:]
                key = key.replace("~1", "/")
                if op.get("op") == "remove":
                    response.get(head, {}).pop(key, None)
                else:
                    response.setdefault(head, {})[key] = op.get("value")
            elif path in ("/selectionPattern", "/contentHandling"):
                patch.apply(response, [op])
            else:
                raise bad_request(f"Invalid patch path {path}")
        save(ctx, params["restApiId"])
        return response
