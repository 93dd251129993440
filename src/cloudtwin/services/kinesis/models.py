"""The Kinesis store: streams (with their shards and consumers), and one persisted row per
record in a table per shard (``records/<stream>/<shard>``).

A record row is ``[arrival, partition key, data, encryption]``: the data stays bytes, so
persistence writes it compact. Rows are keyed by their sequence number (an int); an
in-memory sorted list of those numbers per shard serves the iterators.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from cloudtwin.state.records import record_types
from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table

HASH_SPACE = 2**128
#: Sequence numbers are 56 digits like AWS's: 49, then the stream-wide order, then the shard.
SEQUENCE_BASE = 49 * 10**54
SHARD_DIGITS = 10**6


def sequence_number(counter: int, shard_index: int) -> int:
    return SEQUENCE_BASE + counter * SHARD_DIGITS + shard_index % SHARD_DIGITS


@dataclass(slots=True)
class Shard:
    shard_id: str
    index: int
    start_hash: int
    end_hash: int
    starting_sequence: int
    created: float
    parent: str | None = None
    adjacent_parent: str | None = None
    #: Set once the shard is closed by a split, merge or shard count update.
    ending_sequence: int | None = None
    closed_at: float | None = None

    @property
    def open(self) -> bool:
        return self.ending_sequence is None

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ShardId": self.shard_id}
        if self.parent:
            out["ParentShardId"] = self.parent
        if self.adjacent_parent:
            out["AdjacentParentShardId"] = self.adjacent_parent
        out["HashKeyRange"] = {"StartingHashKey": str(self.start_hash), "EndingHashKey": str(self.end_hash)}
        seq: dict[str, str] = {"StartingSequenceNumber": str(self.starting_sequence)}
        if self.ending_sequence is not None:
            seq["EndingSequenceNumber"] = str(self.ending_sequence)
        out["SequenceNumberRange"] = seq
        return out


@dataclass(slots=True)
class Consumer:
    name: str
    arn: str
    created: float
    tags: dict[str, str] = field(default_factory=dict)
    policy: str | None = None


@dataclass(slots=True)
class Stream:
    name: str
    arn: str
    account_id: str
    region: str
    created: float
    mode: str  # PROVISIONED | ON_DEMAND
    shards: list[Shard]
    retention_hours: int = 24
    status: str = "ACTIVE"
    #: The stream-wide record counter (the middle of every sequence number).
    counter: int = 1
    next_shard_index: int = 0
    encryption: str = "NONE"
    key_id: str | None = None
    shard_metrics: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    consumers: dict[str, Consumer] = field(default_factory=dict)
    policy: str | None = None
    stream_id: str = ""
    max_record_kib: int = 1024

    def shard(self, shard_id: str) -> Shard | None:
        for shard in self.shards:
            if shard.shard_id == shard_id:
                return shard
        return None

    def open_shards(self) -> list[Shard]:
        return [s for s in self.shards if s.open]

    def next_sequence(self, shard: Shard) -> int:
        return self.next_sequence_for(shard.index)

    def new_shard(self, start: int, end: int, now: float, parent: str | None = None,
                  adjacent: str | None = None) -> Shard:  # fmt: skip
        index = self.next_shard_index
        self.next_shard_index += 1
        shard = Shard(
            shard_id=f"shardId-{index:012d}", index=index, start_hash=start, end_hash=end,
            starting_sequence=self.next_sequence_for(index), created=now, parent=parent,
            adjacent_parent=adjacent,
        )
        self.shards.append(shard)
        return shard

    def next_sequence_for(self, index: int) -> int:
        number = sequence_number(self.counter, index)
        self.counter += 1
        return number

    def close(self, shard: Shard, now: float) -> None:
        shard.ending_sequence = sequence_number(self.counter, shard.index)
        self.counter += 1
        shard.closed_at = now


class KinesisStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self._tables = tables
        self.streams: Table[str, Stream] = tables.table("streams")
        self._records: dict[tuple[str, str], Table] = {}
        self._numbers: dict[tuple[str, str], list[int]] = {}

    def records(self, stream: str, shard: str) -> Table:
        key = (stream, shard)
        table = self._records.get(key)
        if table is None:
            table = self._tables.table(f"records/{stream}/{shard}")
            self._records[key] = table
            self._numbers[key] = sorted(table.keys())
        return table

    def numbers(self, stream: str, shard: str) -> list[int]:
        self.records(stream, shard)
        return self._numbers[(stream, shard)]

    def append(self, stream: str, shard: str, number: int, row: list) -> None:
        self.records(stream, shard)[number] = row
        self._numbers[(stream, shard)].append(number)

    def position(self, stream: str, shard: str, number: int) -> int:
        """Index of the first record whose sequence number is ``number`` or later."""
        return bisect.bisect_left(self.numbers(stream, shard), number)

    def trim(self, stream: str, shard: str, before: float) -> int:
        table = self.records(stream, shard)
        numbers = self._numbers[(stream, shard)]
        cut = 0
        while cut < len(numbers) and table[numbers[cut]][0] < before:
            table.pop(numbers[cut])
            cut += 1
        if cut:
            del numbers[:cut]
        return cut

    def drop_shard(self, stream: str, shard: str) -> None:
        self.records(stream, shard).clear()
        self._records.pop((stream, shard), None)
        self._numbers.pop((stream, shard), None)

    def drop(self, name: str) -> None:
        stream = self.streams.pop(name, None)
        if stream is not None:
            for shard in stream.shards:
                self.drop_shard(name, shard.shard_id)


# What the tables hold, by name (see cloudtwin.state.records).
record_types(Stream, Shard, Consumer)
