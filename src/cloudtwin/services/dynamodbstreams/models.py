"""The DynamoDB Streams store: streams, and one persisted row per stream record.

Each stream has one shard (cloudtwin never splits): its records are numbered with
increasing sequence numbers, kept 24 hours, and read through shard iterators.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from cloudtwin.state.records import record_types
from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table

RETENTION_SECONDS = 24 * 3600
SEQUENCE_BASE = 100_000_000_000_000_000_000


@dataclass(slots=True)
class StreamRecordSet:
    """A stream's metadata (records live in their own table)."""

    arn: str
    label: str
    table: str
    key_schema: list[dict[str, str]]
    view: str
    created: float
    shard_id: str
    status: str = "ENABLED"
    disabled_at: float | None = None
    next_sequence: int = SEQUENCE_BASE
    first_sequence: int = SEQUENCE_BASE
    tags: dict[str, str] = field(default_factory=dict)


def sequence_text(number: int) -> str:
    return f"{number:021d}"


class StreamsStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self._tables = tables
        self.streams: Table[str, StreamRecordSet] = tables.table("streams")
        self._records: dict[str, Table] = {}
        self._sequences: dict[str, list[int]] = {}

    def records(self, arn: str) -> Table:
        table = self._records.get(arn)
        if table is None:
            table = self._tables.table("records/" + arn)
            self._records[arn] = table
            self._sequences[arn] = sorted(table.keys())
        return table

    def sequences(self, arn: str) -> list[int]:
        self.records(arn)
        return self._sequences[arn]

    def append(self, stream: StreamRecordSet, record: dict[str, Any]) -> int:
        number = stream.next_sequence
        stream.next_sequence += 1
        self.streams[stream.arn] = stream
        self.records(stream.arn)[number] = record
        self._sequences[stream.arn].append(number)
        return number

    def trim(self, stream: StreamRecordSet, before: float) -> int:
        """Drop records older than ``before``; returns how many went."""
        table = self.records(stream.arn)
        numbers = self._sequences[stream.arn]
        cut = 0
        while cut < len(numbers) and table[numbers[cut]]["time"] < before:
            table.pop(numbers[cut])
            cut += 1
        if cut:
            del numbers[:cut]
            stream.first_sequence = numbers[0] if numbers else stream.next_sequence
            self.streams[stream.arn] = stream
        return cut

    def drop(self, arn: str) -> None:
        self.records(arn).clear()
        self._records.pop(arn, None)
        self._sequences.pop(arn, None)
        self.streams.pop(arn, None)

    def position(self, arn: str, number: int, after: bool) -> int:
        """Index in the sequence list of the first record at (or after) ``number``."""
        numbers = self.sequences(arn)
        return bisect.bisect_right(numbers, number) if after else bisect.bisect_left(numbers, number)


# What the tables hold, by name (see cloudtwin.state.records).
record_types(StreamRecordSet)
