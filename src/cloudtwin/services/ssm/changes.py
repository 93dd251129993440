"""The events Parameter Store sends to EventBridge's default bus when a parameter is
created, updated or deleted (``source: aws.ssm``, ``detail-type: Parameter Store Change``),
through the internal client once the request has been answered. Without EventBridge
(not implemented) nothing is sent."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError

log = logging.getLogger("cloudtwin.ssm")


def announce(internal: Any, ctx: RequestContext, operation: str, name: str, kind: str | None,
             description: str | None) -> None:
    arn = f"arn:{ctx.partition}:ssm:{ctx.region}:{ctx.account_id}:parameter/{name.lstrip('/')}"
    detail = {"operation": operation, "name": name, "type": kind or "String", "description": description or ""}
    entry = {"Source": "aws.ssm", "DetailType": "Parameter Store Change", "Detail": json.dumps(detail),
             "Resources": [arn]}

    def send() -> None:
        try:
            internal.call("events", "PutEvents", {"Entries": [entry]}, account_id=ctx.account_id, region=ctx.region)
        except ServiceError as error:
            if error.code != "NotImplemented":
                log.warning("parameter change event not sent: %s", error.code)

    try:
        asyncio.get_running_loop().call_soon(send)
    except RuntimeError:
        send()
