"""Enhanced fan-out consumers and SubscribeToShard (handlers mixed into the provider).

A subscription is an event stream: a ``SubscribeToShardEvent`` at once, then one whenever
records arrive (or every few seconds as a heartbeat), for 5 minutes of virtual time, as
AWS holds a subscription; at the end of a closed shard the last event names its children.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import datetime, timezone
from typing import Any, AsyncIterator

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.kinesis import records as rec
from cloudtwin.services.kinesis import shards as sharding
from cloudtwin.services.kinesis.errors import in_use, invalid_argument
from cloudtwin.services.kinesis.models import Consumer, Stream

Params = dict[str, Any]
MAX_CONSUMERS = 20
SUBSCRIPTION_SECONDS = 300
POLL_SECONDS = 0.05
HEARTBEAT_SECONDS = 5.0


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def _view(consumer: Consumer, status: str = "ACTIVE") -> Params:
    return {"ConsumerName": consumer.name, "ConsumerARN": consumer.arn, "ConsumerStatus": status,
            "ConsumerCreationTimestamp": _dt(consumer.created)}  # fmt: skip


def _consumer_not_found(what: str, account: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Consumer {what} under account {account} not found.")


class ConsumerOperations:
    def _consumer(self, ctx: RequestContext, params: Params):  # type: ignore[no-untyped-def]
        """(store, stream, consumer) named by ConsumerARN, or StreamARN and ConsumerName."""
        arn = params.get("ConsumerARN")
        if arn:
            stream_arn = arn.split("/consumer/")[0]
            store, stream = self.stream_by_arn(stream_arn)  # type: ignore[attr-defined]
            for consumer in stream.consumers.values():
                if consumer.arn == arn:
                    return store, stream, consumer
            raise _consumer_not_found(arn, stream.account_id)
        if not (params.get("StreamARN") and params.get("ConsumerName")):
            raise invalid_argument("Either ConsumerARN or both StreamARN and ConsumerName must be provided.")
        store, stream = self.stream_by_arn(params["StreamARN"])  # type: ignore[attr-defined]
        consumer = stream.consumers.get(params["ConsumerName"])
        if consumer is None:
            raise _consumer_not_found(params["ConsumerName"], stream.account_id)
        return store, stream, consumer

    def register_stream_consumer(self, ctx: RequestContext, params: Params) -> Params:
        store, stream = self.stream_by_arn(params["StreamARN"])  # type: ignore[attr-defined]
        name = params["ConsumerName"]
        if name in stream.consumers:
            raise in_use(f"Consumer {name} under stream {stream.name} already exists for account {stream.account_id}.")
        if len(stream.consumers) >= MAX_CONSUMERS:
            raise ServiceError(
                "LimitExceededException",
                f"Consumer limit of {MAX_CONSUMERS} has been reached for stream {stream.name} "
                f"under account {stream.account_id}.",
            )
        now = ctx.clock.now()
        consumer = Consumer(name=name, arn=f"{stream.arn}/consumer/{name}:{int(now)}", created=now,
                            tags=dict(params.get("Tags") or {}))  # fmt: skip
        stream.consumers[name] = consumer
        self._save(store, stream)  # type: ignore[attr-defined]
        # Registration completes while AWS would still say CREATING: answer as AWS does.
        return {"Consumer": _view(consumer, "CREATING")}

    def describe_stream_consumer(self, ctx: RequestContext, params: Params) -> Params:
        _, stream, consumer = self._consumer(ctx, params)
        return {"ConsumerDescription": dict(_view(consumer), StreamARN=stream.arn)}

    def list_stream_consumers(self, ctx: RequestContext, params: Params) -> Params:
        _, stream = self.stream_by_arn(params["StreamARN"])  # type: ignore[attr-defined]
        consumers = sorted(stream.consumers.values(), key=lambda c: (c.created, c.name))
        start = 0
        if params.get("NextToken"):
            try:
                start = int(base64.b64decode(params["NextToken"]).decode())
            except ValueError:
                raise invalid_argument(f"Invalid NextToken {params['NextToken']}") from None
        limit = params.get("MaxResults") or 100
        page = consumers[start : start + limit]
        out: Params = {"Consumers": [_view(c) for c in page]}
        if start + limit < len(consumers):
            out["NextToken"] = base64.b64encode(str(start + limit).encode()).decode()
        return out

    def deregister_stream_consumer(self, ctx: RequestContext, params: Params) -> None:
        store, stream, consumer = self._consumer(ctx, params)
        del stream.consumers[consumer.name]
        self._save(store, stream)  # type: ignore[attr-defined]

    async def subscribe_to_shard(self, ctx: RequestContext, params: Params) -> Params:
        store, stream, consumer = self._consumer(ctx, {"ConsumerARN": params["ConsumerARN"]})
        shard = stream.shard(params["ShardId"])
        if shard is None:
            raise ServiceError(
                "ResourceNotFoundException",
                f"Shard {params['ShardId']} in stream {stream.name} under account {stream.account_id} does not exist",
            )
        start = params["StartingPosition"]
        position = rec.start_position(store, stream, shard, start["Type"], start.get("SequenceNumber"),
                                      start.get("Timestamp"))  # fmt: skip
        return {"EventStream": self._events(stream.arn, shard.shard_id, position, ctx.clock)}

    async def _events(self, arn: str, shard_id: str, position: int, clock: Any) -> AsyncIterator[Params]:
        begun = clock.now()
        last_sent = -HEARTBEAT_SECONDS
        continuation: int | None = None
        loop = asyncio.get_running_loop()
        while clock.now() - begun < SUBSCRIPTION_SECONDS:
            try:
                store, stream = self.stream_by_arn(arn)  # type: ignore[attr-defined]
            except ServiceError:
                return
            shard = stream.shard(shard_id)
            if shard is None:
                return
            records, position, behind, finished = rec.read(store, stream, shard, position, 10_000, clock.now())
            if records or finished or loop.time() - last_sent >= HEARTBEAT_SECONDS:
                if records or continuation is None:
                    continuation = _continuation(store, stream, shard)
                event: Params = {
                    "Records": records, "MillisBehindLatest": behind,
                    "ContinuationSequenceNumber": str(continuation),
                }  # fmt: skip
                if finished:
                    event["ChildShards"] = sharding.child_shards(stream, shard)
                yield {"SubscribeToShardEvent": event}
                last_sent = loop.time()
                if finished:
                    return
            await asyncio.sleep(POLL_SECONDS)


def _continuation(store: Any, stream: Stream, shard: Any) -> int:
    """A checkpoint after everything sent so far and before any later record of the shard:
    a sequence number of its own (resuming AT or AFTER it both continue where the event
    stream stopped). A closed shard's checkpoint is its ending sequence number."""
    if not shard.open:
        return shard.ending_sequence
    number = stream.next_sequence(shard)
    store.streams[stream.name] = stream
    return number
