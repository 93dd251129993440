"""Request bodies read from the ASGI ``receive`` channel."""

from __future__ import annotations

from typing import Awaitable, Callable

from cloudtwin.protocol.streams import PieceStream

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


class ReceiveStream(PieceStream):
    """A streaming request body: pieces are pulled from the server as they are read."""

    def __init__(self, receive: Receive) -> None:
        super().__init__()
        self._receive = receive
        self._last = False
        #: True once anything was read: the client was told to go on (100 Continue).
        self.started = False

    async def _pull(self) -> bytes | None:
        if self._last:
            return None
        self.started = True
        message = await self._receive()
        if message["type"] == "http.disconnect":
            raise IncompleteBody()
        if not message.get("more_body", False):
            self._last = True
        return message.get("body", b"")
