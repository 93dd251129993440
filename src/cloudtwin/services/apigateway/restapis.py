"""REST APIs and what hangs off them directly: resources, models, request validators,
authorizers, gateway responses and documentation parts."""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.apigateway import patch
from cloudtwin.services.apigateway.common import (
    Params, api_record, bad_request, conflict, new_id, not_found, page, public, resource_api, resource_of, save,
)

EMPTY_SCHEMA = '{\n  "$schema": "http://json-schema.org/draft-04/schema#",\n  "title" : "Empty Schema",\n  "type" : "object"\n}'
ERROR_SCHEMA = (
    '{\n  "$schema" : "http://json-schema.org/draft-04/schema#",\n  "title" : "Error Schema",\n'
    '  "type" : "object",\n  "properties" : {\n    "message" : { "type" : "string" }\n  }\n}'
)
ENDPOINT_TYPES = ("REGIONAL", "EDGE", "PRIVATE")
MAX_COMPRESSION = 10485760

#: The gateway response types and their default status codes (AWS's documented defaults).
RESPONSE_TYPES = {
    "ACCESS_DENIED": "403", "API_CONFIGURATION_ERROR": "500", "AUTHORIZER_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_FAILURE": "500", "BAD_REQUEST_PARAMETERS": "400", "BAD_REQUEST_BODY": "400",
    "DEFAULT_4XX": None, "DEFAULT_5XX": None, "EXPIRED_TOKEN": "403", "INTEGRATION_FAILURE": "504",
    "INTEGRATION_TIMEOUT": "504", "INVALID_API_KEY": "403", "INVALID_SIGNATURE": "403",
    "MISSING_AUTHENTICATION_TOKEN": "403", "QUOTA_EXCEEDED": "429", "REQUEST_TOO_LARGE": "413",
    "RESOURCE_NOT_FOUND": "404", "THROTTLED": "429", "UNAUTHORIZED": "401",
    "UNSUPPORTED_MEDIA_TYPE": "415", "WAF_FILTERED": "403",
}  # fmt: skip


def endpoint_configuration(given: dict | None) -> dict:
    config = dict(given or {})
    if given is not None and "types" in config and not config["types"]:
        raise bad_request("REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.")
    types = config.get("types") or ["EDGE"]
    if len(types) > 1:
        raise bad_request("Cannot create an api with multiple Endpoint Types.")
    if types[0] not in ENDPOINT_TYPES:
        raise bad_request("Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE")
    address = config.get("ipAddressType")
    if types[0] == "PRIVATE":
        if address not in (None, "dualstack"):
            raise bad_request("Only dualstack ipAddressType is supported for Private APIs.")
        address = "dualstack"
    elif address not in (None, "ipv4", "dualstack"):
        raise bad_request("ipAddressType must be either ipv4 or dualstack.")
    config["types"] = list(types)
    config["ipAddressType"] = address or "ipv4"
    return config


def new_api_record(ctx: RequestContext, params: Params, clock_now: float) -> dict:
    """A REST API's record with its root resource and default models."""
    if params.get("description") == "":
        raise bad_request("Description cannot be an empty string")
    size = params.get("minimumCompressionSize")
    if size is not None and not 0 <= size <= MAX_COMPRESSION:
        raise bad_request("Invalid minimum compression size, must be between 0 and 10485760")
    api_id = new_id()
    tags = params.get("tags") or {}
    if tags.get("_custom_id_"):
        api_id = tags["_custom_id_"]
    root = new_id(10)
    api: Params = {
        "id": api_id, "name": params.get("name"), "createdDate": clock_now,
        "apiKeySource": params.get("apiKeySource") or "HEADER",
        "endpointConfiguration": endpoint_configuration(params.get("endpointConfiguration")),
        "disableExecuteApiEndpoint": bool(params.get("disableExecuteApiEndpoint")),
        "rootResourceId": root,
    }  # fmt: skip
    for key in ("description", "version", "binaryMediaTypes", "minimumCompressionSize", "policy", "securityPolicy"):
        if params.get(key) is not None:
            api[key] = params[key]
    if tags:
        api["tags"] = dict(tags)
    return {
        "api": api,
        "resources": {root: {"id": root, "path": "/", "resourceMethods": {}}},
        "models": {
            "Empty": {"id": new_id(6), "name": "Empty", "description": "This is a default empty schema model",
                      "schema": EMPTY_SCHEMA, "contentType": "application/json"},
            "Error": {"id": new_id(6), "name": "Error", "description": "This is a default error schema model",
                      "schema": ERROR_SCHEMA, "contentType": "application/json"},
        },
        "validators": {}, "authorizers": {}, "responses": {}, "parts": {}, "docVersions": {},
        "deployments": {}, "stages": {},
    }  # fmt: skip


