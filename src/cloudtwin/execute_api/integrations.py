"""What an API calls: Lambda functions (through the internal client), HTTP endpoints
(httpx, loopback only), and AWS services (``arn:aws:apigateway:<region>:<service>:action/<Action>``
or ``...:path/<path>``) as a signed request to cloudtwin's own endpoint, handled in-process
by the gateway's chain — the service's own wire protocol, as AWS's integration sends it.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl, urlsplit

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.http import HttpRequest, HttpResponse

#: The gateway's in-process request chain (``Gateway.loopback``).
Loopback = Callable[[HttpRequest], Awaitable[HttpResponse]]

_LOOPBACK_NAMES = ("localhost", "localhost.localstack.cloud")


def loopback_url(url: str) -> bool:
    """Is the URL's host this machine (cloudtwin reaches nothing else)?"""
    host = (urlsplit(url).hostname or "").lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost") or host.endswith(".localhost.localstack.cloud"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(slots=True)
class Outcome:
    """An integration's answer."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    #: Lambda: the function's error type (``Unhandled``/``Handled``) when it failed.
    function_error: str | None = None


class IntegrationError(Exception):
    """The integration could not be called (the API answers 500/502/504)."""

    def __init__(self, message: str, status: int = 500, kind: str = "INTEGRATION_FAILURE") -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind


def lambda_arn(uri: str) -> str:
    """The function ARN in ``arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations``."""
    marker = "/functions/"
    if marker in uri:
        return uri.split(marker, 1)[1].rsplit("/invocations", 1)[0]
    return uri


async def call_lambda(internal: Any, uri: str, payload: bytes, *, account_id: str, region: str,
                      headers: dict[str, str] | None = None) -> Outcome:
    arn = lambda_arn(uri)
    parts = arn.split(":")
    if len(parts) >= 5 and parts[4]:
        account_id = parts[4]
    if len(parts) >= 4 and parts[3]:
        region = parts[3]
    try:
        answer = await internal.call_async(
            "lambda", "Invoke", {"FunctionName": arn, "Payload": payload},
            account_id=account_id, region=region, headers=headers,
        )  # fmt: skip
    except ServiceError as error:
        raise IntegrationError(f"Lambda invocation failed: {error.code}: {error.message}") from None
    body = answer.get("Payload") or b""
    if not isinstance(body, (bytes, bytearray)):
        body = bytes(body)
    return Outcome(200, {}, bytes(body), answer.get("FunctionError"))


async def call_http(method: str, url: str, headers: dict[str, str], body: bytes, timeout_ms: int) -> Outcome:
    import httpx

    if not loopback_url(url):
        raise IntegrationError(f"cloudtwin calls loopback endpoints only, not {url}")
    parts = urlsplit(url)
    if "//" in parts.path:  # ``http://${stageVariables.host}/${stageVariables.path}`` with a host ending in /
        parts = parts._replace(path=re.sub("/{2,}", "/", parts.path))
        url = parts.geturl()
    host = (parts.hostname or "").lower()
    if host != "localhost" and (host.endswith(".localhost") or host.endswith("localhost.localstack.cloud")):
        # A name only this machine's tools resolve (a function URL, another API): connect to
        # the loopback address and keep the name in the Host header.
        headers = {k: v for k, v in headers.items() if k.lower() != "host"}
        headers["Host"] = parts.hostname or parts.netloc
        url = parts._replace(netloc=f"127.0.0.1:{parts.port}" if parts.port else "127.0.0.1").geturl()
    try:
        async with httpx.AsyncClient(timeout=max(timeout_ms, 50) / 1000) as client:
            for name in ("connection", "user-agent", "accept", "accept-encoding"):
                client.headers.pop(name, None)  # only what the API sends
            answer = await client.request(method, url, headers=headers, content=body or None)
    except httpx.TimeoutException:
        raise IntegrationError("Endpoint request timed out", 504, "INTEGRATION_TIMEOUT") from None
    except httpx.HTTPError as exc:
        raise IntegrationError(f"Execution failed due to configuration error: {exc}") from None
    # what the backend sent; hop-by-hop headers are renamed (x-amzn-Remapped-*) by the API
    out_headers = {k: v for k, v in answer.headers.items() if k.lower() not in ("transfer-encoding", "content-encoding")}
    return Outcome(answer.status_code, out_headers, answer.content)


def parse_service_uri(uri: str) -> tuple[str, str, str, str]:
    """``arn:aws:apigateway:<region>:<service>:<action|path>/<rest>`` -> (region, service, kind, rest).
    The service may carry a subdomain (``<sub>.<service>``)."""
    parts = uri.split(":", 5)
    if len(parts) < 6:
        raise IntegrationError(f"Invalid AWS integration URI {uri}")
    region, service, rest = parts[3], parts[4], parts[5]
    kind, _, tail = rest.partition("/")
    return region, service.rsplit(".", 1)[-1], kind, tail


#: botocore names of the AWS integration services whose endpoint prefix differs.
_SERVICE_NAMES = {"states": "stepfunctions", "email": "ses", "monitoring": "cloudwatch", "execute-api": "apigateway"}


async def _query_style_action(internal: Any, model: Any, action: str, query: str, *, account_id: str,
                              region: str) -> Outcome:
    """An action whose parameters come in the query string (``?Name=x``): API Gateway calls
    the service's Query-style API and answers ``{"<Action>Response": {"<Action>Result": ...,
    "ResponseMetadata": {"RequestId": ...}}}``, whatever protocol the service speaks."""
    import json as _json
    import uuid
    from urllib.parse import parse_qsl

    from cloudtwin.protocol.serializers import get_serializer

    params = dict(parse_qsl(query, keep_blank_values=True))
    operation = model.operation_model(action)
    for name, shape in operation.input_shape.members.items() if operation.input_shape else ():
        if name in params and shape.type_name in ("integer", "long"):
            params[name] = int(params[name])
        elif name in params and shape.type_name == "boolean":
            params[name] = params[name].lower() == "true"
    request_id = str(uuid.uuid4())
    try:
        result = await internal.call_async(model.service_name, action, params, account_id=account_id, region=region)
    except ServiceError as error:
        body = {"Error": {"Code": error.code, "Message": error.message}, "RequestId": request_id}
        return Outcome(error.status_code or 400, {"Content-Type": "application/json"}, _json.dumps(body).encode())
    encoded = get_serializer("json").serialize_result(result, operation, request_id).body
    document = {f"{action}Response": {f"{action}Result": _json.loads(encoded or b"{}"),
                                      "ResponseMetadata": {"RequestId": request_id}}}
    return Outcome(200, {"Content-Type": "application/json"}, _json.dumps(document).encode())


async def call_aws(loopback: Loopback, catalog: Any, uri: str, method: str, headers: dict[str, str],
                   body: bytes, query: str, *, account_id: str, region: str, internal: Any = None) -> Outcome:
    """An AWS service integration, sent through the gateway's own chain."""
    uri_region, service, kind, rest = parse_service_uri(uri)
    region = uri_region or region
    name = _SERVICE_NAMES.get(service, service)
    out_headers = {k.lower(): v for k, v in headers.items()}
    path, query_string = "/", query
    try:
        model = catalog.service_model(name)
    except Exception:  # noqa: BLE001 - a service botocore does not know
        raise IntegrationError(f"AWS service {service} is not available") from None
    signing = model.signing_name or name
    protocol = model.protocol
    if kind == "action":
        action = rest.split("&", 1)[0].split("?", 1)[0]
        if protocol != "query" and query and not body.strip(b"{} \n") and internal is not None \
                and action in model.operation_names:
            return await _query_style_action(internal, model, action, query, account_id=account_id, region=region)
        if protocol in ("json",) or model.metadata.get("targetPrefix") and protocol != "query":
            prefix = model.metadata.get("targetPrefix")
            out_headers.setdefault("x-amz-target", f"{prefix}.{action}")
            version = model.metadata.get("jsonVersion", "1.0")
            out_headers["content-type"] = f"application/x-amz-json-{version}"
        elif protocol in ("query", "ec2") or "query" in (model.metadata.get("protocols") or []):
            form = f"Action={action}&Version={model.api_version}"
            if body:
                form += "&" + body.decode("utf-8", "replace")
            body = form.encode()
            out_headers["content-type"] = "application/x-www-form-urlencoded"
        else:
            # rest protocols: the action is an operation; its URI comes from the model
            op = model.operation_model(action)
            path = op.http.get("requestUri", "/").split("?", 1)[0]
            method = op.http.get("method", method)
    else:
        path = "/" + rest.lstrip("/")
        if name == "sqs" and body and "content-type" not in out_headers:
            out_headers["content-type"] = "application/x-www-form-urlencoded"
        if out_headers.get("content-type", "").startswith("application/x-www-form-urlencoded") and name == "sqs":
            path = path  # SQS's query API names the queue in the path
    stamp = time.strftime("%Y%m%d", time.gmtime())
    out_headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={account_id}/{stamp}/{region}/{signing}/aws4_request, "
        "SignedHeaders=host, Signature=apigateway-integration"
    )
    out_headers["host"] = "localhost"
    out_headers["content-length"] = str(len(body))
    out_headers.pop("transfer-encoding", None)
    request = HttpRequest(method, path, query_string, out_headers, body)
    answer = await loopback(request)
    data = answer.body if isinstance(answer.body, (bytes, bytearray)) else b"".join([c async for c in answer.body])
    answered_xml = "xml" in next((v for k, v in answer.headers.items() if k.lower() == "content-type"), "")
    speaks_query = protocol == "query" or out_headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    if answered_xml and speaks_query and "xml" not in out_headers.get("accept", "application/json"):
        # API Gateway asks for JSON unless the integration maps an Accept header: the
        # Query API then answers {"<Action>Response": {"<Action>Result": ...}}
        action = dict(parse_qsl(body.decode("utf-8", "replace"))).get("Action") if kind != "action" else \
            rest.split("&", 1)[0].split("?", 1)[0]
        if action in model.operation_names:
            return _query_json(model.operation_model(action), answer.status_code, dict(answer.headers), bytes(data))
    return Outcome(answer.status_code, dict(answer.headers), bytes(data))


