"""One request to an HTTP API (API Gateway v2), as AWS runs it:

    stage (``$default`` or ``/<stage>/``) -> CORS preflight -> route (``METHOD /path``, then
      ``$default``) -> authorizer (JWT, Lambda REQUEST, IAM) -> parameter mapping
      -> integration (Lambda payload 1.0 / 2.0, HTTP proxy) -> response

A stage with ``AutoDeploy`` serves the API as it is now; another stage serves what its
deployment froze.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, quote

from cloudtwin.execute_api import integrations, routing
from cloudtwin.execute_api.authorizers import TokenError, policy_allows, verify_jwt
from cloudtwin.execute_api.integrations import IntegrationError
from cloudtwin.gateway.cors import configured_cors_headers
from cloudtwin.protocol.http import HttpRequest, HttpResponse

_TEXT = ("text/", "application/json", "application/xml", "application/javascript", "application/x-www-form-urlencoded")
_HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding", "expect"}
_VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def _message(status: int, message: str, request_id: str, headers: dict | None = None) -> HttpResponse:
    out = {"Content-Type": "application/json", "apigw-requestid": request_id, **(headers or {})}
    return HttpResponse(status, out, json.dumps({"message": message}).encode())


class Stop(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def request_value(expression: str, request: HttpRequest, path_params: dict, context: dict,
                  stage_variables: dict) -> str | None:
    """``$request.header.x``, ``$request.querystring.q``, ``$request.path.p``, ``$request.path``,
    ``$request.body.a.b``, ``$context.x``, ``$stageVariables.x`` — or a literal."""
    if expression.startswith("$request.header."):
        name = expression[len("$request.header."):].lower()
        return request.headers.get(name)
    if expression.startswith("$request.querystring."):
        name = expression[len("$request.querystring."):]
        values = [v for k, v in parse_qsl(request.query_string, keep_blank_values=True) if k == name]
        return ",".join(values) if values else None
    if expression == "$request.path":
        return request.path
    if expression.startswith("$request.path."):
        return path_params.get(expression[len("$request.path."):])
    if expression.startswith("$request.body"):
        from cloudtwin.execute_api.vtl import json_path, to_json

        try:
            document = json.loads(request.body or b"null")
        except ValueError:
            return None
        value = json_path(document, "$" + expression[len("$request.body"):])
        return None if value is None else value if isinstance(value, str) else to_json(value)
    if expression.startswith("$context."):
        node: Any = context
        for part in expression.split(".")[1:]:
            node = node.get(part) if isinstance(node, dict) else None
        return None if node is None else str(node)
    if expression.startswith("$stageVariables."):
        return stage_variables.get(expression.split(".", 1)[1])
    return expression


def _substitute(template: str, request: HttpRequest, path_params: dict, context: dict, stage_variables: dict) -> str:
    """A mapping value with ``${...}`` references inside literal text, or one bare expression."""
    if "${" not in template:
        value = request_value(template, request, path_params, context, stage_variables)
        return "" if value is None else value
    return re.sub(r"\$\{([^}]+)\}", lambda m: request_value(m.group(1), request, path_params, context,
                                                            stage_variables) or "", template)


class HttpInvocation:
    def __init__(self, provider: Any, store: Any, record: dict, request: HttpRequest, path: str, request_id: str) -> None:
        self.provider = provider
        self.env = provider.env
        self.store = store
        self.record = record
        self.api = record["api"]
        self.request = request
        self.path = path or "/"
        self.request_id = request_id
        self.entry: dict[str, Any] = {"apiId": self.api["ApiId"], "requestId": request_id,
                                      "method": request.method, "path": path}  # fmt: skip

    async def run(self) -> HttpResponse:
        try:
            response = await self._run()
        except Stop as stop:
            self.entry["error"] = stop.message
            response = _message(stop.status, stop.message, self.request_id)
        except IntegrationError as error:
            self.entry["integrationError"] = str(error)
            status = 504 if error.status == 504 else 500
            response = _message(status, "Service Unavailable" if status == 504 else "Internal Server Error",
                                self.request_id)
        response.headers.update(self._cors_headers())
        self.entry["status"] = response.status_code
        self.provider.journal.add(self.entry)
        return response

    # -- stage, CORS, route -----------------------------------------------------------------------

    def _stage(self) -> tuple[str, dict, str]:
        stages = self.record["stages"]
        first, _, rest = self.path.lstrip("/").partition("/")
        if first in stages and first != "$default":
            return first, stages[first], "/" + rest
        if "$default" in stages:
            return "$default", stages["$default"], self.path
        raise Stop(404, "Not Found")

    def _cors_headers(self) -> dict[str, str]:
        return configured_cors_headers(self.api.get("CorsConfiguration"), self.request.headers.get("origin"))

    def _preflight(self) -> HttpResponse | None:
        cors = self.api.get("CorsConfiguration")
        headers = self.request.headers
        if not cors or self.request.method != "OPTIONS" or "access-control-request-method" not in headers:
            return None
        out = {"apigw-requestid": self.request_id}
        if self._cors_headers():
            out["Access-Control-Allow-Methods"] = ",".join(cors.get("AllowMethods") or ["*"])
            if cors.get("AllowHeaders"):
                out["Access-Control-Allow-Headers"] = ",".join(cors["AllowHeaders"])
            if cors.get("MaxAge") is not None:
                out["Access-Control-Max-Age"] = str(cors["MaxAge"])
        return HttpResponse(204, out, b"")

    def _route(self, config: dict, path: str) -> tuple[dict, dict[str, str]]:
        method = self.request.method
        candidates = []
        default = None
        for route in config["routes"].values():
            key = route["RouteKey"]
            if key == "$default":
                default = route
                continue
            verb, _, template = key.partition(" ")
            if verb == method or verb == "ANY":
                # an exact verb beats ANY for the same path
                candidates.append((template, (route, verb != "ANY")))
        hits = []
        for template, value in candidates:
            hit = routing.match(template, path)
            if hit is not None:
                hits.append((hit[0], value[1], value[0], hit[1]))
        if hits:
            hits.sort(key=lambda h: (h[0], h[1]), reverse=True)
            return hits[0][2], hits[0][3]
        if default is not None:
            return default, {}
        raise Stop(404, "Not Found")

    async def _run(self) -> HttpResponse:
        stage_name, stage, path = self._stage()
        self.stage_name, self.stage = stage_name, stage
        preflight = self._preflight()
        if preflight is not None:
            return preflight
        config = self.record
        if not stage.get("AutoDeploy") and stage.get("DeploymentId"):
            deployment = self.record["deployments"].get(stage["DeploymentId"]) or {}
            config = deployment.get("_snapshot") or self.record
        elif not stage.get("AutoDeploy"):
            raise Stop(404, "Not Found")
        route, path_params = self._route(config, path)
        self.entry["route"] = route["RouteKey"]
        self.path_params = path_params
        self.resource_path = path
        self.context = self._context(route)
        await self._authorize(config, route)
        target = route.get("Target") or ""
        integration = config["integrations"].get(target.split("/", 1)[1]) if target.startswith("integrations/") else None
        if integration is None:
            raise Stop(500, "Internal Server Error")
        kind = integration.get("IntegrationType")
        self.entry["integration"] = {"type": kind, "uri": integration.get("IntegrationUri")}
        if kind == "AWS_PROXY":
            return await self._lambda(integration, route)
        if kind == "HTTP_PROXY":
            return await self._http(integration)
        raise Stop(500, "Internal Server Error")

    def _context(self, route: dict) -> dict[str, Any]:
        now = self.env.clock.now()
        host = self.request.headers.get("host", "").split(":")[0]
        return {
            "accountId": self.store.account_id, "apiId": self.api["ApiId"], "domainName": host,
            "domainPrefix": host.split(".")[0], "requestId": self.request_id, "routeKey": route["RouteKey"],
            "stage": self.stage_name,
            "http": {"method": self.request.method, "path": self.path, "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": self.request.headers.get("user-agent", "")},
            "time": datetime.fromtimestamp(now, timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now * 1000),
        }  # fmt: skip

    # -- authorization ----------------------------------------------------------------------------

    async def _authorize(self, config: dict, route: dict) -> None:
        kind = route.get("AuthorizationType") or "NONE"
        if kind == "NONE":
            return
        if kind == "AWS_IAM":
            if not self.request.headers.get("authorization", "").startswith("AWS4-HMAC-SHA256"):
                raise Stop(403, "Forbidden")
            return
        authorizer = config["authorizers"].get(route.get("AuthorizerId"))
        if authorizer is None:
            raise Stop(500, "Internal Server Error")
        if kind == "JWT":
            await self._jwt(authorizer, route)
        else:
            await self._lambda_authorizer(authorizer)

    def _identity(self, authorizer: dict) -> list[str] | None:
        values = []
        for source in authorizer.get("IdentitySource") or []:
            value = request_value(source, self.request, self.path_params, self.context, self.stage.get("StageVariables") or {})
            if value in (None, ""):
                return None
            values.append(value)
        return values

    async def _jwt(self, authorizer: dict, route: dict) -> None:
        values = self._identity(authorizer) if authorizer.get("IdentitySource") else \
            [self.request.headers.get("authorization", "")]
        if not values or not values[0]:
            raise Stop(401, "Unauthorized")
        jwt_config = authorizer.get("JwtConfiguration") or {}
        try:
            claims = await verify_jwt(values[0], issuer=jwt_config.get("Issuer"), audiences=jwt_config.get("Audience"),
                                      now=self.env.clock.now(), jwks=self.provider.jwks)
        except TokenError as error:
            self.entry["authorizerError"] = str(error)
            raise Stop(401, "Unauthorized") from None
        scopes = (claims.get("scope") or claims.get("scp") or "")
        granted = scopes.split() if isinstance(scopes, str) else list(scopes)
        required = route.get("AuthorizationScopes") or []
        if required and not set(required) & set(granted):
            raise Stop(403, "Forbidden")
        self.context["authorizer"] = {"jwt": {"claims": claims, "scopes": granted or None}}

    async def _lambda_authorizer(self, authorizer: dict) -> None:
        values = self._identity(authorizer)
        if authorizer.get("IdentitySource") and values is None:
            raise Stop(401, "Unauthorized")
        ttl = int(authorizer.get("AuthorizerResultTtlInSeconds") or 0)
        key = (self.api["ApiId"], self.stage_name, authorizer["AuthorizerId"], tuple(values or ()))
        result = self.provider.authorizer_cache.get(key) if ttl else None
        self.entry["authorizer"] = {"id": authorizer["AuthorizerId"], "cached": result is not None}
        route_arn = (f"arn:aws:execute-api:{self.store.region}:{self.store.account_id}:{self.api['ApiId']}/"
                     f"{self.stage_name}/{self.request.method}{self.resource_path}")
        if result is None:
            version = authorizer.get("AuthorizerPayloadFormatVersion") or "2.0"
            if version == "2.0":
                event = self._event_v2(self.context.get("routeKey", "$default"))
                event.pop("body", None)
                event.pop("isBase64Encoded", None)
                event.update({"type": "REQUEST", "routeArn": route_arn, "identitySource": values or []})
            else:
                event = self._event_v1()
                event.update({"type": "REQUEST", "methodArn": route_arn, "identitySource": ",".join(values or [])})
            outcome = await integrations.call_lambda(self.env.internal, authorizer.get("AuthorizerUri") or "",
                                                     json.dumps(event).encode(), account_id=self.store.account_id,
                                                     region=self.store.region)  # fmt: skip
            if outcome.function_error:
                raise Stop(500, "Internal Server Error")
            try:
                result = json.loads(outcome.body or b"null")
            except ValueError:
                raise Stop(500, "Internal Server Error") from None
            if not isinstance(result, dict):
                raise Stop(500, "Internal Server Error")
            self.provider.authorizer_cache.put(key, result, ttl)
        if authorizer.get("EnableSimpleResponses"):
            allowed = result.get("isAuthorized") is True
        else:
            allowed = policy_allows(result.get("policyDocument"), route_arn)
        if not allowed:
            raise Stop(403, "Forbidden")
        self.context["authorizer"] = {"lambda": result.get("context") or {}}

    # -- integrations -----------------------------------------------------------------------------

    def _body(self) -> tuple[str | None, bool]:
        body = self.request.body or b""
        if not body:
            return None, False
        content_type = self.request.headers.get("content-type", "")
        if content_type.startswith(_TEXT) or not content_type:
            try:
                return body.decode("utf-8"), False
            except UnicodeDecodeError:
                pass
        return base64.b64encode(body).decode(), True

    def _event_v2(self, route_key: str) -> dict[str, Any]:
        headers = {k.lower(): v for k, v in self.request.headers.items()}
        cookies = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
        query: dict[str, str] = {}
        for k, v in parse_qsl(self.request.query_string, keep_blank_values=True):
            query[k] = f"{query[k]},{v}" if k in query else v
        body, encoded = self._body()
        event: dict[str, Any] = {
            "version": "2.0", "routeKey": route_key, "rawPath": self.path, "rawQueryString": self.request.query_string,
            "headers": headers, "requestContext": self.context, "isBase64Encoded": encoded,
        }  # fmt: skip
        if cookies:
            event["cookies"] = cookies
        if query:
            event["queryStringParameters"] = query
        if self.path_params:
            event["pathParameters"] = self.path_params
        if self.stage.get("StageVariables"):
            event["stageVariables"] = self.stage["StageVariables"]
        if body is not None:
            event["body"] = body
        return event

    def _event_v1(self) -> dict[str, Any]:
        headers = dict(self.request.headers)
        pairs = parse_qsl(self.request.query_string, keep_blank_values=True)
        query: dict[str, str] = {}
        multi: dict[str, list[str]] = {}
        for k, v in pairs:
            query[k] = v
            multi.setdefault(k, []).append(v)
        body, encoded = self._body()
        context = {**self.context, "path": self.path, "httpMethod": self.request.method,
                   "identity": {"sourceIp": "127.0.0.1", "userAgent": self.request.headers.get("user-agent", "")},
                   "resourcePath": self.resource_path}  # fmt: skip
        return {
            "version": "1.0", "resource": self.context.get("routeKey", "").partition(" ")[2] or self.resource_path,
            "path": self.path, "httpMethod": self.request.method, "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": query or None, "multiValueQueryStringParameters": multi or None,
            "requestContext": context, "pathParameters": self.path_params or None,
            "stageVariables": self.stage.get("StageVariables") or None, "body": body, "isBase64Encoded": encoded,
        }  # fmt: skip

    async def _lambda(self, integration: dict, route: dict) -> HttpResponse:
        version = integration.get("PayloadFormatVersion") or "2.0"
        event = self._event_v2(route["RouteKey"]) if version == "2.0" else self._event_v1()
        self.entry["integrationRequest"] = event
        outcome = await integrations.call_lambda(self.env.internal, integration.get("IntegrationUri") or "",
                                                 json.dumps(event).encode(), account_id=self.store.account_id,
                                                 region=self.store.region)  # fmt: skip
        self.entry["integrationResponse"] = outcome.body.decode("utf-8", "replace")[:4096]
        if outcome.function_error:
            raise Stop(500, "Internal Server Error")
        try:
            result = json.loads(outcome.body or b"null")
        except ValueError:
            raise Stop(500, "Internal Server Error") from None
        headers = {"apigw-requestid": self.request_id}
        if version == "2.0" and not (isinstance(result, dict) and "statusCode" in result):
            headers["Content-Type"] = "application/json"
            data = (result if isinstance(result, str) else json.dumps(result)).encode()
            return HttpResponse(200, headers, data)
        if not isinstance(result, dict):
            raise Stop(500, "Internal Server Error")
        try:
            status = int(result.get("statusCode") or 200)
        except (TypeError, ValueError):
            raise Stop(500, "Internal Server Error") from None
        for key, value in (result.get("headers") or {}).items():
            headers[str(key)] = str(value)
        for key, values in (result.get("multiValueHeaders") or {}).items():
            if isinstance(values, list):
                headers[str(key)] = ",".join(str(v) for v in values)
        if result.get("cookies"):
            headers["Set-Cookie"] = ", ".join(result["cookies"])
        body = result.get("body")
        if body is None:
            data = b""
        elif result.get("isBase64Encoded"):
            data = base64.b64decode(body)
        else:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
        headers.setdefault("Content-Type", "application/json" if version == "2.0" or data else "application/json")
        return HttpResponse(status, headers, data)

    async def _http(self, integration: dict) -> HttpResponse:
        uri = integration.get("IntegrationUri") or ""
        uri = re.sub(r"\{([^}]+?)\+?\}", lambda m: quote(self.path_params.get(m.group(1).rstrip("+"), ""), safe="/"), uri)
        headers = {k: v for k, v in self.request.headers.items() if k.lower() not in _HOP_HEADERS}
        query = self.request.query_string
        stage_variables = self.stage.get("StageVariables") or {}
        for name, value in (integration.get("RequestParameters") or {}).items():
            action, _, target = name.partition(":")
            where, _, key = target.partition(".")
            resolved = _substitute(value, self.request, self.path_params, self.context, stage_variables)
            if where == "header":
                if action == "remove":
                    headers = {k: v for k, v in headers.items() if k.lower() != key.lower()}
                elif action == "append" and key.lower() in {k.lower() for k in headers}:
                    existing = next(k for k in headers if k.lower() == key.lower())
                    headers[existing] = f"{headers[existing]},{resolved}"
                else:
                    headers[key] = resolved
            elif where == "querystring":
                pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                         if not (action in ("remove", "overwrite") and k == key)]
                if action != "remove":
                    pairs.append((key, resolved))
                query = "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)
            elif where == "path" and action == "overwrite":
                base = re.match(r"^[a-z]+://[^/]+", uri)
                uri = (base.group(0) if base else uri) + resolved
        if query:
            uri += ("&" if "?" in uri else "?") + query
        method = integration.get("IntegrationMethod") or "ANY"
        if method == "ANY":
            method = self.request.method
        self.entry["integrationRequest"] = {"method": method, "uri": uri}
        outcome = await integrations.call_http(method, uri, headers, self.request.body or b"",
                                               integration.get("TimeoutInMillis") or 30000)
        out = dict(outcome.headers)
        out["apigw-requestid"] = self.request_id
        return HttpResponse(outcome.status, out, outcome.body)
