"""Writing and reading records: PutRecord(s) routing and per-shard write limits, shard
iterators (every type, expiring after 5 minutes of virtual time) and GetRecords.

An iterator carries where it reads from (stream ARN, shard, the first sequence number it
may return) and when it was issued, base64'd: no server state, so it survives a restart
as AWS's do.
"""

from __future__ import annotations

import base64
import binascii
import bisect
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.kinesis import shards as sharding
from cloudtwin.services.kinesis.errors import invalid_argument, shard_not_found
from cloudtwin.services.kinesis.models import SHARD_DIGITS, KinesisStore, Shard, Stream, sequence_number

ITERATOR_SECONDS = 300
MAX_READ_BYTES = 10 * 1024 * 1024
DEFAULT_LIMIT = 10_000
#: Per shard and second, when limits are enforced: 1,000 records and 1 MiB written.
WRITE_RECORDS_PER_SECOND = 1000
WRITE_BYTES_PER_SECOND = 1024 * 1024


@dataclass(slots=True)
class Iterator:
    stream_arn: str
    shard_id: str
    position: int  # the first sequence number the next read may return
    issued: float

    def token(self) -> str:
        text = f"1|{self.stream_arn}|{self.shard_id}|{self.position}|{self.issued!r}"
        return base64.b64encode(text.encode()).decode()

    @classmethod
    def parse(cls, token: str) -> "Iterator":
        token = token.strip().strip('"')
        try:
            version, arn, shard, position, issued = base64.b64decode(token, validate=True).decode().split("|")
            if version != "1":
                raise ValueError(version)
            return cls(arn, shard, int(position), float(issued))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise invalid_argument(f"Invalid ShardIterator: {token}") from None


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


class Throughput:
    """Per-shard, per-second write counters (checked only when limits are enforced)."""

    def __init__(self) -> None:
        self.enforced = False
        self._windows: dict[tuple[str, str], list] = {}

    def admit(self, stream_arn: str, shard_id: str, size: int, now: float) -> bool:
        if not self.enforced:
            return True
        second = int(now)
        window = self._windows.get((stream_arn, shard_id))
        if window is None or window[0] != second:
            window = [second, 0, 0]
            self._windows[(stream_arn, shard_id)] = window
        if window[1] + 1 > WRITE_RECORDS_PER_SECOND or window[2] + size > WRITE_BYTES_PER_SECOND:
            return False
        window[1] += 1
        window[2] += size
        return True


def target_shard(stream: Stream, partition_key: str, explicit: str | None) -> Shard:
    if explicit is not None:
        key = int(explicit)
        if key > sharding.MAX_HASH:
            raise invalid_argument(
                "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
                f"Specified value was {explicit}"
            )
    else:
        key = sharding.hash_key(partition_key)
    return sharding.route(stream, key)


def append(store: KinesisStore, stream: Stream, shard: Shard, partition_key: str, data: bytes,
           now: float) -> int:  # fmt: skip
    number = stream.next_sequence(shard)
    store.append(stream.name, shard.shard_id, number, [now, partition_key, data, stream.encryption])
    return number


# -- iterators ------------------------------------------------------------------------------


def start_position(store: KinesisStore, stream: Stream, shard: Shard, kind: str,
                   sequence: str | None, timestamp: Any) -> int:  # fmt: skip
    """The first sequence number an iterator of ``kind`` may return."""
    if kind == "TRIM_HORIZON":
        return 0
    if kind == "LATEST":
        if not shard.open:
            return shard.ending_sequence + 1  # type: ignore[operator]
        return sequence_number(stream.counter, 0)
    if kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        if not sequence:
            raise invalid_argument(
                f"Must specify a StartingSequenceNumber for an iterator of type {kind}"
            )
        try:
            number = int(sequence)
        except ValueError:
            raise invalid_argument(f"StartingSequenceNumber {sequence} used in GetShardIterator on "
                                   f"shard {shard.shard_id} in stream {stream.name} under account "
                                   f"{stream.account_id} is invalid.") from None  # fmt: skip
        encoded = number % SHARD_DIGITS
        if encoded != shard.index % SHARD_DIGITS or number < shard.starting_sequence:
            raise invalid_argument(
                f"Invalid StartingSequenceNumber. It encodes shardId-{encoded:012d}, while it was "
                f"used in a call to a shard with {shard.shard_id}"
            )
        return number + 1 if kind == "AFTER_SEQUENCE_NUMBER" else number
    if kind == "AT_TIMESTAMP":
        if timestamp is None:
            raise invalid_argument("Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.")
        when = timestamp.timestamp() if isinstance(timestamp, datetime) else float(timestamp)
        # Arrival times are compared in milliseconds, the precision AWS reports them in
        # (a timestamp read back from a record selects that record).
        since = int(when * 1000)
        table = store.records(stream.name, shard.shard_id)
        numbers = store.numbers(stream.name, shard.shard_id)
        found = bisect.bisect_left(numbers, since, key=lambda n: int(table[n][0] * 1000))
        if found < len(numbers):
            return numbers[found]
        return start_position(store, stream, shard, "LATEST", None, None)
    raise invalid_argument(f"Invalid ShardIteratorType {kind}")  # pragma: no cover (model enum)


def resolve(ctx_account: str, token: str, now: float, find_stream) -> tuple[Iterator, Stream, Shard]:
    """The iterator, its stream and shard; expired or unknown ones are AWS's errors."""
    it = Iterator.parse(token)
    if now - it.issued > ITERATOR_SECONDS:
        raise ServiceError(
            "ExpiredIteratorException",
            f"Iterator expired. The iterator was created at time {_dt(it.issued):%a %b %d %H:%M:%S UTC %Y} "
            f"while right now it is {_dt(now):%a %b %d %H:%M:%S UTC %Y} which is further in the future "
            f"than the tolerated delay of {ITERATOR_SECONDS * 1000} milliseconds.",
        )
    stream = find_stream(it.stream_arn)
    shard = stream.shard(it.shard_id)
    if shard is None:
        raise shard_not_found(it.shard_id, stream.name, ctx_account)
    return it, stream, shard


def record_view(number: int, row: list) -> dict[str, Any]:
    out: dict[str, Any] = {
        "SequenceNumber": str(number), "ApproximateArrivalTimestamp": _dt(row[0]),
        "Data": row[2], "PartitionKey": row[1],
    }  # fmt: skip
    if row[3] and row[3] != "NONE":
        out["EncryptionType"] = row[3]
    return out


def read(store: KinesisStore, stream: Stream, shard: Shard, position: int, limit: int,
         now: float) -> tuple[list[dict], int, int, bool]:  # fmt: skip
    """Records from ``position``: (records, next position, millis behind latest, at end of a
    closed shard)."""
    numbers = store.numbers(stream.name, shard.shard_id)
    table = store.records(stream.name, shard.shard_id)
    start = store.position(stream.name, shard.shard_id, position)
    out: list[dict] = []
    size = 0
    index = start
    while index < len(numbers) and len(out) < limit:
        row = table[numbers[index]]
        size += len(row[2]) + len(row[1])
        if out and size > MAX_READ_BYTES:
            break
        out.append(record_view(numbers[index], row))
        index += 1
    next_position = numbers[index - 1] + 1 if out else position
    behind = 0
    if index < len(numbers):
        behind = max(0, int((now - table[numbers[index]][0]) * 1000))
    finished = not shard.open and index >= len(numbers)
    return out, next_position, behind, finished