def _query_json(operation: Any, status: int, headers: dict[str, str], data: bytes) -> Outcome:
    """A Query API's XML answer as the JSON the same API answers to ``Accept: application/json``."""
    from botocore.parsers import QueryParser

    from cloudtwin.protocol.serializers import get_serializer

    out_headers = {k: v for k, v in headers.items() if k.lower() not in ("content-type", "content-length")}
    out_headers["Content-Type"] = "application/json"
    try:
        if status >= 300:
            parsed = QueryParser().parse({"body": data, "headers": headers, "status_code": status}, None)
            error = parsed.get("Error") or {}
            document: dict = {"Error": {"Code": error.get("Code"), "Message": error.get("Message"),
                                        "Type": error.get("Type") or "Sender"},
                              "RequestId": (parsed.get("ResponseMetadata") or {}).get("RequestId")}  # fmt: skip
        else:
            import xml.etree.ElementTree as ET

            root = ET.fromstring(data)
            result = next((child for child in root if child.tag.endswith("Result")), None)
            request_id = next((node.text or "" for node in root.iter() if node.tag.endswith("RequestId")), "")
            parsed = {}
            if result is not None and operation.output_shape is not None:
                parsed = QueryParser().parse({"body": ET.tostring(result), "headers": {}, "status_code": 200},
                                             operation.output_shape)  # fmt: skip
                parsed.pop("ResponseMetadata", None)
            encoded = get_serializer("json").serialize_result(parsed, operation, request_id).body
            document = {f"{operation.name}Response": {f"{operation.name}Result": json.loads(encoded or b"{}"),
                                                      "ResponseMetadata": {"RequestId": request_id}}}  # fmt: skip
    except Exception:  # noqa: BLE001 - an answer botocore cannot read stays as it came
        return Outcome(status, headers, data)
    return Outcome(status, out_headers, json.dumps(document).encode())


def lambda_error_payload(body: bytes) -> dict:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
