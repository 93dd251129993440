"""The ``aws-chunked`` content encoding of streaming uploads, decoded as it arrives.

Current SDKs send streaming payloads (S3 PutObject, UploadPart...) framed like this::

    <size hex>[;chunk-signature=<sig>]\\r\\n      one per chunk; size 0 ends the data
    <size bytes of payload>\\r\\n
    ...
    0[;chunk-signature=<sig>]\\r\\n
    x-amz-checksum-crc32:<base64>\\r\\n            trailing headers (x-amz-trailer), if any
    x-amz-trailer-signature:<sig>\\r\\n            signed-trailer variant only
    \\r\\n

announced by ``Content-Encoding: aws-chunked`` and an ``x-amz-content-sha256`` of
``STREAMING-UNSIGNED-PAYLOAD-TRAILER``, ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`` or the
ECDSA (SigV4a) equivalents, with ``x-amz-decoded-content-length`` giving the payload size.

:class:`ChunkedDecoder` is the sans-IO core: feed it bytes in pieces of any size, it returns
payload pieces and collects trailers and chunk signatures (parsed, not verified yet).
:class:`AwsChunkedStream` wraps it as an async stream transformer over any async iterable of
bytes (a ``BodyStream``), so a 5 GB upload never sits in memory; :func:`decode_chunked` does the
same over a whole body.

A malformed or truncated body raises :class:`~cloudtwin.protocol.errors.ProtocolError` with S3's
answer, as observed on the wire: ``IncompleteBody`` "The request body terminated unexpectedly"
for any framing fault, a truncation, or a decoded length that differs from
``x-amz-decoded-content-length``; ``MalformedTrailerError`` for trailers that are not what
``x-amz-trailer`` declared; ``InvalidChunkSizeError`` when a chunk other than the last is
smaller than 8 KiB; ``MissingContentLength`` (411) for an unreadable decoded length.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import ProtocolError
from .streams import PieceStream

if TYPE_CHECKING:  # pragma: no cover
    from .checksums import ChecksumVerifier

__all__ = [
    "AwsChunkedStream",
    "ChunkedDecoder",
    "ChunkedFraming",
    "DecodedBody",
    "MIN_CHUNK_SIZE",
    "decode_chunked",
    "is_aws_chunked",
    "strip_aws_chunked",
]

MIN_CHUNK_SIZE = 8192
"""S3 rejects a chunk smaller than this unless it is the last one carrying data."""

_MAX_LINE = 4096  # a chunk header or trailer line longer than this is not aws-chunked
_SIGNED = frozenset(
    {
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
    }
)
_TRAILER_SIGNATURE = "x-amz-trailer-signature"
_HEX = frozenset(b"0123456789abcdefABCDEF")

# States of the decoder.
_HEADER, _DATA, _DATA_END, _TRAILER, _DONE = range(5)


def incomplete_body() -> ProtocolError:
    return ProtocolError("IncompleteBody", "The request body terminated unexpectedly", 400)


def malformed_trailer() -> ProtocolError:
    return ProtocolError(
        "MalformedTrailerError",
        "The request contained trailing data that was not well-formed or did not conform to "
        "our published schema.",
        400,
    )


def invalid_chunk_size(chunk: int, size: int) -> ProtocolError:
    return ProtocolError(
        "InvalidChunkSizeError",
        f"Only the last chunk is allowed to have a size less than {MIN_CHUNK_SIZE} bytes",
        400,
        fields={"Chunk": str(chunk), "BadChunkSize": str(size)},
    )


def missing_content_length() -> ProtocolError:
    return ProtocolError("MissingContentLength", "You must provide the Content-Length HTTP header.", 411)


def is_aws_chunked(headers: Mapping[str, str]) -> bool:
    """Whether the body is aws-chunked: a ``STREAMING-*`` payload hash other than the
    unsigned-payload marker, or ``aws-chunked`` among the content encodings."""
    sha = headers.get("x-amz-content-sha256", "")
    if sha.startswith("STREAMING-"):
        return True
    encoding = headers.get("content-encoding")
    return bool(encoding) and "aws-chunked" in (part.strip().lower() for part in encoding.split(","))


def strip_aws_chunked(content_encoding: str | None) -> str | None:
    """The content encoding left once aws-chunked is removed (what S3 stores), or ``None``."""
    if not content_encoding:
        return None
    rest = [p.strip() for p in content_encoding.split(",") if p.strip() and p.strip().lower() != "aws-chunked"]
    return ", ".join(rest) or None


@dataclass(frozen=True, slots=True)
class ChunkedFraming:
    """What the request headers announce about an aws-chunked body."""

    signed: bool = False
    """Chunks carry ``chunk-signature`` extensions (the SigV4 / SigV4a streaming variants)."""
    trailers: tuple[str, ...] = ()
    """Trailing header names declared in ``x-amz-trailer`` (lower case)."""
    decoded_length: int | None = None
    """``x-amz-decoded-content-length``: the payload size once decoded, if sent."""
    content_encoding: str | None = None
    """The remaining ``Content-Encoding`` once aws-chunked is stripped (e.g. ``gzip``)."""
    content_sha256: str = ""

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> ChunkedFraming | None:
        """The framing of an aws-chunked request, ``None`` if the body is not aws-chunked.

        Raises ``MissingContentLength`` for an ``x-amz-decoded-content-length`` that is not a
        non-negative integer.
        """
        if not is_aws_chunked(headers):
            return None
        sha = headers.get("x-amz-content-sha256", "")
        decoded: int | None = None
        raw = headers.get("x-amz-decoded-content-length")
        if raw is not None:
            raw = raw.strip()
            if not raw.isdigit():
                raise missing_content_length()
            decoded = int(raw)
        declared = headers.get("x-amz-trailer", "")
        trailers = tuple(name.strip().lower() for name in declared.split(",") if name.strip())
        return cls(
            signed=sha in _SIGNED,
            trailers=trailers,
            decoded_length=decoded,
            content_encoding=strip_aws_chunked(headers.get("content-encoding")),
            content_sha256=sha,
        )


class ChunkedDecoder:
    """Incremental aws-chunked parser: ``feed`` bytes, get payload pieces; ``close`` at EOF.

    Holds at most one header line and whatever ``feed`` was given; payload bytes are passed
    through as slices of the input, never accumulated. After ``close``, ``trailers`` has the
    trailing headers (lower-case names), ``trailer_signature`` the trailer signature if sent,
    ``chunk_signatures`` every chunk's signature in order when ``keep_signatures`` (else only
    ``last_signature``, so memory stays flat for huge uploads), ``length`` the payload size.
    ``min_chunk_size=0`` disables the 8 KiB rule.
    """

    def __init__(
        self,
        framing: ChunkedFraming | None = None,
        *,
        min_chunk_size: int = MIN_CHUNK_SIZE,
        keep_signatures: bool = False,
    ) -> None:
        self.framing = framing or ChunkedFraming()
        self.min_chunk_size = min_chunk_size
        self.keep_signatures = keep_signatures
        self.trailers: dict[str, str] = {}
        self.trailer_signature: str | None = None
        self.chunk_signatures: list[str] = []
        self.last_signature: str | None = None
        self.length = 0
        self.chunks = 0
        self._state = _HEADER
        self._line = bytearray()
        self._remaining = 0
        self._previous_size = -1

    @property
    def done(self) -> bool:
        """The terminating empty line has been read."""
        return self._state == _DONE

    def feed(self, data: bytes | bytearray | memoryview) -> list[bytes]:
        """Consume ``data``; return the payload bytes it completes, in order."""
        out: list[bytes] = []
        buf = bytes(data) if isinstance(data, memoryview) else data
        view = memoryview(buf)
        pos, end = 0, len(view)
        while pos < end:
            state = self._state
            if state == _DATA:
                take = min(self._remaining, end - pos)
                if pos == 0 and take == end and buf.__class__ is bytes:
                    out.append(buf)  # the whole input is payload: pass it through uncopied
                else:
                    out.append(bytes(view[pos : pos + take]))
                pos += take
                self._remaining -= take
                if self._remaining == 0:
                    self._state = _DATA_END
            elif state == _DATA_END:
                # Exactly CRLF after the data; may arrive split across feeds.
                need = 2 - len(self._line)
                piece = bytes(view[pos : pos + need])
                self._line += piece
                pos += len(piece)
                if len(self._line) == 2:
                    if self._line != b"\r\n":
                        raise incomplete_body()
                    self._line.clear()
                    self._state = _HEADER
            elif state == _DONE:
                break  # anything after the final empty line is ignored
            else:
                newline = buf.find(b"\n", pos)
                stop = end if newline < 0 else newline + 1
                self._line += view[pos:stop]
                pos = stop
                if len(self._line) > _MAX_LINE:
                    raise incomplete_body() if state == _HEADER else malformed_trailer()
                if newline >= 0:
                    line = bytes(self._line)
                    self._line.clear()
                    if state == _HEADER:
                        self._chunk_header(line)
                    else:
                        self._trailer_line(line)
        return out

    def _chunk_header(self, line: bytes) -> None:
        if not line.endswith(b"\r\n"):
            raise incomplete_body()
        size_part, _, extensions = line[:-2].partition(b";")
        size_part = size_part.strip()
        if not size_part or len(size_part) > 16 or not _HEX.issuperset(size_part):
            raise incomplete_body()
        size = int(size_part, 16)
        signature = _chunk_signature(extensions) if extensions else None
        if self.framing.signed and signature is None:
            raise incomplete_body()
        if signature is not None:
            self.last_signature = signature
            if self.keep_signatures:
                self.chunk_signatures.append(signature)
        self.chunks += 1
        if size and 0 <= self._previous_size < self.min_chunk_size:
            raise invalid_chunk_size(self.chunks, self._previous_size)
        self._previous_size = size
        if size == 0:
            self._state = _TRAILER
            return
        self.length += size
        decoded = self.framing.decoded_length
        if decoded is not None and self.length > decoded:
            raise incomplete_body()
        self._remaining = size
        self._state = _DATA

    def _trailer_line(self, line: bytes) -> None:
        text = line.rstrip(b"\r\n")
        if not text:
            self._state = _DONE
            return
        name, sep, value = text.partition(b":")
        if not sep:
            raise malformed_trailer()
        try:
            key = name.decode("ascii").strip().lower()
            val = value.decode("ascii").strip()
        except UnicodeDecodeError:
            raise malformed_trailer() from None
        if not key:
            raise malformed_trailer()
        if key == _TRAILER_SIGNATURE:
            self.trailer_signature = val
        else:
            self.trailers[key] = val

    def close(self) -> None:
        """End of input: raise if the body stopped early or breaks what the headers said."""
        if self._state != _DONE:
            raise incomplete_body()
        framing = self.framing
        if framing.decoded_length is not None and self.length != framing.decoded_length:
            raise incomplete_body()
        declared = framing.trailers
        for name in self.trailers:
            if name not in declared:
                raise malformed_trailer()
        for name in declared:
            if name not in self.trailers:
                # S3 answers differently for the signed variant.
                raise incomplete_body() if framing.signed else malformed_trailer()


def _chunk_signature(extensions: bytes) -> str | None:
    for extension in extensions.split(b";"):
        name, _, value = extension.partition(b"=")
        if name.strip() == b"chunk-signature":
            sig = value.strip()
            if not sig or not _HEX.issuperset(sig):
                raise incomplete_body()
            return sig.decode("ascii")
    return None


@dataclass(slots=True)
class DecodedBody:
    """A whole aws-chunked body, decoded."""

    payload: bytes
    trailers: dict[str, str] = field(default_factory=dict)
    chunk_signatures: list[str] = field(default_factory=list)
    trailer_signature: str | None = None
    checksums: dict[str, str] | None = None


def decode_chunked(
    body: bytes,
    framing: ChunkedFraming | None = None,
    *,
    verifier: ChecksumVerifier | None = None,
    min_chunk_size: int = MIN_CHUNK_SIZE,
) -> DecodedBody:
    """Decode a whole aws-chunked body; with a ``verifier``, check its checksums too."""
    decoder = ChunkedDecoder(framing, min_chunk_size=min_chunk_size, keep_signatures=True)
    pieces = decoder.feed(body)
    decoder.close()
    payload = b"".join(pieces)
    checksums = None
    if verifier is not None:
        verifier.update(payload)
        checksums = verifier.finish(decoder.trailers)
    return DecodedBody(payload, decoder.trailers, decoder.chunk_signatures, decoder.trailer_signature, checksums)


class AwsChunkedStream(PieceStream):
    """The decoded payload of an aws-chunked body, as a ``BodyStream``.

    ``source`` is any async iterable of raw body bytes (the request's ``BodyStream``). Pieces
    are decoded as they arrive; a ``verifier`` (``checksums.ChecksumVerifier``) sees every
    payload byte and is finished with the trailers at the end, so a checksum mismatch raises
    from the final read, like a framing fault. ``trailers`` and ``checksums`` are set once
    the stream is exhausted.
    """

    def __init__(
        self,
        source: AsyncIterable[bytes],
        framing: ChunkedFraming | None = None,
        *,
        verifier: ChecksumVerifier | None = None,
        min_chunk_size: int = MIN_CHUNK_SIZE,
        keep_signatures: bool = False,
    ) -> None:
        super().__init__()
        self._source = source
        self._iter: AsyncIterator[bytes] | None = None
        self._decoder = ChunkedDecoder(framing, min_chunk_size=min_chunk_size, keep_signatures=keep_signatures)
        self._verifier = verifier
        self._ready: deque[bytes] = deque()
        self.checksums: dict[str, str] | None = None

    @property
    def decoder(self) -> ChunkedDecoder:
        return self._decoder

    @property
    def trailers(self) -> dict[str, str]:
        return self._decoder.trailers

    @property
    def framing(self) -> ChunkedFraming:
        return self._decoder.framing

    async def _pull(self) -> bytes | None:
        """The next decoded piece; None once the body (and its trailers) are over."""
        if self._iter is None:
            self._iter = aiter(self._source)
        while not self._ready:
            try:
                raw = await anext(self._iter)
            except StopAsyncIteration:
                self._finish()
                return None
            pieces = self._decoder.feed(raw)
            if self._verifier is not None:
                for piece in pieces:
                    self._verifier.update(piece)
            self._ready.extend(pieces)
        return self._ready.popleft()

    def _finish(self) -> None:
        self._decoder.close()
        if self._verifier is not None:
            self.checksums = self._verifier.finish(self._decoder.trailers)