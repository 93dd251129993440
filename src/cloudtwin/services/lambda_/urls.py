"""Function URLs served over plain HTTP: a request to
``http://<url-id>.lambda-url.<region>.localhost:<port>/<path>`` invokes the function with
the payload format 2.0 event, and the function's answer becomes the HTTP response, as AWS
does it:

- a result with ``statusCode`` is a response (``headers``, ``cookies`` → ``Set-Cookie``,
  ``body``, ``isBase64Encoded``); any other result is a 200 ``application/json`` body (a
  string as it is, anything else as the function's JSON);
- ``AuthType`` ``AWS_IAM`` needs a SigV4-signed request; ``NONE`` needs a resource policy
  statement letting ``*`` call ``lambda:InvokeFunctionUrl``; otherwise 403 ``Forbidden. For
  troubleshooting...`` (AccessDeniedException), also once the URL's alias is gone;
- a function error is a 502; the URL's CORS configuration answers preflights and adds its
  headers to responses.
"""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl

from cloudtwin.gateway.cors import configured_cors_headers
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.http import HttpRequest, HttpResponse


_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"})


def _trace_header(now: float) -> str:
    """A new X-Ray trace header (``Root=1-<epoch hex>-<96 random bits>``)."""
    return f"Root=1-{int(now):08x}-{os.urandom(12).hex()};Sampled=0"


#: What AWS answers a call its resource policy (or IAM) does not allow, today.
FORBIDDEN = (
    "Forbidden. For troubleshooting Function URL authorization issues, see: "
    "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
)


def _forbidden(cors: dict[str, str]) -> HttpResponse:
    return _json(403, {"Message": FORBIDDEN}, {"x-amzn-ErrorType": "AccessDeniedException", **cors})


