"""Routing an event on a bus: archives that keep it, rules that match it, and each
target's delivery with retries on the virtual clock and the target's dead-letter queue.

    PutEvents / schedule / replay ──▶ route(bus, event) ──▶ archives (pattern) keep a copy
                                           │
                                           └──▶ each ENABLED rule that matches
                                                  └──▶ each target: input ──▶ Targets.send
                                                        failed & retriable ──▶ again later
                                                        exhausted / not retriable ──▶ DLQ

Retries follow the target's ``RetryPolicy`` (AWS's defaults: 185 attempts, 24 hours)
with an exponential back-off of 1, 2, 4 … seconds, capped at 5 minutes (AWS adds jitter;
cloudtwin does not, so tests are deterministic). As AWS documents, errors that retrying
cannot fix — the target does not exist, no permission, a rejected request — are not
retried: the event goes to the dead-letter queue at once. The dead-letter message is the
event, with the ``RULE_ARN``, ``TARGET_ARN``, ``ERROR_CODE`` and ``ERROR_MESSAGE``
attributes AWS adds.

Deliveries waiting for a retry live in memory (like Lambda's asynchronous queue): a restart
of the server drops them. Every routed event leaves a record (the rules it matched, each attempt and its outcome)
in a bounded list shown at ``/_cloudtwin/events/deliveries``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cloudtwin.events.patterns import PatternError, compile_pattern
from cloudtwin.events.targets import Targets, backoff, failure
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.events import transform
from cloudtwin.services.events.http_targets import HttpTargets

log = logging.getLogger("cloudtwin.events.delivery")

MAX_RECORDS = 1000
DEFAULT_RETRIES = 185
DEFAULT_MAX_AGE = 86_400
def iso_seconds(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(eq=False)
class Attempt:
    """One event on its way to one target."""

    account: str
    region: str
    rule_arn: str
    target: dict[str, Any]
    event: dict[str, Any]
    received: float
    due: float
    record: dict[str, Any]
    attempts: int = 0
    running: bool = False
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    #: the X-Ray trace header the event came with, passed on to Lambda and SQS targets
    trace: str | None = None


class Dispatcher:
    def __init__(self, env: Any, bus_lookup: Any = None, destination_lookup: Any = None) -> None:
        self.env = env
        #: ``(account, region, name) -> (destination, connection) | None`` for API destinations
        self.destination_lookup = destination_lookup
        self.http = HttpTargets(env.clock)
        #: ``(account, region, bus name) -> (store, bus) | None``: an event-bus target receives
        #: the event itself (account and region stay the sender's), as in AWS.
        self.bus_lookup = bus_lookup
        self.targets = Targets(env.internal)
        self.records: deque[dict[str, Any]] = deque(maxlen=MAX_RECORDS)
        self.pending: list[Attempt] = []
        self._patterns: dict[str, Any] = {}
        env.processors.register("events-deliveries", self.process)

    # -- matching ---------------------------------------------------------------------------------

    def pattern(self, text: str) -> Any:
        compiled = self._patterns.get(text)
        if compiled is None:
            if len(self._patterns) > 10_000:
                self._patterns.clear()
            try:
                compiled = compile_pattern(text)
            except PatternError:
                compiled = False
            self._patterns[text] = compiled
        return compiled

    def matches(self, pattern_text: str | None, event: dict[str, Any]) -> bool:
        if not pattern_text:
            return False
        compiled = self.pattern(pattern_text)
        return bool(compiled) and compiled.matches(event)

    # -- routing ----------------------------------------------------------------------------------

    def route(self, store: Any, bus: dict[str, Any], event: dict[str, Any], *,
              replay: dict[str, Any] | None = None, rules: list[dict[str, Any]] | None = None,
              trace: str | None = None) -> dict[str, Any]:
        """Archive ``event`` and start the deliveries of the rules of ``bus`` that match it."""
        now = self.env.clock.now()
        record: dict[str, Any] = {
            "event_id": event["id"], "bus": bus["Arn"], "time": iso_millis(now), "event": event,
            "archived": [], "rules": [], "attempts": [],
        }  # fmt: skip
        if replay is None:
            for name, archive in list(store.archives.items()):
                if archive["EventSourceArn"] == bus["Arn"] and archive.get("State") == "ENABLED" and (
                    not archive.get("EventPattern") or self.matches(archive["EventPattern"], event)
                ):
                    self._archive(store, name, archive, event, now)
                    record["archived"].append(name)
        candidates = rules if rules is not None else store.bus_rules(bus["Name"])
        for rule in candidates:
            if rule.get("State") not in ("ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"):
                continue
            if rules is None and not self.matches(rule.get("EventPattern"), event):
                continue
            record["rules"].append(rule["Arn"])
            for target in rule.get("Targets") or []:
                attempt = Attempt(store.account_id, store.region, rule["Arn"], dict(target), event, now, now, record,
                                  trace=trace)
                self.pending.append(attempt)
                self._start(attempt)
        self.records.append(record)
        return record

    def _archive(self, store: Any, name: str, archive: dict[str, Any], event: dict[str, Any], now: float) -> None:
        size = len(json.dumps(event).encode())
        store.archived[(name, event["id"])] = {"event": event, "size": size, "time": now}
        archive["EventCount"] = archive.get("EventCount", 0) + 1
        archive["SizeBytes"] = archive.get("SizeBytes", 0) + size
        store.archives[name] = archive

    # -- delivering -------------------------------------------------------------------------------

    def _start(self, attempt: Attempt) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # off the loop: the processor starts it on its next run
            return
        attempt.running = True
        loop.create_task(self._attempt(attempt))

    def process(self, now: float) -> dict[str, int]:
        """Tick processor: start the retries that fell due."""
        started = 0
        for attempt in list(self.pending):
            if not attempt.running and attempt.due <= now:
                self._start(attempt)
                started += attempt.running
        return {"started": started, "pending": len(self.pending)}

    async def _attempt(self, attempt: Attempt) -> None:
        try:
            await self._attempt_once(attempt)
        except Exception:  # noqa: BLE001 - a delivery must never break the loop
            log.exception("event delivery to %s failed", attempt.target.get("Arn"))
            self._drop(attempt)

    async def _attempt_once(self, attempt: Attempt) -> None:
        target = attempt.target
        now = self.env.clock.now()
        attempt.attempts += 1
        outcome: dict[str, Any] = {"rule": attempt.rule_arn, "target": target["Id"], "arn": target["Arn"],
                                   "attempt": attempt.attempts, "time": iso_millis(now)}
        try:
            await self._send(attempt)
        except ServiceError as error:
            outcome.update(outcome="failed", error_code=error.code, error_message=error.message)
            attempt.record["attempts"].append(outcome)
            log.info("event target %s failed: %s %s", target["Arn"], error.code, error.message)
            self._after_failure(attempt, error, now)
            return
        outcome["outcome"] = "delivered"
        attempt.record["attempts"].append(outcome)
        self._drop(attempt)

    async def _send(self, attempt: Attempt) -> None:
        target, event = attempt.target, attempt.event
        parts = target["Arn"].split(":", 5)
        if len(parts) == 6 and parts[2] == "events" and parts[5].startswith("event-bus/") and self.bus_lookup:
            found = self.bus_lookup(parts[4], parts[3], parts[5].split("/", 1)[1])
            if found is None:
                raise ServiceError("ResourceNotFoundException", f"Event bus {parts[5].split('/', 1)[1]} does not exist.")
            # across accounts of one region the event keeps its id; across regions it gets a new one
            forwarded = dict(event) if parts[3] == event.get("region") else dict(event, id=new_event_id())
            self.route(*found, forwarded, trace=attempt.trace)
            return
        body = transform.target_input(target, event, attempt.rule_arn, event.get("time", ""))
        if len(parts) == 6 and parts[2] == "events" and parts[5].startswith("api-destination/"):
            name = parts[5].split("/")[1]
            found = self.destination_lookup(parts[4], parts[3], name) if self.destination_lookup else None
            if found is None:
                raise ServiceError("ResourceNotFoundException", f"An api-destination '{name}' does not exist.")
            await self.http.call(*found, target, body)
            return
        kwargs: dict[str, Any] = {}
        sqs = target.get("SqsParameters") or {}
        if sqs.get("MessageGroupId"):
            kwargs["group_id"] = sqs["MessageGroupId"]
        if target["Arn"].endswith(".fifo"):
            kwargs["dedup_id"] = event["id"]
        if ":logs:" in target["Arn"]:
            kwargs["log_stream"] = event["id"]
            kwargs["timestamp_ms"] = int(self.env.clock.now() * 1000)
        kinesis = target.get("KinesisParameters") or {}
        if kinesis.get("PartitionKeyPath"):
            key = transform.json_path(event, kinesis["PartitionKeyPath"])
            kwargs["partition_key"] = str(key) if isinstance(key, (str, int, float)) else event["id"]
        elif ":kinesis:" in target["Arn"]:
            kwargs["partition_key"] = event["id"]
        if ":states:" in target["Arn"]:
            kwargs["event_id"] = event["id"]
        await self.targets.send(target["Arn"], body, trace_header=attempt.trace, **kwargs)

    def _after_failure(self, attempt: Attempt, error: ServiceError, now: float) -> None:
        policy = attempt.target.get("RetryPolicy") or {}
        retries = policy.get("MaximumRetryAttempts", DEFAULT_RETRIES)
        max_age = policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE)
        delay = backoff(attempt.attempts)
        retriable, _ = failure(error)
        if retriable and attempt.attempts <= retries and now + delay - attempt.received <= max_age:
            attempt.running = False
            attempt.due = now + delay
            return
        self._drop(attempt)
        self._dead_letter(attempt, error)

    def _dead_letter(self, attempt: Attempt, error: ServiceError) -> None:
        dlq = (attempt.target.get("DeadLetterConfig") or {}).get("Arn")
        if not dlq:
            attempt.record["attempts"].append({"target": attempt.target["Id"], "outcome": "dropped"})
            return
        _, code = failure(error)
        attributes = {
            "RULE_ARN": {"DataType": "String", "StringValue": attempt.rule_arn},
            "TARGET_ARN": {"DataType": "String", "StringValue": attempt.target["Arn"]},
            "ERROR_CODE": {"DataType": "String", "StringValue": code},
            "ERROR_MESSAGE": {"DataType": "String", "StringValue": error.message or error.code},
        }

        async def send() -> None:
            outcome = {"target": attempt.target["Id"], "dead_letter": dlq}
            try:
                await self.targets.send(dlq, json.dumps(attempt.event), attributes=attributes)
                outcome["outcome"] = "dead-lettered"
            except ServiceError as failure:
                outcome.update(outcome="dead-letter failed", error_code=failure.code)
            attempt.record["attempts"].append(outcome)

        asyncio.get_running_loop().create_task(send())

    def _drop(self, attempt: Attempt) -> None:
        if attempt in self.pending:
            self.pending.remove(attempt)

    def reset(self) -> None:
        self.pending.clear()
        self.records.clear()


def new_event_id() -> str:
    return str(uuid.uuid4())
