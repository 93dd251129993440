"""``PieceStream``: a request body read piece by piece, as a ``BodyStream``.

The received body, its aws-chunked decoding and its checksum verification are each a
stream of pieces pulled from the one before; this base gives them the same ``read(n)`` and
``async for``, so each only says how to get its next piece.
"""

from __future__ import annotations

from typing import AsyncIterator


class PieceStream:
    """Subclasses implement :meth:`_pull`: the next piece, or ``None`` once the body is over."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._done = False

    async def _pull(self) -> bytes | None:  # pragma: no cover - abstract
        raise NotImplementedError

    async def _next(self) -> bytes | None:
        if self._done:
            return None
        piece = await self._pull()
        if piece is None:
            self._done = True
        return piece

    async def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left for ``size < 0``); ``b""`` at the end."""
        while size < 0 or len(self._buffer) < size:
            piece = await self._next()
            if piece is None:
                break
            self._buffer += piece
        if size < 0 or size >= len(self._buffer):
            data = bytes(self._buffer)
            self._buffer.clear()
            return data
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._pieces()

    async def _pieces(self) -> AsyncIterator[bytes]:
        if self._buffer:
            data = bytes(self._buffer)
            self._buffer.clear()
            yield data
        while (piece := await self._next()) is not None:
            if piece:
                yield piece
