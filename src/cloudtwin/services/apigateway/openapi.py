"""OpenAPI 2 (Swagger) and 3 for REST APIs: ``ImportRestApi`` / ``PutRestApi`` with the
``x-amazon-apigateway-*`` extensions, and ``GetExport``."""

from __future__ import annotations

import json
import re
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.apigateway.common import Params, bad_request, new_id
from cloudtwin.services.apigateway.restapis import EMPTY_SCHEMA, ERROR_SCHEMA, child_path, endpoint_configuration

VERBS = ("get", "put", "post", "delete", "options", "head", "patch")
_LOCATIONS = {"path": "path", "query": "querystring", "header": "header"}
_REF = re.compile(r"^#/(?:definitions|components/schemas)/(.+)$")


def parse_definition(body: Any) -> dict:
    text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else str(body or "")
    document: Any
    try:
        document = json.loads(text)
    except ValueError:
        try:
            import yaml

            document = yaml.safe_load(text)
        except Exception:  # noqa: BLE001 - any YAML error is the same answer
            document = None
    if not isinstance(document, dict) or not ("swagger" in document or "openapi" in document):
        raise bad_request("Invalid OpenAPI input.")
    return document


def _model_ref(api_id: str, ref: str) -> str | None:
    match = _REF.match(ref or "")
    return match.group(1) if match else None


def _rewrite_refs(node: Any, api_id: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and _model_ref(api_id, value):
                out[key] = f"https://apigateway.amazonaws.com/restapis/{api_id}/models/{_model_ref(api_id, value)}"
            else:
                out[key] = _rewrite_refs(value, api_id)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, api_id) for v in node]
    return node


def _base_path(definition: dict) -> str:
    if "swagger" in definition:
        return definition.get("basePath") or "/"
    servers = definition.get("servers") or []
    if not servers:
        return "/"
    url = servers[0].get("url") or "/"
    for name, variable in (servers[0].get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(variable.get("default", "")))
    match = re.match(r"^(?:[a-z]+://[^/]+)?(/.*)?$", url)
    return (match.group(1) if match and match.group(1) else "/")


