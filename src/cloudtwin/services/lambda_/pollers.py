"""The pollers behind event source mappings: they read the source through the internal
client (as Lambda's own pollers call SQS and DynamoDB Streams) and invoke the function.

    SQS                 ReceiveMessage (long poll) ── batch (size, window on the clock)
                        ── filter ── Invoke ── DeleteMessageBatch of what succeeded
                        (ReportBatchItemFailures keeps the failed ones; a function error
                        keeps all: they come back after the visibility timeout)
    DynamoDB Streams    per shard, in order (parents before children): GetRecords ──
    and Kinesis         filter ── Invoke; on error retry (bisecting if asked) until
                        MaximumRetryAttempts / record age, then the OnFailure destination
                        gets the batch's description (what differs: stream_sources.py)

A poller is an asyncio task per mapping (several for a standard queue); the ``lambda-
event-sources`` tick processor starts the ones missing (after a restart) and stops those
whose mapping is gone or disabled.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cloudtwin.events.targets import Targets, arn_parts
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_.event_sources import filters_of, record_matches
from cloudtwin.services.lambda_.stream_sources import KINESIS, StreamSource, matchable, shards_of, source_of

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.lambda_.provider import Provider

log = logging.getLogger("cloudtwin.lambda")

_STANDARD_POLLERS = 3
_IDLE_WAIT = 1.0
_MAX_BACKOFF = 60.0


def _iso(epoch: float, seconds: bool = False) -> str:
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    if seconds:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Pollers:
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
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": region,
        }
        if message.get("MD5OfMessageAttributes"):
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
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

    # -- DynamoDB Streams and Kinesis ---------------------------------------------------------------

    def _role(self, mapping: dict) -> str:
        _, region, account, resource = arn_parts(mapping["FunctionArn"])
        store = self.provider.stores.get(account, region)  # type: ignore[union-attr]
        record = store.functions.get(resource.split(":")[1])
        return (record or {}).get("latest", {}).get("Role", "")

    async def _stream(self, account: str, region: str, mapping_id: str) -> None:
        """One poller per stream mapping: every shard in order, parents read to their end
        before their children (so resharding neither loses nor repeats a record)."""
        call = self.env.internal.call_async
        wake = self._wake.setdefault((account, region), asyncio.Event())
        first = self._mapping(account, region, mapping_id)
        iterators: dict[str, str | None] = dict((first or {}).get("_iterators") or {})
        #: records read but not yet sent (MaximumBatchingWindowInSeconds), and since when
        pending: dict[str, list[dict]] = {}
        opened: dict[str, float] = {}
        while True:
            mapping = self._mapping(account, region, mapping_id)
            if mapping is None:
                return
            stream_arn = mapping["EventSourceArn"]
            source = source_of(stream_arn)
            _, s_region, s_account, _ = arn_parts(stream_arn)
            checkpoints: dict[str, str] = mapping.setdefault("_checkpoints", {})
            finished: list[str] = mapping.setdefault("_finished", [])
            try:
                shards = shards_of(await call(source.service, "DescribeStream", {source.arn_param: stream_arn},
                                              account_id=s_account, region=s_region))  # fmt: skip
            except ServiceError:
                await asyncio.sleep(_IDLE_WAIT)
                continue
            present = {shard["ShardId"] for shard in shards}
            size = mapping.get("BatchSize", 100)
            progressed = False
            for shard in shards:
                shard_id = shard["ShardId"]
                parents = {shard.get("ParentShardId"), shard.get("AdjacentParentShardId")} & present
                if shard_id in finished or any(p not in finished for p in parents):
                    continue
                try:
                    if iterators.get(shard_id) is None:
                        iterators[shard_id] = await self._iterator(source, stream_arn, shard_id, mapping, checkpoints,
                                                                   s_account, s_region)  # fmt: skip
                    got = await call(source.service, "GetRecords",
                                     {"ShardIterator": iterators[shard_id], "Limit": mapping.get("BatchSize", 100)},
                                     account_id=s_account, region=s_region)  # fmt: skip
                except ServiceError as error:
                    if error.code in ("ExpiredIteratorException", "TrimmedDataAccessException"):
                        iterators[shard_id] = None
                        pending.pop(shard_id, None)  # read again from the checkpoint
                        continue
                    raise
                iterators[shard_id] = got.get("NextShardIterator")
                closed = got.get("NextShardIterator") is None
                waiting = pending.setdefault(shard_id, [])
                if got.get("Records") and not waiting:
                    opened[shard_id] = self.env.clock.now()
                waiting.extend(got.get("Records", []))
                delivered = False
                while waiting and (closed or self._batch_due(mapping, waiting, opened[shard_id])):
                    batch, waiting[:] = waiting[:size], waiting[size:]
                    converted = await self._stream_batch(source, account, region, mapping, shard_id, batch, s_region)
                    checkpoints[shard_id] = source.sequence(converted[-1])
                    opened[shard_id] = self.env.clock.now()
                    delivered = progressed = True
                if closed and source is KINESIS:
                    finished.append(shard_id)  # a closed shard read to its end: its children next
                    progressed = True
                if delivered or shard_id in finished:
                    self._save(account, region, mapping_id)
            if await self._close_due_windows(source, account, region, mapping):
                self._save(account, region, mapping_id)
            if not progressed:
                wake.clear()
                try:
                    await asyncio.wait_for(wake.wait(), _IDLE_WAIT)
                except asyncio.TimeoutError:
                    pass
                await asyncio.sleep(0)  # let the change reach the stream first

    def _batch_due(self, mapping: dict, waiting: list, opened: float) -> bool:
        """A batch goes when it is full or its batching window (virtual clock) has closed."""
        window = mapping.get("MaximumBatchingWindowInSeconds") or 0
        return len(waiting) >= mapping.get("BatchSize", 100) or self.env.clock.now() - opened >= window

    async def _iterator(self, source: StreamSource, stream_arn: str, shard_id: str, mapping: dict, checkpoints: dict,
                        account: str, region: str) -> str:  # fmt: skip
        params: dict[str, Any] = {source.arn_param: stream_arn, "ShardId": shard_id}
        if checkpoints.get(shard_id):
            params.update({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", source.sequence_param: checkpoints[shard_id]})
        else:
            params["ShardIteratorType"] = mapping.get("StartingPosition", "LATEST")
            if params["ShardIteratorType"] == "AT_TIMESTAMP":
                params["Timestamp"] = mapping.get("StartingPositionTimestamp")
        try:
            got = await self.env.internal.call_async(source.service, "GetShardIterator", params,
                                                     account_id=account, region=region)  # fmt: skip
        except ServiceError as error:
            if error.code != "TrimmedDataAccessException":
                raise
            params = {source.arn_param: stream_arn, "ShardId": shard_id, "ShardIteratorType": "TRIM_HORIZON"}
            got = await self.env.internal.call_async(source.service, "GetShardIterator", params,
                                                     account_id=account, region=region)  # fmt: skip
        return got["ShardIterator"]

    async def _stream_batch(self, source: StreamSource, account: str, region: str, mapping: dict, shard_id: str,
                            records: list[dict], s_region: str) -> list[dict]:  # fmt: skip
        """Deliver a GetRecords batch (what passes the filters); returns it converted."""
        filters = filters_of(mapping)
        role = self._role(mapping) if source is KINESIS else ""
        converted = [source.convert(r, mapping["EventSourceArn"], shard_id, s_region, role) for r in records]
        chosen = [r for r in converted if record_matches(filters, matchable(r))]
        if mapping.get("TumblingWindowInSeconds"):
            await self._windowed(source, account, region, mapping, shard_id, chosen)
        elif chosen:
            await self._deliver(source, account, region, mapping, shard_id, chosen)
        return converted

    # -- tumbling windows: state carried between invocations, a final invoke per window ------------

    def _window_event(self, mapping: dict, shard_id: str, current: dict, final: bool) -> dict:
        size = mapping["TumblingWindowInSeconds"]
        return {
            "window": {"start": _iso(current["start"]), "end": _iso(current["start"] + size)},
            "state": current["state"], "shardId": shard_id, "eventSourceARN": mapping["EventSourceArn"],
            "isFinalInvokeForWindow": final, "isWindowTerminatedEarly": False,
        }  # fmt: skip

    async def _windowed(self, source: StreamSource, account: str, region: str, mapping: dict, shard_id: str,
                        records: list[dict]) -> None:  # fmt: skip
        """Records go in windows of TumblingWindowInSeconds by arrival (aligned to the epoch);
        each invocation gets the state the previous one returned, and a window that ends gets
        a final invocation (no records, ``isFinalInvokeForWindow``)."""
        size = mapping["TumblingWindowInSeconds"]
        windows: dict = mapping.setdefault("_windows", {})
        groups: list[tuple[float, list[dict]]] = []
        for record in records:
            start = source.arrival(record) // size * size
            if groups and groups[-1][0] == start:
                groups[-1][1].append(record)
            else:
                groups.append((start, [record]))
        for start, group in groups:
            current = windows.get(shard_id)
            if current is not None and current["start"] != start:
                await self._close_window(source, account, region, mapping, shard_id)
                current = None
            if current is None:
                current = windows[shard_id] = {"start": start, "state": {}}
            payload = await self._deliver(source, account, region, mapping, shard_id, group,
                                          self._window_event(mapping, shard_id, current, False))  # fmt: skip
            if isinstance(payload, dict) and isinstance(payload.get("state"), dict):
                current["state"] = payload["state"]

    async def _close_window(self, source: StreamSource, account: str, region: str, mapping: dict, shard_id: str) -> None:
        current = (mapping.get("_windows") or {}).pop(shard_id, None)
        if current is not None:
            event = dict(self._window_event(mapping, shard_id, current, True), Records=[])
            await self._invoke(account, region, mapping, event, source.trigger)

    async def _close_due_windows(self, source: StreamSource, account: str, region: str, mapping: dict) -> bool:
        size = mapping.get("TumblingWindowInSeconds")
        due = [s for s, w in (mapping.get("_windows") or {}).items() if size and self.env.clock.now() >= w["start"] + size]
        for shard_id in due:
            await self._close_window(source, account, region, mapping, shard_id)
        return bool(due)

    async def _deliver(self, source: StreamSource, account: str, region: str, mapping: dict, shard_id: str,
                       records: list[dict], extra: dict | None = None) -> Any:  # fmt: skip
        """Invoke until the batch succeeds (returns the function's answer) or is given up
        (then the OnFailure destination). ``extra``: more event members (tumbling windows)."""
        max_retries = mapping.get("MaximumRetryAttempts", -1)
        max_age = mapping.get("MaximumRecordAgeInSeconds", -1)
        attempts = 0
        while True:
            attempts += 1
            outcome, payload = await self._invoke(account, region, mapping, dict(extra or {}, Records=records), source.trigger)
            failed_from = None
            if outcome is None or outcome.error:
                failed_from = 0
            elif "ReportBatchItemFailures" in mapping.get("FunctionResponseTypes", []) and isinstance(payload, dict):
                items = payload.get("batchItemFailures") or []
                ids = [i.get("itemIdentifier") for i in items if isinstance(i, dict)]
                seqs = [source.sequence(r) for r in records]
                positions = [seqs.index(i) for i in ids if i in seqs]
                if positions:
                    failed_from = min(positions)
            if failed_from is None:
                return payload
            if failed_from == 0 and mapping.get("BisectBatchOnFunctionError") and len(records) > 1 and outcome is not None:
                middle = len(records) // 2
                await self._deliver(source, account, region, mapping, shard_id, records[:middle], extra)
                return await self._deliver(source, account, region, mapping, shard_id, records[middle:], extra)
            records = records[failed_from:]
            age = self.env.clock.now() - min(source.arrival(r) for r in records)
            if (max_retries != -1 and attempts > max_retries) or (max_age != -1 and age > max_age):
                await self._give_up(source, mapping, shard_id, records, attempts)
                return
            if max_retries == -1:  # retried until the records expire: back off on the clock
                await self._wait_clock(min(_MAX_BACKOFF, 2.0 ** min(attempts - 1, 6)))
                if self._mapping(account, region, mapping["UUID"]) is None:
                    return

    async def _wait_clock(self, seconds: float) -> None:
        due = self.env.clock.now() + seconds
        while self.env.clock.now() < due:
            await asyncio.sleep(0.05)

    async def _give_up(self, source: StreamSource, mapping: dict, shard_id: str, records: list[dict],
                       attempts: int) -> None:  # fmt: skip
        destination = ((mapping.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        if not destination:
            return
        created = [source.arrival(r) for r in records]
        condition = "RetryAttemptsExhausted"
        if mapping.get("MaximumRecordAgeInSeconds", -1) != -1 and self.env.clock.now() - min(created) > mapping["MaximumRecordAgeInSeconds"]:
            condition = "RecordAgeExceeded"
        document: dict[str, Any] = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": mapping["FunctionArn"],
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": _iso(self.env.clock.now()),
            source.batch_info: {
                "shardId": shard_id,
                "startSequenceNumber": source.sequence(records[0]),
                "endSequenceNumber": source.sequence(records[-1]),
                # DynamoDB stream records' creation times have whole seconds; Kinesis's milliseconds
                "approximateArrivalOfFirstRecord": _iso(min(created), seconds=source.whole_seconds),
                "approximateArrivalOfLastRecord": _iso(max(created), seconds=source.whole_seconds),
                "batchSize": len(records),
                "streamArn": mapping["EventSourceArn"],
            },
        }
        try:
            await self.targets.send(destination, json.dumps(document))
        except ServiceError as error:
            log.warning("event source mapping %s: on-failure destination failed: %s", mapping["UUID"], error.code)
