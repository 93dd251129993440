"""Items kept the way DynamoDB keeps them: partitions, each sorted by its sort key.

A table (or a secondary index) is a map from partition-key token to a ``Partition`` whose
items are in sort-key order, so a Query is a dictionary lookup and two bisections, never
a scan. Partitions are also listed in the order of a hash of their key — DynamoDB's own
scan order, which makes ``ExclusiveStartKey`` resumption and parallel-scan segments
(contiguous ranges of that hash) cheap.

Index entries hold the full item (the same stored item as the table); projections are
applied on read.
"""

from __future__ import annotations

import bisect
import hashlib
from typing import Any, Callable, Iterator

from cloudtwin.services.dynamodb.stored import StoredItem
from cloudtwin.services.dynamodb.values import key_token, token_text

HASH_SPACE = 1 << 64


def partition_hash(token: Any) -> int:
    text = "\x1f".join(map(token_text, token)) if isinstance(token, tuple) else token_text(token)
    digest = hashlib.md5(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


class Partition:
    __slots__ = ("hash", "token", "keys", "items")

    def __init__(self, token: Any) -> None:
        self.token = token
        self.hash = partition_hash(token)
        self.keys: list[Any] = []
        self.items: list[StoredItem] = []


class KeyedItems:
    """Items of one table or index keyed by (partition token, sort tuple)."""

    __slots__ = ("hash_name", "sort_of", "partitions", "_order", "count")

    def __init__(self, hash_name: str, sort_of: Callable[[dict[str, Any]], Any]) -> None:
        self.hash_name = hash_name
        #: item -> its position key inside its partition (a tuple or a token)
        self.sort_of = sort_of
        self.partitions: dict[Any, Partition] = {}
        #: (hash, token) of every partition in scan order; rebuilt on the first scan after
        #: partitions came or went, so that writes stay O(log n) in the partition only.
        self._order: list[tuple[int, Any]] | None = []
        self.count = 0

    def put(self, hash_token: Any, sort: Any, item: StoredItem) -> None:
        partition = self.partitions.get(hash_token)
        if partition is None:
            partition = Partition(hash_token)
            self.partitions[hash_token] = partition
            self._order = None
        keys = partition.keys
        i = bisect.bisect_left(keys, sort)
        if i < len(keys) and keys[i] == sort:
            partition.items[i] = item
        else:
            keys.insert(i, sort)
            partition.items.insert(i, item)
            self.count += 1

    def remove(self, hash_token: Any, sort: Any) -> None:
        partition = self.partitions.get(hash_token)
        if partition is None:
            return
        keys = partition.keys
        i = bisect.bisect_left(keys, sort)
        if i < len(keys) and keys[i] == sort:
            del keys[i]
            del partition.items[i]
            self.count -= 1
            if not keys:
                del self.partitions[hash_token]
                self._order = None

    def get(self, hash_token: Any, sort: Any) -> StoredItem | None:
        partition = self.partitions.get(hash_token)
        if partition is None:
            return None
        keys = partition.keys
        i = bisect.bisect_left(keys, sort)
        if i < len(keys) and keys[i] == sort:
            return partition.items[i]
        return None

    # -- reads in order ----------------------------------------------------------------------

    @property
    def order(self) -> list[tuple[int, Any]]:
        if self._order is None:
            self._order = sorted((p.hash, token) for token, p in self.partitions.items())
        return self._order

    def scan(
        self,
        start: tuple[Any, Any] | None = None,
        segment: int = 0,
        total_segments: int = 1,
    ) -> Iterator[StoredItem]:
        """Items in scan order, after ``start`` = (hash token, sort) when given."""
        low = HASH_SPACE * segment // total_segments
        high = HASH_SPACE * (segment + 1) // total_segments
        order = self.order
        if start is not None:
            start_hash = partition_hash(start[0])
            i = bisect.bisect_left(order, (start_hash, start[0]))
            if i < len(order) and order[i][1] == start[0]:
                partition = self.partitions[start[0]]
                j = bisect.bisect_right(partition.keys, start[1])
                yield from partition.items[j:]
                i += 1
        else:
            i = bisect.bisect_left(order, (low,))
        while i < len(order):
            h, token = order[i]
            if h >= high:
                return
            partition = self.partitions.get(token)
            i += 1
            if partition is not None:
                yield from list(partition.items)

    def partition(self, hash_token: Any) -> Partition | None:
        return self.partitions.get(hash_token)


def item_token(item: dict[str, Any], name: str) -> Any:
    value = item.get(name)
    if value is None:
        return None
    return key_token(value)