def import_into(provider: Any, ctx: RequestContext, record: dict, params: Params, *, mode: str,
                definition: dict | None = None) -> list[str]:
    """Apply a definition to an API's record; returns the import's warnings."""
    definition = definition or parse_definition(params.get("body"))
    options = params.get("parameters") or {}
    api = record["api"]
    api_id = api["id"]
    info = definition.get("info") or {}
    if mode == "overwrite":
        root = api["rootResourceId"]
        record["resources"] = {root: {"id": root, "path": "/", "resourceMethods": {}}}
        record["models"] = {}
        record["validators"] = {}
        record["authorizers"] = {}
        record["responses"] = {}
        for key in ("description", "binaryMediaTypes", "minimumCompressionSize", "policy"):
            api.pop(key, None)
    if info.get("title"):
        api["name"] = info["title"]
    if info.get("description"):
        api["description"] = info["description"]
    if info.get("version"):
        api["version"] = str(info["version"])
    if definition.get("x-amazon-apigateway-binary-media-types"):
        api["binaryMediaTypes"] = list(definition["x-amazon-apigateway-binary-media-types"])
    if definition.get("x-amazon-apigateway-api-key-source"):
        api["apiKeySource"] = definition["x-amazon-apigateway-api-key-source"]
    if definition.get("x-amazon-apigateway-minimum-compression-size") is not None:
        api["minimumCompressionSize"] = int(definition["x-amazon-apigateway-minimum-compression-size"])
    if definition.get("x-amazon-apigateway-policy"):
        api["policy"] = json.dumps(definition["x-amazon-apigateway-policy"])
    types = options.get("endpointConfigurationTypes")
    config = definition.get("x-amazon-apigateway-endpoint-configuration") or {}
    if types or config:
        api["endpointConfiguration"] = endpoint_configuration({"types": [types] if types else config.get("types") or ["EDGE"]})
    if config.get("disableExecuteApiEndpoint") is not None:
        api["disableExecuteApiEndpoint"] = bool(config["disableExecuteApiEndpoint"])

    schemas = definition.get("definitions") or (definition.get("components") or {}).get("schemas") or {}
    warnings: list[str] = []
    for name, schema in schemas.items():
        record["models"][name] = {
            "id": new_id(6), "name": name, "contentType": "application/json",
            "schema": json.dumps(_rewrite_refs(schema, api_id)),
        }  # fmt: skip
        if schema.get("description"):
            record["models"][name]["description"] = schema["description"]

    validators: dict[str, str] = {}
    for name, given in (definition.get("x-amazon-apigateway-request-validators") or {}).items():
        vid = new_id(6)
        record["validators"][vid] = {"id": vid, "name": name,
                                     "validateRequestBody": bool(given.get("validateRequestBody")),
                                     "validateRequestParameters": bool(given.get("validateRequestParameters"))}
        validators[name] = vid
    default_validator = validators.get(definition.get("x-amazon-apigateway-request-validator") or "")

    schemes = definition.get("securityDefinitions") or (definition.get("components") or {}).get("securitySchemes") or {}
    authorizers: dict[str, dict] = {}
    api_key_schemes = set()
    for name, scheme in schemes.items():
        given = scheme.get("x-amazon-apigateway-authorizer")
        if given is None:
            if scheme.get("type") == "apiKey":
                api_key_schemes.add(name)
            continue
        kind = (given.get("type") or "token").upper()
        authorizer = {"id": new_id(6), "name": name, "type": kind}
        if kind == "COGNITO_USER_POOLS":
            authorizer["providerARNs"] = given.get("providerARNs") or []
        for key in ("authorizerUri", "authorizerCredentials", "identityValidationExpression"):
            if given.get(key):
                authorizer[key] = given[key]
        identity = given.get("identitySource")
        if not identity and scheme.get("in") == "header" and scheme.get("name"):
            identity = f"method.request.header.{scheme['name']}"
        if identity:
            authorizer["identitySource"] = identity
        if given.get("authorizerResultTtlInSeconds") is not None:  # unset: 300 s, not answered
            authorizer["authorizerResultTtlInSeconds"] = int(given["authorizerResultTtlInSeconds"])
        if scheme.get("x-amazon-apigateway-authtype"):
            authorizer["authType"] = scheme["x-amazon-apigateway-authtype"]
        record["authorizers"][authorizer["id"]] = authorizer
        authorizers[name] = authorizer

    for kind, given in (definition.get("x-amazon-apigateway-gateway-responses") or {}).items():
        response = {"responseType": kind, "defaultResponse": False}
        for key in ("statusCode", "responseParameters", "responseTemplates"):
            if given.get(key) is not None:
                response[key] = str(given[key]) if key == "statusCode" else given[key]
        record["responses"][kind] = response

    prefix = ""
    if (options.get("basepath") or "ignore") == "prepend":
        prefix = _base_path(definition).rstrip("/")
    elif options.get("basepath") == "split":
        base = _base_path(definition).strip("/").split("/", 1)
        prefix = ("/" + base[1]) if len(base) > 1 else ""
    global_security = definition.get("security")
    for raw_path, item in (definition.get("paths") or {}).items():
        resource = _ensure_resource(record, prefix + raw_path if prefix else raw_path)
        shared = item.get("parameters") or []
        for verb, operation in item.items():
            name = "ANY" if verb == "x-amazon-apigateway-any-method" else verb.upper()
            if verb not in VERBS and name != "ANY":
                continue
            method = _method(record, api_id, name, operation or {}, shared, definition, authorizers, api_key_schemes,
                             validators, default_validator, global_security)
            for part in re.findall(r"\{([^}]+?)\+?\}", raw_path):  # path variables are always required
                method.setdefault("requestParameters", {})[f"method.request.path.{part}"] = True
            mapped = (method.get("methodIntegration") or {}).get("requestParameters") or {}
            for key, value in list(mapped.items()):
                if not isinstance(value, str):
                    warnings.append(
                        f"Invalid format for 'requestParameters'. Expected type string for property '{key}' of "
                        f"resource '{resource['path']}' and method '{name}' but got '{json.dumps(value)}'")
                    del mapped[key]
            if "methodIntegration" in method:
                method["methodIntegration"].setdefault("cacheNamespace", resource["id"])
            resource.setdefault("resourceMethods", {})[name] = method
    return warnings


