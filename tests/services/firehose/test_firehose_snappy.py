"""Snappy output (literal-only streams): the framing format's chunks and CRC-32C, and
Hadoop's block format, read back by a reader written from the format specifications."""

import os
import struct

from cloudtwin.services.firehose import snappy


def _read_varint(data, pos):
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _read_raw(block):
    length, pos = _read_varint(block, 0)
    out = bytearray()
    while pos < len(block):
        tag = block[pos]
        pos += 1
        assert tag & 3 == 0  # literals only
        n = tag >> 2
        if n >= 60:
            extra = n - 59
            n = int.from_bytes(block[pos : pos + extra], "little")
            pos += extra
        out += block[pos : pos + n + 1]
        pos += n + 1
    assert len(out) == length
    return bytes(out)


def test_crc32c_check_value():
    assert snappy.crc32c(b"123456789") == 0xE3069283


def test_framed_stream_round_trips_with_checked_crcs():
    data = os.urandom(150_000)
    stream = snappy.framed(data)
    assert stream.startswith(b"\xff\x06\x00\x00sNaPpY")
    pos, out = 10, b""
    while pos < len(stream):
        kind, size = stream[pos], int.from_bytes(stream[pos + 1 : pos + 4], "little")
        crc = struct.unpack("<I", stream[pos + 4 : pos + 8])[0]
        chunk = stream[pos + 8 : pos + 4 + size]
        assert kind == 0x01 and len(chunk) <= 65536
        raw = snappy.crc32c(chunk)
        assert crc == (((raw >> 15) | (raw << 17)) + 0xA282EAD8) & 0xFFFFFFFF
        out += chunk
        pos += 4 + size
    assert out == data


def test_hadoop_blocks_round_trip():
    data = os.urandom(300_000)
    stream, pos, out = snappy.hadoop(data), 0, b""
    while pos < len(stream):
        original, compressed = struct.unpack(">II", stream[pos : pos + 8])
        block = _read_raw(stream[pos + 8 : pos + 8 + compressed])
        assert len(block) == original
        out += block
        pos += 8 + compressed
    assert out == data
