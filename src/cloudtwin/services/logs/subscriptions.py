"""Subscription filters: matching events go to the destination as AWS sends them — a
gzip'd ``DATA_MESSAGE`` document (base64 under ``awslogs.data`` for Lambda)."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import logging
from typing import Any

from cloudtwin.events.targets import Targets, arn_parts, lambda_allows
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.logs.filter_pattern import compile_pattern

log = logging.getLogger("cloudtwin.logs")


def check_destination(env: Any, ctx: Any, arn: str, group_arn: str) -> None:
    """The destination must exist and (Lambda) let CloudWatch Logs invoke it."""
    try:
        service, region, account, resource = arn_parts(arn)
    except ValueError:
        raise ServiceError("InvalidParameterException", f"Invalid destination ARN: {arn}") from None
    if service == "kinesis":
        control = {
            "messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
            "subscriptionFilters": [], "logEvents": [{
                "id": "", "timestamp": int(env.clock.now() * 1000),
                "message": "CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.",
            }],
        }  # fmt: skip
        try:  # AWS checks the stream by writing this control message to it
            env.internal.call("kinesis", "PutRecord", {
                "StreamARN": arn, "PartitionKey": "CloudwatchLogs", "Data": gzip.compress(json.dumps(control).encode()),
            }, account_id=account, region=region)  # fmt: skip
        except ServiceError:
            raise ServiceError(
                "InvalidParameterException",
                "Could not deliver test message to specified Kinesis stream. Check if the given kinesis "
                "stream is in ACTIVE state.",
            ) from None
        return
    if service != "lambda":
        return  # Firehose, Logs destinations: stored, delivered when they exist
    if not lambda_allows(env.internal, arn, "logs.amazonaws.com", source_arn=group_arn, source_account=ctx.account_id):
        raise ServiceError(
            "InvalidParameterException",
            "Could not execute the lambda function. Make sure you have given CloudWatch Logs "
            "permission to execute your function.",
        )


def document(ctx: Any, group: str, stream: str, name: str, events: list[dict], now: int) -> dict:
    return {
        "messageType": "DATA_MESSAGE",
        "owner": ctx.account_id,
        "logGroup": group,
        "logStream": stream,
        "subscriptionFilters": [name],
        "logEvents": [
            {"id": f"{e['timestamp']:020d}{i:036d}", "timestamp": e["timestamp"], "message": e["message"]}
            for i, e in enumerate(events)
        ],
    }


def deliver(env: Any, ctx: Any, group: dict, stream: str, events: list[dict], now: int) -> None:
    """Send what each filter matches, after the request that wrote the events."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    targets = Targets(env.internal)
    for name, subscription in (group.get("subscriptionFilters") or {}).items():
        matches = compile_pattern(subscription["filterPattern"])
        chosen = [e for e in events if matches(e["message"])]
        if not chosen:
            continue
        doc = document(ctx, group["logGroupName"], stream, name, chosen, now)
        payload = gzip.compress(json.dumps(doc).encode())
        arn = subscription["destinationArn"]
        body: str | bytes = payload  # Kinesis and Firehose records: the gzip'd bytes as they are
        if arn.split(":")[2] == "lambda":
            body = json.dumps({"awslogs": {"data": base64.b64encode(payload).decode()}})
        loop.create_task(_send(targets, arn, body, stream))


async def _send(targets: Targets, arn: str, body: str | bytes, stream: str) -> None:
    try:
        await targets.send(arn, body, partition_key=stream)
    except ServiceError as error:
        log.warning("log subscription delivery to %s failed: %s", arn, error.code)
