"""Amazon DynamoDB Streams: the change records of stream-enabled tables.

The dynamodb service publishes ``dynamodb:StreamEnabled`` / ``dynamodb:StreamDisabled`` /
``dynamodb:Change`` events (see ``services/dynamodb/changes.py``); this service keeps the
streams and their records and serves them through shard iterators.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timezone
from typing import Any

from cloudtwin.events.bus import Event
from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodbstreams.models import (
    RETENTION_SECONDS,
    StreamRecordSet,
    StreamsStore,
    sequence_text,
)
from cloudtwin.services.provider import ServiceProvider

ITERATOR_SECONDS = 15 * 60
MAX_RECORDS = 1000


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


class Provider(ServiceProvider):
    service_name = "dynamodbstreams"
    store_class = StreamsStore

    def __init__(self, env) -> None:  # type: ignore[no-untyped-def]
        super().__init__(env)
        env.events.subscribe("dynamodb:StreamEnabled", self._on_enabled)
        env.events.subscribe("dynamodb:StreamDisabled", self._on_disabled)
        env.events.subscribe("dynamodb:Change", self._on_change)
        env.processors.register("dynamodbstreams-retention", self._retention)

    # -- events from dynamodb -------------------------------------------------------------------

    def _store(self, event: Event) -> StreamsStore:
        return self.stores.get(event.account_id, event.region)  # type: ignore[union-attr]

    def _on_enabled(self, event: Event) -> None:
        d = event.detail
        digest = hashlib.sha1(d["stream_arn"].encode()).hexdigest()[:8]
        shard = f"shardId-{int(d['created'] * 1000):020d}-{digest}"
        self._store(event).streams[d["stream_arn"]] = StreamRecordSet(
            arn=d["stream_arn"], label=d["stream_label"], table=d["table"],
            key_schema=d["key_schema"], view=d["view"], created=d["created"], shard_id=shard,
        )
        self.env.persistence.commit()

    def _on_disabled(self, event: Event) -> None:
        store = self._store(event)
        stream = store.streams.get(event.detail["stream_arn"])
        if stream is not None and stream.status == "ENABLED":
            stream.status = "DISABLED"
            stream.disabled_at = self.env.clock.now()
            store.streams[stream.arn] = stream
            self.env.persistence.commit()

    def _on_change(self, event: Event) -> None:
        store = self._store(event)
        d = event.detail
        stream = store.streams.get(d["stream_arn"])
        if stream is None or stream.status != "ENABLED":
            return
        store.append(stream, {
            "time": d["time"], "event": d["event"], "keys": d["keys"], "new": d.get("new"),
            "old": d.get("old"), "size": d["size"], "identity": d.get("identity"),
            "region": event.region,
        })
        # Delivered after the write's own request was committed: make the record durable now.
        self.env.persistence.commit()

    def _retention(self, now: float) -> dict[str, Any]:
        trimmed = dropped = 0
        for _, store in self.stores.items():  # type: ignore[union-attr]
            for stream in list(store.streams.values()):
                if stream.disabled_at is not None and now - stream.disabled_at >= RETENTION_SECONDS:
                    store.drop(stream.arn)
                    dropped += 1
                    continue
                trimmed += store.trim(stream, now - RETENTION_SECONDS)
        return {"trimmed": trimmed, "streams_dropped": dropped}

    # -- operations ----------------------------------------------------------------------------

    def _stream(self, ctx: RequestContext, arn: str) -> StreamRecordSet:
        stream = ctx.store.streams.get(arn)
        if stream is None:
            raise ServiceError(
                "ResourceNotFoundException", f"Requested resource not found: Stream: {arn} not found"
            )
        return stream

    def list_streams(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        streams = sorted(ctx.store.streams.values(), key=lambda s: (s.created, s.arn))
        if params.get("TableName"):
            streams = [s for s in streams if s.table == params["TableName"]]
        start = params.get("ExclusiveStartStreamArn")
        if start:
            arns = [s.arn for s in streams]
            streams = streams[arns.index(start) + 1 :] if start in arns else streams
        limit = params.get("Limit") or 100
        page = streams[:limit]
        out: dict[str, Any] = {
            "Streams": [{"StreamArn": s.arn, "TableName": s.table, "StreamLabel": s.label} for s in page]
        }
        if len(streams) > limit:
            out["LastEvaluatedStreamArn"] = page[-1].arn
        return out

    def describe_stream(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(ctx, params["StreamArn"])
        store: StreamsStore = ctx.store
        numbers = store.sequences(stream.arn)
        seq_range: dict[str, str] = {
            "StartingSequenceNumber": sequence_text(numbers[0] if numbers else stream.first_sequence)
        }
        if stream.status == "DISABLED":
            seq_range["EndingSequenceNumber"] = sequence_text(max(stream.next_sequence - 1, stream.first_sequence))
        shards = [{"ShardId": stream.shard_id, "SequenceNumberRange": seq_range}]
        if params.get("ExclusiveStartShardId") == stream.shard_id:
            shards = []
        return {"StreamDescription": {
            "StreamArn": stream.arn,
            "StreamLabel": stream.label,
            "StreamStatus": stream.status,
            "StreamViewType": stream.view,
            "CreationRequestDateTime": _dt(stream.created),
            "TableName": stream.table,
            "KeySchema": stream.key_schema,
            "Shards": shards,
        }}

    def get_shard_iterator(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(ctx, params["StreamArn"])
        store: StreamsStore = ctx.store
        if params["ShardId"] != stream.shard_id:
            raise ServiceError(
                "ResourceNotFoundException",
                f"Requested resource not found: Shard: {params['ShardId']} in Stream: {stream.arn} not found",
            )
        kind = params["ShardIteratorType"]
        numbers = store.sequences(stream.arn)
        sequence = params.get("SequenceNumber")
        if kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
            if not sequence:
                raise ServiceError(
                    "ValidationException",
                    f"Must specify a sequence number when using {kind} iterator type",
                )
            try:
                number = int(sequence)
            except ValueError:
                raise ServiceError("ValidationException", f"Invalid SequenceNumber: {sequence}") from None
            if number < stream.first_sequence and number < (numbers[0] if numbers else stream.next_sequence):
                raise ServiceError(
                    "TrimmedDataAccessException",
                    "The operation attempted to read past the oldest stream record in a shard.",
                )
            if number >= stream.next_sequence:
                raise ServiceError(
                    "ValidationException",
                    f"Invalid SequenceNumber: {sequence} is beyond the last record in the shard",
                )
            position = number + 1 if kind == "AFTER_SEQUENCE_NUMBER" else number
        elif kind == "TRIM_HORIZON":
            position = numbers[0] if numbers else stream.first_sequence
        else:  # LATEST
            position = stream.next_sequence
        return {"ShardIterator": self._iterator(ctx, stream, position)}

    def _iterator(self, ctx: RequestContext, stream: StreamRecordSet, position: int) -> str:
        """AWS's form: ``<stream ARN>|1|<opaque token>``."""
        body = json.dumps([stream.shard_id, position, ctx.clock.now()])
        return f"{stream.arn}|1|{base64.b64encode(body.encode()).decode()}"

    @staticmethod
    def _read_iterator(text: str) -> tuple[str, str, int, float]:
        arn, version, token = text.rsplit("|", 2)
        if version != "1":
            raise ValueError
        shard_id, position, issued = read_json(base64.b64decode(token.encode(), validate=True))
        return arn, shard_id, position, issued

    def get_records(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store: StreamsStore = ctx.store
        try:
            arn, shard_id, position, issued = self._read_iterator(params["ShardIterator"])
            if not (isinstance(arn, str) and isinstance(shard_id, str) and isinstance(position, int) and isinstance(issued, (int, float))):
                raise ValueError
        except (ValueError, TypeError):
            raise ServiceError("ValidationException", "Invalid ShardIterator") from None
        stream = store.streams.get(arn)
        if stream is None or shard_id != stream.shard_id:
            raise ServiceError(
                "ResourceNotFoundException", f"Requested resource not found: Stream: {arn} not found"
            )
        now = ctx.clock.now()
        if now - issued > ITERATOR_SECONDS:
            raise ServiceError(
                "ExpiredIteratorException",
                f"Iterator expired. The iterator was created at time {_dt(issued).strftime('%a %b %d %H:%M:%S UTC %Y')} "
                f"while right now it is {_dt(now).strftime('%a %b %d %H:%M:%S UTC %Y')} which is further in the future "
                f"than the tolerated delay of {ITERATOR_SECONDS * 1000} milliseconds.",
            )
        numbers = store.sequences(arn)
        if numbers and position < numbers[0]:
            raise ServiceError(
                "TrimmedDataAccessException",
                "The operation attempted to read past the oldest stream record in a shard.",
            )
        limit = params.get("Limit") or MAX_RECORDS
        start = store.position(arn, position, after=False)
        chosen = numbers[start : start + limit]
        table = store.records(arn)
        records = [self._record(stream, number, table[number]) for number in chosen]
        next_position = (chosen[-1] + 1) if chosen else position
        out: dict[str, Any] = {"Records": records}
        closed = stream.status == "DISABLED" and next_position >= stream.next_sequence
        if not closed:
            out["NextShardIterator"] = self._iterator(ctx, stream, next_position)
        return out

    def _record(self, stream: StreamRecordSet, number: int, rec: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ApproximateCreationDateTime": _dt(int(rec["time"])),
            "Keys": rec["keys"],
            "SequenceNumber": sequence_text(number),
            "SizeBytes": rec["size"],
            "StreamViewType": stream.view,
        }
        if rec.get("new") is not None:
            data["NewImage"] = rec["new"]
        if rec.get("old") is not None:
            data["OldImage"] = rec["old"]
        out: dict[str, Any] = {
            "eventID": hashlib.md5(f"{stream.arn}/{number}".encode()).hexdigest(),
            "eventName": rec["event"],
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": rec["region"],
            "dynamodb": data,
        }
        if rec.get("identity"):
            out["userIdentity"] = rec["identity"]
        return out

    def reset(self, account_id: str | None = None) -> None:
        super().reset(account_id)
