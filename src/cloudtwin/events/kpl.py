"""The Kinesis Producer Library's aggregated record format, for the consumers that
de-aggregate it (Firehose reading a Kinesis source) and for tests that produce it.

An aggregated record's data is::

    F3 89 9A C2  |  AggregatedRecord (protobuf)  |  MD5 of the protobuf (16 bytes)

    message AggregatedRecord {
      repeated string partition_key_table = 1;
      repeated string explicit_hash_key_table = 2;
      repeated Record records = 3;
    }
    message Record {
      required uint64 partition_key_index = 1;
      optional uint64 explicit_hash_key_index = 2;
      required bytes data = 3;
      repeated Tag tags = 4;
    }

Anything without the magic prefix, or whose digest does not match, is an ordinary record
(as the KCL treats it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

MAGIC = b"\xf3\x89\x9a\xc2"


@dataclass(frozen=True, slots=True)
class UserRecord:
    partition_key: str
    explicit_hash_key: str | None
    data: bytes


def _varint(buffer: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buffer):
            raise ValueError("truncated varint")
        byte = buffer[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _fields(buffer: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs of a protobuf message (varints and length-delimited)."""
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(buffer):
        key, pos = _varint(buffer, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buffer, pos)
            out.append((number, value))
        elif wire == 2:
            size, pos = _varint(buffer, pos)
            if pos + size > len(buffer):
                raise ValueError("truncated field")
            out.append((number, buffer[pos : pos + size]))
            pos += size
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
    return out


def deaggregate(data: bytes) -> list[UserRecord] | None:
    """The user records of an aggregated record, or None when ``data`` is not one."""
    if len(data) < len(MAGIC) + 16 or not data.startswith(MAGIC):
        return None
    message, digest = data[len(MAGIC) : -16], data[-16:]
    if hashlib.md5(message).digest() != digest:
        return None
    try:
        keys: list[str] = []
        hashes: list[str] = []
        records: list[UserRecord] = []
        for number, value in _fields(message):
            if number == 1 and isinstance(value, bytes):
                keys.append(value.decode())
            elif number == 2 and isinstance(value, bytes):
                hashes.append(value.decode())
            elif number == 3 and isinstance(value, bytes):
                inner = dict(_fields(value))
                key_index = inner.get(1, 0)
                hash_index = inner.get(2)
                records.append(UserRecord(
                    partition_key=keys[key_index] if isinstance(key_index, int) and key_index < len(keys) else "",
                    explicit_hash_key=hashes[hash_index] if isinstance(hash_index, int) and hash_index < len(hashes) else None,
                    data=inner.get(3, b"") if isinstance(inner.get(3, b""), bytes) else b"",
                ))  # fmt: skip
        return records
    except (ValueError, UnicodeDecodeError):
        return None


def _put_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, value: int | bytes) -> bytes:
    if isinstance(value, int):
        return _put_varint(number << 3) + _put_varint(value)
    return _put_varint(number << 3 | 2) + _put_varint(len(value)) + value


def aggregate(records: list[tuple[str, bytes]]) -> bytes:
    """An aggregated record of (partition key, data) pairs, as the KPL writes it."""
    keys: list[str] = []
    body = b""
    for key, _ in records:
        if key not in keys:
            keys.append(key)
    for key in keys:
        body += _field(1, key.encode())
    for key, data in records:
        body += _field(3, _field(1, keys.index(key)) + _field(3, data))
    return MAGIC + body + hashlib.md5(body).digest()
