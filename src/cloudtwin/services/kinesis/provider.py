"""Amazon Kinesis Data Streams: the operation handlers (thin: they check and delegate).

Shards and resharding are :mod:`shards`; writing, iterators and reading :mod:`records`;
enhanced fan-out consumers and SubscribeToShard :mod:`consumers`; tags, resource policies
and encryption :mod:`settings`.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timezone
from typing import Any

from cloudtwin.events.bus import Event
from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.kinesis import records as rec
from cloudtwin.services.kinesis import shards as sharding
from cloudtwin.services.kinesis.consumers import ConsumerOperations
from cloudtwin.services.kinesis.errors import in_use, invalid_argument, stream_not_found
from cloudtwin.services.kinesis.introspection import ShardsView
from cloudtwin.services.kinesis.models import KinesisStore, Stream
from cloudtwin.services.kinesis.settings import SettingsOperations
from cloudtwin.services.provider import ServiceProvider

Params = dict[str, Any]
ON_DEMAND_SHARDS = 4
MIN_RETENTION = 24
MAX_RETENTION = 8760
MAX_PUT_RECORDS_BYTES = 5 * 1024 * 1024
#: Open shards an account may hold in a region (DescribeLimits' ShardLimit), and in one
#: stream scaled by UpdateShardCount.
SHARD_LIMIT = 20000
STREAM_SHARD_LIMIT = 10000


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def stream_arn(ctx: RequestContext, name: str) -> str:
    return f"arn:{ctx.partition}:kinesis:{ctx.region}:{ctx.account_id}:stream/{name}"


def _arn_parts(arn: str) -> tuple[str, str, str]:
    """(region, account, stream name) of a stream or consumer ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "kinesis" or not parts[5].startswith("stream/"):
        raise invalid_argument(f"Invalid StreamARN {arn}")
    return parts[3], parts[4], parts[5].split("/")[1]


