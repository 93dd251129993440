"""The shard pollers of DynamoDB Streams and Kinesis event source mappings (what differs
between the two sources: stream_sources.py).

    mapping poller   DescribeStream every pass; a shard worker per readable shard, the
                     shards concurrently (a parent read to its end before its children, so
                     resharding neither loses nor repeats a record)
    shard worker     GetRecords ── batching window on the clock ── filter ──
                     ParallelizationFactor lanes: up to N batches of the shard at once, the
                     records of one partition key (DynamoDB: one item) in one lane, in order
                     ── checkpoint once every lane is done
    a batch          records older than MaximumRecordAgeInSeconds go to the OnFailure
                     destination unsent; Invoke; on error retry (bisecting if asked) until
                     MaximumRetryAttempts / record age, then the OnFailure destination
                     gets the batch's description; ``ReportBatchItemFailures`` retries from
                     the lowest failed sequence number
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cloudtwin.events.targets import arn_parts
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_.event_sources import filters_of, record_matches
from cloudtwin.services.lambda_.stream_sources import KINESIS, StreamSource, matchable, shards_of, source_of

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.events.targets import Targets

log = logging.getLogger("cloudtwin.lambda")

_IDLE_WAIT = 1.0
_MAX_BACKOFF = 60.0
#: an answer of ReportBatchItemFailures that fails the whole batch
_ALL = -1


def _iso(epoch: float, seconds: bool = False) -> str:
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    if seconds:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def lanes(source: StreamSource, factor: int, records: list[dict]) -> list[list[dict]]:
    """The records split in up to ``factor`` lanes by the MD5 of their partition key (as
    Kinesis places keys on shards): a key's records stay in one lane, in order."""
    if factor <= 1:
        return [records] if records else []
    out: list[list[dict]] = [[] for _ in range(factor)]
    for record in records:
        digest = hashlib.md5(source.key(record).encode()).digest()
        out[int.from_bytes(digest, "big") % factor].append(record)
    return [lane for lane in out if lane]


def failed_position(payload: Any, sequences: list[str]) -> int | None:
    """Where a ``ReportBatchItemFailures`` answer says the batch failed: None (all done), the
    index of the lowest failed record, or ``_ALL``. As AWS documents it: no answer, an empty
    or null ``batchItemFailures`` is a success; an item without ``itemIdentifier``, or with an
    empty, null or unknown one, fails the whole batch."""
    if not isinstance(payload, dict) or not payload.get("batchItemFailures"):
        return None
    items = payload["batchItemFailures"]
    if not isinstance(items, list):
        return _ALL
    positions = []
    for item in items:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or identifier not in sequences:
            return _ALL
        positions.append(sequences.index(identifier))
    return min(positions)


