"""The ``arn:aws:states:::apigateway:invoke`` integration: a Task calls a stage of an API
Gateway API (``ApiEndpoint``, ``Method``, ``Stage``, ``Path``, ``Headers``,
``QueryParameters``, ``RequestBody``) and its result is the HTTP answer —
``{"Headers", "ResponseBody", "StatusCode", "StatusText"}`` — or, for a status of 400 and
more, the failure ``ApiGateway.<status>`` with the body as cause.

cloudtwin serves the API itself: the call goes to this server's own port (loopback), in
the path form ``/restapis/<api-id>/<stage>/_user_request_/<path>``. The answer carries the
headers AWS's edge adds (``Via``, ``X-Amz-Cf-Id``, ``X-Cache`` ...), as AWS's answers do.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import uuid
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlencode

from cloudtwin.services.stepfunctions.errors import FailureError, QueryError
from cloudtwin.services.stepfunctions.history import to_json

__all__ = ["invoke"]

#: Headers AWS's answer always has, in its order; what the API itself answers is added after.
_OWN = ("connection", "content-length", "content-type", "date", "via", "x-amz-apigw-id", "x-amz-cf-id",
        "x-amz-cf-pop", "x-amzn-requestid", "x-amzn-trace-id", "x-cache", "server", "transfer-encoding",
        "keep-alive", "x-amzn-remapped-content-length", "x-amzn-remapped-date", "x-amzn-remapped-connection")


def _list_map(params: dict[str, Any], field: str) -> dict[str, list[str]]:
    value = params.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, list) for v in value.values()):
        raise QueryError(f"The Parameters '{to_json(params)}' could not be used to start the Task: [The value of "
                         f"the field '{field}' has an invalid format]")
    return {str(k): [str(i) for i in v] for k, v in value.items()}


def _api_id(endpoint: str) -> str:
    """The API an endpoint names: ``<api-id>.execute-api.<region>.amazonaws.com``, or one of
    cloudtwin's path forms (``http://localhost:4566/restapis/<api-id>``)."""
    host, _, path = endpoint.split("://")[-1].partition("/")
    parts = path.split("/")
    if len(parts) > 1 and parts[0] in ("restapis", "execute-api") or path.startswith("_aws/execute-api/"):
        return parts[parts.index("execute-api") + 1] if "execute-api" in parts else parts[1]
    return host.split(".")[0]


def _request(params: dict[str, Any]) -> tuple[str, str, str, dict[str, str], bytes]:
    """(api id, method, path with query, headers, body) of the call the Parameters describe."""
    endpoint = params.get("ApiEndpoint")
    method = params.get("Method")
    if not isinstance(endpoint, str) or not endpoint or not isinstance(method, str) or not method:
        raise QueryError(f"The Parameters '{to_json(params)}' could not be used to start the Task: [The field "
                         f"'{'ApiEndpoint' if not endpoint else 'Method'}' is required]")
    headers = {k: ",".join(v) for k, v in _list_map(params, "Headers").items()}
    query = _list_map(params, "QueryParameters")
    api_id = _api_id(endpoint)
    stage = str(params.get("Stage") or "")
    path = str(params.get("Path") or "").lstrip("/")
    target = f"/restapis/{quote(api_id)}/{quote(stage)}/_user_request_/{quote(path)}"
    if query:
        target += "?" + urlencode([(k, v) for k, values in query.items() for v in values])
    body = params.get("RequestBody")
    data = b"" if body is None else to_json(body).encode()  # a text too goes as JSON (a JSON string)
    if data:
        headers.setdefault("Content-Type", "application/json")
    return api_id, method.upper(), target, headers, data


def _call(port: int, method: str, target: str, headers: dict[str, str], data: bytes) -> tuple[int, list, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, target, body=data or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


async def invoke(port: int, params: Any) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise QueryError("The Parameters of an API Gateway task must be a JSON object")
    api_id, method, target, headers, data = _request(params)
    status, answered, body = await asyncio.to_thread(_call, port, method, target, headers, data)
    text = body.decode("utf-8", "replace")
    received = {name.lower(): (name, value) for name, value in answered}
    if status >= 400:
        raise FailureError(f"ApiGateway.{status}", text)
    try:
        response_body: Any = json.loads(text)
    except ValueError:
        response_body = text
    request_id = str(uuid.uuid4())
    edge = uuid.uuid4().hex
    out_headers: dict[str, Any] = {
        "Connection": ["keep-alive"], "Content-Length": [str(len(body))],
        "Content-Type": [received.get("content-type", ("", "application/json"))[1]],
        "Date": [datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")],
        "Via": [f"1.1 {edge[:32]}.cloudfront.net (CloudFront)"], "x-amz-apigw-id": [edge[:16]],
        "X-Amz-Cf-Id": [edge], "X-Amz-Cf-Pop": ["LHR50-P1"], "x-amzn-RequestId": [request_id],
        "X-Amzn-Trace-Id": [f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}"],
        "X-Cache": ["Miss from cloudfront"],
    }  # fmt: skip
    for lower, (name, value) in received.items():
        if lower not in _OWN:
            out_headers[name] = [value]
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    return {"Headers": out_headers, "ResponseBody": response_body, "StatusCode": status, "StatusText": reason}
