"""One request to a deployed REST API, as API Gateway runs it:

    stage -> resource and method -> API key / usage plan -> authorizer -> request validation
      -> integration request (parameter mapping, VTL) -> integration
      -> integration response (status selection, parameter mapping, VTL) -> method response

Proxy integrations (``AWS_PROXY`` to Lambda, ``HTTP_PROXY``) skip the mappings. Every
failure on the way is a gateway response (:mod:`cloudtwin.execute_api.responses`).
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import uuid
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from cloudtwin.execute_api import integrations, payloads, routing
from cloudtwin.execute_api.authorizers import policy_allows
from cloudtwin.execute_api.integrations import IntegrationError, Outcome
from cloudtwin.execute_api.mapping import Sources, resolve
from cloudtwin.execute_api.responses import gateway_response
from cloudtwin.execute_api.vtl import Input, TemplateError, render
from cloudtwin.protocol.http import HttpRequest, HttpResponse

_HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding", "expect"}
#: Request headers API Gateway drops from the method request: templates, parameter mappings
#: and proxy events do not see them.
_DROPPED = {"connection", "content-length", "content-md5", "expect", "max-forwards", "proxy-authenticate", "server",
            "te", "trailer", "transfer-encoding", "upgrade", "www-authenticate"}
#: Response headers API Gateway will not let an integration set: sent as ``x-amzn-Remapped-<name>``.
_REMAPPED = {h.lower(): h for h in (
    "Authorization", "Connection", "Content-Length", "Content-MD5", "Date", "Expect", "Host", "Max-Forwards",
    "Proxy-Authenticate", "Server", "Trailer", "Upgrade", "User-Agent", "WWW-Authenticate",
)}
#: Request headers an AWS integration refuses to map (the signed request to the service owns them).
_AWS_FORBIDDEN_HEADERS = {f"integration.request.header.{h}" for h in (
    "content-length", "transfer-encoding", "authorization", "connection", "expect", "proxy-authenticate", "te")}
#: Standard request headers: API Gateway hands them on in their canonical casing, whatever
#: the client wrote (other names keep the client's casing).
_CANONICAL = {h.lower(): h for h in (
    "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Age", "Authorization", "Cache-Control",
    "Content-Encoding", "Content-Language", "Content-Type", "Cookie", "Date", "From", "Host", "If-Match",
    "If-Modified-Since", "If-None-Match", "If-Range", "If-Unmodified-Since", "Origin", "Pragma", "Range", "Referer",
    "User-Agent", "Via", "Warn", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto",
)}
#: The CloudFront point of presence an edge-optimized API answers through.
_CF_POP = "IAD89-P1"
_STATUS_IN_TEMPLATE = re.compile(r"[\"']?statusCode[\"']?\s*:\s*[\"']?(\d{3})")


class Denied(Exception):
    """Stop with a gateway response of this type."""

    def __init__(self, kind: str, message: str | None = None, status: int | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.message = message
        self.status = status


def _multi(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


def select_template(templates: dict | None, content_type: str | None) -> tuple[str | None, bool]:
    """(template, found) for a content type; ``application/json`` is the default."""
    if not templates:
        return None, False
    key = (content_type or "application/json").split(";")[0].strip().lower()
    for name, template in templates.items():
        if name.lower() == key:
            return template, True
    return None, False


class RestInvocation:
    def __init__(self, provider: Any, store: Any, record: dict, request: HttpRequest, path: str,
                 request_id: str, loopback: Any = None, resource_id: str | None = None) -> None:
        #: TestInvokeMethod names the resource itself instead of a path to route.
        self.forced_resource = resource_id
        self.provider = provider
        self.env = provider.env
        self.store = store
        self.record = record
        self.request = request
        self.path = path
        self.request_id = request_id
        self.loopback = loopback
        self.api_id = record["api"]["id"]
        self.stage_name = ""
        self.stage: dict = {}
        self.snapshot: dict = {}
        self.context: dict[str, Any] = {}
        self.entry: dict[str, Any] = {"apiId": self.api_id, "requestId": request_id, "method": request.method,
                                      "path": path}  # fmt: skip

    # -- the pipeline -----------------------------------------------------------------------------

    async def run(self) -> HttpResponse:
        try:
            response = await self._run()
        except Denied as denied:
            response = self._error(denied.kind, denied.message)
            if denied.status is not None:
                response.status_code = denied.status
        # the connection header answers the client's (a "close" is echoed, not appended)
        closing = "close" in self.request.headers.get("connection", "").lower()
        response.headers["Connection"] = "close" if closing else "keep-alive"
        if self._edge():
            for name, value in self._cloudfront().items():
                response.headers.setdefault(name, value)
            response.headers.setdefault("X-Cache", "Miss from cloudfront")
            response.headers.setdefault("X-Amz-Cf-Pop", _CF_POP)
        self.entry["status"] = response.status_code
        self.provider.journal.add(self.entry)
        return response

    def _edge(self) -> bool:
        """An edge-optimized API: CloudFront stands in front of it."""
        types = ((self.record.get("api") or {}).get("endpointConfiguration") or {}).get("types") or ["EDGE"]
        return "EDGE" in types

    def _cloudfront(self) -> dict[str, str]:
        """The ``Via`` / ``X-Amz-Cf-Id`` pair CloudFront adds to the request and the answer."""
        cached = getattr(self, "_cf", None)
        if cached is None:
            raw = os.urandom(40)  # one draw for both ids (uuid4 costs more, twice)
            cached = self._cf = {"Via": f"1.1 {raw[:16].hex()}.cloudfront.net (CloudFront)",
                                 "X-Amz-Cf-Id": base64.urlsafe_b64encode(raw[:40]).decode()}
        return cached

    def _error(self, kind: str, message: str | None = None) -> HttpResponse:
        self.entry["error"] = kind
        return gateway_response(kind, self.request_id, message=message, custom=self.snapshot.get("responses"),
                                context=self.context, stage_variables=self.stage.get("variables"))

    async def _run(self) -> HttpResponse:
        request = self.request
        stage_name, _, rest = self.path.lstrip("/").partition("/")
        self.stage_name = stage_name
        stage = self.record["stages"].get(stage_name)
        if stage is None:
            raise Denied("MISSING_AUTHENTICATION_TOKEN")
        deployment_id = stage.get("deploymentId")
        canary = stage.get("canarySettings") or {}
        if canary.get("deploymentId") and random.uniform(0, 100) < float(canary.get("percentTraffic") or 0):
            # this request goes to the canary: its deployment, the stage's variables overridden
            deployment_id = canary["deploymentId"]
            stage = {**stage, "variables": {**(stage.get("variables") or {}), **(canary.get("stageVariableOverrides") or {})}}
            self.entry["canary"] = True
        self.stage = stage
        deployment = self.record["deployments"].get(deployment_id) or {}
        self.snapshot = deployment.get("_snapshot") or {}
        resource_path = "/" + rest
        resources = self.snapshot.get("resources") or {}
        if self.forced_resource is not None and self.forced_resource in resources:
            forced = resources[self.forced_resource]
            matched = routing.match(forced["path"], resource_path)
            hit = (forced, matched[1] if matched else {})
        else:
            hit = routing.best(((r["path"], r) for r in resources.values()), resource_path)
        if hit is None:
            raise Denied("MISSING_AUTHENTICATION_TOKEN")
        resource, path_params = hit
        methods = resource.get("resourceMethods") or {}
        method = methods.get(request.method) or methods.get("ANY")
        if method is None:
            raise Denied("MISSING_AUTHENTICATION_TOKEN")
        self.entry["resource"] = resource["path"]
        query, multi_query = _multi(parse_qsl(request.query_string, keep_blank_values=True))
        headers = {k: v for k, v in request.headers.items() if k not in _DROPPED}
        self.sources = Sources(
            path=path_params, querystring=query, multi_querystring=multi_query, header=headers,
            multi_header={k: [v] for k, v in headers.items()}, body=request.body or b"",
            stage_variables=stage.get("variables") or {},
        )  # fmt: skip
        self.context = self._context(resource, method, resource_path)
        if self.stage.get("canarySettings"):
            self.context["isCanaryRequest"] = "true" if self.entry.get("canary") else "false"
        self.sources.context = self.context
        self.method = method
        self.resource = resource
        if method.get("apiKeyRequired"):
            self._check_api_key()
        await self._authorize(method)
        self._validate(method)
        integration = method.get("methodIntegration") or {}
        kind = integration.get("type")
        self.entry["integration"] = {"type": kind, "uri": integration.get("uri")}
        if kind in ("AWS", "AWS_PROXY") and any(
                target.lower() in _AWS_FORBIDDEN_HEADERS for target in integration.get("requestParameters") or {}):
            raise Denied("INTEGRATION_FAILURE")  # AWS's request to the service cannot carry them
        try:
            if kind == "AWS_PROXY":
                return await self._lambda_proxy(integration, resource, resource_path)
            if kind == "HTTP_PROXY":
                return await self._http_proxy(integration)
            return await self._mapped(integration, kind)
        except IntegrationError as error:
            self.entry["integrationError"] = str(error)
            raise Denied(error.kind if error.kind != "INTEGRATION_FAILURE" else "INTEGRATION_FAILURE",
                         "Endpoint request timed out" if error.status == 504 else None) from None
        except TemplateError as error:
            self.entry["templateError"] = str(error)
            raise Denied("INTEGRATION_FAILURE") from None

    def _context(self, resource: dict, method: dict, resource_path: str) -> dict[str, Any]:
        now = self.env.clock.now()
        headers = self.request.headers
        host = headers.get("host", "").split(":")[0]
        return {
            "accountId": self.store.account_id, "apiId": self.api_id, "stage": self.stage_name,
            "deploymentId": self.stage.get("deploymentId"), "domainName": headers.get("host", ""),
            "domainPrefix": host.split(".")[0] if host else "",
            "extendedRequestId": base64.b64encode(os.urandom(10)).decode().replace("/", "-"),
            "httpMethod": self.request.method, "path": f"/{self.stage_name}{resource_path}",
            "protocol": "HTTP/1.1", "requestId": self.request_id, "resourceId": resource["id"],
            "resourcePath": resource["path"],
            "requestTime": datetime.fromtimestamp(now, timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now * 1000),
            "identity": {
                "sourceIp": "127.0.0.1", "userAgent": headers.get("user-agent"), "accountId": None,
                "caller": None, "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None, "cognitoIdentityId": None, "cognitoIdentityPoolId": None,
                "principalOrgId": None, "user": None, "userArn": None, "accessKey": None,
            },
        }  # fmt: skip

    # -- API keys and authorizers -----------------------------------------------------------------

    def _check_api_key(self) -> None:
        source = (self.snapshot.get("api") or {}).get("apiKeySource") or "HEADER"
        value = self.request.headers.get("x-api-key")
        if source == "AUTHORIZER":
            value = (self.context.get("authorizer") or {}).get("usageIdentifierKey") or value
        verdict = self.provider.consume(self.store, self.api_id, self.stage_name, value)
        if verdict is not None:
            raise Denied(verdict)
        self.context["identity"]["apiKey"] = value
        key = next((k for k in self.store.keys.values() if k.get("value") == value), None)
        self.context["identity"]["apiKeyId"] = key["id"] if key else None

    def method_arn(self) -> str:
        resource = self.context["resourcePath"].lstrip("/")
        region = self.store.region
        return (f"arn:aws:execute-api:{region}:{self.store.account_id}:{self.api_id}/{self.stage_name}/"
                f"{self.request.method}/{resource}")

    async def _authorize(self, method: dict) -> None:
        auth = (method.get("authorizationType") or "NONE").upper()
        if auth == "NONE":
            return
        if auth == "AWS_IAM":
            authorization = self.request.headers.get("authorization", "")
            if not authorization.startswith("AWS4-HMAC-SHA256"):
                raise Denied("MISSING_AUTHENTICATION_TOKEN")
            return
        authorizer = (self.snapshot.get("authorizers") or {}).get(method.get("authorizerId"))
        if authorizer is None:
            raise Denied("AUTHORIZER_CONFIGURATION_ERROR")
        if auth == "COGNITO_USER_POOLS" or authorizer.get("type") == "COGNITO_USER_POOLS":
            await self._cognito(authorizer, method)
            return
        await self._lambda_authorizer(authorizer)

    def _identity_values(self, authorizer: dict) -> list[str] | None:
        sources = [s.strip() for s in (authorizer.get("identitySource") or "").split(",") if s.strip()]
        values = []
        for source in sources:
            value = resolve(source, self.sources)
            if value in (None, ""):
                return None
            values.append(value if isinstance(value, str) else ",".join(value))
        return values

    async def _lambda_authorizer(self, authorizer: dict) -> None:
        from cloudtwin.execute_api.authorizers import _statements

        kind = authorizer.get("type") or "TOKEN"
        values = self._identity_values(authorizer)
        if kind == "TOKEN":
            if not values:
                raise Denied("UNAUTHORIZED")
            pattern = authorizer.get("identityValidationExpression")
            if pattern and not re.fullmatch(pattern, values[0]):
                raise Denied("UNAUTHORIZED")
        elif authorizer.get("identitySource") and values is None:
            raise Denied("UNAUTHORIZED")
        ttl = int(authorizer.get("authorizerResultTtlInSeconds", 300) or 0)
        cache_key = (self.api_id, self.stage_name, authorizer["id"], tuple(values or ()))
        result = self.provider.authorizer_cache.get(cache_key) if ttl and values else None
        cached = result is not None
        if result is None:
            if kind == "TOKEN":
                event: dict[str, Any] = {"type": "TOKEN", "methodArn": self.method_arn(), "authorizationToken": values[0]}
            else:
                event = self._proxy_event(self.resource, self.context["resourcePath"])
                event.pop("body", None)
                event.pop("isBase64Encoded", None)
                event = {"type": "REQUEST", "methodArn": self.method_arn(), **event}
            outcome = await integrations.call_lambda(
                self.env.internal, authorizer.get("authorizerUri") or "", json.dumps(event).encode(),
                account_id=self.store.account_id, region=self.store.region,
            )  # fmt: skip
            if outcome.function_error:
                raise Denied("UNAUTHORIZED" if b"Unauthorized" in outcome.body else "AUTHORIZER_CONFIGURATION_ERROR",
                             "Unauthorized" if b"Unauthorized" in outcome.body else None)
            try:
                result = json.loads(outcome.body or b"null")
            except ValueError:
                raise Denied("AUTHORIZER_CONFIGURATION_ERROR") from None
            if not isinstance(result, dict) or not _statements(result.get("policyDocument")):
                raise Denied("AUTHORIZER_CONFIGURATION_ERROR")
            if values:
                self.provider.authorizer_cache.put(cache_key, result, ttl)
        self.entry["authorizer"] = {"id": authorizer["id"], "cached": cached}
        if not policy_allows(result.get("policyDocument"), self.method_arn()):
            raise Denied("ACCESS_DENIED")
        context = {k: v for k, v in (result.get("context") or {}).items()}
        context["principalId"] = result.get("principalId")
        if kind == "TOKEN" or kind == "REQUEST":
            context.setdefault("integrationLatency", 0)
        if result.get("usageIdentifierKey"):
            context["usageIdentifierKey"] = result["usageIdentifierKey"]
        self.context["authorizer"] = context

    async def _cognito(self, authorizer: dict, method: dict) -> None:
        from cloudtwin.execute_api.authorizers import TokenError, verify_jwt

        source = authorizer.get("identitySource") or "method.request.header.Authorization"
        token = resolve(source, self.sources)
        if not token or not isinstance(token, str):
            raise Denied("UNAUTHORIZED")
        issuers = [self._issuer(arn) for arn in authorizer.get("providerARNs") or []]
        claims = None
        for issuer in issuers or [None]:
            try:
                claims = await verify_jwt(token, issuer=issuer, audiences=None, now=self.env.clock.now(),
                                          jwks=self.provider.jwks)
                break
            except TokenError:
                continue
        if claims is None:
            raise Denied("UNAUTHORIZED")
        scopes = method.get("authorizationScopes")
        if scopes:
            granted = set((claims.get("scope") or "").split())
            if claims.get("token_use") != "access" or not granted & set(scopes):
                raise Denied("UNAUTHORIZED")
        elif claims.get("token_use") == "access" and False:
            raise Denied("UNAUTHORIZED")
        self.context["authorizer"] = {"claims": {k: v if isinstance(v, str) else json.dumps(v) for k, v in claims.items()}}

    def _issuer(self, pool_arn: str) -> str:
        """The issuer URL of a Cognito user pool (served by cloudtwin itself)."""
        pool_id = pool_arn.rsplit("/", 1)[-1]
        return f"{self.env.config.issuer_base()}/{pool_id}"

    # -- request validation -----------------------------------------------------------------------

    def _validate(self, method: dict) -> None:
        validator = (self.snapshot.get("validators") or {}).get(method.get("requestValidatorId"))
        if not validator:
            return
        if validator.get("validateRequestParameters"):
            order = {"header": 0, "path": 1, "querystring": 2, "multivaluequerystring": 2, "multivalueheader": 0}
            names = sorted((method.get("requestParameters") or {}).items(),
                           key=lambda item: order.get(item[0].split(".")[2] if item[0].count(".") >= 3 else "", 3))
            missing = [name.split(".", 3)[-1] for name, required in names
                       if required and resolve(name, self.sources) in (None, "")]
            if missing:
                raise Denied("BAD_REQUEST_PARAMETERS", f"Missing required request parameters: [{', '.join(missing)}]")
        if validator.get("validateRequestBody"):
            content_type = (self.request.headers.get("content-type") or "application/json").split(";")[0].strip()
            model_name = (method.get("requestModels") or {}).get(content_type) or \
                (method.get("requestModels") or {}).get("$default")
            model = (self.snapshot.get("models") or {}).get(model_name) if model_name else None
            if model and model_name != "Empty":
                from cloudtwin.execute_api.validation import validate_body

                problem = validate_body(self.request.body or b"", model, self.snapshot.get("models") or {})
                if problem is not None:
                    raise Denied("BAD_REQUEST_BODY", problem)

    # -- proxy integrations -----------------------------------------------------------------------

    def _proxy_event(self, resource: dict, resource_path: str) -> dict[str, Any]:
        request = self.request
        names = request.header_names or {}
        headers = {_CANONICAL.get(k) or names.get(k, k): v for k, v in request.headers.items()
                   if k not in _DROPPED and k != "x-amzn-trace-id"}  # fmt: skip
        headers["X-Amzn-Trace-Id"] = self._trace_id()
        # what AWS's load balancers add in front of the API
        host = request.headers.get("host", "")
        forwarded = {"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Port": host.rpartition(":")[2] if ":" in host else "80",
                     "X-Forwarded-Proto": "http"}  # fmt: skip
        for name, value in forwarded.items():
            if name.lower() not in request.headers:
                headers[name] = value
        if self._edge():  # what CloudFront adds before an edge-optimized API sees the request
            headers.update({"CloudFront-Forwarded-Proto": "https", "CloudFront-Is-Desktop-Viewer": "true",
                            "CloudFront-Is-Mobile-Viewer": "false", "CloudFront-Is-SmartTV-Viewer": "false",
                            "CloudFront-Is-Tablet-Viewer": "false", "CloudFront-Viewer-ASN": "16509",
                            "CloudFront-Viewer-Country": "US", **self._cloudfront()})  # fmt: skip
        pairs = parse_qsl(request.query_string, keep_blank_values=True)
        query, multi_query = _multi(pairs)
        body = request.body or b""
        binary = payloads.is_binary(request.headers.get("content-type"), self._binary_types())
        context = {k: v for k, v in self.context.items() if k not in ("authorizer", "isCanaryRequest")}
        if self.context.get("authorizer"):
            context["authorizer"] = self.context["authorizer"]
        event = {
            "resource": resource["path"], "path": resource_path, "httpMethod": request.method,
            "headers": headers or None, "multiValueHeaders": {k: [v] for k, v in headers.items()} or None,
            "queryStringParameters": query or None, "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": self.sources.path or None, "stageVariables": self.stage.get("variables") or None,
            "requestContext": context,
            "body": (base64.b64encode(body).decode() if binary else body.decode("utf-8", "replace")) if body else None,
            "isBase64Encoded": binary and bool(body),
        }  # fmt: skip
        return event

    async def _lambda_proxy(self, integration: dict, resource: dict, resource_path: str) -> HttpResponse:
        if (integration.get("httpMethod") or "POST") != "POST":
            raise Denied("INTEGRATION_FAILURE")  # Lambda is invoked with POST only
        event = self._proxy_event(resource, resource_path)
        self.entry["integrationRequest"] = event
        outcome = await integrations.call_lambda(
            self.env.internal, self._with_stage_variables(integration.get("uri") or ""), json.dumps(event).encode(),
            account_id=self.store.account_id, region=self.store.region,
        )  # fmt: skip
        self.entry["integrationResponse"] = outcome.body.decode("utf-8", "replace")[:4096]
        bad = Denied("INTEGRATION_FAILURE", status=502)  # a malformed Lambda proxy response
        if outcome.function_error:
            raise bad
        try:
            result = json.loads(outcome.body or b"null")
        except ValueError:
            raise bad from None
        if not isinstance(result, dict) or not set(result) <= {
                "statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}:
            raise bad
        try:
            status = int(result.get("statusCode") or 200)
        except (TypeError, ValueError):
            raise bad from None
        if not 100 <= status <= 599:
            raise bad
        headers: dict[str, str] = {}
        single = result.get("headers") or {}
        multi = result.get("multiValueHeaders") or {}
        if not isinstance(single, dict) or not isinstance(multi, dict):
            raise bad
        for key, values in multi.items():
            if not isinstance(values, list):
                raise bad
            headers[str(key)] = ", ".join(str(v) for v in values)
        for key, value in single.items():
            existing = next((k for k in headers if k.lower() == str(key).lower()), None)
            if existing is not None:  # multi-value first, then the single value
                headers[existing] = f"{headers[existing]}, {value}"
            else:
                headers[str(key)] = str(value).lower() if isinstance(value, bool) else str(value)
        body = result.get("body")
        # the body is base64-decoded when the function says it is encoded and the client's
        # first Accept type is a binary media type (the response's Content-Type plays no part)
        decode = payloads.is_binary(payloads.first_accept(self.request.headers.get("accept")), self._binary_types())
        if body is None:
            data = b""
        elif result.get("isBase64Encoded") is True and isinstance(body, str) and decode:
            try:
                data = payloads.convert(body.encode(), False, True)
            except payloads.PayloadError:
                raise Denied("INTEGRATION_FAILURE") from None
        else:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        headers.setdefault("X-Amzn-Trace-Id", self._trace_id())
        return self._finish(status, headers, data)

    def _binary_types(self) -> list[str]:
        return (self.snapshot.get("api") or {}).get("binaryMediaTypes") or []

    def _trace_id(self) -> str:
        """The X-Ray trace header API Gateway passes to the integration and returns: the
        caller's root (or a new one), a new parent segment, the caller's sampling decision."""
        cached = getattr(self, "_trace", None)
        if cached is not None:
            return cached
        given = self.request.headers.get("x-amzn-trace-id", "")
        fields = dict(p.split("=", 1) for p in given.split(";") if "=" in p)
        if fields.get("Root") and fields.get("Parent"):
            self._trace = given  # a complete trace header travels on unchanged
        else:
            root = fields.get("Root") or f"1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}"
            self._trace = f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled={fields.get('Sampled', '0')}"
        return self._trace

    async def _http_proxy(self, integration: dict) -> HttpResponse:
        uri = self._integration_uri(integration)
        headers = {k: v for k, v in self.request.headers.items() if k.lower() not in _HOP_HEADERS}
        mapped_headers, query = self._mapped_params(integration)
        for name, value in mapped_headers.items():  # a mapping replaces the client's header
            headers = {k: v for k, v in headers.items() if k.lower() != name.lower()}
            headers[name] = value
        if self.request.query_string or query:
            extra = urlencode(query) if query else ""
            joined = "&".join(p for p in (self.request.query_string, extra) if p)
            uri += ("&" if "?" in uri else "?") + joined
        verb = integration.get("httpMethod") or self.request.method
        if verb == "ANY":
            verb = self.request.method
        self.entry["integrationRequest"] = {"method": verb, "uri": uri}
        headers["X-Amzn-Trace-Id"] = self._trace_id()
        outcome = await integrations.call_http(verb, uri, headers, self.request.body or b"",
                                               integration.get("timeoutInMillis") or 29000)
        answer = dict(outcome.headers)
        answer.setdefault("X-Amzn-Trace-Id", headers["X-Amzn-Trace-Id"])
        return self._finish(outcome.status, answer, outcome.body)

    def _integration_uri(self, integration: dict) -> str:
        uri = integration.get("uri") or ""
        params = dict(self.sources.path)
        for target, source in (integration.get("requestParameters") or {}).items():
            if target.startswith("integration.request.path."):
                value = resolve(source, self.sources)
                if value is not None:
                    params[target.rsplit(".", 1)[1]] = value if isinstance(value, str) else ",".join(value)

        def sub(match: re.Match) -> str:
            value = params.get(match.group(1).rstrip("+"), "")
            return quote(value, safe="/")

        return re.sub(r"\{([^}]+)\}", sub, self._with_stage_variables(uri))

    def _with_stage_variables(self, text: str) -> str:
        """``${stageVariables.name}`` in an integration URI replaced by the stage's value."""
        if "${stageVariables." not in text:
            return text
        variables = self.stage.get("variables") or {}
        return re.sub(r"\$\{stageVariables\.([^}]+)\}", lambda m: variables.get(m.group(1), ""), text)

    def _mapped_params(self, integration: dict) -> tuple[dict[str, str], dict[str, str]]:
        headers: dict[str, str] = {}
        query: dict[str, str] = {}
        for target, source in (integration.get("requestParameters") or {}).items():
            value = resolve(source, self.sources)
            if value is None:
                continue
            text = value if isinstance(value, str) else ",".join(value)
            if target.startswith("integration.request.header."):
                headers[target[len("integration.request.header."):]] = text
            elif target.startswith("integration.request.querystring."):
                query[target[len("integration.request.querystring."):]] = text
            elif target.startswith("integration.request.multivaluequerystring."):
                query[target[len("integration.request.multivaluequerystring."):]] = text
        return headers, query

    # -- mapped integrations (AWS, HTTP, MOCK) ----------------------------------------------------

    def _template_params(self) -> dict[str, dict[str, str]]:
        return {"path": dict(self.sources.path), "querystring": dict(self.sources.querystring),
                "header": dict(self.sources.header)}

    def _request_body(self, integration: dict) -> bytes:
        content_type = self.request.headers.get("content-type")
        templates = integration.get("requestTemplates") or {}
        template, found = select_template(templates, content_type)
        behavior = integration.get("passthroughBehavior") or "WHEN_NO_MATCH"
        if not found:
            if templates and behavior == "WHEN_NO_TEMPLATES":
                raise Denied("UNSUPPORTED_MEDIA_TYPE")
            if behavior == "NEVER":
                raise Denied("UNSUPPORTED_MEDIA_TYPE")
            if content_type is None and templates and "application/json" in templates:
                template, found = templates["application/json"], True
        try:
            body, binary = payloads.request_payload(self.request.body or b"", content_type, self._binary_types(),
                                                    integration.get("contentHandling"))
            if not found or template is None:
                return body
            text = payloads.template_text(body, binary)
        except payloads.PayloadError:
            raise Denied("INTEGRATION_FAILURE") from None
        rendered = render(template, input=Input(text, self._template_params()),
                          context=self._vtl_context(), stage_variables=self.stage.get("variables"))
        return rendered.encode()

    def _vtl_context(self) -> Any:
        """``$context`` of the templates: one object per request, so that what a request
        template puts in ``requestOverride`` (and a response template in
        ``responseOverride``) is read back afterwards."""
        if getattr(self, "_vtl", None) is None:
            from cloudtwin.execute_api.vtl import ContextObject, vtl_value

            self._vtl = vtl_value(self.context)
            self._vtl["identity"] = ContextObject(self._vtl.get("identity") or {})
            self._vtl["requestOverride"] = ContextObject(header=ContextObject(), querystring=ContextObject(),
                                                         path=ContextObject())  # fmt: skip
            self._vtl["responseOverride"] = ContextObject(header=ContextObject())
        return self._vtl

    async def _mapped(self, integration: dict, kind: str | None) -> HttpResponse:
        body = self._request_body(integration)
        self.entry["integrationRequest"] = body.decode("utf-8", "replace")[:4096]
        if kind == "MOCK":
            outcome = self._mock(body)
        elif kind == "HTTP":
            uri = self._integration_uri(integration)
            headers, query = self._mapped_params(integration)
            override = (getattr(self, "_vtl", None) or {}).get("requestOverride") or {}
            headers.update({k: str(v) for k, v in (override.get("header") or {}).items()})
            query.update({k: str(v) for k, v in (override.get("querystring") or {}).items()})
            if query:
                uri += ("&" if "?" in uri else "?") + urlencode(query)
            verb = integration.get("httpMethod") or self.request.method
            if verb == "ANY":
                verb = self.request.method
            if body and not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = self.request.headers.get("content-type") or "application/json"
            if not any(k.lower() == "accept" for k in headers):
                headers["Accept"] = "application/json"
            headers.setdefault("User-Agent", f"AmazonAPIGateway_{self.api_id}")
            outcome = await integrations.call_http(verb, uri, headers, body, integration.get("timeoutInMillis") or 29000)
        elif kind == "AWS":
            uri = self._with_stage_variables(integration.get("uri") or "")
            if ":lambda:path/" in uri:
                outcome = await integrations.call_lambda(self.env.internal, uri, body,
                                                         account_id=self.store.account_id, region=self.store.region)
            else:
                if self.loopback is None:
                    raise IntegrationError("AWS integrations need the gateway")
                headers, query = self._mapped_params(integration)
                uri = self._integration_uri(integration)
                verb = integration.get("httpMethod") or "POST"
                outcome = await integrations.call_aws(
                    self.loopback, self.env.catalog, uri, self.request.method if verb == "ANY" else verb, headers, body,
                    urlencode(query), account_id=self.store.account_id, region=self.store.region,
                    internal=self.env.internal,
                )  # fmt: skip
        else:
            raise Denied("API_CONFIGURATION_ERROR")
        self.entry["integrationResponse"] = {"status": outcome.status, "body": outcome.body.decode("utf-8", "replace")[:4096]}
        response = self._integration_response(integration, outcome)
        if kind == "AWS":
            response.headers.setdefault("X-Amzn-Trace-Id", self._trace_id())
        return response

    def _mock(self, body: bytes) -> Outcome:
        """A MOCK integration answers the status code its request template names (AWS reads
        ``statusCode`` leniently: ``{statusCode: 200}`` works too); 200 without a template."""
        text = body.decode("utf-8", "replace").strip()
        if not text:
            return Outcome(200, {}, b"")
        match = _STATUS_IN_TEMPLATE.search(text)
        if match is None:
            try:
                json.loads(text)
            except ValueError:
                raise Denied("INTEGRATION_FAILURE") from None
            return Outcome(200, {}, b"")
        return Outcome(int(match.group(1)), {}, b"")

    def _select_response(self, integration: dict, outcome: Outcome) -> dict | None:
        responses = integration.get("integrationResponses") or {}
        if outcome.function_error:
            payload = integrations.lambda_error_payload(outcome.body)
            subject = str(payload.get("errorMessage", ""))
        elif integration.get("type") == "AWS" and ":lambda:path/" in (integration.get("uri") or ""):
            subject = ""
        else:
            subject = str(outcome.status)
        default = None
        for response in responses.values():
            pattern = response.get("selectionPattern")
            if pattern in (None, ""):
                default = default or response
                continue
            try:
                if re.fullmatch(pattern, subject, re.DOTALL):
                    return response
            except re.error:
                continue
        return default

    def _integration_response(self, integration: dict, outcome: Outcome) -> HttpResponse:
        response = self._select_response(integration, outcome)
        if response is None:
            if outcome.function_error:
                raise Denied("INTEGRATION_FAILURE")
            raise Denied("API_CONFIGURATION_ERROR")
        status = int(response.get("statusCode") or 200)
        headers: dict[str, str] = {}
        sources = self.sources
        sources.response_header = outcome.headers
        sources.response_body = outcome.body
        for target, source in (response.get("responseParameters") or {}).items():
            if target.startswith("method.response.header."):
                value = resolve(source, sources)
                if value is not None:
                    headers[target[len("method.response.header."):]] = value if isinstance(value, str) else ",".join(value)
        accept = self.request.headers.get("accept")
        templates = response.get("responseTemplates") or {}
        template, found = select_template(templates, accept if accept and accept != "*/*" else None)
        wanted = accept if accept and accept != "*/*" else None
        chosen_type = (wanted or "application/json").split(";")[0].strip() if found else None
        if not found and templates:
            chosen_type, template = next(iter(templates.items()))
            found = True
        payload_type = next((v for k, v in outcome.headers.items() if k.lower() == "content-type"), None)
        try:
            body, binary = payloads.response_payload(outcome.body, payload_type or "application/json", accept,
                                                     self._binary_types(), response.get("contentHandling"))
            text = payloads.template_text(body, binary) if found and template else ""
        except payloads.PayloadError:
            raise Denied("INTEGRATION_FAILURE") from None
        content_type = "application/json"
        if found and chosen_type:
            content_type = chosen_type  # the answer has the type of the template that made it
        if found and template:
            context = self._vtl_context()
            body = render(template, input=Input(text, self._template_params()), context=context,
                          stage_variables=self.stage.get("variables"), extra=None).encode()
            override = context.get("responseOverride") or {}
            if override.get("status"):
                try:
                    status = int(override["status"])
                except (TypeError, ValueError):
                    pass
            headers.update({k: str(v) for k, v in (override.get("header") or {}).items()})
        elif found:
            body = b""
        elif payload_type:
            content_type = payload_type
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = content_type
        return self._finish(status, headers, body)

    def _finish(self, status: int, headers: dict[str, str], body: bytes) -> HttpResponse:
        out: dict[str, str] = {}
        for name, value in headers.items():
            lowered = name.lower()
            if lowered == "transfer-encoding":
                continue
            if lowered in _REMAPPED:
                name = f"x-amzn-Remapped-{_REMAPPED[lowered]}"
            out[name] = value
        out["x-amzn-RequestId"] = self.request_id
        out["x-amz-apigw-id"] = self.context.get("extendedRequestId") or self.request_id[:16]
        return HttpResponse(status, out, body)
