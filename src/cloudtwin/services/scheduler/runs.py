"""Running a schedule's target: templated targets through the shared
:class:`~cloudtwin.events.targets.Targets`, universal targets (universal.py) through the
internal client, retries on the virtual clock by the target's ``RetryPolicy`` and, when
they are exhausted or the error cannot be fixed by retrying, the dead-letter queue.

The dead-letter message is the target's input with the attributes EventBridge Scheduler
documents: ``ERROR_CODE``, ``ERROR_MESSAGE``, ``EXHAUSTED_RETRY_CONDITION``,
``RETRY_ATTEMPTS``, ``SCHEDULE_ARN`` and ``TARGET_ARN``.

The context attributes ``<aws.scheduler.schedule-arn>``, ``<aws.scheduler.scheduled-time>``,
``<aws.scheduler.execution-id>`` and ``<aws.scheduler.attempt-number>`` in ``Input`` are
replaced on each attempt. Every run leaves a record shown at ``/_cloudtwin/scheduler/runs``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cloudtwin.events.targets import Targets, backoff, failure
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.scheduler import universal

log = logging.getLogger("cloudtwin.scheduler")

MAX_RECORDS = 1000
DEFAULT_RETRIES = 185
DEFAULT_MAX_AGE = 86_400


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(eq=False)
class Run:
    account: str
    region: str
    schedule_arn: str
    target: dict[str, Any]
    scheduled: float
    due: float
    record: dict[str, Any]
    execution_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    attempts: int = 0
    running: bool = False


class Runner:
    def __init__(self, env: Any) -> None:
        self.env = env
        self.targets = Targets(env.internal)
        self.records: deque[dict[str, Any]] = deque(maxlen=MAX_RECORDS)
        self.pending: list[Run] = []

    def start(self, account: str, region: str, schedule: dict[str, Any], scheduled: float) -> None:
        record = {"schedule": schedule["Arn"], "group": schedule["GroupName"], "name": schedule["Name"],
                  "scheduled_time": iso(scheduled), "target": schedule["Target"]["Arn"], "attempts": [],
                  "outcome": "pending"}
        self.records.append(record)
        run = Run(account, region, schedule["Arn"], dict(schedule["Target"]), scheduled, scheduled, record)
        self.pending.append(run)
        self._start(run)

    def _start(self, run: Run) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        run.running = True
        loop.create_task(self._attempt(run))

    def process(self, now: float) -> dict[str, int]:
        started = 0
        for run in list(self.pending):
            if not run.running and run.due <= now:
                self._start(run)
                started += run.running
        return {"started": started, "pending": len(self.pending)}

    async def _attempt(self, run: Run) -> None:
        try:
            await self._attempt_once(run)
        except Exception:  # noqa: BLE001 - a run must never break the loop
            log.exception("schedule %s failed", run.schedule_arn)
            self._drop(run)

    def _input(self, run: Run) -> str:
        body = run.target.get("Input")
        if body is None:
            return "{}"
        for name, value in (("schedule-arn", run.schedule_arn), ("scheduled-time", iso(run.scheduled)),
                            ("execution-id", run.execution_id), ("attempt-number", str(run.attempts))):
            body = body.replace(f"<aws.scheduler.{name}>", value)
        return body

    async def _attempt_once(self, run: Run) -> None:
        run.attempts += 1
        now = self.env.clock.now()
        outcome: dict[str, Any] = {"attempt": run.attempts, "time": iso(now)}
        body = self._input(run)
        try:
            await self._invoke(run, body)
        except ServiceError as error:
            outcome.update(outcome="failed", error_code=error.code, error_message=error.message)
            run.record["attempts"].append(outcome)
            await self._after_failure(run, error, body, now)
            return
        outcome["outcome"] = "delivered"
        run.record["attempts"].append(outcome)
        run.record["outcome"] = "delivered"
        self._drop(run)

    async def _invoke(self, run: Run, body: str) -> None:
        target = run.target
        arn = target["Arn"]
        parsed = universal.parse(arn)
        if parsed is not None:
            service, operation = parsed
            params = universal.parameters(self.env.catalog, service, operation, body)
            await self.env.internal.call_async(service, operation, params, account_id=run.account, region=run.region)
            return
        kwargs: dict[str, Any] = {}
        if (target.get("SqsParameters") or {}).get("MessageGroupId"):
            kwargs["group_id"] = target["SqsParameters"]["MessageGroupId"]
        if arn.endswith(".fifo"):
            kwargs["dedup_id"] = run.execution_id
        bridge = target.get("EventBridgeParameters")
        if ":events:" in arn:
            bridge = bridge or {}
            kwargs.update(source=bridge.get("Source") or "aws.scheduler",
                          detail_type=bridge.get("DetailType") or "Scheduled Event",
                          resources=[run.schedule_arn])
        kinesis = target.get("KinesisParameters") or {}
        if kinesis.get("PartitionKey"):
            kwargs["partition_key"] = kinesis["PartitionKey"]
        await self.targets.send(arn, body, **kwargs)

    async def _after_failure(self, run: Run, error: ServiceError, body: str, now: float) -> None:
        policy = run.target.get("RetryPolicy") or {}
        retries = policy.get("MaximumRetryAttempts", DEFAULT_RETRIES)
        max_age = policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE)
        retriable, code = failure(error)
        delay = backoff(run.attempts)
        if retriable and run.attempts <= retries and now + delay - run.scheduled <= max_age:
            run.running = False
            run.due = now + delay
            return
        self._drop(run)
        run.record["outcome"] = "failed"
        dlq = (run.target.get("DeadLetterConfig") or {}).get("Arn")
        if not dlq:
            return
        condition = "MaximumRetryAttempts" if run.attempts > retries else (
            "MaximumEventAgeInSeconds" if retriable else "NonRetriableError")
        attributes = {
            "ERROR_CODE": code, "ERROR_MESSAGE": error.message or error.code,
            "EXHAUSTED_RETRY_CONDITION": condition, "RETRY_ATTEMPTS": str(run.attempts - 1),
            "SCHEDULE_ARN": run.schedule_arn, "TARGET_ARN": run.target["Arn"],
        }
        try:
            await self.targets.send(dlq, body, attributes={
                k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()})
            run.record["outcome"] = "dead-lettered"
        except ServiceError as failure_:
            log.warning("schedule dead-letter queue %s failed: %s", dlq, failure_.code)

    def _drop(self, run: Run) -> None:
        if run in self.pending:
            self.pending.remove(run)

    def reset(self) -> None:
        self.pending.clear()
        self.records.clear()


