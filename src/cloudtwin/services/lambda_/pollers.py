"""The pollers behind event source mappings: they read the source through the internal
client (as Lambda's own pollers call SQS and DynamoDB Streams) and invoke the function.

    SQS                 ReceiveMessage (long poll) ── batch (size, window on the clock)
                        ── filter ── Invoke ── DeleteMessageBatch of what succeeded
                        (ReportBatchItemFailures keeps the failed ones; a function error
                        keeps all: they come back after the visibility timeout)
    DynamoDB Streams    per shard, in order: GetRecords ── filter ── Invoke; on error retry
                        (bisecting if asked) until MaximumRetryAttempts / record age, then
                        the OnFailure destination gets the batch's description

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
            elif kind == "dynamodb":
                self._tasks[mapping_id] = [asyncio.ensure_future(self._stream(account, region, mapping_id))]
            else:
                continue  # Kinesis: once cloudtwin has it
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

    # -- DynamoDB Streams -----------------------------------------------------------------------------

    async def _stream(self, account: str, region: str, mapping_id: str) -> None:
        call = self.env.internal.call_async
        wake = self._wake.setdefault((account, region), asyncio.Event())
        first = self._mapping(account, region, mapping_id)
        iterators: dict[str, str | None] = dict((first or {}).get("_iterators") or {})
        while True:
            mapping = self._mapping(account, region, mapping_id)
            if mapping is None:
                return
            stream_arn = mapping["EventSourceArn"]
            _, s_region, s_account, _ = arn_parts(stream_arn)
            checkpoints: dict[str, str] = mapping.setdefault("_checkpoints", {})
            try:
                shards = (await call("dynamodbstreams", "DescribeStream", {"StreamArn": stream_arn},
                                     account_id=s_account, region=s_region))["StreamDescription"]["Shards"]  # fmt: skip
            except ServiceError:
                await asyncio.sleep(_IDLE_WAIT)
                continue
            progressed = False
            for shard in shards:
                shard_id = shard["ShardId"]
                try:
                    if iterators.get(shard_id) is None:
                        iterators[shard_id] = await self._iterator(stream_arn, shard_id, mapping, checkpoints, s_account, s_region)
                    got = await call("dynamodbstreams", "GetRecords",
                                     {"ShardIterator": iterators[shard_id], "Limit": mapping.get("BatchSize", 100)},
                                     account_id=s_account, region=s_region)  # fmt: skip
                except ServiceError as error:
                    if error.code in ("ExpiredIteratorException", "TrimmedDataAccessException"):
                        iterators[shard_id] = None
                        continue
                    raise
                iterators[shard_id] = got.get("NextShardIterator")
                records = got.get("Records", [])
                if records:
                    progressed = True
                    await self._stream_batch(account, region, mapping, shard_id, records)
                    checkpoints[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
                    self._save(account, region, mapping_id)
            if not progressed:
                wake.clear()
                try:
                    await asyncio.wait_for(wake.wait(), _IDLE_WAIT)
                except asyncio.TimeoutError:
                    pass
                await asyncio.sleep(0)  # let the change reach the stream first

    async def _iterator(self, stream_arn: str, shard_id: str, mapping: dict, checkpoints: dict, account: str,
                        region: str) -> str:  # fmt: skip
        params: dict[str, Any] = {"StreamArn": stream_arn, "ShardId": shard_id}
        if checkpoints.get(shard_id):
            params.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=checkpoints[shard_id])
        else:
            params["ShardIteratorType"] = mapping.get("StartingPosition", "LATEST")
        try:
            got = await self.env.internal.call_async("dynamodbstreams", "GetShardIterator", params,
                                                     account_id=account, region=region)  # fmt: skip
        except ServiceError as error:
            if error.code != "TrimmedDataAccessException":
                raise
            params = {"StreamArn": stream_arn, "ShardId": shard_id, "ShardIteratorType": "TRIM_HORIZON"}
            got = await self.env.internal.call_async("dynamodbstreams", "GetShardIterator", params,
                                                     account_id=account, region=region)  # fmt: skip
        return got["ShardIterator"]

    def _stream_record(self, record: dict, stream_arn: str) -> dict:
        out = json.loads(json.dumps(record, default=_json_default))
        created = out["dynamodb"].get("ApproximateCreationDateTime")
        if isinstance(created, str):
            out["dynamodb"]["ApproximateCreationDateTime"] = datetime.fromisoformat(created).timestamp()
        out["eventSourceARN"] = stream_arn
        return out

    async def _stream_batch(self, account: str, region: str, mapping: dict, shard_id: str, records: list[dict]) -> None:
        filters = filters_of(mapping)
        converted = [self._stream_record(r, mapping["EventSourceArn"]) for r in records]
        chosen = [r for r in converted if record_matches(filters, r)]
        if chosen:
            await self._deliver(account, region, mapping, shard_id, chosen)

    async def _deliver(self, account: str, region: str, mapping: dict, shard_id: str, records: list[dict]) -> None:
        """Invoke until the batch succeeds or is given up (then the OnFailure destination)."""
        max_retries = mapping.get("MaximumRetryAttempts", -1)
        max_age = mapping.get("MaximumRecordAgeInSeconds", -1)
        attempts = 0
        while True:
            attempts += 1
            outcome, payload = await self._invoke(account, region, mapping, {"Records": records}, "dynamodb")
            failed_from = None
            if outcome is None or outcome.error:
                failed_from = 0
            elif "ReportBatchItemFailures" in mapping.get("FunctionResponseTypes", []) and isinstance(payload, dict):
                items = payload.get("batchItemFailures") or []
                ids = [i.get("itemIdentifier") for i in items if isinstance(i, dict)]
                seqs = [r["dynamodb"]["SequenceNumber"] for r in records]
                positions = [seqs.index(i) for i in ids if i in seqs]
                if positions:
                    failed_from = min(positions)
            if failed_from is None:
                return
            if failed_from == 0 and mapping.get("BisectBatchOnFunctionError") and len(records) > 1 and outcome is not None:
                middle = len(records) // 2
                await self._deliver(account, region, mapping, shard_id, records[:middle])
                await self._deliver(account, region, mapping, shard_id, records[middle:])
                return
            records = records[failed_from:]
            age = self.env.clock.now() - min(r["dynamodb"]["ApproximateCreationDateTime"] for r in records)
            if (max_retries != -1 and attempts > max_retries) or (max_age != -1 and age > max_age):
                await self._give_up(mapping, shard_id, records, attempts, outcome)
                return
            if max_retries == -1:  # retried until the records expire: back off on the clock
                await self._wait_clock(min(_MAX_BACKOFF, 2.0 ** min(attempts - 1, 6)))
                if self._mapping(account, region, mapping["UUID"]) is None:
                    return

    async def _wait_clock(self, seconds: float) -> None:
        due = self.env.clock.now() + seconds
        while self.env.clock.now() < due:
            await asyncio.sleep(0.05)

    async def _give_up(self, mapping: dict, shard_id: str, records: list[dict], attempts: int, outcome: Any) -> None:
        destination = ((mapping.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        if not destination:
            return
        created = [r["dynamodb"]["ApproximateCreationDateTime"] for r in records]
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
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
                # stream records' creation times have whole seconds
                "approximateArrivalOfFirstRecord": _iso(min(created), seconds=True),
                "approximateArrivalOfLastRecord": _iso(max(created), seconds=True),
                "batchSize": len(records),
                "streamArn": mapping["EventSourceArn"],
            },
        }
        try:
            await self.targets.send(destination, json.dumps(document))
        except ServiceError as error:
            log.warning("event source mapping %s: on-failure destination failed: %s", mapping["UUID"], error.code)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        import base64

        return base64.b64encode(value).decode()
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)
