"""Items as a table keeps them: each one its JSON text, as the wire carries it.

A decoded item is a dict of small dicts (``{"pk": {"S": "a"}, ...}``), about 2.5 KB of
Python objects for 200 bytes of data; its JSON text (binary values in base64, numbers in
canonical form) is the same data in about 250 bytes. A :class:`StoredItem` holds that text
and the item's size as DynamoDB counts it (pages of Query and Scan are 1 MB of it).

Reads that return whole items hand the text to the JSON serializer as it is
(:meth:`StoredItem.wire`): no decoding, no encoding. Reads that look inside an item
(filters, projections, conditions, updates, streams) decode it with :func:`decode`, which
makes a fresh dict each time, so callers may change what they get.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cloudtwin.protocol.raw_json import RawJSON
from cloudtwin.services.dynamodb.values import item_size

__all__ = ["StoredItem", "decode", "encode"]


def _base64(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False, default=_base64).encode
_loads = json.loads
_b64decode = base64.b64decode


class StoredItem:
    """One item: its JSON text (UTF-8) and its DynamoDB size in bytes."""

    __slots__ = ("raw", "size")

    def __init__(self, raw: bytes, size: int) -> None:
        self.raw = raw
        self.size = size

    def wire(self) -> RawJSON:
        """The item for a JSON response, written as it is stored."""
        return RawJSON(self.raw)

    def decoded(self) -> dict[str, Any]:
        return decode(self.raw)

    def __repr__(self) -> str:
        return f"StoredItem({self.raw!r})"


def encode(item: dict[str, Any]) -> StoredItem:
    """The stored form of a validated item (binary values as bytes)."""
    return StoredItem(_dumps(item).encode("utf-8", "surrogatepass"), item_size(item))


def decode(raw: bytes) -> dict[str, Any]:
    """A fresh item dict from its stored text (binary values back to bytes)."""
    item = _loads(raw)
    # ``{"B":`` can only appear outside strings (quotes inside strings are escaped); a map
    # with a key "B" also matches, and the walk leaves it as it is.
    if b'{"B":' in raw or b'{"BS":' in raw:
        for value in item.values():
            _binary(value)
    return item


def _binary(value: dict[str, Any]) -> None:
    for tag, inner in value.items():
        if tag == "B":
            value[tag] = _b64decode(inner)
        elif tag == "BS":
            value[tag] = [_b64decode(b) for b in inner]
        elif tag == "M":
            for v in inner.values():
                _binary(v)
        elif tag == "L":
            for v in inner:
                _binary(v)
