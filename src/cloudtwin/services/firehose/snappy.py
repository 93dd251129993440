"""Snappy output without a Snappy library: valid streams whose data is stored as literals
(Snappy readers decompress them; they are just not smaller).

- ``Snappy`` (Firehose's default Snappy): the framing format — the stream identifier chunk,
  then "uncompressed data" chunks of at most 64 KiB, each with the masked CRC-32C of its data.
- ``HADOOP_SNAPPY``: Hadoop's block format — per block, the uncompressed length and the
  compressed length (big-endian u32), then a raw Snappy block (varint length, literals).
"""

from __future__ import annotations

import struct

_BLOCK = 65536
_STREAM_IDENTIFIER = b"\xff\x06\x00\x00sNaPpY"


def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked(crc: int) -> int:
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def framed(data: bytes) -> bytes:
    out = [_STREAM_IDENTIFIER]
    for start in range(0, len(data), _BLOCK):
        block = data[start : start + _BLOCK]
        out.append(b"\x01" + (len(block) + 4).to_bytes(3, "little") + struct.pack("<I", _masked(crc32c(block))) + block)
    return b"".join(out)


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def raw_block(data: bytes) -> bytes:
    """A raw Snappy block of literals."""
    out = [_varint(len(data))]
    for start in range(0, len(data), _BLOCK):
        literal = data[start : start + _BLOCK]
        n = len(literal) - 1
        if n < 60:
            out.append(bytes([n << 2]))
        elif n < 256:
            out.append(bytes([60 << 2, n]))
        else:
            out.append(bytes([61 << 2]) + n.to_bytes(2, "little"))
        out.append(literal)
    return b"".join(out)


def hadoop(data: bytes, block_size: int = 256 * 1024) -> bytes:
    out = []
    for start in range(0, len(data), block_size):
        chunk = data[start : start + block_size]
        compressed = raw_block(chunk)
        out.append(struct.pack(">II", len(chunk), len(compressed)) + compressed)
    return b"".join(out)