def resource_view(resource: dict, methods: str = "full") -> dict:
    out = {k: v for k, v in resource.items() if k != "resourceMethods" and not k.startswith("_")}
    found = resource.get("resourceMethods") or {}
    if found and methods == "full":
        out["resourceMethods"] = {m: public(v) for m, v in found.items()}
    elif found and methods == "names":
        out["resourceMethods"] = {m: {} for m in found}
    return out


def child_path(parent: dict, part: str) -> str:
    return ("/" if parent["path"] == "/" else parent["path"] + "/") + part


class RestApiOps:
    env: Any

    # -- REST APIs --------------------------------------------------------------------------------

    def create_rest_api(self, ctx: RequestContext, params: Params) -> Params:
        record = new_api_record(ctx, params, self.env.clock.now())
        api = record["api"]
        if api["id"] in ctx.store.apis:
            raise conflict(f"API with id {api['id']} already exists")
        if params.get("cloneFrom"):
            source = api_record(ctx, params["cloneFrom"])
            record["resources"] = json.loads(json.dumps(source["resources"]))
            record["models"] = json.loads(json.dumps(source["models"]))
            api["rootResourceId"] = next(r["id"] for r in record["resources"].values() if r["path"] == "/")
        ctx.store.apis[api["id"]] = record
        return api

    def get_rest_api(self, ctx: RequestContext, params: Params) -> Params:
        return api_record(ctx, params["restApiId"])["api"]

    def get_rest_apis(self, ctx: RequestContext, params: Params) -> Params:
        return page([r["api"] for r in ctx.store.apis.values()], params)

    def delete_rest_api(self, ctx: RequestContext, params: Params) -> None:
        api_id = params["restApiId"]
        if api_id not in ctx.store.apis:
            if len(api_id) > 10 or not api_id.isalnum():
                raise bad_request("Invalid REST API identifier specified")
            api_record(ctx, api_id)
        del ctx.store.apis[api_id]
        return None

    def update_rest_api(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        api = json.loads(json.dumps(record["api"]))
        operations = params.get("patchOperations") or []
        for op in operations:
            path, value = op.get("path") or "", op.get("value")
            if path in ("/minimumCompressionSize", "/endpointConfiguration/ipAddressType") and op.get("op") != "replace":
                raise bad_request("Invalid patch operation specified. Must be one of: [replace]")
            if path.startswith("/endpointConfiguration/types") and op.get("op") != "replace":
                raise bad_request("Invalid patch operation specified. Must be 'add'|'remove'|'replace'")
            if path == "/minimumCompressionSize":
                if value in (None, ""):
                    api.pop("minimumCompressionSize", None)
                    continue
                try:
                    size = int(value)
                except ValueError:
                    raise bad_request("Invalid minimum compression size, must be between 0 and 10485760") from None
                if not 0 <= size <= MAX_COMPRESSION:
                    raise bad_request("Invalid minimum compression size, must be between 0 and 10485760")
                api["minimumCompressionSize"] = size
                continue
            if path.startswith("/endpointConfiguration/types"):
                types = api["endpointConfiguration"]["types"]
                if op.get("op") == "replace" and value:
                    if value not in ENDPOINT_TYPES:
                        raise bad_request("Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE")
                    api["endpointConfiguration"]["types"] = [value]
                    if value == "PRIVATE":
                        api["endpointConfiguration"]["ipAddressType"] = "dualstack"
                elif not types:
                    raise bad_request("REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.")
                continue
            if path == "/endpointConfiguration/ipAddressType":
                if value not in ("ipv4", "dualstack"):
                    raise bad_request("ipAddressType must be either ipv4 or dualstack.")
                if value == "ipv4" and api["endpointConfiguration"]["types"] == ["PRIVATE"]:
                    raise bad_request("Only dualstack ipAddressType is supported for Private APIs.")
                api["endpointConfiguration"]["ipAddressType"] = value
                continue
            if path == "/description" and value == "":
                raise bad_request("Description cannot be an empty string")
            patch.apply(api, [op], boolean_paths=("/disableExecuteApiEndpoint",))
        api.setdefault("tags", {})
        record["api"] = api
        save(ctx, params["restApiId"])
        return api

    def put_rest_api(self, ctx: RequestContext, params: Params) -> Params:
        from cloudtwin.services.apigateway.openapi import import_into

        from cloudtwin.services.apigateway.openapi import parse_definition

        definition = parse_definition(params.get("body"))
        record = api_record(ctx, params["restApiId"])
        warnings = import_into(self, ctx, record, params, mode=params.get("mode") or "merge", definition=definition)
        record["api"].setdefault("tags", {})
        save(ctx, params["restApiId"])
        return {**record["api"], "warnings": warnings} if warnings else record["api"]

    def import_rest_api(self, ctx: RequestContext, params: Params) -> Params:
        from cloudtwin.services.apigateway.openapi import import_into, parse_definition

        definition = parse_definition(params.get("body"))
        info = definition.get("info") or {}
        record = new_api_record(ctx, {"name": info.get("title")}, self.env.clock.now())
        warnings = import_into(self, ctx, record, params, mode="overwrite", definition=definition)
        ctx.store.apis[record["api"]["id"]] = record
        return {**record["api"], "warnings": warnings} if warnings else record["api"]

    # -- resources --------------------------------------------------------------------------------

    def get_resources(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        methods = "full" if "methods" in (params.get("embed") or []) else "names"
        items = [resource_view(r, methods) for r in record["resources"].values()]
        return page(items, params)

    def get_resource(self, ctx: RequestContext, params: Params) -> Params:
        record = resource_api(ctx, params["restApiId"])
        return resource_view(resource_of(record, params["resourceId"]))

    def create_resource(self, ctx: RequestContext, params: Params) -> Params:
        record = resource_api(ctx, params["restApiId"])
        parent = resource_of(record, params["parentId"])
        part = params["pathPart"]
        for other in record["resources"].values():
            if other.get("parentId") == parent["id"] and other.get("pathPart") == part:
                raise conflict(f"Another resource with the same parent already has this name: {part}")
        rid = new_id(6)
        resource = {"id": rid, "parentId": parent["id"], "pathPart": part, "path": child_path(parent, part),
                    "resourceMethods": {}}  # fmt: skip
        record["resources"][rid] = resource
        save(ctx, params["restApiId"])
        return resource_view(resource)

    def update_resource(self, ctx: RequestContext, params: Params) -> Params:
        record = resource_api(ctx, params["restApiId"])
        resource = resource_of(record, params["resourceId"])
        operations = params.get("patchOperations") or []
        patch.check_paths(operations, {"/parentId": ("replace",), "/pathPart": ("replace",)})
        updated = dict(resource)
        for op in operations:
            if resource["path"] == "/":
                raise bad_request(f"Root resource cannot update its {op['path'][1:]}.")
            updated[op["path"][1:]] = op.get("value")
        parent = resource_of(record, updated["parentId"])
        node: dict | None = parent
        while node is not None:
            if node["id"] == resource["id"]:
                raise bad_request("Resources cannot be cyclical.")
            node = record["resources"].get(node.get("parentId"))
        for other in record["resources"].values():
            if (other["id"] != resource["id"] and other.get("parentId") == parent["id"]
                    and other.get("pathPart") == updated["pathPart"]):
                raise conflict(f"Another resource with the same parent already has this name: {updated['pathPart']}")
        resource.update(updated)
        self._repath(record, resource, parent)
        save(ctx, params["restApiId"])
        return resource_view(resource)

    @staticmethod
    def _repath(record: dict, resource: dict, parent: dict) -> None:
        resource["path"] = child_path(parent, resource["pathPart"])
        for child in record["resources"].values():
            if child.get("parentId") == resource["id"]:
                RestApiOps._repath(record, child, resource)

    def delete_resource(self, ctx: RequestContext, params: Params) -> None:
        record = resource_api(ctx, params["restApiId"])
        resource = resource_of(record, params["resourceId"])
        if resource["path"] == "/":
            raise bad_request("Cannot delete root resource")
        doomed = {resource["id"]}
        changed = True
        while changed:
            changed = False
            for r in record["resources"].values():
                if r.get("parentId") in doomed and r["id"] not in doomed:
                    doomed.add(r["id"])
                    changed = True
        for rid in doomed:
            del record["resources"][rid]
        save(ctx, params["restApiId"])
        return None

    # -- models -----------------------------------------------------------------------------------

    def create_model(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        name = params.get("name") or ""
        if not name:
            raise bad_request("Model name must be non-empty")
        if name in record["models"]:
            raise conflict("Model name already exists for this REST API")
        schema = params.get("schema")
        content_type = params.get("contentType")
        if not schema:
            raise bad_request("Model schema must have at least 1 property or array items defined")
        model = {"id": new_id(6), "name": name, "contentType": content_type or "application/json"}
        for key in ("description", "schema"):
            if params.get(key):
                model[key] = params[key]
        record["models"][name] = model
        save(ctx, params["restApiId"])
        return model

    def _model(self, record: dict, name: str) -> dict:
        model = record["models"].get(name)
        if model is None:
            raise not_found(f"Invalid model name specified: {name}")
        return model

    def get_model(self, ctx: RequestContext, params: Params) -> Params:
        missing = not_found(f"Invalid model name specified: {params['modelName']}")
        return self._model(api_record(ctx, params["restApiId"], missing), params["modelName"])

    def get_models(self, ctx: RequestContext, params: Params) -> Params:
        return page(list(api_record(ctx, params["restApiId"])["models"].values()), params)

    def get_model_template(self, ctx: RequestContext, params: Params) -> Params:
        self._model(api_record(ctx, params["restApiId"]), params["modelName"])
        return {"value": "#set($inputRoot = $input.path('$'))\n{ }"}

    def update_model(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        model = self._model(record, params["modelName"])
        operations = params.get("patchOperations") or []
        patch.check_paths(operations, {"/schema": ("replace",), "/description": ("replace",)})
        patch.apply(model, operations)
        save(ctx, params["restApiId"])
        return model

    def delete_model(self, ctx: RequestContext, params: Params) -> None:
        record = api_record(ctx, params["restApiId"], not_found(f"Invalid model name specified: {params['modelName']}"))
        name = params["modelName"]
        self._model(record, name)
        for resource in reversed(list(record["resources"].values())):  # the latest resource is named
            for verb, method in (resource.get("resourceMethods") or {}).items():
                if name in (method.get("requestModels") or {}).values():
                    raise conflict(
                        f"Cannot delete model '{name}', is referenced in method request: {resource['path']}/{verb}"
                    )
        del record["models"][name]
        save(ctx, params["restApiId"])
        return None

    # -- request validators -----------------------------------------------------------------------

    def create_request_validator(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"], bad_request("Invalid REST API identifier specified"))
        if params.get("name") is not None and not params["name"].strip():
            raise bad_request("Request Validator name cannot be blank")
        validator = {
            "id": new_id(6), "name": params.get("name"),
            "validateRequestBody": bool(params.get("validateRequestBody")),
            "validateRequestParameters": bool(params.get("validateRequestParameters")),
        }  # fmt: skip
        if validator["name"] is None:
            del validator["name"]
        record["validators"][validator["id"]] = validator
        save(ctx, params["restApiId"])
        return validator

    def _validator(self, record: dict, validator_id: str) -> dict:
        validator = record["validators"].get(validator_id)
        if validator is None:
            raise not_found("Invalid Request Validator identifier specified")
        return validator

    def get_request_validator(self, ctx: RequestContext, params: Params) -> Params:
        return self._validator(api_record(ctx, params["restApiId"]), params["requestValidatorId"])

    def get_request_validators(self, ctx: RequestContext, params: Params) -> Params:
        return page(list(api_record(ctx, params["restApiId"])["validators"].values()), params)

    def update_request_validator(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        validator = self._validator(record, params["requestValidatorId"])
        operations = params.get("patchOperations") or []
        patch.check_paths(operations, {
            "/name": ("replace",), "/validateRequestParameters": ("replace",), "/validateRequestBody": ("replace",),
        })  # fmt: skip
        for op in operations:
            if op["path"] == "/name" and not (op.get("value") or "").strip():
                raise bad_request("Request Validator name cannot be blank")
        patch.apply(validator, operations, boolean_paths=("/validateRequestParameters", "/validateRequestBody"))
        for key in ("validateRequestParameters", "validateRequestBody"):
            validator[key] = bool(validator.get(key))
        save(ctx, params["restApiId"])
        return validator

    def delete_request_validator(self, ctx: RequestContext, params: Params) -> None:
        record = api_record(ctx, params["restApiId"])
        self._validator(record, params["requestValidatorId"])
        del record["validators"][params["requestValidatorId"]]
        save(ctx, params["restApiId"])
        return None

    # -- authorizers ------------------------------------------------------------------------------

    def create_authorizer(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"], conflict(
            "Unable to complete operation due to concurrent modification. Please try again later."))
        authorizer = {k: v for k, v in params.items() if k != "restApiId" and v is not None}
        authorizer["id"] = new_id(6)
        if authorizer.get("type") in ("TOKEN", "REQUEST", "COGNITO_USER_POOLS"):
            # the TTL is 300 s when unset (the data plane reads it so), but AWS does not
            # answer it; Lambda authorizers are "custom" ones in OpenAPI's terms
            if authorizer["type"] != "COGNITO_USER_POOLS":
                authorizer.setdefault("authType", "custom")
            if authorizer["type"] == "TOKEN":
                authorizer.setdefault("identitySource", "method.request.header.Authorization")
        record["authorizers"][authorizer["id"]] = authorizer
        save(ctx, params["restApiId"])
        return authorizer

    def _authorizer(self, record: dict, authorizer_id: str) -> dict:
        authorizer = record["authorizers"].get(authorizer_id)
        if authorizer is None:
            raise not_found("Invalid Authorizer identifier specified")
        return authorizer

    def get_authorizer(self, ctx: RequestContext, params: Params) -> Params:
        return self._authorizer(api_record(ctx, params["restApiId"]), params["authorizerId"])

    def get_authorizers(self, ctx: RequestContext, params: Params) -> Params:
        return page(list(api_record(ctx, params["restApiId"])["authorizers"].values()), params)

    def update_authorizer(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        authorizer = self._authorizer(record, params["authorizerId"])
        for op in params.get("patchOperations") or []:
            if op.get("path") == "/providerARNs" or (op.get("path") or "").startswith("/providerARNs/"):
                arns = authorizer.setdefault("providerARNs", [])
                if op.get("op") == "add" and op.get("value"):
                    arns.append(op["value"])
                elif op.get("op") == "remove":
                    target = op.get("value") or op["path"].split("/", 2)[-1]
                    if target in arns:
                        arns.remove(target)
                continue
            patch.apply(authorizer, [op])
        if "authorizerResultTtlInSeconds" in authorizer:
            authorizer["authorizerResultTtlInSeconds"] = int(authorizer["authorizerResultTtlInSeconds"])
        save(ctx, params["restApiId"])
        return authorizer

    def delete_authorizer(self, ctx: RequestContext, params: Params) -> None:
        record = api_record(ctx, params["restApiId"])
        self._authorizer(record, params["authorizerId"])
        del record["authorizers"][params["authorizerId"]]
        save(ctx, params["restApiId"])
        return None

    # -- gateway responses ------------------------------------------------------------------------

    @staticmethod
    def _default_response(kind: str) -> Params:
        out: Params = {"responseType": kind, "defaultResponse": True, "responseParameters": {},
                       "responseTemplates": {"application/json": '{"message":$context.error.messageString}'}}
        if RESPONSE_TYPES.get(kind):
            out["statusCode"] = RESPONSE_TYPES[kind]
        return out

    def put_gateway_response(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        kind = params["responseType"]
        response = self._default_response(kind)
        response["defaultResponse"] = False
        for key in ("statusCode", "responseParameters", "responseTemplates"):
            if params.get(key) is not None:
                response[key] = params[key]
        # The documented default status is shown, but requests keep the one the error has
        # unless the response sets one.
        response["_statusSet"] = params.get("statusCode") is not None
        record["responses"][kind] = response
        save(ctx, params["restApiId"])
        return public(response)

    def _effective_response(self, record: dict, kind: str) -> Params:
        """A response type as the API answers it: its own customization, else the default —
        over which a customized ``DEFAULT_4XX`` / ``DEFAULT_5XX`` applies to its class."""
        if kind in record["responses"]:
            return public(record["responses"][kind])
        response = self._default_response(kind)
        status = RESPONSE_TYPES.get(kind)
        family = "DEFAULT_5XX" if status and status.startswith("5") else "DEFAULT_4XX" if status else None
        custom = record["responses"].get(family) if family else None
        if custom:
            for key in ("statusCode", "responseParameters", "responseTemplates"):
                if custom.get(key):
                    response[key] = custom[key]
        return response

    def get_gateway_response(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        return self._effective_response(record, params["responseType"])

    def get_gateway_responses(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        return page([self._effective_response(record, kind) for kind in RESPONSE_TYPES], params)

    def update_gateway_response(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        kind = params["responseType"]
        response = record["responses"].get(kind) or self._default_response(kind)
        response["defaultResponse"] = False
        for op in params.get("patchOperations") or []:
            path, name, value = op.get("path"), op.get("op"), op.get("value")
            if path == "/statusCode" and name == "replace":
                response["statusCode"] = value
                continue
            head = next((h for h in ("responseParameters", "responseTemplates") if (path or "").startswith(f"/{h}/")), None)
            if head is None:
                raise bad_request(f"Invalid patch path {path or 'null'}")
            key = path.split("/", 2)[2].replace("~1", "/")
            members = response.setdefault(head, {})
            if name == "remove":
                members.pop(key, None)
            elif name in ("add", "replace"):
                if value in (None, ""):
                    raise bad_request(f"Invalid null or empty value in {head}")
                if name == "replace" and key not in members:
                    raise not_found("Invalid parameter name specified")
                members[key] = value
        response["_statusSet"] = response.get("_statusSet") or any(
            op.get("path") == "/statusCode" for op in params.get("patchOperations") or [])
        record["responses"][kind] = response
        save(ctx, params["restApiId"])
        return public(response)

    def delete_gateway_response(self, ctx: RequestContext, params: Params) -> None:
        record = api_record(ctx, params["restApiId"])
        if params["responseType"] not in record["responses"]:
            raise not_found("Gateway response type not defined on api")
        del record["responses"][params["responseType"]]
        save(ctx, params["restApiId"])
        return None

    # -- documentation ----------------------------------------------------------------------------

    def create_documentation_part(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        location = dict(params["location"])
        for other in record["parts"].values():
            if other["location"] == location:
                raise conflict("Documentation part already exists for this location")
        part = {"id": new_id(6), "location": location, "properties": params["properties"]}
        record["parts"][part["id"]] = part
        save(ctx, params["restApiId"])
        return part

    def _part(self, record: dict, part_id: str) -> dict:
        part = record["parts"].get(part_id)
        if part is None:
            raise not_found("Invalid Documentation part identifier specified")
        return part

    def get_documentation_part(self, ctx: RequestContext, params: Params) -> Params:
        return self._part(api_record(ctx, params["restApiId"], not_found("Invalid Documentation part identifier specified")), params["documentationPartId"])

    def get_documentation_parts(self, ctx: RequestContext, params: Params) -> Params:
        items = list(api_record(ctx, params["restApiId"])["parts"].values())
        if params.get("type"):
            items = [p for p in items if p["location"].get("type") == params["type"]]
        return page(items, params)

    def update_documentation_part(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"], not_found("Invalid Documentation part identifier specified"))
        part = self._part(record, params["documentationPartId"])
        operations = params.get("patchOperations") or []
        patch.check_paths(operations, {"/properties": ("replace",)})
        patch.apply(part, operations)
        save(ctx, params["restApiId"])
        return part

    def delete_documentation_part(self, ctx: RequestContext, params: Params) -> None:
        record = api_record(ctx, params["restApiId"], not_found("Invalid Documentation part identifier specified"))
        self._part(record, params["documentationPartId"])
        del record["parts"][params["documentationPartId"]]
        save(ctx, params["restApiId"])
        return None

    def import_documentation_parts(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        from cloudtwin.services.apigateway.openapi import parse_definition

        try:
            spec = parse_definition(params.get("body"))
        except Exception:  # noqa: BLE001 - any unreadable file is the same answer
            raise bad_request("Unable to build importer with provided input.") from None
        parts = (spec.get("x-amazon-apigateway-documentation") or {}).get("documentationParts") or []
        if (params.get("mode") or "merge") == "overwrite":
            record["parts"].clear()
        ids = []
        for given in parts:
            part = {"id": new_id(6), "location": given.get("location") or {}, "properties": json.dumps(given.get("properties"))}
            record["parts"][part["id"]] = part
            ids.append(part["id"])
        save(ctx, params["restApiId"])
        return {"ids": ids, "warnings": []}

    def create_documentation_version(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        version = {"version": params["documentationVersion"], "createdDate": self.env.clock.now()}
        if params.get("description"):
            version["description"] = params["description"]
        if version["version"] in record["docVersions"]:
            raise conflict("Documentation version already exists")
        record["docVersions"][version["version"]] = version
        save(ctx, params["restApiId"])
        return version

    def _doc_version(self, record: dict, version: str) -> dict:
        found = record["docVersions"].get(version)
        if found is None:
            raise not_found("Invalid Documentation version identifier specified")
        return found

    def get_documentation_version(self, ctx: RequestContext, params: Params) -> Params:
        return self._doc_version(api_record(ctx, params["restApiId"]), params["documentationVersion"])

    def get_documentation_versions(self, ctx: RequestContext, params: Params) -> Params:
        return page(list(api_record(ctx, params["restApiId"])["docVersions"].values()), params)

    def update_documentation_version(self, ctx: RequestContext, params: Params) -> Params:
        record = api_record(ctx, params["restApiId"])
        version = self._doc_version(record, params["documentationVersion"])
        patch.apply(version, params.get("patchOperations") or [])
        save(ctx, params["restApiId"])
        return version

    def delete_documentation_version(self, ctx: RequestContext, params: Params) -> None:
        record = api_record(ctx, params["restApiId"])
        self._doc_version(record, params["documentationVersion"])
        del record["docVersions"][params["documentationVersion"]]
        save(ctx, params["restApiId"])
        return None
