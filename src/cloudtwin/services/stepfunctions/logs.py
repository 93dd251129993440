"""Execution logging to CloudWatch Logs, per the state machine's ``loggingConfiguration``:
``ALL`` writes every history event, ``ERROR`` the failures, ``FATAL`` only the execution's
failure; ``includeExecutionData`` keeps or drops inputs and outputs.

As AWS's log delivery does, configuring a destination writes the stream
``log_stream_created_by_aws_to_validate_log_delivery_subscriptions`` to the group, and the
executions of a state machine then log to one stream of their own,
``states/<state machine>/<yyyy-mm-dd-HH-MM of the configuration>/<id>``."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.registry import ServiceEnvironment

log = logging.getLogger("cloudtwin.stepfunctions")

_ERROR_TYPES = ("Failed", "TimedOut", "Aborted")
_FATAL = ("ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut")


def _wanted(level: str, event_type: str) -> bool:
    if level == "ALL":
        return True
    if level == "ERROR":
        return event_type.endswith(_ERROR_TYPES) or event_type == "FailStateEntered"
    if level == "FATAL":
        return event_type in _FATAL
    return False


VALIDATION_STREAM = "log_stream_created_by_aws_to_validate_log_delivery_subscriptions"


def _group(config: dict[str, Any] | None) -> tuple[str, str, str] | None:
    """(region, account, log group name) of a logging configuration's destination."""
    config = config or {}
    destinations = config.get("destinations") or []
    if config.get("level", "OFF") == "OFF" or not destinations:
        return None
    parts = ((destinations[0].get("cloudWatchLogsLogGroup") or {}).get("logGroupArn") or "").split(":")
    if len(parts) < 7:
        return None
    return parts[3], parts[4], parts[6]


class ExecutionLogs:
    def __init__(self, env: "ServiceEnvironment") -> None:
        self.env = env

    def configured(self, machine: dict[str, Any]) -> None:
        """The machine's logging configuration was set: name the stream its executions log
        to, and write AWS's validation stream to the group."""
        found = _group(machine.get("loggingConfiguration"))
        machine.pop("logStream", None)
        if found is None:
            return
        minute = datetime.fromtimestamp(self.env.clock.now(), timezone.utc).strftime("%Y-%m-%d-%H-%M")
        machine["logStream"] = f"states/{machine['name']}/{minute}/{uuid.uuid4().hex[:8]}"
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        region, account, group = found
        arn_parts = machine["stateMachineArn"].split(":")
        loop.create_task(self._stream(region or arn_parts[3], account or arn_parts[4], group, VALIDATION_STREAM))

    async def _stream(self, region: str, account: str, group: str, stream: str) -> None:
        try:
            await self.env.internal.call_async("logs", "CreateLogStream", {"logGroupName": group,
                                                                           "logStreamName": stream},
                                               account_id=account, region=region)
        except Exception:  # noqa: BLE001 - no such group, or the stream is there already
            log.debug("log stream %s not created in %s", stream, group)

    def execution_done(self, record: dict[str, Any], history: list[dict[str, Any]]) -> None:
        config = record.get("loggingConfiguration") or {}
        found = _group(config)
        if found is None:
            return
        region, account, group = found
        level = config["level"]
        include = config.get("includeExecutionData", False)
        events = []
        for event in history:
            if not _wanted(level, event["type"]):
                continue
            entry: dict[str, Any] = {"id": str(event["id"]), "type": event["type"],
                                     "details": {}, "previous_event_id": str(event["previousEventId"]),
                                     "event_timestamp": str(int(event["timestamp"] * 1000)),
                                     "execution_arn": record["executionArn"],
                                     "redrive_count": str(record.get("redriveCount", 0))}
            for key, value in event.items():
                if key.endswith("EventDetails"):
                    details = dict(value)
                    if not include:
                        for field in ("input", "inputDetails", "output", "outputDetails", "parameters"):
                            details.pop(field, None)
                    entry["details"] = details
            events.append({"timestamp": int(event["timestamp"] * 1000), "message": json.dumps(entry)})
        if not events:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        loop.create_task(self._write(record, region or record["region"], account or record["account"], group,
                                     events))

    async def _write(self, record: dict[str, Any], region: str, account: str, group: str, events: list) -> None:
        kind = "express" if record.get("type") == "EXPRESS" else "states"
        stream = record.get("logStream") or f"{kind}/{record['stateMachineName']}/{record['executionArn'].split(':')[-1]}"
        call = self.env.internal.call_async
        try:
            try:
                await call("logs", "CreateLogStream", {"logGroupName": group, "logStreamName": stream},
                           account_id=account, region=region)
            except Exception:  # noqa: BLE001 - the stream may exist already
                pass
            await call("logs", "PutLogEvents", {"logGroupName": group, "logStreamName": stream, "logEvents": events},
                       account_id=account, region=region)
        except Exception:  # noqa: BLE001 - a missing log group drops the logs, as AWS does
            log.debug("execution logs of %s not written", record["executionArn"])