class Provider(SettingsOperations, ConsumerOperations, ServiceProvider):
    service_name = "kinesis"
    store_class = KinesisStore

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.throughput = rec.Throughput()
        env.processors.register("kinesis-retention", self._retention, replace=True)

    def introspection(self) -> dict:
        view = ShardsView(self)
        return {("GET", "shards"): view.list, ("POST", "limits"): view.limits}

    # -- lookups ----------------------------------------------------------------------------

    def _find(self, ctx: RequestContext, params: Params) -> tuple[KinesisStore, Stream]:
        arn = params.get("StreamARN")
        name = params.get("StreamName")
        if arn:
            region, account, arn_name = _arn_parts(arn)
            if name and name != arn_name:
                raise invalid_argument("StreamName and StreamARN do not match")
            store = self.stores.get(account, region)  # type: ignore[union-attr]
            name = arn_name
        elif name:
            store, account = ctx.store, ctx.account_id
        else:
            raise ServiceError("ValidationException", "Either StreamName or StreamARN should be provided.")
        stream = store.streams.get(name)
        if stream is None:
            raise stream_not_found(name, account)
        return store, stream

    def stream_by_arn(self, arn: str) -> tuple[KinesisStore, Stream]:
        region, account, name = _arn_parts(arn)
        store = self.stores.get(account, region)  # type: ignore[union-attr]
        stream = store.streams.get(name)
        if stream is None:
            raise stream_not_found(name, account)
        return store, stream

    def _save(self, store: KinesisStore, stream: Stream) -> None:
        store.streams[stream.name] = stream

    # -- retention ----------------------------------------------------------------------------

    def _retention(self, now: float) -> dict[str, int]:
        trimmed = dropped = 0
        for _, store in self.stores.items():  # type: ignore[union-attr]
            for stream in list(store.streams.values()):
                horizon = now - stream.retention_hours * 3600
                for shard in list(stream.shards):
                    trimmed += store.trim(stream.name, shard.shard_id, horizon)
                    if shard.closed_at is not None and shard.closed_at < horizon:
                        store.drop_shard(stream.name, shard.shard_id)
                        stream.shards.remove(shard)
                        dropped += 1
                        self._save(store, stream)
        return {"trimmed": trimmed, "shards_expired": dropped}

    # -- streams ----------------------------------------------------------------------------

    def create_stream(self, ctx: RequestContext, params: Params) -> None:
        name = params["StreamName"]
        store: KinesisStore = ctx.store
        if name in store.streams:
            raise in_use(f"Stream {name} under account {ctx.account_id} already exists.")
        mode = (params.get("StreamModeDetails") or {}).get("StreamMode")
        count = params.get("ShardCount")
        if mode is None:
            mode = "PROVISIONED" if count is not None else "ON_DEMAND"
        if mode == "ON_DEMAND":
            if count is not None:
                raise invalid_argument("ShardCount is not supported for ON_DEMAND stream mode.")
            count = ON_DEMAND_SHARDS
        elif count is None:
            raise invalid_argument("ShardCount is required for PROVISIONED stream mode.")
        if count < 1:
            raise invalid_argument(f"ShardCount {count} must be at least 1.")
        _within_shard_limit(store, ctx.account_id, ctx.region, count)
        now = ctx.clock.now()
        stream = Stream(
            name=name, arn=stream_arn(ctx, name), account_id=ctx.account_id, region=ctx.region,
            created=now, mode=mode, shards=[], tags=dict(params.get("Tags") or {}),
            stream_id=uuid.uuid4().hex, max_record_kib=params.get("MaxRecordSizeInKiB") or 1024,
        )  # fmt: skip
        sharding.create_shards(stream, count, now)
        self._save(store, stream)

    def delete_stream(self, ctx: RequestContext, params: Params) -> None:
        store, stream = self._find(ctx, params)
        if stream.consumers and not params.get("EnforceConsumerDeletion"):
            raise in_use(
                f"Stream {stream.name} under account {stream.account_id} has registered consumers. "
                "Deregister the consumers or set EnforceConsumerDeletion to delete the stream."
            )
        store.drop(stream.name)

    def _monitoring(self, stream: Stream) -> list[Params]:
        return [{"ShardLevelMetrics": list(stream.shard_metrics)}]

    def _mode(self, stream: Stream) -> Params:
        return {"StreamMode": stream.mode}

    def describe_stream(self, ctx: RequestContext, params: Params) -> Params:
        _, stream = self._find(ctx, params)
        shards = stream.shards
        start = params.get("ExclusiveStartShardId")
        if start:
            shards = [s for s in shards if s.shard_id > start]
        limit = params.get("Limit") or 100
        page = shards[:limit]
        out: Params = {
            "StreamName": stream.name, "StreamARN": stream.arn, "StreamStatus": stream.status,
            "StreamModeDetails": self._mode(stream), "Shards": [s.describe() for s in page],
            "HasMoreShards": len(shards) > limit, "RetentionPeriodHours": stream.retention_hours,
            "StreamCreationTimestamp": _dt(stream.created), "EnhancedMonitoring": self._monitoring(stream),
            "EncryptionType": stream.encryption,
        }  # fmt: skip
        if stream.key_id:
            out["KeyId"] = stream.key_id
        return {"StreamDescription": out}

    def describe_stream_summary(self, ctx: RequestContext, params: Params) -> Params:
        _, stream = self._find(ctx, params)
        out: Params = {
            "StreamName": stream.name, "StreamARN": stream.arn, "StreamStatus": stream.status,
            "StreamModeDetails": self._mode(stream), "RetentionPeriodHours": stream.retention_hours,
            "StreamCreationTimestamp": _dt(stream.created), "EnhancedMonitoring": self._monitoring(stream),
            "EncryptionType": stream.encryption, "OpenShardCount": len(stream.open_shards()),
            "ConsumerCount": len(stream.consumers),
        }  # fmt: skip
        if stream.key_id:
            out["KeyId"] = stream.key_id
        return {"StreamDescriptionSummary": out}

    def list_streams(self, ctx: RequestContext, params: Params) -> Params:
        streams = sorted(ctx.store.streams.values(), key=lambda s: s.name)
        start = params.get("ExclusiveStartStreamName")
        token = params.get("NextToken")
        if token:
            try:
                start = base64.b64decode(token).decode()
            except ValueError:
                raise invalid_argument(f"Invalid NextToken {token}") from None
        if start:
            streams = [s for s in streams if s.name > start]
        limit = params.get("Limit") or 100
        page = streams[:limit]
        more = len(streams) > limit
        out: Params = {
            "StreamNames": [s.name for s in page],
            "HasMoreStreams": more,
            "StreamSummaries": [{
                "StreamName": s.name, "StreamARN": s.arn, "StreamStatus": s.status,
                "StreamModeDetails": self._mode(s), "StreamCreationTimestamp": _dt(s.created),
            } for s in page],
        }  # fmt: skip
        if more:
            out["NextToken"] = base64.b64encode(page[-1].name.encode()).decode()
        return out

    def list_shards(self, ctx: RequestContext, params: Params) -> Params:
        token = params.get("NextToken")
        if token:
            if params.get("StreamName") or params.get("StreamARN"):
                raise invalid_argument("NextToken and StreamName cannot be provided together.")
            try:
                arn, start = base64.b64decode(token).decode().split("|")
            except ValueError:
                raise invalid_argument(f"Invalid ShardIterator NextToken {token}") from None
            _, stream = self.stream_by_arn(arn)
            params = dict(params, ExclusiveStartShardId=start)
        else:
            _, stream = self._find(ctx, params)
        shards = list(stream.shards)
        if params.get("ExclusiveStartShardId"):
            shards = [s for s in shards if s.shard_id > params["ExclusiveStartShardId"]]
        shards = _filter_shards(stream, shards, params.get("ShardFilter"), ctx.clock.now())
        limit = params.get("MaxResults") or 1000
        page = shards[:limit]
        out: Params = {"Shards": [s.describe() for s in page]}
        if len(shards) > limit:
            out["NextToken"] = base64.b64encode(f"{stream.arn}|{page[-1].shard_id}".encode()).decode()
        return out

    def update_stream_mode(self, ctx: RequestContext, params: Params) -> None:
        store, stream = self.stream_by_arn(params["StreamARN"])
        stream.mode = params["StreamModeDetails"]["StreamMode"]
        self._save(store, stream)

    def _retention_change(self, ctx: RequestContext, params: Params, increase: bool) -> None:
        store, stream = self._find(ctx, params)
        hours = params["RetentionPeriodHours"]
        if not MIN_RETENTION <= hours <= MAX_RETENTION:
            raise invalid_argument(
                f"Minimum allowed retention period is {MIN_RETENTION} hours. Maximum allowed retention "
                f"period is {MAX_RETENTION} hours. Requested retention period ({hours} hours) is too "
                f"{'long' if hours > MAX_RETENTION else 'short'}."
            )
        if increase and hours < stream.retention_hours:
            raise invalid_argument(
                f"Requested retention period ({hours} hours) for stream {stream.name} can not be shorter "
                f"than existing retention period ({stream.retention_hours} hours). Use "
                "DecreaseRetentionPeriod API."
            )
        if not increase and hours > stream.retention_hours:
            raise invalid_argument(
                f"Requested retention period ({hours} hours) for stream {stream.name} can not be longer "
                f"than existing retention period ({stream.retention_hours} hours). Use "
                "IncreaseRetentionPeriod API."
            )
        stream.retention_hours = hours
        self._save(store, stream)

    def increase_stream_retention_period(self, ctx: RequestContext, params: Params) -> None:
        self._retention_change(ctx, params, True)

    def decrease_stream_retention_period(self, ctx: RequestContext, params: Params) -> None:
        self._retention_change(ctx, params, False)

    # -- resharding ---------------------------------------------------------------------------

    def split_shard(self, ctx: RequestContext, params: Params) -> None:
        store, stream = self._find(ctx, params)
        sharding.split(stream, stream.account_id, params["ShardToSplit"], params["NewStartingHashKey"],
                       ctx.clock.now())  # fmt: skip
        self._save(store, stream)

    def merge_shards(self, ctx: RequestContext, params: Params) -> None:
        store, stream = self._find(ctx, params)
        sharding.merge(stream, stream.account_id, params["ShardToMerge"], params["AdjacentShardToMerge"],
                       ctx.clock.now())  # fmt: skip
        self._save(store, stream)

    def update_shard_count(self, ctx: RequestContext, params: Params) -> Params:
        store, stream = self._find(ctx, params)
        if stream.mode == "ON_DEMAND":
            raise ServiceError(
                "ValidationException",
                "UpdateShardCount is not supported for ON_DEMAND streams.",
            )
        target = params["TargetShardCount"]
        count = len(stream.open_shards())
        if target > STREAM_SHARD_LIMIT and target > count:
            raise ServiceError("LimitExceededException",
                               f"UpdateShardCount cannot scale up to more than {STREAM_SHARD_LIMIT} shards in a "
                               f"stream. Current open shard count: {count} Target shard count: {target}")
        if count < target <= 2 * count:  # sharding.rescale words the other limits
            _within_shard_limit(store, stream.account_id, stream.region, target - count)
        current = sharding.rescale(stream, stream.account_id, target, ctx.clock.now())
        self._save(store, stream)
        return {"StreamName": stream.name, "StreamARN": stream.arn,
                "CurrentShardCount": current, "TargetShardCount": target}  # fmt: skip

    # -- records ------------------------------------------------------------------------------

    def _put_one(self, store: KinesisStore, stream: Stream, entry: Params, now: float) -> Params:
        data: bytes = entry["Data"]
        key: str = entry["PartitionKey"]
        if len(data) + len(key.encode()) > stream.max_record_kib * 1024:
            raise ServiceError(
                "ValidationException",
                "1 validation error detected: Value at 'data' failed to satisfy constraint: "
                f"Member must have length less than or equal to {stream.max_record_kib * 1024}",
            )
        shard = rec.target_shard(stream, key, entry.get("ExplicitHashKey"))
        if not self.throughput.admit(stream.arn, shard.shard_id, len(data) + len(key), now):
            return {
                "ErrorCode": "ProvisionedThroughputExceededException",
                "ErrorMessage": f"Rate exceeded for shard {shard.shard_id} in stream {stream.name} "
                f"under account {stream.account_id}.",
            }
        number = rec.append(store, stream, shard, key, data, now)
        return {"SequenceNumber": str(number), "ShardId": shard.shard_id}

    def _written(self, stream: Stream) -> None:
        """Tell readers in-process (event source mappings) that records arrived."""
        self.env.events.publish(Event("kinesis:Records", stream.account_id, stream.region, {"stream_arn": stream.arn}))

    def put_record(self, ctx: RequestContext, params: Params) -> Params:
        store, stream = self._find(ctx, params)
        _partition_keys_given([params], "partitionKey")
        result = self._put_one(store, stream, params, ctx.clock.now())
        self._save(store, stream)
        self._written(stream)
        if "ErrorCode" in result:
            raise ServiceError(result["ErrorCode"], result["ErrorMessage"])
        result["EncryptionType"] = stream.encryption
        return result

    def put_records(self, ctx: RequestContext, params: Params) -> Params:
        store, stream = self._find(ctx, params)
        entries = params["Records"]
        _partition_keys_given(entries, "records.{}.member.partitionKey")
        total = sum(len(e["Data"]) + len(e["PartitionKey"].encode()) for e in entries)
        if total > MAX_PUT_RECORDS_BYTES:
            raise invalid_argument(
                f"Records size exceeds 5 MB limit (size: {total} bytes) for stream {stream.name} "
                f"under account {stream.account_id}."
            )
        for entry in entries:  # a bad hash key refuses the whole request
            if entry.get("ExplicitHashKey") is not None:
                rec.target_shard(stream, entry["PartitionKey"], entry["ExplicitHashKey"])
        now = ctx.clock.now()
        results = [self._put_one(store, stream, entry, now) for entry in entries]
        self._save(store, stream)
        self._written(stream)
        return {
            "FailedRecordCount": sum(1 for r in results if "ErrorCode" in r),
            "Records": results, "EncryptionType": stream.encryption,
        }  # fmt: skip

    def get_shard_iterator(self, ctx: RequestContext, params: Params) -> Params:
        store, stream = self._find(ctx, params)
        shard = stream.shard(params["ShardId"])
        if shard is None:
            raise ServiceError(
                "ResourceNotFoundException",
                f"Shard {params['ShardId']} in stream {stream.name} under account {stream.account_id} "
                "does not exist",
            )
        position = rec.start_position(store, stream, shard, params["ShardIteratorType"],
                                      params.get("StartingSequenceNumber"), params.get("Timestamp"))  # fmt: skip
        it = rec.Iterator(stream.arn, shard.shard_id, position, ctx.clock.now())
        return {"ShardIterator": it.token()}

    def get_records(self, ctx: RequestContext, params: Params) -> Params:
        now = ctx.clock.now()
        it, stream, shard = rec.resolve(ctx.account_id, params["ShardIterator"], now,
                                        lambda arn: self.stream_by_arn(arn)[1])  # fmt: skip
        store, _ = self.stream_by_arn(stream.arn)
        records, position, behind, finished = rec.read(
            store, stream, shard, it.position, params.get("Limit") or rec.DEFAULT_LIMIT, now
        )
        out: Params = {"Records": records, "MillisBehindLatest": behind}
        if finished:
            out["ChildShards"] = sharding.child_shards(stream, shard)
        else:
            out["NextShardIterator"] = rec.Iterator(stream.arn, shard.shard_id, position, now).token()
        return out

    def describe_limits(self, ctx: RequestContext, params: Params) -> Params:
        streams = list(ctx.store.streams.values())
        return {
            "ShardLimit": SHARD_LIMIT, "OpenShardCount": sum(len(s.open_shards()) for s in streams),
            "OnDemandStreamCount": sum(1 for s in streams if s.mode == "ON_DEMAND"),
            "OnDemandStreamCountLimit": 50,
        }  # fmt: skip


