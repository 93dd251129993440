"""Request bodies read from the ASGI ``receive`` channel, at most once and within bounds.

The server hands a body over exactly once: asking ``receive`` for more after the last piece
waits for the client to disconnect, i.e. forever on a keep-alive connection. So a request
owns one :class:`RequestBody`, which reads the body the first time it is asked for and gives
the same bytes to everyone who asks later (routing, the protocol parser, S3's form upload),
or hands the still-unread body over as one stream.

Two bounds keep a request from holding memory or a task forever:

* a size limit, checked against ``Content-Length`` before anything is read (nothing is
  read at all, and no ``100 Continue`` sent, for a body declared too large) and again as
  the pieces arrive (chunked bodies): :class:`BodyTooLarge`;
* an idle timeout: a client that stops sending mid-body gets :class:`BodyTimeout` (S3's
  ``RequestTimeout``) instead of holding the request open.

Either way the gateway answers and closes the connection without reading the rest.
"""

from __future__ import annotations

import asyncio
import types
from typing import Any, Awaitable, Callable

from cloudtwin.gateway.resumption import resume
from cloudtwin.protocol.streams import PieceStream

Receive = Callable[[], Awaitable[dict]]

#: Seconds a client may pause mid-body (S3 closes idle uploads after about 20 s).
DEFAULT_IDLE_TIMEOUT = 20.0
#: An unread body up to this size is left for the server to skip (keep-alive survives).
_DRAIN_LIMIT = 64 * 1024


class BodyTooLarge(Exception):
    """The body is (or is declared) longer than ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class BodyTimeout(Exception):
    """The client sent nothing for the idle timeout while the body was not complete."""


class IncompleteBody(Exception):
    """The client went away before sending the whole body."""


def declared_length(headers: dict[str, str]) -> int | None:
    raw = headers.get("content-length")
    if raw is None or "transfer-encoding" in headers:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


class RequestBody:
    """One request's body: read once (whole or as a stream), then replayed."""

    def __init__(
        self,
        receive: Receive,
        headers: dict[str, str],
        idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT,
    ) -> None:
        self._receive = receive
        self._idle_timeout = idle_timeout
        self.length = declared_length(headers)
        #: Nothing to read: no body was announced (no length, no chunked framing).
        self._empty = self.length == 0 or (
            self.length is None and "transfer-encoding" not in headers
        )
        self._data: bytes | None = b"" if self._empty else None
        self._stream: ReceiveStream | None = None

    @property
    def consumed(self) -> bool:
        """Whether the client was asked for the body (it is no longer waiting on ``100
        Continue`` and the connection can carry the next request)."""
        if self._stream is not None:
            return self._stream.started
        return self._data is not None

    def worth_closing(self, expect: bool) -> bool:
        """Whether answering now leaves a body the connection would have to carry: the
        client waits on ``100 Continue``, or more than a little is still to come (closing
        beats draining it)."""
        if self._data is not None or (self._stream is not None and self._stream.finished):
            return False
        if expect and not self.consumed:
            return True
        return self.length is None or self.length > _DRAIN_LIMIT

    def check_declared(self, limit: int | None) -> None:
        """Refuse a body whose declared length is over ``limit`` (reading none of it)."""
        if limit is not None and self.length is not None and self.length > limit:
            raise BodyTooLarge(limit)

    async def next_message(self) -> dict:
        if self._idle_timeout is None:
            return await self._receive()
        # Most bodies have arrived whole by the time they are asked for: the server's
        # ``receive`` then answers without waiting, and no timer is armed at all (on every
        # request, arming one costs more than the rest of reading the body).
        pending = self._receive()
        if not isinstance(pending, types.CoroutineType):  # another server's awaitable
            awaiting: Awaitable[dict] = pending
        else:
            try:
                waiting_on = pending.send(None)
            except StopIteration as done:
                return done.value
            awaiting = resume(pending, waiting_on)
        try:
            async with asyncio.timeout(self._idle_timeout):
                return await awaiting
        except TimeoutError:
            raise BodyTimeout() from None

    async def read(self, limit: int | None = None) -> bytes:
        """The whole body (the same bytes on every call). Raises :class:`BodyTooLarge`
        as soon as more than ``limit`` bytes are declared or received."""
        if self._data is not None:
            if limit is not None and len(self._data) > limit:
                raise BodyTooLarge(limit)
            return self._data
        if self._stream is not None:
            raise RuntimeError("the body was handed over as a stream")
        self.check_declared(limit)
        parts: list[bytes] = []
        size = 0
        while True:
            message = await self.next_message()
            if message["type"] == "http.disconnect":
                raise IncompleteBody()
            chunk = message.get("body", b"")
            size += len(chunk)
            if limit is not None and size > limit:
                raise BodyTooLarge(limit)
            parts.append(chunk)
            if not message.get("more_body", False):
                self._data = parts[0] if len(parts) == 1 else b"".join(parts)
                return self._data

    def stream(self) -> "PieceStream":
        """The body as a stream of pieces, read as the consumer goes (once)."""
        if self._stream is None:
            if self._data is not None:
                self._stream = ReceiveStream(None, self._data)
            else:
                self._stream = ReceiveStream(self)
        return self._stream


class ReceiveStream(PieceStream):
    """A streaming request body: pieces are pulled from the server as they are read."""

    def __init__(self, body: RequestBody | None, data: bytes | None = None) -> None:
        super().__init__()
        self._body = body
        self._last = body is None
        if data:
            self._buffer += data
        #: True once anything was read: the client was told to go on (100 Continue).
        self.started = body is None

    async def _pull(self) -> bytes | None:
        if self._last:
            return None
        self.started = True
        message = await self._body.next_message()  # type: ignore[union-attr]
        if message["type"] == "http.disconnect":
            raise IncompleteBody()
        if not message.get("more_body", False):
            self._last = True
        return message.get("body", b"")

    @property
    def finished(self) -> bool:
        """Everything the client sent has been received."""
        return self._last


async def read_body(receive: Receive, limit: int | None = None) -> bytes:
    """The whole body of a request that needs no replay (the control surface)."""
    return await RequestBody(receive, {"transfer-encoding": "?"}).read(limit)
