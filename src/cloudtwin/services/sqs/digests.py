"""MD5 digests of message bodies and attributes, computed exactly as SQS computes them.

SDKs check ``MD5OfMessageBody`` / ``MD5OfMessageAttributes`` against their own digest, so
the byte layout must match AWS's: attributes sorted by name, and for each one the name,
the data type and the value, every field as a 4-byte big-endian length followed by its
bytes, with one transport-type byte before the value (1 string, 2 binary, 3 string list,
4 binary list).
"""

from __future__ import annotations

import hashlib
import struct
from typing import Any

try:  # CPython's own MD5: for inputs of a message's size, about half the cost of OpenSSL's
    from _md5 import md5
except ImportError:  # pragma: no cover - an interpreter built without it
    md5 = hashlib.md5

_PACK = struct.Struct(">I").pack

STRING, BINARY, STRING_LIST, BINARY_LIST = b"\x01", b"\x02", b"\x03", b"\x04"


def _field(out: list[bytes], data: bytes) -> None:
    out.append(_PACK(len(data)))
    out.append(data)


def _as_bytes(value: Any) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def md5_of_attributes(attributes: dict[str, dict[str, Any]] | None) -> str | None:
    """The digest of message (or message system) attributes; None when there are none."""
    if not attributes:
        return None
    out: list[bytes] = []
    for name in sorted(attributes):
        value = attributes[name]
        _field(out, name.encode("utf-8"))
        _field(out, value["DataType"].encode("utf-8"))
        if value.get("StringValue") is not None:
            out.append(STRING)
            _field(out, value["StringValue"].encode("utf-8"))
        elif value.get("BinaryValue") is not None:
            out.append(BINARY)
            _field(out, _as_bytes(value["BinaryValue"]))
        elif value.get("StringListValues"):
            out.append(STRING_LIST)
            for item in value["StringListValues"]:
                _field(out, item.encode("utf-8"))
        elif value.get("BinaryListValues"):
            out.append(BINARY_LIST)
            for item in value["BinaryListValues"]:
                _field(out, _as_bytes(item))
    return md5(b"".join(out)).hexdigest()
