"""``TestInvokeMethod``: a method run against the API's current (undeployed) state, answered
with the method's response and the execution log API Gateway writes for it."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

from cloudtwin.execute_api.rest import RestInvocation
from cloudtwin.protocol.http import HttpRequest

#: Headers the gateway (and CloudFront) add on the wire, not part of the method's response.
_WIRE_HEADERS = {"connection", "x-amzn-requestid", "x-amz-apigw-id", "via", "x-amz-cf-id", "x-amz-cf-pop", "x-cache"}
_STAGE = "test-invoke-stage"


def _java(value: Any) -> str:
    """A map as Java prints it: ``{a=1, b=2}``."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_java(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_java(v) for v in value) + "]"
    return "null" if value is None else str(value)


def _text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return "" if value is None else str(value)


async def test_invoke(provider: Any, ctx: Any, record: dict, params: dict) -> dict:
    from cloudtwin.services.apigateway.common import method_of
    from cloudtwin.services.apigateway.stages import snapshot

    resource = record["resources"].get(params["resourceId"])
    method_of(record, params["resourceId"], params["httpMethod"])  # AWS's not-found answers
    path = params.get("pathWithQueryString") or resource["path"]
    path, _, query = path.partition("?")
    headers = {k.lower(): v for k, v in (params.get("headers") or {}).items()}
    body = (params.get("body") or "").encode()
    request = HttpRequest(params["httpMethod"], path, query, headers, body)
    fake = dict(record)
    fake["stages"] = {_STAGE: {"stageName": _STAGE, "deploymentId": "_test",
                               "variables": params.get("stageVariables") or {}}}
    fake["deployments"] = {"_test": {"_snapshot": snapshot(record)}}
    invocation = RestInvocation(provider, ctx.store, fake, request, f"/{_STAGE}" + path, ctx.request_id,
                                resource_id=params["resourceId"])
    started = time.perf_counter()
    response = await invocation.run()
    latency = int((time.perf_counter() - started) * 1000)
    data = response.body if isinstance(response.body, bytes) else b""
    answer_headers = {k: v for k, v in response.headers.items() if k.lower() not in _WIRE_HEADERS}
    sources = getattr(invocation, "sources", None)
    entry = invocation.entry
    stamp = datetime.fromtimestamp(provider.env.clock.now(), timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y")
    lines = [
        f"Starting execution for request: {ctx.request_id}",
        f"HTTP Method: {params['httpMethod']}, Resource Path: {path}",
        f"Method request path: {_java(sources.path if sources else {})}",
        f"Method request query string: {_java(sources.querystring if sources else {})}",
        f"Method request headers: {_java(params.get('headers') or {})}",
        f"Method request body before transformations: {body.decode('utf-8', 'replace')}",
    ]
    integration = entry.get("integration") or {}
    if integration.get("type") not in (None, "MOCK") and "integrationRequest" in entry:
        outgoing = entry["integrationRequest"]
        uri = outgoing.get("uri") if isinstance(outgoing, dict) and "uri" in outgoing else integration.get("uri")
        lines += [
            f"Endpoint request URI: {uri}",
            f"Endpoint request body after transformations: {_text(outgoing)}",
            f"Sending request to {uri}",
        ]
        incoming = entry.get("integrationResponse")
        if incoming is not None:
            status = incoming.get("status", 200) if isinstance(incoming, dict) else 200
            payload = incoming.get("body") if isinstance(incoming, dict) else incoming
            lines += [
                f"Received response. Status: {status}, Integration latency: {latency} ms",
                f"Endpoint response body before transformations: {_text(payload)}",
            ]
    if entry.get("error"):
        lines.append(f"Execution failed: {entry.get('integrationError') or entry.get('templateError') or entry['error']}")
    else:
        lines += [
            f"Method response body after transformations: {data.decode('utf-8', 'replace')}",
            f"Method response headers: {_java(answer_headers)}",
            "Successfully completed execution",
        ]
    lines.append(f"Method completed with status: {response.status_code}")
    log = f"Execution log for request {ctx.request_id}\n" + "".join(f"{stamp} : {line}\n" for line in lines)
    return {
        "status": response.status_code, "body": data.decode("utf-8", "replace"),
        "headers": answer_headers, "multiValueHeaders": {k: [v] for k, v in answer_headers.items()},
        "log": log, "latency": latency,
    }  # fmt: skip