def _json(status: int, doc: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    body = json.dumps(doc, separators=(",", ":")).encode()  # compact, as AWS writes it
    return HttpResponse(status, {"Content-Type": "application/json", **(headers or {})}, body)


def _streamed_response(payload: bytes, cors: dict[str, str]) -> HttpResponse:
    """A streamed answer (``RESPONSE_STREAM``): the bytes the function wrote, after the HTTP
    metadata ``awslambda.HttpResponseStream.from`` put first (JSON, then 8 NUL bytes)."""
    head, separator, rest = (payload or b"").partition(b"\0" * 8)
    metadata: Any = None
    if separator:
        try:
            metadata = json.loads(head)
        except ValueError:
            metadata = None
    if not isinstance(metadata, dict):
        return HttpResponse(200, {"Content-Type": "application/octet-stream", **cors}, payload or b"")
    headers = {str(k): str(v) for k, v in (metadata.get("headers") or {}).items()}
    if metadata.get("cookies"):
        headers["Set-Cookie"] = ", ".join(metadata["cookies"])
    return HttpResponse(int(metadata.get("statusCode") or 200), {**headers, **cors}, rest)


class UrlRequests:
    """The data plane of function URLs, mixed into the Lambda provider."""

    def _url_config(self, url_id: str) -> tuple[str, str, dict, dict] | None:
        for (account, region), store in self.stores.items():  # type: ignore[attr-defined]
            for record in store.functions.values():
                for config in (record.get("urls") or {}).values():
                    if config.get("_id", "").lower() == url_id.lower():
                        return account, region, record, config
        return None

    def _url_allowed(self, record: dict, qualifier: str) -> bool:
        for statement in record["policies"].get(qualifier) or []:
            if statement.get("Principal") == "*" and statement.get("Action") in ("lambda:InvokeFunctionUrl", "lambda:*", "*"):
                return True
        return False

    def _cors(self, config: dict, request: HttpRequest) -> dict[str, str]:
        return configured_cors_headers(config.get("Cors"), request.headers.get("origin"))

    async def serve_url(self, request: HttpRequest, url_id: str, request_id: str) -> HttpResponse:
        """A function URL's answer, with the headers AWS's front end adds to every one: its
        request id, the X-Ray trace header (the caller's, or a new one) and a kept-alive
        connection."""
        response = await self._serve_url(request, url_id, request_id)
        trace = request.headers.get("x-amzn-trace-id") or f"Root=1-{int(time.time()):08x}-{request_id.replace('-', '')[:24]}"
        for name, value in (("x-amzn-RequestId", request_id), ("X-Amzn-Trace-Id", trace), ("Connection", "keep-alive")):
            if not any(k.lower() == name.lower() for k in response.headers):
                response.headers[name] = value
        return response

    async def _serve_url(self, request: HttpRequest, url_id: str, request_id: str) -> HttpResponse:
        found = self._url_config(url_id)
        if found is None:  # no such URL: refused like a URL one may not call
            return _json(403, {"Message": None}, {"x-amzn-ErrorType": "AccessDeniedException"})
        account, region, record, config = found
        qualifier = config["FunctionArn"].split(":")[7] if config["FunctionArn"].count(":") >= 7 else ""
        cors = self._cors(config, request)
        if request.method == "OPTIONS" and "access-control-request-method" in request.headers:
            preflight = dict(cors)
            settings = config.get("Cors") or {}
            if cors and settings.get("AllowMethods"):
                preflight["Access-Control-Allow-Methods"] = ",".join(settings["AllowMethods"])
            if cors and settings.get("AllowHeaders"):
                preflight["Access-Control-Allow-Headers"] = ",".join(settings["AllowHeaders"])
            if cors and settings.get("MaxAge"):
                preflight["Access-Control-Max-Age"] = str(settings["MaxAge"])
            return HttpResponse(200, preflight, b"")
        if config["AuthType"] == "AWS_IAM":
            if not request.headers.get("authorization", "").startswith("AWS4-HMAC-SHA256"):
                return _forbidden(cors)
        elif not self._url_allowed(record, qualifier):
            return _forbidden(cors)
        event = self._url_event(request, url_id, region, request_id, config)
        try:
            target = self._resolve(account, region, record["latest"]["FunctionName"], qualifier or None)  # type: ignore[attr-defined]
            _, outcome = await self.invoker.run(target, json.dumps(event).encode(), "url", request_id=request_id)  # type: ignore[attr-defined]
        except ServiceError as error:
            if error.code == "ResourceNotFoundException":  # its alias or version is gone
                return _forbidden(cors)
            status = 429 if error.code == "TooManyRequestsException" else 502
            return _json(status, {"Message": "Rate Exceeded." if status == 429 else "Internal Server Error"}, cors)
        if outcome.error:
            return HttpResponse(502, {"Content-Type": "application/json", **cors}, b"Internal Server Error")
        if config.get("InvokeMode") == "RESPONSE_STREAM":
            return _streamed_response(outcome.payload, cors)
        return self._url_response(outcome.payload, cors)

    def _url_event(self, request: HttpRequest, url_id: str, region: str, request_id: str, config: dict) -> dict:
        # hop-by-hop headers stay with the connection, as AWS's front end keeps them
        headers = {k.lower(): v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        cookies = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
        body = request.body or b""
        text_types = ("text/", "application/json", "application/xml", "application/javascript", "application/x-www-form-urlencoded")
        is_text = not body or headers.get("content-type", "").startswith(text_types)
        if is_text:
            try:
                body_text = body.decode("utf-8")
            except UnicodeDecodeError:
                is_text = False
        now = time.time()
        # AWS's front end answers on the URL's domain name (port 443): the function sees that
        # name as ``host`` (= requestContext.domainName), and the port and scheme the client
        # used in the x-forwarded-* headers it adds, with the trace header.
        domain, _, port = headers.get("host", "").partition(":")
        headers["host"] = domain
        headers.setdefault("x-amzn-trace-id", _trace_header(now))
        headers.setdefault("x-forwarded-for", "127.0.0.1")
        headers.setdefault("x-forwarded-port", port or "80")
        headers.setdefault("x-forwarded-proto", "http")
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": request.path or "/",
            "rawQueryString": request.query_string,
            "headers": headers,
            "requestContext": {
                "accountId": "anonymous",
                "apiId": url_id,
                "domainName": domain,
                "domainPrefix": url_id,
                "http": {
                    "method": request.method,
                    "path": request.path or "/",
                    "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1",
                    "userAgent": headers.get("user-agent", ""),
                },
                "requestId": request_id,
                "routeKey": "$default",
                "stage": "$default",
                "time": datetime.fromtimestamp(now, timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "timeEpoch": int(now * 1000),
            },
            "isBase64Encoded": not is_text,
        }
        if cookies:
            event["cookies"] = cookies
        if request.query_string:
            params: dict[str, str] = {}
            for key, value in parse_qsl(request.query_string, keep_blank_values=True):
                params[key] = f"{params[key]},{value}" if key in params else value
            event["queryStringParameters"] = params
        if body:
            event["body"] = body_text if is_text else base64.b64encode(body).decode()
        return event

    def _url_response(self, payload: bytes, cors: dict[str, str]) -> HttpResponse:
        try:
            result = json.loads(payload or b"null")
        except ValueError:
            return HttpResponse(200, {"Content-Type": "application/json", **cors}, payload)
        if isinstance(result, dict) and "statusCode" in result:
            headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
            headers.setdefault("Content-Type", "application/json")
            body = result.get("body")
            if body is None:
                data = b""
            elif result.get("isBase64Encoded"):
                data = base64.b64decode(body)
            else:
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
            cookies = result.get("cookies") or []
            if cookies:
                headers["Set-Cookie"] = ", ".join(cookies)
            return HttpResponse(int(result["statusCode"]), {**headers, **cors}, data)
        # a string is the body as it is (AWS's inferred format); anything else is its JSON
        data = (result if isinstance(result, str) else json.dumps(result)).encode()
        return HttpResponse(200, {"Content-Type": "application/json", **cors}, data)
