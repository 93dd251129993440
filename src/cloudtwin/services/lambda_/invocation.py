"""Running a function: synchronous invokes through the environment pool, and AWS's
asynchronous invocation — an internal queue, retries with backoff on the virtual clock,
maximum event age, destinations and the dead-letter queue.

    Invoke (RequestResponse) ──▶ pool ──▶ environment ──▶ Outcome ──▶ the answer
    Invoke (Event) ──▶ queue ──▶ attempt ──▶ error? retry in 60 s, 120 s (virtual clock)
                                     └──▶ done / exhausted / too old ──▶ destination, DLQ
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from cloudtwin.events.targets import Targets
from cloudtwin.execution.environment import Blueprint, Invocation, Outcome
from cloudtwin.execution.pool import EnvironmentPool, Throttled
from cloudtwin.execution.runtimes import RuntimeUnavailable
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_.errors import lambda_error
from cloudtwin.services.lambda_.function_logs import LogWriter

log = logging.getLogger("cloudtwin.lambda")

#: AWS's payload limits: 6 MB synchronous, 1 MB asynchronous.
SYNC_LIMIT = 6 * 1024 * 1024
ASYNC_LIMIT = 1024 * 1024
DEFAULT_RETRIES = 2
DEFAULT_MAX_AGE = 21600
#: Delay before the first and the second retry of a failed asynchronous invocation.
BACKOFF = (60.0, 120.0)
_RECORDS = 10_000


def too_large(limit: int, operation: str) -> ServiceError:
    return lambda_error(
        "RequestTooLargeException",
        f"Request must be smaller than {limit} bytes for the {operation} operation",
        413,
    )


def throttled(reason: str) -> ServiceError:
    return lambda_error(
        "TooManyRequestsException", "Rate Exceeded.", 429,
        fields={"Reason": reason, "Type": "User"},
    )


@dataclass(slots=True)
class Pending:
    """An asynchronous invocation waiting in the internal queue."""

    key: tuple[str, str, str]  # account, region, function name
    qualifier: str | None
    payload: bytes
    request_id: str
    received: float
    due: float
    attempts: int = 0
    running: bool = False
    last: Outcome | None = None
    trace_id: str | None = None


@dataclass(slots=True)
class Resolved:
    """What an invocation runs: the blueprint and the concurrency it may use."""

    blueprint: Blueprint
    reserved: int | None
    executed_version: str
    invoked_arn: str
    event_config: dict[str, Any] = field(default_factory=dict)
    dead_letter_arn: str | None = None
    #: the function's reserved concurrency is 0: asynchronous events are not even tried
    disabled: bool = False


class Invoker:
    def __init__(self, env: Any, pool: EnvironmentPool, resolve: Callable[..., Resolved]) -> None:
        self.env = env
        self.pool = pool
        self.resolve = resolve
        self.targets = Targets(env.internal)
        self.logs = LogWriter(env)
        self.queue: list[Pending] = []
        self.records: deque[dict[str, Any]] = deque(maxlen=_RECORDS)

    # -- one run --------------------------------------------------------------------------------

    async def run(self, target: Resolved, payload: bytes, trigger: str, *, client_context: str | None = None,
                  request_id: str | None = None, trace_id: str | None = None) -> tuple[str, Outcome]:  # fmt: skip
        request_id = request_id or str(uuid.uuid4())
        bp = target.blueprint
        invocation = Invocation(
            request_id=request_id, payload=payload, invoked_arn=target.invoked_arn,
            timeout=float(bp.timeout), client_context=client_context, trace_id=trace_id,
        )  # fmt: skip
        record: dict[str, Any] = {
            "time": self.env.clock.now(), "request_id": request_id, "function": bp.function_name,
            "function_arn": bp.function_arn, "version": target.executed_version, "trigger": trigger,
            "account": bp.account_id, "region": bp.region,
        }  # fmt: skip
        try:
            outcome = await self.pool.invoke(bp, invocation, target.reserved)
        except Throttled as exc:
            record.update(status="throttled", error=exc.reason)
            self.records.append(record)
            self._metric(bp, "Throttles", 1.0, "Count")
            raise throttled(exc.reason) from None
        except RuntimeUnavailable as exc:
            record.update(status="error", error="InvalidRuntimeException")
            self.records.append(record)
            raise lambda_error("InvalidRuntimeException", str(exc), 502) from None
        outcome.log = self._framed(bp, request_id, outcome)
        self.logs.write(bp.account_id, bp.region, bp.log_group, outcome.log_stream, outcome.log)
        error = _error_type(outcome) if outcome.error else None
        record.update(
            status="error" if outcome.error else "success", error=error,
            duration_ms=round(outcome.duration_ms, 3),
            init_duration_ms=round(outcome.init_duration_ms, 3) if outcome.init_duration_ms is not None else None,
        )  # fmt: skip
        self.records.append(record)
        self._metric(bp, "Invocations", 1.0, "Count")
        self._metric(bp, "Errors", 1.0 if outcome.error else 0.0, "Count")
        self._metric(bp, "Duration", outcome.duration_ms, "Milliseconds")
        return request_id, outcome

    def _metric(self, bp: Blueprint, name: str, value: float, unit: str) -> None:
        """The ``AWS/Lambda`` metrics AWS publishes per function (CloudWatch takes them in)."""
        self.env.metrics.record(
            bp.account_id, bp.region, "AWS/Lambda", name, {"FunctionName": bp.function_name}, value, unit,
            self.env.clock.now(),
        )  # fmt: skip

    def _framed(self, bp: Blueprint, request_id: str, outcome: Outcome) -> str:
        """The invocation's log as AWS writes it: START, the output, END, REPORT."""
        billed = max(1, int(outcome.duration_ms + 0.999))
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {outcome.duration_ms:.2f} ms\t"
            f"Billed Duration: {billed} ms\tMemory Size: {bp.memory_mb} MB\t"
            f"Max Memory Used: {max(outcome.max_memory_mb, 1)} MB\t"
        )
        if outcome.init_duration_ms is not None:
            report += f"Init Duration: {outcome.init_duration_ms:.2f} ms\t"
        return (
            f"START RequestId: {request_id} Version: {bp.version}\n{outcome.log}"
            f"END RequestId: {request_id}\n{report}\n"
        )

    # -- asynchronous invocation ------------------------------------------------------------------

    def enqueue(self, key: tuple[str, str, str], qualifier: str | None, payload: bytes,
                trace_id: str | None = None, request_id: str | None = None) -> str:
        now = self.env.clock.now()
        # Every event gets a trace header (the caller's, else a new one): the function's
        # attempts and the destination's message carry it, as on AWS.
        trace_id = trace_id or f"Root=1-{int(now):08x}-{uuid.uuid4().hex[:24]};Sampled=0"
        pending = Pending(key, qualifier, payload, request_id or str(uuid.uuid4()), now, now, trace_id=trace_id)
        self.queue.append(pending)
        self._start(pending)
        return pending.request_id

    def _start(self, pending: Pending) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called off the loop: the processor starts it on its next run
            return
        pending.running = True
        loop.create_task(self._attempt(pending))

    def process(self, now: float) -> dict[str, int]:
        """Tick processor: start the retries that fell due."""
        started = 0
        for pending in list(self.queue):
            if not pending.running and pending.due <= now:
                self._start(pending)
                started += pending.running
        return {"started": started, "queued": len(self.queue)}

    async def _attempt(self, pending: Pending) -> None:
        try:
            await self._attempt_once(pending)
        except Exception:  # noqa: BLE001 - a delivery failure must not kill the loop
            log.exception("asynchronous invocation %s failed", pending.request_id)
            self._drop(pending)

    async def _attempt_once(self, pending: Pending) -> None:
        account, region, name = pending.key
        try:
            target = self.resolve(account, region, name, pending.qualifier)
        except ServiceError:  # the function (or version) is gone: the event is dropped
            self._drop(pending)
            return
        config = target.event_config
        max_age = config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE)
        retries = config.get("MaximumRetryAttempts", DEFAULT_RETRIES)
        now = self.env.clock.now()
        if now - pending.received > max_age:
            await self._finish(pending, target, "EventAgeExceeded", pending.last)
            return
        if target.disabled:
            await self._finish(pending, target, "ZeroReservedConcurrency", None)
            return
        pending.attempts += 1
        try:
            _, outcome = await self.run(target, pending.payload, "async", request_id=pending.request_id,
                                        trace_id=pending.trace_id)
        except ServiceError as error:
            outcome = Outcome(json.dumps({"errorType": error.code, "errorMessage": error.message}).encode(), "Unhandled")
            if error.code != "TooManyRequestsException":
                pending.last = outcome
                await self._finish(pending, target, "RetriesExhausted", outcome)
                return
        pending.last = outcome
        if not outcome.error:
            await self._finish(pending, target, "Success", outcome)
            return
        if pending.attempts > retries:
            await self._finish(pending, target, "RetriesExhausted", outcome)
            return
        due = self.env.clock.now() + BACKOFF[min(pending.attempts - 1, len(BACKOFF) - 1)]
        if due - pending.received > max_age:
            # The next retry would come after the event's maximum age: AWS does not wait for
            # it, the event fails now, with the last attempt's response.
            await self._finish(pending, target, "EventAgeExceeded", outcome)
            return
        pending.running = False
        pending.due = due

    def _drop(self, pending: Pending) -> None:
        if pending in self.queue:
            self.queue.remove(pending)

    async def _finish(self, pending: Pending, target: Resolved, condition: str, outcome: Outcome | None) -> None:
        self._drop(pending)
        destinations = target.event_config.get("DestinationConfig") or {}
        success = condition == "Success"
        destination = (destinations.get("OnSuccess") if success else destinations.get("OnFailure")) or {}
        arn = destination.get("Destination")
        if arn:
            record = self._destination_record(pending, target, condition, outcome)
            try:
                await self.targets.send(
                    arn, json.dumps(record), source="lambda",
                    detail_type=f"Lambda Function Invocation Result - {'Success' if success else 'Failure'}",
                    resources=[record["requestContext"]["functionArn"]], trace_header=pending.trace_id,
                )  # fmt: skip
            except ServiceError as error:
                log.warning("lambda destination %s failed: %s", arn, error.code)
        if not success and target.dead_letter_arn:
            error = _error_object(outcome)
            attributes = {
                "RequestID": {"DataType": "String", "StringValue": pending.request_id},
                "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                "ErrorMessage": {"DataType": "String", "StringValue": str(error.get("errorMessage", ""))[:256] or condition},
            }
            try:
                await self.targets.send(
                    target.dead_letter_arn, pending.payload.decode("utf-8", "replace"), attributes=attributes
                )
            except ServiceError as error_:
                log.warning("lambda dead-letter queue %s failed: %s", target.dead_letter_arn, error_.code)

    def _destination_record(self, pending: Pending, target: Resolved, condition: str, outcome: Outcome | None) -> dict:
        try:
            request_payload = json.loads(pending.payload or b"null")
        except ValueError:
            request_payload = pending.payload.decode("utf-8", "replace")
        record: dict[str, Any] = {
            "version": "1.0",
            "timestamp": _iso(self.env.clock.now()),
            "requestContext": {
                "requestId": pending.request_id,
                "functionArn": target.invoked_arn if ":" in target.invoked_arn.split("function:", 1)[1] else f"{target.invoked_arn}:$LATEST",
                "condition": condition,
                "approximateInvokeCount": pending.attempts,
            },
            "requestPayload": request_payload,
        }
        if outcome is not None:
            context: dict[str, Any] = {"statusCode": 200, "executedVersion": target.executed_version}
            if outcome.error:
                context["functionError"] = outcome.error
            record["responseContext"] = context
            try:
                record["responsePayload"] = json.loads(outcome.payload or b"null")
            except ValueError:
                record["responsePayload"] = outcome.payload.decode("utf-8", "replace")
        return record

    def reset(self) -> None:
        self.queue.clear()
        self.records.clear()
        self.logs.reset()


def _error_object(outcome: Outcome | None) -> dict[str, Any]:
    if outcome is None:
        return {}
    try:
        value = json.loads(outcome.payload or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _error_type(outcome: Outcome) -> str | None:
    return _error_object(outcome).get("errorType") or outcome.error


def _iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
