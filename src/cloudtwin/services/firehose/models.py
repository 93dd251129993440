"""The Firehose store: delivery streams, their buffered records (one row each in the
``buffer`` table, keyed by (stream, number), so a PutRecord writes one small row), and the
log of delivery attempts that ``/_cloudtwin/firehose/deliveries`` shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudtwin.state.records import record_types
from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table

MAX_DELIVERY_LOG = 200


@dataclass(slots=True)
class DeliveryStream:
    name: str
    arn: str
    account_id: str
    region: str
    kind: str  # DirectPut | KinesisStreamAsSource | ...
    created: float
    updated: float
    #: "ExtendedS3", "Redshift", "HttpEndpoint"... -> the destination's configuration as given
    #: (ExtendedS3 for both S3 and ExtendedS3 configurations), with defaults filled in.
    destination_kind: str
    destination: dict[str, Any]
    version: int = 1
    status: str = "ACTIVE"
    source: dict[str, Any] | None = None
    encryption: dict[str, Any] | None = None
    tags: dict[str, str] = field(default_factory=dict)
    #: Kinesis source: shard id -> the last sequence number read.
    checkpoints: dict[str, str] = field(default_factory=dict)
    #: Next buffered record number, and when the oldest buffered record arrived.
    next_record: int = 0
    failure: dict[str, str] | None = None


class FirehoseStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.streams: Table[str, DeliveryStream] = tables.table("streams")
        #: (stream name, number) -> [arrival, data, record id]
        self.buffer: Table[tuple[str, int], list] = tables.table("buffer")
        #: the latest delivery attempts, newest last
        self.deliveries: Table[int, dict[str, Any]] = tables.table("deliveries")

    def buffered(self, name: str) -> list[tuple[tuple[str, int], list]]:
        return sorted(((k, v) for k, v in self.buffer.items() if k[0] == name), key=lambda kv: kv[0][1])

    def log(self, entry: dict[str, Any]) -> None:
        number = max(self.deliveries, default=0) + 1
        self.deliveries[number] = entry
        for old in sorted(self.deliveries)[:-MAX_DELIVERY_LOG]:
            del self.deliveries[old]

    def drop(self, name: str) -> None:
        self.streams.pop(name, None)
        for key in [k for k in self.buffer if k[0] == name]:
            del self.buffer[key]


# What the tables hold, by name (see cloudtwin.state.records).
record_types(DeliveryStream)