def _partition_keys_given(entries: list[Params], where: str) -> None:
    """A stream of the USER_PARTITION_KEY record distribution strategy (the default, and
    the only one cloudtwin keeps) needs a partition key on every record."""
    missing = [i for i, entry in enumerate(entries, 1) if entry.get("PartitionKey") is None]
    if missing:
        count = len(missing)
        head = "1 validation error detected: " if count == 1 else f"{count} validation errors detected: "
        raise ServiceError("ValidationException", head + "; ".join(
            f"Value null at '{where.format(i)}' failed to satisfy constraint: Member must not be null"
            for i in missing))


def _within_shard_limit(store: KinesisStore, account: str, region: str, requested: int) -> None:
    """LimitExceededException when ``requested`` more open shards would pass the account's
    shard limit in the region (CreateStream: "Create more shards than are authorized for
    your account")."""
    open_now = sum(len(s.open_shards()) for s in store.streams.values())
    if open_now + requested > SHARD_LIMIT:
        raise ServiceError(
            "LimitExceededException",
            f"This request would exceed the shard limit for the account {account} in {region}. "
            f"Current limit of shards: {SHARD_LIMIT}, Current open shards: {open_now}, "
            f"Request shards: {requested}. Use the DescribeLimits API to check your limits.")


_SHARD_FILTERS_NEEDING_ID = {"AFTER_SHARD_ID"}
_SHARD_FILTERS_NEEDING_TIME = {"AT_TIMESTAMP", "FROM_TIMESTAMP"}


