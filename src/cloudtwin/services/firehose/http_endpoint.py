"""HTTP endpoint destinations: the request/response protocol of Firehose's HTTP delivery.

    POST <Url>
    Content-Type: application/json           (Content-Encoding: gzip with GZIP encoding)
    X-Amz-Firehose-Protocol-Version: 1.0
    X-Amz-Firehose-Request-Id: <uuid>
    X-Amz-Firehose-Source-Arn: <delivery stream ARN>
    X-Amz-Firehose-Access-Key: <AccessKey>   (when configured)
    X-Amz-Firehose-Common-Attributes: {"commonAttributes": {...}}   (when configured)

    {"requestId": "<uuid>", "timestamp": <ms>, "records": [{"data": "<base64>"}, ...]}

A loopback endpoint's certificate is not verified (local test servers use self-signed
ones); any other is. The endpoint answers 200 with ``{"requestId": <the same>, "timestamp": <ms>}``; anything
else is a failed attempt, retried (on the virtual clock) until ``RetryOptions.
DurationInSeconds`` (300 by default) has passed.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import ipaddress
import json
import uuid
from urllib.parse import urlsplit
from typing import Any

TIMEOUT = 10.0
RETRY_PAUSE = 1.0


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _attempt(client: Any, url: str, headers: dict[str, str], body: bytes, request_id: str) -> str | None:
    """None on success, else what went wrong."""
    try:
        response = await client.post(url, content=body, headers=headers)
    except Exception as error:  # noqa: BLE001 - any transport failure is a failed attempt
        return f"The endpoint could not be reached: {type(error).__name__}"
    if response.status_code != 200:
        return f"The endpoint answered HTTP {response.status_code}."
    try:
        answer = json.loads(response.content or b"null")
    except ValueError:
        return "The response from the endpoint is not valid JSON."
    if not isinstance(answer, dict) or answer.get("requestId") != request_id:
        return "The response from the endpoint does not echo the request id."
    return None


async def send(env: Any, stream_arn: str, config: dict[str, Any], data: list[bytes]) -> tuple[int, str | None]:
    """Deliver ``data`` to the endpoint: (attempts made, last error or None)."""
    import httpx

    endpoint = config.get("EndpointConfiguration") or {}
    request = config.get("RequestConfiguration") or {}
    request_id = str(uuid.uuid4())
    document = {"requestId": request_id, "timestamp": int(env.clock.now() * 1000),
                "records": [{"data": base64.b64encode(d).decode()} for d in data]}  # fmt: skip
    body = json.dumps(document).encode()
    headers = {
        "Content-Type": "application/json", "X-Amz-Firehose-Protocol-Version": "1.0",
        "X-Amz-Firehose-Request-Id": request_id, "X-Amz-Firehose-Source-Arn": stream_arn,
    }  # fmt: skip
    if endpoint.get("AccessKey"):
        headers["X-Amz-Firehose-Access-Key"] = endpoint["AccessKey"]
    attributes = {a["AttributeName"]: a["AttributeValue"] for a in request.get("CommonAttributes") or []}
    if attributes:
        headers["X-Amz-Firehose-Common-Attributes"] = json.dumps({"commonAttributes": attributes})
    if request.get("ContentEncoding") == "GZIP":
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    duration = (config.get("RetryOptions") or {}).get("DurationInSeconds", 300)
    started = env.clock.now()
    attempts = 0
    url = endpoint.get("Url", "")
    verify = not _loopback(url)
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, trust_env=False, verify=verify) as client:
        while True:
            attempts += 1
            error = await _attempt(client, url, headers, body, request_id)
            if error is None or env.clock.now() - started >= duration:
                return attempts, error
            due = env.clock.now() + RETRY_PAUSE
            while env.clock.now() < due:
                await asyncio.sleep(0.05)