def _ensure_resource(record: dict, path: str) -> dict:
    resources = record["resources"]
    node = next(r for r in resources.values() if r["path"] == "/")
    for part in [p for p in path.split("/") if p]:
        child = next((r for r in resources.values() if r.get("parentId") == node["id"] and r.get("pathPart") == part), None)
        if child is None:
            rid = new_id(6)
            child = {"id": rid, "parentId": node["id"], "pathPart": part, "path": child_path(node, part),
                     "resourceMethods": {}}  # fmt: skip
            resources[rid] = child
        node = child
    return node


def _resolve_parameter(parameter: dict, definition: dict) -> dict:
    ref = parameter.get("$ref")
    if not ref:
        return parameter
    node: Any = definition
    for part in ref.lstrip("#/").split("/"):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def _method(record: dict, api_id: str, name: str, operation: dict, shared: list, definition: dict,
            authorizers: dict, api_key_schemes: set, validators: dict, default_validator: str | None,
            global_security: Any) -> dict:
    method: Params = {"httpMethod": name, "authorizationType": "NONE", "apiKeyRequired": False}
    request_parameters: dict[str, bool] = {}
    request_models: dict[str, str] = {}
    for parameter in [*shared, *(operation.get("parameters") or [])]:
        parameter = _resolve_parameter(parameter, definition)
        where = _LOCATIONS.get(parameter.get("in"))
        if where:
            request_parameters[f"method.request.{where}.{parameter['name']}"] = bool(parameter.get("required"))
        elif parameter.get("in") == "body":
            model = _model_ref(api_id, (parameter.get("schema") or {}).get("$ref", ""))
            if model:
                for content_type in operation.get("consumes") or definition.get("consumes") or ["application/json"]:
                    request_models[content_type] = model
    for content_type, media in ((operation.get("requestBody") or {}).get("content") or {}).items():
        model = _model_ref(api_id, (media.get("schema") or {}).get("$ref", ""))
        if model:
            request_models[content_type] = model
    if request_parameters:
        method["requestParameters"] = request_parameters
    if request_models:
        method["requestModels"] = request_models
    if operation.get("operationId"):
        method["operationName"] = operation["operationId"]
    security = operation.get("security", global_security) or []
    for requirement in security:
        for scheme, scopes in (requirement or {}).items():
            if scheme in api_key_schemes:
                method["apiKeyRequired"] = True
            elif scheme in authorizers:
                authorizer = authorizers[scheme]
                method["authorizationType"] = "COGNITO_USER_POOLS" if authorizer["type"] == "COGNITO_USER_POOLS" else "CUSTOM"
                method["authorizerId"] = authorizer["id"]
                if scopes:
                    method["authorizationScopes"] = list(scopes)
    if (operation.get("x-amazon-apigateway-auth") or {}).get("type", "").lower() == "aws_iam":
        method["authorizationType"] = "AWS_IAM"
    validator = validators.get(operation.get("x-amazon-apigateway-request-validator") or "") or default_validator
    if validator:
        method["requestValidatorId"] = validator
    responses: dict[str, dict] = {}
    for status, given in (operation.get("responses") or {}).items():
        if not re.fullmatch(r"[1-5]\d\d", str(status)):
            continue
        response: Params = {"statusCode": str(status)}
        headers = {f"method.response.header.{h}": False for h in (given or {}).get("headers") or {}}
        if headers:
            response["responseParameters"] = headers
        models: dict[str, str] = {}
        model = _model_ref(api_id, ((given or {}).get("schema") or {}).get("$ref", ""))
        if model:
            for content_type in operation.get("produces") or definition.get("produces") or ["application/json"]:
                models[content_type] = model
        for content_type, media in ((given or {}).get("content") or {}).items():
            model = _model_ref(api_id, (media.get("schema") or {}).get("$ref", ""))
            if model:
                models[content_type] = model
        if models:
            response["responseModels"] = models
        responses[str(status)] = response
    if responses:
        method["methodResponses"] = responses
    integration = operation.get("x-amazon-apigateway-integration")
    if integration:
        method["methodIntegration"] = _integration(integration)
    return method