def _filter_shards(stream: Stream, shards: list, flt: Params | None, now: float) -> list:
    if not flt:
        return shards
    kind = flt["Type"]
    if kind in _SHARD_FILTERS_NEEDING_ID:
        if not flt.get("ShardId"):
            raise invalid_argument("ShardId must be specified for ShardFilter type AFTER_SHARD_ID.")
        return [s for s in shards if s.shard_id > flt["ShardId"]]
    if kind in _SHARD_FILTERS_NEEDING_TIME:
        stamp = flt.get("Timestamp")
        if stamp is None:
            raise invalid_argument(f"Timestamp must be specified for ShardFilter type {kind}.")
        when = stamp.timestamp() if isinstance(stamp, datetime) else float(stamp)
        if kind == "AT_TIMESTAMP":
            return [s for s in shards if s.created <= when and (s.closed_at is None or s.closed_at > when)]
        return [s for s in shards if s.closed_at is None or s.closed_at >= when]
    if kind == "AT_LATEST":
        return [s for s in shards if s.open]
    if kind == "AT_TRIM_HORIZON":
        live = {s.shard_id for s in stream.shards}
        return [s for s in shards if not ({s.parent, s.adjacent_parent} & live)]
    return shards  # FROM_TRIM_HORIZON: every shard still within retention
