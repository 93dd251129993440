"""Amazon Data Firehose: the operation handlers, and the ``firehose`` tick processor that
reads Kinesis sources and sends a stream's buffer when its size or interval hint is
reached (virtual clock). Deliveries run as tasks (:mod:`delivery`); destinations are
described and merged in :mod:`destinations`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import datetime, timezone
from typing import Any

from cloudtwin.events import kpl
from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.firehose import destinations as dest
from cloudtwin.services.firehose.delivery import Deliverer
from cloudtwin.services.firehose.errors import invalid_argument, not_found
from cloudtwin.services.firehose.models import DeliveryStream, FirehoseStore
from cloudtwin.services.provider import ServiceProvider

log = logging.getLogger("cloudtwin.firehose")

Params = dict[str, Any]
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_TAGS = 50


def _on(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def _record_id() -> str:
    return secrets.token_urlsafe(168)[:224]


class Provider(ServiceProvider):
    service_name = "firehose"
    store_class = FirehoseStore

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.deliverer = Deliverer(env)
        self._tasks: set[asyncio.Task] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        env.processors.register("firehose", self._tick, replace=True)

    def introspection(self) -> dict:
        return {("GET", "deliveries"): self._deliveries}

    def _deliveries(self, params: Params) -> Params:
        config = self.env.config
        account = params.get("account") or config.default_account
        region = params.get("region") or config.default_region
        store: FirehoseStore = self.stores.get(account, region)  # type: ignore[union-attr]
        wanted = params.get("stream")
        entries = [e for _, e in sorted(store.deliveries.items()) if not wanted or e["DeliveryStreamName"] == wanted]
        buffered: dict[str, int] = {}
        for (name, _), _row in store.buffer.items():
            buffered[name] = buffered.get(name, 0) + 1
        return {"account": account, "region": region, "deliveries": entries, "buffered": buffered,
                "inFlight": len(self._tasks)}  # fmt: skip

    # -- lookups -----------------------------------------------------------------------------

    def _stream(self, ctx: RequestContext, name: str) -> DeliveryStream:
        stream = ctx.store.streams.get(name)
        if stream is None:
            raise not_found(name, ctx.account_id)
        return stream

    # -- buffering and delivery ----------------------------------------------------------------

    def _tick(self, now: float) -> dict[str, int]:
        read = sent = 0
        for _, store in self.stores.items():  # type: ignore[union-attr]
            for stream in list(store.streams.values()):
                if stream.kind == "KinesisStreamAsSource":
                    read += self._read_source(store, stream, now)
                sent += self._flush(store, stream, now)
        return {"read": read, "batches": sent}

    def _flush(self, store: FirehoseStore, stream: DeliveryStream, now: float, force: bool = False) -> int:
        rows = store.buffered(stream.name)
        if not rows:
            return 0
        size_limit, interval = dest.buffering(stream.destination_kind, stream.destination)
        size = sum(len(row[1]) for _, row in rows)
        if not force and size < size_limit and now - rows[0][1][0] < interval:
            return 0
        loop = self._server_loop()
        if loop is None:
            return 0
        for key, _ in rows:
            del store.buffer[key]
        delivery = self._deliver(store, stream, [row for _, row in rows])
        if _on(loop):
            task = loop.create_task(delivery)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:  # a processor run from another thread (the clock advanced from a test's thread)
            asyncio.run_coroutine_threadsafe(delivery, loop)
        return 1

    def _server_loop(self) -> asyncio.AbstractEventLoop | None:
        """The server's event loop (remembered from the requests, which run on it)."""
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            pass
        if self._loop is not None and self._loop.is_closed():
            self._loop = None
        return self._loop

    async def _deliver(self, store: FirehoseStore, stream: DeliveryStream, records: list[list]) -> None:
        entry = await self.deliverer.deliver(stream, records)
        store.log(entry)
        if entry["Status"] != "Delivered":
            log.info("firehose %s: delivery failed: %s", stream.name, entry.get("Error"))
        self.env.persistence.commit()

    def _read_source(self, store: FirehoseStore, stream: DeliveryStream, now: float) -> int:
        arn = (stream.source or {}).get("KinesisStreamARN")
        if not arn:
            return 0
        parts = arn.split(":")
        call = self.env.internal.call
        where = {"account_id": parts[4], "region": parts[3]}
        count = 0
        try:
            shards = call("kinesis", "ListShards", {"StreamARN": arn}, **where)["Shards"]
            for shard in shards:
                shard_id = shard["ShardId"]
                params: Params = {"StreamARN": arn, "ShardId": shard_id}
                if stream.checkpoints.get(shard_id):
                    params.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                  StartingSequenceNumber=stream.checkpoints[shard_id])  # fmt: skip
                else:
                    params.update(ShardIteratorType="AT_TIMESTAMP", Timestamp=_dt(stream.created))
                iterator = call("kinesis", "GetShardIterator", params, **where)["ShardIterator"]
                while iterator:
                    got = call("kinesis", "GetRecords", {"ShardIterator": iterator}, **where)
                    for record in got["Records"]:
                        users = kpl.deaggregate(record["Data"])  # KPL-aggregated records come apart
                        for data in [u.data for u in users] if users is not None else [record["Data"]]:
                            self._buffer(store, stream, data, now)
                        stream.checkpoints[shard_id] = record["SequenceNumber"]
                        count += 1
                    if not got["Records"]:
                        break
                    iterator = got.get("NextShardIterator")
        except ServiceError as error:
            stream.failure = {"Type": "UNKNOWN_ERROR", "Details": f"Kinesis source {arn}: {error.message}"}
        if count:
            store.streams[stream.name] = stream
        return count

    def _buffer(self, store: FirehoseStore, stream: DeliveryStream, data: bytes, now: float) -> str:
        number = stream.next_record
        stream.next_record += 1
        record_id = _record_id()
        store.buffer[(stream.name, number)] = [now, data, record_id]
        return record_id

    # -- delivery streams ------------------------------------------------------------------------

    def create_delivery_stream(self, ctx: RequestContext, params: Params) -> Params:
        self._server_loop()
        name = params["DeliveryStreamName"]
        store: FirehoseStore = ctx.store
        if name in store.streams:
            raise ServiceError("ResourceInUseException", f"Firehose {name} under accountId {ctx.account_id} already exists")
        kind = params.get("DeliveryStreamType") or "DirectPut"
        source = None
        if kind == "KinesisStreamAsSource":
            source = params.get("KinesisStreamSourceConfiguration")
            if not source:
                raise invalid_argument("KinesisStreamSourceConfiguration is required for KinesisStreamAsSource.")
            parts = source["KinesisStreamARN"].split(":")
            try:
                self.env.internal.call("kinesis", "DescribeStreamSummary", {"StreamARN": source["KinesisStreamARN"]},
                                       account_id=parts[4], region=parts[3])  # fmt: skip
            except ServiceError:
                raise invalid_argument(f"Kinesis stream {source['KinesisStreamARN']} does not exist.") from None
        elif params.get("KinesisStreamSourceConfiguration"):
            raise invalid_argument("KinesisStreamSourceConfiguration is only valid for KinesisStreamAsSource.")
        destination_kind, config = dest.from_create(params)
        now = ctx.clock.now()
        arn = f"arn:{ctx.partition}:firehose:{ctx.region}:{ctx.account_id}:deliverystream/{name}"
        encryption = None
        given = params.get("DeliveryStreamEncryptionConfigurationInput")
        if given:
            encryption = self._encryption(ctx, given)
        tags = {t["Key"]: t.get("Value", "") for t in params.get("Tags") or []}
        store.streams[name] = DeliveryStream(
            name=name, arn=arn, account_id=ctx.account_id, region=ctx.region, kind=kind, created=now, updated=now,
            destination_kind=destination_kind, destination=config, source=source, encryption=encryption, tags=tags,
        )  # fmt: skip
        return {"DeliveryStreamARN": arn}

    def delete_delivery_stream(self, ctx: RequestContext, params: Params) -> None:
        self._stream(ctx, params["DeliveryStreamName"])
        ctx.store.drop(params["DeliveryStreamName"])

    def describe_delivery_stream(self, ctx: RequestContext, params: Params) -> Params:
        stream = self._stream(ctx, params["DeliveryStreamName"])
        model = self.env.catalog.service_model("firehose")
        out: Params = {
            "DeliveryStreamName": stream.name, "DeliveryStreamARN": stream.arn, "DeliveryStreamStatus": stream.status,
            "DeliveryStreamEncryptionConfiguration": stream.encryption or {"Status": "DISABLED"},
            "DeliveryStreamType": stream.kind, "VersionId": str(stream.version), "CreateTimestamp": _dt(stream.created),
            "Destinations": [dest.describe(model, stream.destination_kind, stream.destination)],
            "HasMoreDestinations": False,
        }  # fmt: skip
        if stream.updated != stream.created:
            out["LastUpdateTimestamp"] = _dt(stream.updated)
        if stream.failure:
            out["FailureDescription"] = stream.failure
        if stream.kind == "KinesisStreamAsSource" and stream.source:
            out["Source"] = {"KinesisStreamSourceDescription": dict(stream.source, DeliveryStartTimestamp=_dt(stream.created))}
        elif stream.kind == "DirectPut":
            out["Source"] = {"DirectPutSourceDescription": {}}
        return {"DeliveryStreamDescription": out}

    def list_delivery_streams(self, ctx: RequestContext, params: Params) -> Params:
        streams = sorted(ctx.store.streams.values(), key=lambda s: s.name)
        if params.get("DeliveryStreamType"):
            streams = [s for s in streams if s.kind == params["DeliveryStreamType"]]
        if params.get("ExclusiveStartDeliveryStreamName"):
            streams = [s for s in streams if s.name > params["ExclusiveStartDeliveryStreamName"]]
        limit = params.get("Limit") or 10
        return {"DeliveryStreamNames": [s.name for s in streams[:limit]], "HasMoreDeliveryStreams": len(streams) > limit}

    def update_destination(self, ctx: RequestContext, params: Params) -> None:
        stream = self._stream(ctx, params["DeliveryStreamName"])
        if params["CurrentDeliveryStreamVersionId"] != str(stream.version):
            raise ServiceError(
                "ConcurrentModificationException",
                f"Cannot update firehose: {stream.name} since the current version id: {stream.version} and "
                f"specified version id: {params['CurrentDeliveryStreamVersionId']} do not match",
            )
        if params["DestinationId"] != "destinationId-000000000001":
            raise invalid_argument(f"Destination Id {params['DestinationId']} not found.")
        update = dest.update_member(stream.destination_kind, params)
        if update:
            merged = dest.merge(stream.destination, update)
            if stream.destination_kind == "ExtendedS3":
                dest.check_prefixes(merged)
            stream.destination = merged
        stream.version += 1
        stream.updated = ctx.clock.now()
        ctx.store.streams[stream.name] = stream

    # -- records -----------------------------------------------------------------------------------

    def _accepting(self, ctx: RequestContext, name: str) -> DeliveryStream:
        self._server_loop()
        stream = self._stream(ctx, name)
        if stream.kind != "DirectPut":
            raise invalid_argument(f"This operation is not permitted on {stream.kind} delivery stream type.")
        return stream

    def _encrypted(self, stream: DeliveryStream) -> bool:
        return bool(stream.encryption and stream.encryption.get("Status") == "ENABLED")

    def put_record(self, ctx: RequestContext, params: Params) -> Params:
        stream = self._accepting(ctx, params["DeliveryStreamName"])
        now = ctx.clock.now()
        record_id = self._buffer(ctx.store, stream, params["Record"]["Data"], now)
        ctx.store.streams[stream.name] = stream
        self._flush(ctx.store, stream, now)
        return {"RecordId": record_id, "Encrypted": self._encrypted(stream)}

    def put_record_batch(self, ctx: RequestContext, params: Params) -> Params:
        stream = self._accepting(ctx, params["DeliveryStreamName"])
        records = params["Records"]
        total = sum(len(r["Data"]) for r in records)
        if total > MAX_BATCH_BYTES:
            raise invalid_argument(f"Records size exceeds 4 MiB limit (size: {total} bytes).")
        now = ctx.clock.now()
        responses = [{"RecordId": self._buffer(ctx.store, stream, r["Data"], now)} for r in records]
        ctx.store.streams[stream.name] = stream
        self._flush(ctx.store, stream, now)
        return {"FailedPutCount": 0, "Encrypted": self._encrypted(stream), "RequestResponses": responses}

    # -- encryption and tags ---------------------------------------------------------------------

    def _encryption(self, ctx: RequestContext, given: Params) -> Params:
        key_type = given.get("KeyType") or "AWS_OWNED_CMK"
        out: Params = {"KeyType": key_type, "Status": "ENABLED"}
        if key_type == "CUSTOMER_MANAGED_CMK":
            if not given.get("KeyARN"):
                raise invalid_argument("KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK.")
            try:
                self.env.internal.call("kms", "DescribeKey", {"KeyId": given["KeyARN"]},
                                       account_id=ctx.account_id, region=ctx.region)  # fmt: skip
            except ServiceError as error:
                raise ServiceError("InvalidKMSResourceException", error.message) from None
            out["KeyARN"] = given["KeyARN"]
        elif given.get("KeyARN"):
            raise invalid_argument("KeyARN is not allowed when KeyType is AWS_OWNED_CMK.")
        return out

    def start_delivery_stream_encryption(self, ctx: RequestContext, params: Params) -> None:
        stream = self._stream(ctx, params["DeliveryStreamName"])
        if stream.kind == "KinesisStreamAsSource":
            raise invalid_argument("Encryption is not supported for KinesisStreamAsSource delivery streams.")
        stream.encryption = self._encryption(ctx, params.get("DeliveryStreamEncryptionConfigurationInput") or {})
        ctx.store.streams[stream.name] = stream

    def stop_delivery_stream_encryption(self, ctx: RequestContext, params: Params) -> None:
        stream = self._stream(ctx, params["DeliveryStreamName"])
        stream.encryption = {"Status": "DISABLED"}
        ctx.store.streams[stream.name] = stream

    def tag_delivery_stream(self, ctx: RequestContext, params: Params) -> None:
        stream = self._stream(ctx, params["DeliveryStreamName"])
        tags = dict(stream.tags, **{t["Key"]: t.get("Value", "") for t in params["Tags"]})
        if len(tags) > MAX_TAGS:
            raise ServiceError("LimitExceededException", f"A delivery stream cannot have more than {MAX_TAGS} tags.")
        stream.tags = tags
        ctx.store.streams[stream.name] = stream

    def untag_delivery_stream(self, ctx: RequestContext, params: Params) -> None:
        stream = self._stream(ctx, params["DeliveryStreamName"])
        stream.tags = {k: v for k, v in stream.tags.items() if k not in set(params["TagKeys"])}
        ctx.store.streams[stream.name] = stream

    def list_tags_for_delivery_stream(self, ctx: RequestContext, params: Params) -> Params:
        stream = self._stream(ctx, params["DeliveryStreamName"])
        keys = sorted(stream.tags)
        if params.get("ExclusiveStartTagKey"):
            keys = [k for k in keys if k > params["ExclusiveStartTagKey"]]
        limit = params.get("Limit") or 50
        return {"Tags": [{"Key": k, "Value": stream.tags[k]} for k in keys[:limit]], "HasMoreTags": len(keys) > limit}