def _integration(given: dict) -> dict:
    out: Params = {"type": (given.get("type") or "").upper().replace("-", "_")}
    if given.get("httpMethod"):
        out["httpMethod"] = given["httpMethod"].upper()
    for key in ("uri", "credentials", "requestParameters", "requestTemplates", "contentHandling",
                "connectionType", "connectionId", "tlsConfig"):
        if given.get(key) is not None:
            out[key] = given[key]
    out["passthroughBehavior"] = (given.get("passthroughBehavior") or "when_no_match").upper()
    out["timeoutInMillis"] = int(given.get("timeoutInMillis") or 29000)
    if given.get("cacheNamespace"):
        out["cacheNamespace"] = given["cacheNamespace"]
    out["cacheKeyParameters"] = given.get("cacheKeyParameters") or []
    if out["type"] in ("HTTP", "HTTP_PROXY"):
        out.setdefault("connectionType", "INTERNET")
    responses: dict[str, dict] = {}
    for pattern, response in (given.get("responses") or {}).items():
        status = str(response.get("statusCode") or "200")
        item: Params = {"statusCode": status}
        if pattern != "default":
            item["selectionPattern"] = pattern
        for key in ("responseParameters", "responseTemplates", "contentHandling"):
            if response.get(key) is not None:
                item[key] = response[key]
        responses[status] = item
    if responses:
        out["integrationResponses"] = responses
    return out


# -- export ---------------------------------------------------------------------------------------


def export(ctx: RequestContext, record: dict, stage: dict, params: Params) -> Params:
    deployment = record["deployments"].get(stage.get("deploymentId")) or {}
    frozen = deployment.get("_snapshot") or {}
    kind = params["exportType"]
    if kind not in ("swagger", "oas30"):
        raise bad_request(f"No API exporter for type '{kind}'")
    extensions = (params.get("parameters") or {}).get("extensions") or ""
    with_integrations = "integrations" in extensions or "apigateway" in extensions
    api = record["api"]
    host = f"{api['id']}.execute-api.{ctx.region}.amazonaws.com"
    info: Params = {"title": api.get("name")}
    info["version"] = api.get("version") or _iso(deployment.get("createdDate"))
    if api.get("description"):
        info["description"] = api["description"]
    paths: Params = {}
    for resource in sorted((frozen.get("resources") or {}).values(), key=lambda r: r["path"]):
        item: Params = {}
        for verb, method in (resource.get("resourceMethods") or {}).items():
            key = "x-amazon-apigateway-any-method" if verb == "ANY" else verb.lower()
            item[key] = _export_method(method, kind, with_integrations)
        if item:
            paths[resource["path"]] = item
    schemas = {name: json.loads(m.get("schema") or "{}") for name, m in (frozen.get("models") or {}).items()
               if m.get("schema") and m["schema"] not in (EMPTY_SCHEMA, ERROR_SCHEMA)}
    schemas = _export_refs(schemas, kind)
    if kind == "swagger":
        document: Params = {"swagger": "2.0", "info": info, "host": host, "basePath": f"/{stage['stageName']}",
                            "schemes": ["https"], "paths": paths}  # fmt: skip
        if schemas:
            document["definitions"] = schemas
    else:
        document = {"openapi": "3.0.1", "info": info,
                    "servers": [{"url": f"https://{host}/{{basePath}}",
                                 "variables": {"basePath": {"default": stage["stageName"]}}}],
                    "paths": paths}  # fmt: skip
        document["components"] = {"schemas": schemas} if schemas else {}
    if with_integrations and api.get("binaryMediaTypes"):
        document["x-amazon-apigateway-binary-media-types"] = api["binaryMediaTypes"]
    accepts = params.get("accepts") or "application/json"
    if "yaml" in accepts:
        import yaml

        body = yaml.safe_dump(document, sort_keys=False).encode()
        content_type = "application/yaml"
        suffix = "yaml"
    else:
        body = json.dumps(document, indent=2).encode()
        content_type = "application/octet-stream"
        suffix = "json"
    name = f"{kind}_{info['version']}.{suffix}"
    return {"contentType": content_type, "contentDisposition": f'attachment; filename="{name}"', "body": body}


