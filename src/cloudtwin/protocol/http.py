"""The HTTP request and response values that pass between the gateway and the protocols.

Kept deliberately small: the gateway builds an :class:`HttpRequest` from the ASGI scope, a
protocol parser reads it, a protocol serializer returns an :class:`HttpResponse`, and the
gateway writes that back to the ASGI server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import AsyncIterator, Protocol
from urllib.parse import parse_qsl


class BodyStream(Protocol):
    """A request body that arrives in pieces (streaming payloads such as S3 PutObject)."""

    async def read(self, size: int = -1) -> bytes: ...

    def __aiter__(self) -> AsyncIterator[bytes]: ...


@dataclass(slots=True)
class HttpRequest:
    """One HTTP request as the server received it.

    ``path`` is the raw, still percent-encoded path (no query string); ``query_string`` is
    the raw query string without ``?``. ``headers`` has lower-cased names; repeated headers
    are joined with ``", "``. ``body`` holds the whole body, unless the operation streams its
    payload, in which case ``stream`` is set and ``body`` is empty.
    """

    method: str
    path: str
    query_string: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: BodyStream | None = None
    #: Checksums verified/computed over the payload (``{"crc32": b64, "content-md5": b64}``);
    #: for a streamed payload they are on the stream once it has been read to the end.
    checksums: dict[str, str] | None = None
    #: Header names as the client wrote them, by lower-cased name (execute-api requests only:
    #: API Gateway passes them on with their casing).
    header_names: dict[str, str] | None = None
    _query: list[tuple[str, str]] | None = None

    @property
    def query(self) -> list[tuple[str, str]]:
        """The decoded query parameters, in order, repeated keys kept (``+`` is not a space)."""
        if self._query is None:
            self._query = parse_query(self.query_string)
        return self._query

    @property
    def host(self) -> str:
        return self.headers.get("host", "")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def parse_query(query_string: str) -> list[tuple[str, str]]:
    """Decode a raw query string as AWS does: percent-decoding only, blank values kept."""
    if not query_string:
        return []
    # AWS treats '+' in a query string as a literal plus in REST protocols; keep it.
    return parse_qsl(query_string.replace("+", "%2B"), keep_blank_values=True)


@dataclass(slots=True)
class HttpResponse:
    """One HTTP response. ``body`` is bytes, or an async iterator of bytes to stream."""

    status_code: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | AsyncIterator[bytes] = b""
