"""aws-chunked decoding: bodies written by botocore's own AwsChunkedWrapper, S3's errors."""

from __future__ import annotations

import asyncio
import io
import random

import pytest
from botocore import httpchecksum

from cloudtwin.protocol.checksums import ChecksumVerifier, checksum, plan_checksums
from cloudtwin.protocol.chunked import (
    MIN_CHUNK_SIZE,
    AwsChunkedStream,
    ChunkedDecoder,
    ChunkedFraming,
    decode_chunked,
    is_aws_chunked,
    strip_aws_chunked,
)
from cloudtwin.protocol.errors import ProtocolError, ServiceError
from cloudtwin.specs.catalog import ServiceCatalog

UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
SIG = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"


def botocore_body(payload: bytes, algorithm: str | None = "crc32", chunk_size: int = MIN_CHUNK_SIZE) -> bytes:
    """What botocore sends for a streaming upload with a trailing checksum."""
    if algorithm and algorithm not in httpchecksum._CHECKSUM_CLS:
        pytest.skip(f"botocore needs awscrt for {algorithm}")
    checksum_cls = httpchecksum._CHECKSUM_CLS[algorithm] if algorithm else None
    wrapper = httpchecksum.AwsChunkedWrapper(
        io.BytesIO(payload),
        checksum_cls=checksum_cls,
        checksum_name=f"x-amz-checksum-{algorithm}",
        chunk_size=chunk_size,
    )
    return wrapper.read()


def headers_for(payload: bytes, algorithm: str | None = "crc32", sha: str = UNSIGNED_TRAILER) -> dict[str, str]:
    headers = {
        "content-encoding": "aws-chunked",
        "x-amz-content-sha256": sha,
        "x-amz-decoded-content-length": str(len(payload)),
    }
    if algorithm:
        headers["x-amz-trailer"] = f"x-amz-checksum-{algorithm}"
        headers["x-amz-sdk-checksum-algorithm"] = algorithm.upper()
    return headers


def signed_body(chunks: list[bytes], trailers: dict[str, str] | None = None) -> bytes:
    out = bytearray()
    for chunk in chunks + [b""]:
        out += b"%x;chunk-signature=%s\r\n" % (len(chunk), SIG.encode())
        if chunk:
            out += chunk + b"\r\n"
    for name, value in (trailers or {}).items():
        out += f"{name}:{value}\r\n".encode()
    if trailers:
        out += f"x-amz-trailer-signature:{SIG}\r\n".encode()
    return bytes(out + b"\r\n")


async def pieces(data: bytes, size: int):
    for start in range(0, len(data), size):
        yield data[start : start + size]


def stream_all(body: bytes, framing: ChunkedFraming | None, piece: int, *, verifier=None, read_size: int | None = None):
    async def run():
        stream = AwsChunkedStream(pieces(body, piece), framing, verifier=verifier)
        if read_size is None:
            data = b"".join([p async for p in stream])
        else:
            out = bytearray()
            while chunk := await stream.read(read_size):
                assert len(chunk) <= read_size
                out += chunk
            data = bytes(out)
        return data, stream

    return asyncio.run(run())


