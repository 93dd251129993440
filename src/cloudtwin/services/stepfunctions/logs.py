"""Execution logging to CloudWatch Logs, per the state machine's ``loggingConfiguration``:
``ALL`` writes every history event, ``ERROR`` the failures, ``FATAL`` only the execution's
failure; ``includeExecutionData`` keeps or drops inputs and outputs."""

from __future__ import annotations

import asyncio
import json
import logging
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


class ExecutionLogs:
    def __init__(self, env: "ServiceEnvironment") -> None:
        self.env = env

    def execution_done(self, record: dict[str, Any], history: list[dict[str, Any]]) -> None:
        config = record.get("loggingConfiguration") or {}
        level = config.get("level", "OFF")
        destinations = config.get("destinations") or []
        if level == "OFF" or not destinations:
            return
        group_arn = (destinations[0].get("cloudWatchLogsLogGroup") or {}).get("logGroupArn", "")
        parts = group_arn.split(":")
        if len(parts) < 7:
            return
        group = parts[6]
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
        loop.create_task(self._write(record, parts[3] or record["region"], parts[4] or record["account"], group,
                                     events))

    async def _write(self, record: dict[str, Any], region: str, account: str, group: str, events: list) -> None:
        kind = "express" if record.get("type") == "EXPRESS" else "states"
        stream = f"{kind}/{record['stateMachineName']}/{record['executionArn'].split(':')[-1]}"
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
