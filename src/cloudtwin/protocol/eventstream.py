"""The ``application/vnd.amazon.eventstream`` encoder: framing of event stream responses.

A message is::

    [total length u32][headers length u32][prelude CRC32 u32][headers][payload][message CRC32]

where the message CRC covers everything before it. A header is ``[name length u8][name]
[type u8][value]``; the value types are bool true (0) / false (1), byte (2), short (3),
int (4), long (5), byte array (6, u16 length), string (7, u16 length), timestamp (8,
milliseconds since the epoch as int64) and uuid (9, 16 bytes). Python values choose the
type: ``bool``, :class:`Byte`, :class:`Short`, ``int`` (an int32, an int64 when larger),
:class:`Long`, ``bytes``, ``str``, ``datetime``, ``uuid.UUID``.

:class:`EventStreamEncoder` frames a modeled event (``:message-type event``,
``:event-type``, ``:content-type``, the ``eventheader`` members as headers, the
``eventpayload`` member or the other members as payload), a modeled exception
(``:message-type exception``, ``:exception-type``) and an unmodeled error
(``:message-type error``, ``:error-code``, ``:error-message``). The payload of structures
comes from the protocol (JSON, XML, CBOR) through the function it is built with.
"""

from __future__ import annotations

import struct
import uuid
from binascii import crc32
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Iterable, Mapping

from cloudtwin.protocol import timestamps
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.shape_plans import PlanCache

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import Shape

EVENT_STREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream"

_MAX_HEADER_NAME = 255
_MAX_HEADER_VALUE = 32767

_u8 = struct.Struct("!B").pack
_u16 = struct.Struct("!H").pack
_prelude = struct.Struct("!II").pack
_u32 = struct.Struct("!I").pack
_i8 = struct.Struct("!b").pack
_i16 = struct.Struct("!h").pack
_i32 = struct.Struct("!i").pack
_i64 = struct.Struct("!q").pack


class Byte(int):
    """An event header value written as a signed 8-bit integer."""


class Short(int):
    """An event header value written as a signed 16-bit integer."""


class Long(int):
    """An event header value written as a signed 64-bit integer."""


def _sized(type_code: int, data: bytes) -> bytes:
    if len(data) > _MAX_HEADER_VALUE:
        raise ValueError(f"event header value of {len(data)} bytes is too long")
    return _u8(type_code) + _u16(len(data)) + data