def protocol_error(fn, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        fn(*args, **kwargs)
    return caught.value


@pytest.fixture(scope="module")
def put_object():
    return ServiceCatalog().service_model("s3").operation_model("PutObject")


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("algorithm", ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"])
@pytest.mark.parametrize("size", [0, 1, MIN_CHUNK_SIZE, 3 * MIN_CHUNK_SIZE + 100])
def test_botocore_bodies_decode_with_their_trailer(put_object, algorithm, size):
    payload = random.Random(size).randbytes(size)
    headers = headers_for(payload, algorithm)
    framing = ChunkedFraming.from_headers(headers)
    decoded = decode_chunked(
        botocore_body(payload, algorithm), framing, verifier=ChecksumVerifier(plan_checksums(put_object, headers))
    )
    assert decoded.payload == payload
    assert decoded.trailers == {f"x-amz-checksum-{algorithm}": checksum(algorithm, payload)}
    assert decoded.checksums == {algorithm: checksum(algorithm, payload)}


def test_body_without_trailer():
    payload = b"x" * 20_000
    decoded = decode_chunked(botocore_body(payload, None), ChunkedFraming.from_headers(headers_for(payload, None)))
    assert decoded.payload == payload and decoded.trailers == {}


@pytest.mark.parametrize(
    ("piece", "read_size"),
    [(1, None), (1, 1000)] + [(p, r) for p in (2, 7, 4096, 100_000) for r in (None, 1, 1000, 65536)],
)
def test_streaming_decode_with_tiny_pieces(put_object, piece, read_size):
    payload = random.Random(piece).randbytes(2 * MIN_CHUNK_SIZE + 17)
    headers = headers_for(payload, "crc64nvme")
    body = botocore_body(payload, "crc64nvme")
    verifier = ChecksumVerifier(plan_checksums(put_object, headers))
    data, stream = stream_all(body, ChunkedFraming.from_headers(headers), piece, verifier=verifier, read_size=read_size)
    assert data == payload
    assert stream.trailers == {"x-amz-checksum-crc64nvme": checksum("crc64nvme", payload)}
    assert stream.checksums == {"crc64nvme": checksum("crc64nvme", payload)}


def test_stream_passes_payload_through_without_accumulating():
    chunk = b"z" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(64)) + b"0\r\n\r\n"

    async def run():
        stream = AwsChunkedStream(pieces(body, 70_000), ChunkedFraming())
        total = biggest = 0
        async for part in stream:
            total += len(part)
            biggest = max(biggest, len(part))
        return total, biggest, stream

    total, biggest, stream = asyncio.run(run())
    assert total == 64 * 65536
    assert biggest <= 70_000
    assert stream.decoder.done and stream.decoder.length == total


def test_signed_chunks_collect_signatures_and_trailers():
    payload_chunks = [b"a" * MIN_CHUNK_SIZE, b"b" * 10]
    headers = headers_for(b"".join(payload_chunks), "sha256", SIGNED_TRAILER)
    body = signed_body(payload_chunks, {"x-amz-checksum-sha256": checksum("sha256", b"".join(payload_chunks))})
    decoded = decode_chunked(body, ChunkedFraming.from_headers(headers))
    assert decoded.payload == b"".join(payload_chunks)
    assert decoded.chunk_signatures == [SIG, SIG, SIG]
    assert decoded.trailer_signature == SIG
    assert list(decoded.trailers) == ["x-amz-checksum-sha256"]


def test_signed_chunk_without_signature_is_incomplete():
    headers = headers_for(b"abc", None, SIGNED)
    err = protocol_error(decode_chunked, b"3\r\nabc\r\n0\r\n\r\n", ChunkedFraming.from_headers(headers))
    assert err.code == "IncompleteBody"


# --------------------------------------------------------------------------- errors


def test_truncated_bodies_give_incomplete_body():
    payload = random.Random(3).randbytes(MIN_CHUNK_SIZE + 40)
    headers = headers_for(payload)
    body = botocore_body(payload)
    framing = ChunkedFraming.from_headers(headers)
    cuts = list(range(0, 40)) + list(range(40, len(body), 331)) + list(range(len(body) - 60, len(body)))
    for cut in cuts:
        err = protocol_error(decode_chunked, body[:cut], framing)
        assert isinstance(err, ProtocolError)
        assert (err.code, err.status_code, err.message) == (
            "IncompleteBody",
            400,
            "The request body terminated unexpectedly",
        ), cut
    err = protocol_error(stream_all, body[:-1], framing, 5)
    assert err.code == "IncompleteBody"


@pytest.mark.parametrize(
    "body",
    [
        b"zz\r\nab\r\n0\r\n\r\n",  # not hex
        b"2\nab\r\n0\r\n\r\n",  # bare LF after the size
        b"2\r\nabX\n0\r\n\r\n",  # no CRLF after the data
        b"2\r\nabc\r\n0\r\n\r\n",  # more data than the size says
        b"\r\nab\r\n0\r\n\r\n",  # empty size
        b"2;chunk-signature=\r\nab\r\n0\r\n\r\n",  # empty signature
        b"1" * 5000 + b"\r\n",  # absurd header line
    ],
)
def test_malformed_framing_is_incomplete_body(body):
    assert protocol_error(decode_chunked, body, ChunkedFraming()).code == "IncompleteBody"


def test_decoded_length_must_match():
    body = botocore_body(b"abc", None)
    headers = headers_for(b"abcd", None)
    assert protocol_error(decode_chunked, body, ChunkedFraming.from_headers(headers)).code == "IncompleteBody"
    headers["x-amz-decoded-content-length"] = "2"
    assert protocol_error(decode_chunked, body, ChunkedFraming.from_headers(headers)).code == "IncompleteBody"
    headers["x-amz-decoded-content-length"] = "abc"
    err = protocol_error(ChunkedFraming.from_headers, headers)
    assert (err.code, err.status_code, err.message) == (
        "MissingContentLength",
        411,
        "You must provide the Content-Length HTTP header.",
    )


def test_only_the_last_chunk_may_be_small():
    # "hello" in chunks of 3 bytes, as S3 rejects it.
    body = b"3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n"
    err = protocol_error(decode_chunked, body, ChunkedFraming())
    assert (err.code, err.message, err.fields) == (
        "InvalidChunkSizeError",
        "Only the last chunk is allowed to have a size less than 8192 bytes",
        {"Chunk": "2", "BadChunkSize": "3"},
    )
    assert decode_chunked(body, ChunkedFraming(), min_chunk_size=0).payload == b"hello"


def test_trailers_must_be_the_declared_ones():
    payload = b"abc"
    good = botocore_body(payload, "crc32")
    # Declared but absent.
    framing = ChunkedFraming.from_headers(headers_for(payload, "crc32"))
    err = protocol_error(decode_chunked, botocore_body(payload, None), framing)
    assert (err.code, err.message) == (
        "MalformedTrailerError",
        "The request contained trailing data that was not well-formed or did not conform to our published schema.",
    )
    # Present but not declared.
    err = protocol_error(decode_chunked, good, ChunkedFraming.from_headers(headers_for(payload, None)))
    assert err.code == "MalformedTrailerError"
    # Not a header line.
    err = protocol_error(decode_chunked, b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32\r\n\r\n", framing)
    assert err.code == "MalformedTrailerError"
    # The signed variant says IncompleteBody for a missing trailer.
    signed = ChunkedFraming.from_headers(headers_for(payload, "crc32", SIGNED_TRAILER))
    assert protocol_error(decode_chunked, signed_body([payload]), signed).code == "IncompleteBody"


def test_trailing_checksum_mismatch_raises_from_the_last_read(put_object):
    payload = random.Random(9).randbytes(MIN_CHUNK_SIZE * 2)
    headers = headers_for(payload, "crc32")
    body = botocore_body(payload, "crc32").replace(
        checksum("crc32", payload).encode(), checksum("crc32", b"other").encode()
    )
    verifier = ChecksumVerifier(plan_checksums(put_object, headers))
    err = protocol_error(stream_all, body, ChunkedFraming.from_headers(headers), 1000, verifier=verifier)
    assert (err.code, err.message) == ("BadDigest", "The CRC32 you specified did not match the calculated checksum.")


# --------------------------------------------------------------------------- headers


def test_framing_from_headers():
    assert ChunkedFraming.from_headers({"content-type": "text/plain"}) is None
    assert is_aws_chunked({"x-amz-content-sha256": SIGNED})
    assert is_aws_chunked({"content-encoding": "gzip, aws-chunked"})
    assert not is_aws_chunked({"x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-encoding": "gzip"})
    framing = ChunkedFraming.from_headers(
        {
            "content-encoding": "aws-chunked,gzip",
            "x-amz-content-sha256": SIGNED_TRAILER,
            "x-amz-trailer": "X-Amz-Checksum-CRC32",
            "x-amz-decoded-content-length": "42",
        }
    )
    assert framing == ChunkedFraming(
        signed=True,
        trailers=("x-amz-checksum-crc32",),
        decoded_length=42,
        content_encoding="gzip",
        content_sha256=SIGNED_TRAILER,
    )
    assert strip_aws_chunked("aws-chunked") is None
    assert strip_aws_chunked(None) is None


def test_decoder_is_incremental_and_reports_done():
    decoder = ChunkedDecoder()
    body = b"5\r\nhello\r\n0\r\n\r\n"
    out = []
    for i in range(len(body)):
        out += decoder.feed(body[i : i + 1])
    assert b"".join(out) == b"hello" and decoder.done and decoder.chunks == 2
    decoder.close()
    assert decoder.feed(b"trailing garbage is ignored") == []
