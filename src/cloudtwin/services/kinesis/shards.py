"""Shards: hash-key ranges, which shard a record goes to, and resharding (SplitShard,
MergeShards, UpdateShardCount) with parents and closed shards as AWS reports them.

A closed shard keeps its records (readable until they pass the retention period) and gets
an ``EndingSequenceNumber``; its children name it as ``ParentShardId`` (a merge names the
second parent as ``AdjacentParentShardId``).
"""

from __future__ import annotations

import hashlib

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.kinesis.errors import invalid_argument, shard_not_found
from cloudtwin.services.kinesis.models import HASH_SPACE, Shard, Stream

MAX_HASH = HASH_SPACE - 1


def hash_key(partition_key: str) -> int:
    """The 128-bit hash key of a partition key: its MD5 digest as an unsigned integer."""
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


def even_ranges(count: int, start: int = 0, end: int = MAX_HASH) -> list[tuple[int, int]]:
    """``count`` contiguous ranges covering [start, end] (the last takes the remainder)."""
    width = (end - start + 1) // count
    ranges = []
    for i in range(count):
        low = start + i * width
        high = end if i == count - 1 else low + width - 1
        ranges.append((low, high))
    return ranges


def create_shards(stream: Stream, count: int, now: float) -> None:
    for low, high in even_ranges(count):
        stream.new_shard(low, high, now)


def route(stream: Stream, key: int) -> Shard:
    for shard in stream.shards:
        if shard.open and shard.start_hash <= key <= shard.end_hash:
            return shard
    raise ServiceError("InternalFailure", "No open shard covers the hash key", 500)  # pragma: no cover


def open_shard(stream: Stream, account: str, shard_id: str, operation_word: str) -> Shard:
    shard = stream.shard(shard_id)
    if shard is None:
        raise shard_not_found(shard_id, stream.name, account)
    if not shard.open:
        raise invalid_argument(
            f"Shard {shard_id} in stream {stream.name} under account {account} has already been "
            f"merged or split, and thus is not eligible for {operation_word}"
        )
    return shard


def split(stream: Stream, account: str, shard_id: str, new_start: str, now: float) -> None:
    shard = open_shard(stream, account, shard_id, "splitting")
    try:
        key = int(new_start)
    except ValueError:
        raise invalid_argument(f"NewStartingHashKey {new_start} is not a valid hash key") from None
    if not shard.start_hash + 1 < key <= shard.end_hash:
        raise invalid_argument(
            f"NewStartingHashKey {new_start} used in SplitShard() on shard {shard_id} in stream "
            f"{stream.name} under account {account} is not both greater than one plus the shard's "
            f"StartingHashKey {shard.start_hash} and less than the shard's EndingHashKey {shard.end_hash}."
        )
    stream.close(shard, now)
    stream.new_shard(shard.start_hash, key - 1, now, parent=shard.shard_id)
    stream.new_shard(key, shard.end_hash, now, parent=shard.shard_id)


def merge(stream: Stream, account: str, first_id: str, second_id: str, now: float) -> None:
    first = open_shard(stream, account, first_id, "merging")
    second = open_shard(stream, account, second_id, "merging")
    low, high = sorted((first, second), key=lambda s: s.start_hash)
    if low.end_hash + 1 != high.start_hash:
        raise invalid_argument(
            f"Shards {first_id} and {second_id} in stream {stream.name} under account {account} "
            "are not an adjacent pair of shards eligible for merging"
        )
    stream.close(first, now)
    stream.close(second, now)
    stream.new_shard(low.start_hash, high.end_hash, now, parent=first.shard_id, adjacent=second.shard_id)


def rescale(stream: Stream, account: str, target: int, now: float) -> int:
    """UNIFORM_SCALING: the open shards are closed and ``target`` even shards replace them,
    each naming the old shards its range overlaps as parents. Returns the old count."""
    current = stream.open_shards()
    count = len(current)
    if target > 2 * count:
        raise ServiceError(
            "LimitExceededException",
            f"UpdateShardCount cannot scale up over double your current open shard count. "
            f"Current open shard count: {count} Target shard count: {target}",
        )
    if target * 2 < count:
        raise ServiceError(
            "LimitExceededException",
            f"UpdateShardCount cannot scale down below half your current open shard count. "
            f"Current open shard count: {count} Target shard count: {target}",
        )
    if target == count:
        return count
    for shard in current:
        stream.close(shard, now)

    def covering(key: int) -> Shard:
        return next(s for s in current if s.start_hash <= key <= s.end_hash)

    for low, high in even_ranges(target):
        parent = covering(low)
        other = covering(high)
        stream.new_shard(low, high, now, parent=parent.shard_id,
                         adjacent=other.shard_id if other is not parent else None)  # fmt: skip
    return count


def child_shards(stream: Stream, shard: Shard) -> list[dict]:
    """The ChildShards of a closed shard (GetRecords at its end, SubscribeToShard)."""
    out = []
    for child in stream.shards:
        if shard.shard_id in (child.parent, child.adjacent_parent):
            parents = [p for p in (child.parent, child.adjacent_parent) if p]
            out.append({
                "ShardId": child.shard_id, "ParentShards": parents,
                "HashKeyRange": {"StartingHashKey": str(child.start_hash), "EndingHashKey": str(child.end_hash)},
            })  # fmt: skip
    return out
