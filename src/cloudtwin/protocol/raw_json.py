"""JSON text a service already holds, written into a JSON response as it is.

A service that keeps values in their wire form (DynamoDB keeps each item as its JSON text)
returns them as :class:`RawJSON`; the JSON serializers copy the bytes into the response
instead of decoding and re-encoding them. Only the JSON protocols know the type: a result
with a ``RawJSON`` in it is for a ``json`` / ``rest-json`` response, never for the internal
client (which hands results to Python code) or another protocol.

Python's encoder cannot emit a fragment verbatim, so :func:`dumps` lets it write a
placeholder string for each fragment (a per-process random marker no client can know)
and splices the fragments in, in the order the encoder met them.
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable

__all__ = ["RawJSON", "dumps"]


class RawJSON(bytes):
    """One JSON value, as UTF-8 text, that the serializer writes unchanged."""

    __slots__ = ()


class _HasRaw(Exception):
    pass


_MARK = "\x00cloudtwin-raw-" + os.urandom(16).hex()
#: the marker as the encoder writes it (a JSON string; the NUL escaped)
_MARK_JSON = json.dumps(_MARK)


def _refuse(value: Any) -> Any:
    if type(value) is RawJSON:
        raise _HasRaw
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _one_shot_encoder(default: Callable[[Any], Any]) -> Callable[[Any], str]:
    """``json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=default)
    .encode``, the same text, without building the C encoder again on every call (as
    ``encode`` does): made once, with no circular-reference bookkeeping (a response is a
    tree)."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=default)
    make = json.encoder.c_make_encoder
    if make is None:  # pragma: no cover - CPython has the C accelerator
        return encoder.encode
    encode_text = json.encoder.encode_basestring
    chunks = make(None, default, encode_text, None, ":", ",", False, False, True)
    join = "".join

    def encode(value: Any) -> str:
        if type(value) is str:
            return encode_text(value)
        return join(chunks(value, 0))

    return encode


_plain = _one_shot_encoder(_refuse)


def dumps(value: Any, plain: Callable[[Any], str] = _plain) -> bytes:
    """Compact UTF-8 JSON of ``value``, with its :class:`RawJSON` parts spliced in."""
    if not _raw_on_top(value):
        try:
            return plain(value).encode("utf-8", "surrogatepass")
        except _HasRaw:  # deeper down
            pass
    elif plain is _plain:
        joined = _join_top(value)
        if joined is not None:
            return joined
    fragments: list[bytes] = []

    def collect(found: Any) -> Any:
        if type(found) is RawJSON:
            fragments.append(found)
            return _MARK
        raise TypeError(f"Object of type {type(found).__name__} is not JSON serializable")

    text = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=collect).encode(value)
    parts = text.split(_MARK_JSON)
    if len(parts) != len(fragments) + 1:  # pragma: no cover - a client would need the marker
        decoded = _decode_fragments(value)
        return _plain(decoded).encode("utf-8", "surrogatepass")
    out = [parts[0].encode("utf-8", "surrogatepass")]
    for fragment, part in zip(fragments, parts[1:]):
        out.append(fragment)
        out.append(part.encode("utf-8", "surrogatepass"))
    return b"".join(out)


def _join_top(value: dict) -> bytes | None:
    """The common result with fragments (an item; a page of items), written directly:
    each member is a fragment, a list of fragments, or plain data — the same bytes as the
    encoder writes (``{"key":value,...}``, compact). None when a fragment is deeper."""
    parts = []
    for key, member in value.items():
        if type(key) is not str:
            return None
        kind = type(member)
        if kind is RawJSON:
            encoded = member
        elif kind is list and member and type(member[0]) is RawJSON:
            for item in member:
                if type(item) is not RawJSON:
                    return None
            encoded = b"[" + b",".join(member) + b"]"
        else:
            try:
                encoded = _plain(member).encode("utf-8", "surrogatepass")
            except _HasRaw:
                return None
        parts.append(_plain(key).encode("utf-8", "surrogatepass") + b":" + encoded)
    return b"{" + b",".join(parts) + b"}"


def _raw_on_top(value: Any) -> bool:
    """Whether a response's own members hold fragments (an item, a list of items): then the
    plain encoding, which stops at the first fragment, is not tried."""
    if type(value) is not dict:
        return False
    for member in value.values():
        if type(member) is RawJSON or (type(member) is list and member and type(member[0]) is RawJSON):
            return True
    return False


def _decode_fragments(value: Any) -> Any:  # pragma: no cover - see dumps
    if type(value) is RawJSON:
        return json.loads(value)
    if isinstance(value, dict):
        return {k: _decode_fragments(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_decode_fragments(v) for v in value]
    return value
