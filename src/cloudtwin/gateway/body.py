"""Request bodies read from the ASGI ``receive`` channel."""

from __future__ import annotations

from typing import AsyncIterator, Awaitable, Callable

Receive = Callable[[], Awaitable[dict]]


class BodyTooLarge(Exception):
    pass


class IncompleteBody(Exception):
    """The client went away before sending the whole body."""


async def read_body(receive: Receive, limit: int | None = None) -> bytes:
    """The whole body. Raises IncompleteBody when the client disconnects mid-body."""
    message = await receive()
    if message["type"] == "http.disconnect":
        raise IncompleteBody()
    body = message.get("body", b"")
    if not message.get("more_body", False):
        return body
    parts = [body]
    size = len(body)
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise IncompleteBody()
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise BodyTooLarge()
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


class ReceiveStream:
    """A streaming request body: pieces are pulled from the server as they are read."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._buffer = bytearray()
        self._done = False
        #: True once anything was read: the client was told to go on (100 Continue).
        self.started = False

    async def _pull(self) -> bytes:
        if self._done:
            return b""
        self.started = True
        message = await self._receive()
        if message["type"] == "http.disconnect":
            self._done = True
            raise IncompleteBody()
        if not message.get("more_body", False):
            self._done = True
        return message.get("body", b"")

    async def read(self, size: int = -1) -> bytes:
        if size < 0:
            parts = [bytes(self._buffer)]
            self._buffer.clear()
            while not self._done:
                parts.append(await self._pull())
            return b"".join(parts)
        while len(self._buffer) < size and not self._done:
            self._buffer += await self._pull()
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._buffer:
            chunk = bytes(self._buffer)
            self._buffer.clear()
            yield chunk
        while not self._done:
            chunk = await self._pull()
            if chunk:
                yield chunk