def _iso(epoch: Any) -> str:
    from datetime import datetime, timezone

    if not epoch:
        return "1.0"
    return datetime.fromtimestamp(float(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _export_refs(node: Any, kind: str) -> Any:
    target = "#/definitions/" if kind == "swagger" else "#/components/schemas/"
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and "/models/" in value:
                out[key] = target + value.rsplit("/models/", 1)[1]
            elif key == "$schema":
                continue
            else:
                out[key] = _export_refs(value, kind)
        return out
    if isinstance(node, list):
        return [_export_refs(v, kind) for v in node]
    return node


def _export_method(method: dict, kind: str, with_integrations: bool) -> dict:
    out: Params = {}
    if method.get("operationName"):
        out["operationId"] = method["operationName"]
    parameters = []
    for name, required in (method.get("requestParameters") or {}).items():
        _, _, where, pname = name.split(".", 3)
        location = {"querystring": "query", "path": "path", "header": "header"}.get(where)
        if location:
            parameter: Params = {"name": pname, "in": location}
            if required or location == "path":
                parameter["required"] = True
            parameter.update({"type": "string"} if kind == "swagger" else {"schema": {"type": "string"}})
            parameters.append(parameter)
    models = {ct: m for ct, m in (method.get("requestModels") or {}).items() if m}
    if models and kind == "swagger":
        model = next(iter(models.values()))
        parameters.append({"in": "body", "name": model, "required": True, "schema": {"$ref": f"#/definitions/{model}"}})
    if parameters:
        out["parameters"] = parameters
    if models and kind == "oas30":
        out["requestBody"] = {"content": {ct: {"schema": {"$ref": f"#/components/schemas/{m}"}} for ct, m in models.items()},
                              "required": True}  # fmt: skip
    responses: Params = {}
    for status, response in (method.get("methodResponses") or {}).items():
        item: Params = {"description": f"{status} response"}
        models = response.get("responseModels") or {}
        if models:
            if kind == "swagger":
                item["schema"] = {"$ref": f"#/definitions/{next(iter(models.values()))}"}
            else:
                item["content"] = {ct: {"schema": {"$ref": f"#/components/schemas/{m}"}} for ct, m in models.items()}
        elif kind == "oas30":
            item["content"] = {}
        headers = {k.rsplit(".", 1)[1]: {"type": "string"} if kind == "swagger" else {"schema": {"type": "string"}}
                   for k in (response.get("responseParameters") or {})}
        if headers:
            item["headers"] = headers
        responses[status] = item
    out["responses"] = responses
    if with_integrations and method.get("methodIntegration"):
        integration = method["methodIntegration"]
        given: Params = {"type": integration["type"].lower()}
        for key in ("httpMethod", "uri", "credentials", "requestParameters", "requestTemplates", "contentHandling",
                    "cacheKeyParameters", "connectionType", "connectionId"):
            if integration.get(key) not in (None, [], {}) and (key, integration[key]) != ("connectionType", "INTERNET"):
                given[key] = integration[key]
        if integration.get("timeoutInMillis") not in (None, 29000):
            given["timeoutInMillis"] = integration["timeoutInMillis"]
        given["passthroughBehavior"] = (integration.get("passthroughBehavior") or "WHEN_NO_MATCH").lower()
        responses_out: Params = {}
        for status, response in (integration.get("integrationResponses") or {}).items():
            item = {"statusCode": status}
            for key in ("responseParameters", "responseTemplates", "contentHandling"):
                if response.get(key):
                    item[key] = response[key]
            responses_out[response.get("selectionPattern") or "default"] = item
        if responses_out:
            given["responses"] = responses_out
        out["x-amazon-apigateway-integration"] = given
    return out