class ShardPolling:
    """Mixed into :class:`~cloudtwin.services.lambda_.pollers.Pollers`, which provides
    ``_mapping``, ``_save``, ``wake`` and ``_invoke``."""

    env: Any
    provider: Any
    targets: "Targets"
    _wake: dict[tuple[str, str], asyncio.Event]

    def _role(self, mapping: dict) -> str:
        _, region, account, resource = arn_parts(mapping["FunctionArn"])
        store = self.provider.stores.get(account, region)
        record = store.functions.get(resource.split(":")[1])
        return (record or {}).get("latest", {}).get("Role", "")

    async def _idle(self, wake: asyncio.Event) -> None:
        wake.clear()
        try:
            await asyncio.wait_for(wake.wait(), _IDLE_WAIT)
        except asyncio.TimeoutError:
            pass
        await asyncio.sleep(0)  # let the change reach the stream first

    async def _stream(self, account: str, region: str, mapping_id: str) -> None:
        """One poller per stream mapping: it starts a worker per shard that can be read."""
        call = self.env.internal.call_async
        wake = self._wake.setdefault((account, region), asyncio.Event())
        first = self._mapping(account, region, mapping_id)
        #: LATEST iterators taken when the mapping was made
        starts: dict[str, str] = dict((first or {}).get("_iterators") or {})
        workers: dict[str, asyncio.Task] = {}
        try:
            while True:
                mapping = self._mapping(account, region, mapping_id)
                if mapping is None:
                    return
                stream_arn = mapping["EventSourceArn"]
                source = source_of(stream_arn)
                _, s_region, s_account, _ = arn_parts(stream_arn)
                finished: list[str] = mapping.setdefault("_finished", [])
                try:
                    shards = shards_of(await call(source.service, "DescribeStream", {source.arn_param: stream_arn},
                                                  account_id=s_account, region=s_region))  # fmt: skip
                except ServiceError:
                    shards = []
                present = {shard["ShardId"] for shard in shards}
                for shard in shards:
                    shard_id = shard["ShardId"]
                    parents = {shard.get("ParentShardId"), shard.get("AdjacentParentShardId")} & present
                    if shard_id in finished or any(p not in finished for p in parents):
                        continue
                    task = workers.get(shard_id)
                    if task is not None and not task.done():
                        continue
                    if task is not None and not task.cancelled() and task.exception() is not None:
                        log.warning("event source mapping %s: shard %s: %r", mapping_id, shard_id, task.exception())
                    workers[shard_id] = asyncio.ensure_future(
                        self._shard(account, region, mapping_id, shard_id, starts.pop(shard_id, None)))
                await self._idle(wake)
        finally:
            for task in workers.values():
                task.cancel()

    async def _shard(self, account: str, region: str, mapping_id: str, shard_id: str, iterator: str | None) -> None:
        """Read one shard and deliver its records, until the shard is read to its end (a
        closed Kinesis shard) or the mapping is gone or disabled."""
        call = self.env.internal.call_async
        wake = self._wake.setdefault((account, region), asyncio.Event())
        #: records read but not yet sent (MaximumBatchingWindowInSeconds), and since when
        waiting: list[dict] = []
        opened = 0.0
        while True:
            mapping = self._mapping(account, region, mapping_id)
            if mapping is None:
                return
            stream_arn = mapping["EventSourceArn"]
            source = source_of(stream_arn)
            _, s_region, s_account, _ = arn_parts(stream_arn)
            checkpoints: dict[str, str] = mapping.setdefault("_checkpoints", {})
            chunk = mapping.get("BatchSize", 100) * self._factor(mapping)
            try:
                if iterator is None:
                    iterator = await self._iterator(source, stream_arn, shard_id, mapping, checkpoints,
                                                    s_account, s_region)  # fmt: skip
                got = await call(source.service, "GetRecords",
                                 {"ShardIterator": iterator, "Limit": min(chunk, source.max_read)},
                                 account_id=s_account, region=s_region)  # fmt: skip
            except ServiceError as error:
                log.info("event source mapping %s: shard %s: %s", mapping_id, shard_id, error.code)
                iterator, waiting = None, []  # read again from the checkpoint
                await self._idle(wake)
                continue
            iterator = got.get("NextShardIterator")
            records = got.get("Records", [])
            if records and not waiting:
                opened = self.env.clock.now()
            waiting.extend(records)
            progressed = False
            while waiting and (iterator is None or self._batch_due(mapping, waiting, opened)):
                batch, waiting = waiting[:chunk], waiting[chunk:]
                checkpoints[shard_id] = await self._stream_chunk(source, account, region, mapping, shard_id, batch,
                                                                 s_region)  # fmt: skip
                opened = self.env.clock.now()
                progressed = True
            progressed = await self._close_due_window(source, account, region, mapping, shard_id) or progressed
            if iterator is None and source is KINESIS:
                mapping.setdefault("_finished", []).append(shard_id)  # read to its end: its children next
                self._save(account, region, mapping_id)
                self.wake(account, region)
                return
            if progressed:
                self._save(account, region, mapping_id)
            elif not records:
                await self._idle(wake)

    @staticmethod
    def _factor(mapping: dict) -> int:
        # tumbling windows keep one state per shard: their batches go one at a time
        return 1 if mapping.get("TumblingWindowInSeconds") else max(1, mapping.get("ParallelizationFactor") or 1)

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

    async def _stream_chunk(self, source: StreamSource, account: str, region: str, mapping: dict, shard_id: str,
                            records: list[dict], s_region: str) -> str:  # fmt: skip
        """Deliver records read from a shard (what passes the filters), in up to
        ParallelizationFactor lanes at once; returns the sequence number to checkpoint."""
        filters = filters_of(mapping)
        role = self._role(mapping) if source is KINESIS else ""
        converted = [source.convert(r, mapping["EventSourceArn"], shard_id, s_region, role) for r in records]
        chosen = [r for r in converted if record_matches(filters, matchable(r))]
        if mapping.get("TumblingWindowInSeconds"):
            await self._windowed(source, account, region, mapping, shard_id, chosen)
        else:
            size = mapping.get("BatchSize", 100)

            async def lane(group: list[dict]) -> None:
                for start in range(0, len(group), size):
                    await self._deliver(source, account, region, mapping, shard_id, group[start:start + size])

            await asyncio.gather(*(lane(group) for group in lanes(source, self._factor(mapping), chosen)))
        return source.sequence(converted[-1])

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

    async def _close_due_window(self, source: StreamSource, account: str, region: str, mapping: dict,
                                shard_id: str) -> bool:  # fmt: skip
        size = mapping.get("TumblingWindowInSeconds")
        current = (mapping.get("_windows") or {}).get(shard_id)
        if not size or current is None or self.env.clock.now() < current["start"] + size:
            return False
        await self._close_window(source, account, region, mapping, shard_id)
        return True

    # -- a batch: invoke, retry, bisect, give up ---------------------------------------------------

    def _too_old(self, source: StreamSource, mapping: dict, record: dict) -> bool:
        max_age = mapping.get("MaximumRecordAgeInSeconds", -1)
        return max_age not in (-1, None) and self.env.clock.now() - source.arrival(record) > max_age

    async def _deliver(self, source: StreamSource, account: str, region: str, mapping: dict, shard_id: str,
                       records: list[dict], extra: dict | None = None, attempts: int = 0) -> Any:  # fmt: skip
        """Invoke until the batch succeeds (returns the function's answer) or is given up
        (then the OnFailure destination). ``extra``: more event members (tumbling windows);
        ``attempts``: invocations of these records so far (the halves of a bisected batch)."""
        max_retries = mapping.get("MaximumRetryAttempts", -1)
        reported = "ReportBatchItemFailures" in mapping.get("FunctionResponseTypes", [])
        while True:
            expired = [r for r in records if self._too_old(source, mapping, r)]
            if expired:  # discarded unsent, as AWS does with records past MaximumRecordAgeInSeconds
                await self._give_up(source, mapping, shard_id, expired, max(attempts, 1), "RecordAgeExceeded")
                records = [r for r in records if not self._too_old(source, mapping, r)]
                if not records:
                    return None
            attempts += 1
            outcome, payload = await self._invoke(account, region, mapping, dict(extra or {}, Records=records),
                                                  source.trigger)  # fmt: skip
            failed_from = None
            if outcome is None or outcome.error:
                failed_from = _ALL
            elif reported:
                failed_from = failed_position(payload, [source.sequence(r) for r in records])
            if failed_from is None:
                return payload
            if failed_from == _ALL and mapping.get("BisectBatchOnFunctionError") and len(records) > 1 and outcome is not None:
                middle = len(records) // 2
                await self._deliver(source, account, region, mapping, shard_id, records[:middle], extra, attempts)
                return await self._deliver(source, account, region, mapping, shard_id, records[middle:], extra, attempts)
            records = records[max(failed_from, 0):]
            if max_retries != -1 and attempts > max_retries:
                await self._give_up(source, mapping, shard_id, records, attempts, "RetryAttemptsExhausted", outcome)
                return None
            if max_retries == -1:  # retried until the records expire: back off on the clock
                await self._wait_clock(min(_MAX_BACKOFF, 2.0 ** min(attempts - 1, 6)))
                if self._mapping(account, region, mapping["UUID"]) is None:
                    return None

    async def _wait_clock(self, seconds: float) -> None:
        due = self.env.clock.now() + seconds
        while self.env.clock.now() < due:
            await asyncio.sleep(0.05)

    async def _give_up(self, source: StreamSource, mapping: dict, shard_id: str, records: list[dict],
                       attempts: int, condition: str, outcome: Any = None) -> None:  # fmt: skip
        """The OnFailure destination gets the batch's description (not its records). A batch
        given up for its age has no ``responseContext``, as AWS sends it."""
        destination = ((mapping.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        if not destination:
            return
        created = [source.arrival(r) for r in records]
        document: dict[str, Any] = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": mapping["FunctionArn"],
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
        }
        if condition != "RecordAgeExceeded":
            qualifier = mapping["FunctionArn"].split(":")[7:]
            document["responseContext"] = {
                "statusCode": 200,
                "executedVersion": qualifier[0] if qualifier and qualifier[0].isdigit() else "$LATEST",
                # null when the function answered but reported its batch failed
                "functionError": outcome.error if outcome is not None else "Unhandled",
            }
        document.update({
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
        })
        try:
            if destination.startswith("arn:") and destination.split(":")[2] == "s3":
                await self._to_bucket(destination, mapping, shard_id, document, records)
            else:
                await self.targets.send(destination, json.dumps(document))
        except ServiceError as error:
            log.warning("event source mapping %s: on-failure destination failed: %s", mapping["UUID"], error.code)

    async def _to_bucket(self, bucket_arn: str, mapping: dict, shard_id: str, document: dict,
                         records: list[dict]) -> None:  # fmt: skip
        """An S3 on-failure destination gets the description with the batch itself
        (``payload``), as an object named as AWS names it:
        ``aws/lambda/<mapping UUID>/<shard id>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>``."""
        moment = datetime.fromtimestamp(self.env.clock.now(), timezone.utc)
        key = (f"aws/lambda/{mapping['UUID']}/{shard_id}/{moment:%Y/%m/%d}/{moment:%Y-%m-%dT%H.%M.%S}-"
               f"{uuid.uuid4()}")  # fmt: skip
        body = dict(document, payload={"Records": records})
        _, bucket_region, _, bucket = arn_parts(bucket_arn)
        _, region, account, _ = arn_parts(mapping["FunctionArn"])
        await self.env.internal.call_async("s3", "PutObject", {"Bucket": bucket, "Key": key,
                                                               "Body": json.dumps(body).encode()},
                                           account_id=account, region=bucket_region or region)  # fmt: skip
