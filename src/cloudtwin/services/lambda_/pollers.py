"""The pollers behind event source mappings: they read the source through the internal
client (as Lambda's own pollers call SQS and DynamoDB Streams) and invoke the function.

    SQS                 ReceiveMessage (long poll) ── batch (size, window on the clock)
                        ── filter ── Invoke ── DeleteMessageBatch of what succeeded
                        (ReportBatchItemFailures keeps the failed ones; a function error
                        keeps all: they come back after the visibility timeout)
    DynamoDB Streams    a worker per shard (parents before children): GetRecords ──
    and Kinesis         filter ── Invoke; on error retry (bisecting if asked) until
                        MaximumRetryAttempts / record age, then the OnFailure destination
                        gets the batch's description (shard_pollers.py; what differs
                        between the two: stream_sources.py)

A poller is an asyncio task per mapping (several for a standard queue); the ``lambda-
event-sources`` tick processor starts the ones missing (after a restart) and stops those
whose mapping is gone or disabled.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING

from cloudtwin.events.targets import Targets, arn_parts
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_.event_sources import filters_of, record_matches
from cloudtwin.services.lambda_.shard_pollers import ShardPolling

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.lambda_.provider import Provider

log = logging.getLogger("cloudtwin.lambda")

_STANDARD_POLLERS = 3
_IDLE_WAIT = 1.0


class Pollers(ShardPolling):
    def __init__(self, provider: "Provider") -> None:
        self.provider = provider
        self.env = provider.env
        self.targets = Targets(self.env.internal)
        #: mapping UUID -> its tasks
        self._tasks: dict[str, list[asyncio.Task]] = {}
        self._wake: dict[tuple[str, str], asyncio.Event] = {}

    # -- which pollers run --------------------------------------------------------------------------

    def mappings(self) -> list[tuple[str, str, dict]]:
        out = []
        for (account, region), store in self.provider.stores.items():  # type: ignore[union-attr]
            for mapping in store.mappings.values():
                out.append((account, region, mapping))
        return out

    def sync(self, now: float | None = None) -> dict[str, int]:
        """Start the pollers of enabled mappings, stop the others (a tick processor)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return {"running": len(self._tasks)}
        wanted: dict[str, tuple[str, str, dict]] = {
            m["UUID"]: (a, r, m) for a, r, m in self.mappings() if m["State"] in ("Enabled", "Creating", "Updating")
        }
        for mapping_id in list(self._tasks):
            tasks = [t for t in self._tasks[mapping_id] if not t.done()]
            if mapping_id not in wanted or not tasks:
                for task in tasks:
                    task.cancel()
                del self._tasks[mapping_id]
        started = 0
        for mapping_id, (account, region, mapping) in wanted.items():
            if mapping_id in self._tasks:
                continue
            kind = mapping["EventSourceArn"].split(":")[2]
            if kind == "sqs":
                fifo = mapping["EventSourceArn"].endswith(".fifo")
                limit = (mapping.get("ScalingConfig") or {}).get("MaximumConcurrency") or _STANDARD_POLLERS
                count = 1 if fifo else max(1, min(_STANDARD_POLLERS, limit))
                self._tasks[mapping_id] = [
                    asyncio.ensure_future(self._sqs(account, region, mapping_id)) for _ in range(count)
                ]
            elif kind in ("dynamodb", "kinesis"):
                self._tasks[mapping_id] = [asyncio.ensure_future(self._stream(account, region, mapping_id))]
            else:
                continue
            started += 1
        return {"running": len(self._tasks), "started": started}

    def stop_all(self) -> None:
        for tasks in self._tasks.values():
            for task in tasks:
                task.cancel()
        self._tasks.clear()

    def wake(self, account: str, region: str) -> None:
        event = self._wake.get((account, region))
        if event is not None:
            event.set()

    def _mapping(self, account: str, region: str, mapping_id: str) -> dict | None:
        store = self.provider.stores.get(account, region)  # type: ignore[union-attr]
        mapping = store.mappings.get(mapping_id)
        if mapping is None or mapping["State"] not in ("Enabled", "Creating", "Updating"):
            return None
        return mapping

    def _save(self, account: str, region: str, mapping_id: str) -> None:
        store = self.provider.stores.get(account, region)  # type: ignore[union-attr]
        if mapping_id in store.mappings:
            store.mappings.save(mapping_id)

    async def _invoke(self, account: str, region: str, mapping: dict, event: dict, trigger: str):
        """``(outcome or None when throttled / gone, response payload)``."""
        function_arn = mapping["FunctionArn"]
        _, fn_region, fn_account, resource = arn_parts(function_arn)
        parts = resource.split(":")
        name, qualifier = parts[1], (parts[2] if len(parts) > 2 else None)
        try:
            target = self.provider._resolve(fn_account, fn_region, name, qualifier)
            _, outcome = await self.provider.invoker.run(target, json.dumps(event).encode(), trigger)
        except ServiceError as error:
            log.info("event source mapping %s: invoke failed: %s", mapping["UUID"], error.code)
            return None, None
        if "LastProcessingResult" in mapping:  # stream mappings report it; queue mappings do not
            mapping["LastProcessingResult"] = "PROBLEM: Function call failed" if outcome.error else "OK"
        try:
            payload = json.loads(outcome.payload or b"null")
        except ValueError:
            payload = None
        return outcome, payload

    # -- SQS ----------------------------------------------------------------------------------------

    async def _sqs(self, account: str, region: str, mapping_id: str) -> None:
        call = self.env.internal.call_async
        while True:
            mapping = self._mapping(account, region, mapping_id)
            if mapping is None:
                return
            _, q_region, q_account, queue = arn_parts(mapping["EventSourceArn"])
            try:
                url = (await call("sqs", "GetQueueUrl", {"QueueName": queue, "QueueOwnerAWSAccountId": q_account},
                                  account_id=q_account, region=q_region))["QueueUrl"]  # fmt: skip
                messages = await self._gather(url, q_account, q_region, mapping)
            except ServiceError as error:
                log.info("event source mapping %s: queue unreachable: %s", mapping_id, error.code)
                await asyncio.sleep(_IDLE_WAIT)
                continue
            if not messages:
                continue
            await self._sqs_batch(account, region, mapping, url, q_account, q_region, messages)

    async def _gather(self, url: str, account: str, region: str, mapping: dict) -> list[dict]:
        """Up to BatchSize messages; with a batching window, keep receiving until the window
        (virtual clock) closes or the batch is full."""
        call = self.env.internal.call_async
        size = mapping.get("BatchSize", 10)
        window = mapping.get("MaximumBatchingWindowInSeconds", 0)
        params = {
            "QueueUrl": url, "MaxNumberOfMessages": min(10, size), "WaitTimeSeconds": 20,
            "MessageSystemAttributeNames": ["All"], "MessageAttributeNames": ["All"],
        }  # fmt: skip
        batch = (await call("sqs", "ReceiveMessage", params, account_id=account, region=region)).get("Messages", [])
        if not batch or not window:
            return batch
        closes = self.env.clock.now() + window
        while len(batch) < size and self.env.clock.now() < closes:
            params.update(MaxNumberOfMessages=min(10, size - len(batch)), WaitTimeSeconds=1)
            more = await call("sqs", "ReceiveMessage", params, account_id=account, region=region)
            batch.extend(more.get("Messages", []))
        return batch

    def _sqs_record(self, message: dict, queue_arn: str, region: str) -> dict:
        attributes = {k: v for k, v in (message.get("Attributes") or {}).items()}
        record = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": attributes,
            "messageAttributes": {
                name: {
                    "stringValue": value.get("StringValue"),
                    "binaryValue": value.get("BinaryValue"),
                    "stringListValues": value.get("StringListValues", []),
                    "binaryListValues": value.get("BinaryListValues", []),
                    "dataType": value["DataType"],
                }
                for name, value in (message.get("MessageAttributes") or {}).items()
            },
            "md5OfBody": message.get("MD5OfBody"),
            # null when the message has no attributes, as AWS's records show it
            "md5OfMessageAttributes": message.get("MD5OfMessageAttributes") or None,
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": region,
        }
        for name in list(record["messageAttributes"].values()):
            if name["binaryValue"] is None:
                name.pop("binaryValue")
            else:
                import base64

                name["binaryValue"] = base64.b64encode(name["binaryValue"]).decode()
            if name["stringValue"] is None:
                name.pop("stringValue")
        return record

    async def _sqs_batch(self, account: str, region: str, mapping: dict, url: str, q_account: str,
                         q_region: str, messages: list[dict]) -> None:  # fmt: skip
        call = self.env.internal.call_async
        filters = filters_of(mapping)
        records, dropped = [], []
        for message in messages:
            record = self._sqs_record(message, mapping["EventSourceArn"], q_region)
            (records if record_matches(filters, record) else dropped).append(message)
        done = list(dropped)  # what does not match the filters is deleted, as AWS does
        if records:
            outcome, payload = await self._invoke(account, region, mapping, {"Records": [
                self._sqs_record(m, mapping["EventSourceArn"], q_region) for m in records]}, "sqs")  # fmt: skip
            if outcome is not None and not outcome.error:
                failed = set()
                if "ReportBatchItemFailures" in mapping.get("FunctionResponseTypes", []) and isinstance(payload, dict):
                    items = payload.get("batchItemFailures")
                    if isinstance(items, list):
                        failed = {i.get("itemIdentifier") for i in items if isinstance(i, dict)}
                        if None in failed or "" in failed:
                            failed = {m["MessageId"] for m in records}  # malformed: all failed
                done += [m for m in records if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start:start + 10])]
            try:
                await call("sqs", "DeleteMessageBatch", {"QueueUrl": url, "Entries": entries},
                           account_id=q_account, region=q_region)  # fmt: skip
            except ServiceError as error:
                log.info("event source mapping %s: delete failed: %s", mapping["UUID"], error.code)