def encode_header_value(value: Any) -> bytes:
    """The type byte and encoded value of one header value (see the module docstring)."""
    if isinstance(value, bool):
        return _u8(0 if value else 1)
    if isinstance(value, Byte):
        return _u8(2) + _i8(value)
    if isinstance(value, Short):
        return _u8(3) + _i16(value)
    if isinstance(value, Long):
        return _u8(5) + _i64(value)
    if isinstance(value, int):
        if -(2**31) <= value < 2**31:
            return _u8(4) + _i32(value)
        return _u8(5) + _i64(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _sized(6, bytes(value))
    if isinstance(value, str):
        return _sized(7, value.encode("utf-8"))
    if isinstance(value, datetime):
        return _u8(8) + _i64(timestamps.epoch_millis(value))
    if isinstance(value, uuid.UUID):
        return _u8(9) + value.bytes
    raise TypeError(f"cannot encode {type(value).__name__} as an event header value")


def encode_headers(headers: Mapping[str, Any]) -> bytes:
    parts = []
    for name, value in headers.items():
        raw = name.encode("utf-8")
        if len(raw) > _MAX_HEADER_NAME:
            raise ValueError(f"event header name {name!r} is too long")
        parts.append(_u8(len(raw)) + raw + encode_header_value(value))
    return b"".join(parts)


def encode_message(headers: Mapping[str, Any], payload: bytes = b"") -> bytes:
    """One complete event stream message."""
    header_bytes = encode_headers(headers)
    prelude = _prelude(12 + len(header_bytes) + len(payload) + 4, len(header_bytes))
    message = b"".join((prelude, _u32(crc32(prelude)), header_bytes, payload))
    return message + _u32(crc32(message))


# -- modeled events -------------------------------------------------------------------------

# How a member's shape type becomes a header value type.
_HEADER_TYPES: Mapping[str, Callable[[Any], Any]] = {
    "boolean": bool,
    "byte": Byte,
    "short": Short,
    "integer": int,
    "long": Long,
    "blob": lambda value: value.encode("utf-8") if isinstance(value, str) else bytes(value),
    "string": str,
    "timestamp": timestamps.to_datetime,
}


@dataclass(frozen=True, slots=True)
class _EventPlan:
    headers: dict[str, Callable[[Any], Any]]  # member -> header value conversion
    payload_member: str | None
    payload_type: str  # of the payload member: blob, string or structure
    payload_shape: Shape
    has_body: bool  # members outside headers make the payload when there is no payload member


class EventStreamEncoder:
    """Frames the modeled events of one protocol.

    ``encode_payload(shape, value)`` writes a structure as the protocol does (JSON, XML,
    CBOR) leaving out ``eventheader`` members; ``content_type`` is what it produces.
    """

    def __init__(self, encode_payload: Callable[[Shape, Any], bytes], content_type: str) -> None:
        self._encode_payload = encode_payload
        self._content_type = content_type
        self._plans: PlanCache[Shape, _EventPlan] = PlanCache()

    @staticmethod
    def _compile(shape: Shape) -> _EventPlan:
        headers: dict[str, Callable[[Any], Any]] = {}
        payload_member, payload_type, payload_shape = None, "structure", shape
        has_body = False
        for name, member in shape.members.items():
            serialization = member.serialization
            if serialization.get("eventheader"):
                headers[name] = _HEADER_TYPES.get(member.type_name, str)
            elif serialization.get("eventpayload"):
                payload_member, payload_type, payload_shape = name, member.type_name, member
            else:
                has_body = True
        return _EventPlan(headers, payload_member, payload_type, payload_shape, has_body)

    def _payload(self, plan: _EventPlan, members: Mapping[str, Any]) -> tuple[bytes, str | None]:
        if plan.payload_member is None:
            if not plan.has_body:
                return b"", None
            return self._encode_payload(plan.payload_shape, members), self._content_type
        value = members.get(plan.payload_member)
        if plan.payload_type == "blob":
            if value is None:
                return b"", "application/octet-stream"
            return _HEADER_TYPES["blob"](value), "application/octet-stream"
        if plan.payload_type == "string":
            return ("" if value is None else value).encode("utf-8"), "text/plain"
        if value is None:
            return b"", None
        return self._encode_payload(plan.payload_shape, value), self._content_type

    def event(self, stream_shape: Shape, event: Mapping[str, Mapping[str, Any]]) -> bytes:
        """One event, given as ``{"<EventName>": {<members>}}``."""
        (event_type, members), = event.items()
        shape = stream_shape.members[event_type]
        plan = self._plans.get(shape, self._compile)
        payload, content_type = self._payload(plan, members)
        headers: dict[str, Any] = {":event-type": event_type, ":message-type": "event"}
        if content_type:
            headers[":content-type"] = content_type
        for name, convert in plan.headers.items():
            value = members.get(name)
            if value is not None:
                headers[name] = convert(value)
        return encode_message(headers, payload)

    def exception(self, stream_shape: Shape, error: ServiceError) -> bytes:
        """A modeled exception event when the stream declares ``error.code``, else an error."""
        shape = stream_shape.members.get(error.code)
        if shape is None or not shape.metadata.get("exception"):
            return self.error(error.code, error.message)
        members = dict(error.fields)
        if error.message:
            key = next((n for n in shape.members if n.lower() == "message"), "message")
            members.setdefault(key, error.message)
        plan = self._plans.get(shape, self._compile)
        payload, content_type = self._payload(plan, members)
        headers = {
            ":exception-type": error.code,
            ":message-type": "exception",
            ":content-type": content_type or self._content_type,
        }
        return encode_message(headers, payload)

    @staticmethod
    def error(code: str, message: str) -> bytes:
        """An unmodeled error: it ends the stream on the client side."""
        return encode_message(
            {":error-code": code, ":error-message": message, ":message-type": "error"}
        )

    def initial_response(self, payload: bytes) -> bytes:
        """The ``initial-response`` event RPC protocols send before the events."""
        return encode_message(
            {
                ":event-type": "initial-response",
                ":message-type": "event",
                ":content-type": self._content_type,
            },
            payload,
        )

    async def stream(
        self,
        stream_shape: Shape,
        events: Iterable[Mapping[str, Any]] | AsyncIterator[Mapping[str, Any]],
        initial: bytes | None = None,
    ) -> AsyncIterator[bytes]:
        """Frame ``events`` (a sync or async iterable) as they come.

        A :class:`ServiceError` raised by the event source ends the stream with an
        exception (or error) message, as AWS does.
        """
        if initial is not None:
            yield initial
        try:
            if hasattr(events, "__aiter__"):
                async for event in events:  # type: ignore[union-attr]
                    yield self.event(stream_shape, event)
            else:
                for event in events:  # type: ignore[union-attr]
                    yield self.event(stream_shape, event)
        except ServiceError as error:
            yield self.exception(stream_shape, error)
