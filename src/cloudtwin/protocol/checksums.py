"""Request payload integrity: ``Content-MD5`` and the ``x-amz-checksum-*`` flexible checksums.

Three steps, so a 5 GB upload is checked without holding it:

1. :func:`plan_checksums` reads the operation model (``httpChecksum``,
   ``httpChecksumRequired``) and the request headers once, rejects what S3 rejects before
   reading a byte (two checksum headers, a malformed value, a required checksum that is
   missing...) and returns a :class:`ChecksumPlan`: what to verify and what to compute.
2. :class:`ChecksumVerifier` is fed the payload piece by piece (:class:`ChecksummedStream` does
   it for a streaming body; ``chunked.AwsChunkedStream`` does it while decoding aws-chunked).
3. ``ChecksumVerifier.finish(trailers)`` compares, raising S3's own error on mismatch, and
   returns the base64 values computed, for the service to store.

Algorithms: CRC32, CRC32C, CRC64NVME, SHA1, SHA256, SHA512, MD5, XXHASH64/3/128 (all S3 takes).
Digests are the base64 of the big-endian digest, as on the wire. CRC32 comes from ``zlib``, the
SHAs and MD5 from ``hashlib``; CRC32C, CRC64NVME and the xxhashes from ``awscrt`` (what
botocore itself uses, via ``botocore[crt]``), imported on first use. Without an ``awscrt``
wheel, CRC32C/CRC64NVME fall back to a slow table-driven implementation and an xxhash checksum
goes unverified (its declared value is kept).

Error texts are S3's (the only family that sends these headers), as observed on the wire:
``BadDigest`` "The CRC32 you specified did not match the calculated checksum.", ``InvalidRequest``
"Value for x-amz-checksum-crc32 header is invalid.", ``BadDigest`` "The Content-MD5 you
specified did not match what we received.", ``InvalidDigest`` "The Content-MD5 you specified
was invalid.".
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .errors import ServiceError
from .streams import PieceStream

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel


__all__ = [
    "ALGORITHMS",
    "ChecksumPlan",
    "ChecksumVerifier",
    "ChecksummedStream",
    "Hasher",
    "NO_CHECKSUMS",
    "available",
    "checksum",
    "decode_checksum",
    "new_hasher",
    "plan_checksums",
    "verify_payload",
]

ALGORITHMS: tuple[str, ...] = (
    "crc32", "crc32c", "crc64nvme", "sha1", "sha256", "sha512", "md5", "xxhash64", "xxhash3", "xxhash128",
)  # fmt: skip
"""The flexible checksum algorithms S3 accepts, as they appear in ``x-amz-checksum-<name>``."""

_DIGEST_SIZE = {
    "crc32": 4, "crc32c": 4, "crc64nvme": 8, "sha1": 20, "sha256": 32, "sha512": 64, "md5": 16,
    "xxhash64": 8, "xxhash3": 8, "xxhash128": 16,
}  # fmt: skip
_XXHASH = {"xxhash64": "new_xxhash64", "xxhash3": "new_xxhash3_64", "xxhash128": "new_xxhash3_128"}
_HEADER_PREFIX = "x-amz-checksum-"
_HEADERS = {_HEADER_PREFIX + name: name for name in ALGORITHMS}
_SDK_ALGORITHM_HEADER = "x-amz-sdk-checksum-algorithm"
# Headers named x-amz-checksum-* that are not checksum values.
_NOT_VALUES = frozenset({"x-amz-checksum-algorithm", "x-amz-checksum-mode", "x-amz-checksum-type"})


class Hasher(Protocol):
    """An incremental digest: ``hashlib``'s interface, reduced to what is used here."""

    def update(self, data: bytes | memoryview, /) -> None: ...

    def digest(self) -> bytes: ...


class _Crc32:
    __slots__ = ("_crc",)

    def __init__(self) -> None:
        self._crc = 0

    def update(self, data: bytes | memoryview, /) -> None:
        self._crc = zlib.crc32(data, self._crc)

    def digest(self) -> bytes:
        return self._crc.to_bytes(4, "big")


class _CrtCrc:
    """CRC32C / CRC64NVME through awscrt, which chains by passing the previous value."""

    __slots__ = ("_crc", "_fn", "_size")

    def __init__(self, fn: Callable[[bytes, int], int], size: int) -> None:
        self._fn = fn
        self._size = size
        self._crc = 0

    def update(self, data: bytes | memoryview, /) -> None:
        self._crc = self._fn(bytes(data) if isinstance(data, memoryview) else data, self._crc)

    def digest(self) -> bytes:
        return self._crc.to_bytes(self._size, "big")


class _TableCrc:
    """Reflected CRC with all-ones init and final xor; slow, used only without awscrt."""

    __slots__ = ("_crc", "_mask", "_size", "_table")

    def __init__(self, table: tuple[int, ...], size: int) -> None:
        self._table = table
        self._size = size
        self._mask = (1 << (8 * size)) - 1
        self._crc = self._mask

    def update(self, data: bytes | memoryview, /) -> None:
        crc, table = self._crc, self._table
        for byte in bytes(data):
            crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        self._crc = crc

    def digest(self) -> bytes:
        return (self._crc ^ self._mask).to_bytes(self._size, "big")


def _crc_table(reflected_poly: int) -> tuple[int, ...]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ reflected_poly if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


@functools.cache  # an import outcome, not request state: fixed for the process
def _crt() -> Any:
    """``awscrt.checksums``, imported on first use (it costs ~50 ms), or ``None``."""
    try:
        from awscrt import checksums
    except ImportError:  # pragma: no cover - platforms without an awscrt wheel
        return None
    return checksums


class _CrtXxhash:
    __slots__ = ("_hash",)

    def __init__(self, crt: Any, factory: str) -> None:
        self._hash = getattr(crt.XXHash, factory)()

    def update(self, data: bytes | memoryview, /) -> None:
        self._hash.update(bytes(data) if isinstance(data, memoryview) else data)

    def digest(self) -> bytes:
        return self._hash.finalize()


_CRC_POLYS = {"crc32c": 0x82F63B78, "crc64nvme": 0x9A6C9329AC4BC9B5}


def available(algorithm: str) -> bool:
    """Whether this process can compute ``algorithm`` (xxhash needs ``awscrt``)."""
    return algorithm in _DIGEST_SIZE and (algorithm not in _XXHASH or _crt() is not None)


def new_hasher(algorithm: str, *, pure_python: bool = False) -> Hasher:
    """An incremental hasher for one of :data:`ALGORITHMS` (lower case).

    ``pure_python`` forces the fallback CRC32C/CRC64NVME tables (for tests). Raises
    ``ValueError`` for an unknown or unavailable algorithm.
    """
    if algorithm == "crc32":
        return _Crc32()
    if algorithm in _CRC_POLYS:
        size = _DIGEST_SIZE[algorithm]
        crt = None if pure_python else _crt()
        if crt is not None:
            return _CrtCrc(getattr(crt, algorithm), size)
        return _TableCrc(_crc_table(_CRC_POLYS[algorithm]), size)
    if algorithm in ("sha1", "sha256", "sha512"):
        return hashlib.new(algorithm)
    if algorithm == "md5":
        return hashlib.md5(usedforsecurity=False)
    if algorithm in _XXHASH:
        crt = _crt()
        if crt is not None:
            return _CrtXxhash(crt, _XXHASH[algorithm])
    raise ValueError(f"unknown or unavailable checksum algorithm: {algorithm}")


def checksum(algorithm: str, data: bytes) -> str:
    """The base64 wire value of ``algorithm`` over ``data``."""
    hasher = new_hasher(algorithm)
    hasher.update(data)
    return base64.b64encode(hasher.digest()).decode("ascii")


def decode_checksum(value: str, algorithm: str) -> bytes | None:
    """The digest a header carries, or ``None`` if it is not canonical base64 of the right size.

    S3 is strict: ``y/Q5Jh==`` (non-zero padding bits) is as invalid as ``short===``.
    """
    value = value.strip()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _DIGEST_SIZE[algorithm] or base64.b64encode(raw).decode("ascii") != value:
        return None
    return raw


def _s3_error(code: str, message: str, **details: str) -> ServiceError:
    return ServiceError(code, message, 400, sender_fault=True, details=details)


def _invalid_value(header: str, *, trailing: bool = False) -> ServiceError:
    where = "trailing header" if trailing else "header"
    return _s3_error("InvalidRequest", f"Value for {header} {where} is invalid.")


@dataclass(frozen=True, slots=True)
class ChecksumPlan:
    """What one request's payload must be checked against, decided from its headers.

    ``md5`` is the Content-MD5 digest to verify (``x-amz-checksum-md5`` is the flexible
    ``algorithm`` "md5", a separate thing). ``algorithm`` is the flexible checksum to
    verify, with its digest in ``expected`` when it came as a header, or ``trailer`` naming the
    aws-chunked trailer that will carry it. ``compute`` lists every algorithm to compute (the
    verified one, plus a default the service wants to store).
    """

    md5: bytes | None = None
    algorithm: str | None = None
    expected: bytes | None = None
    trailer: str | None = None
    compute: tuple[str, ...] = ()
    #: How a BadDigest error shows the Content-MD5 it expected: S3 writes it in hex for
    #: PutObject and as sent (base64) for UploadPart.
    md5_as_sent: bool = False

    @property
    def empty(self) -> bool:
        return self.md5 is None and self.algorithm is None and not self.compute


NO_CHECKSUMS = ChecksumPlan()


def plan_checksums(
    operation: OperationModel | None,
    headers: Mapping[str, str],
    *,
    default_algorithm: str | None = None,
) -> ChecksumPlan:
    """Decide what the payload of this request must be verified against.

    ``headers`` have lower-case names. A Content-MD5 is always verified; ``x-amz-checksum-*``
    headers and trailers only for operations whose model takes request checksums
    (``httpChecksum``; on CompleteMultipartUpload they describe the object, not the body), or
    for any request when ``operation`` is ``None``. ``requestChecksumRequired`` /
    ``httpChecksumRequired`` make a missing checksum an error. ``default_algorithm`` (e.g.
    ``"crc64nvme"``, what S3 stores when the client sends none) is added to ``compute`` when no
    flexible checksum is given. Raises :class:`ServiceError` with S3's code and text.
    """
    md5: bytes | None = None
    content_md5 = headers.get("content-md5")
    if content_md5 is not None:
        md5 = decode_checksum(content_md5, "md5")
        if md5 is None:
            raise _s3_error(
                "InvalidDigest", "The Content-MD5 you specified was invalid.", **{"Content-MD5": content_md5}
            )

    algorithm: str | None = None
    expected: bytes | None = None
    trailer: str | None = None
    if operation is None or _takes_request_checksum(operation):
        algorithm, expected, trailer = _flexible_checksum(operation, headers)

    if md5 is None and algorithm is None and operation is not None and _checksum_required(operation):
        raise _s3_error("InvalidRequest", "Missing required header for this request: Content-MD5")

    compute: tuple[str, ...] = ()
    if algorithm is not None:
        # An algorithm this process cannot compute (xxhash without awscrt) goes unverified.
        compute = (algorithm,) if available(algorithm) else ()
    elif default_algorithm is not None:
        compute = (default_algorithm,)
    if md5 is None and algorithm is None and not compute:
        return NO_CHECKSUMS
    return ChecksumPlan(
        md5=md5, algorithm=algorithm, expected=expected, trailer=trailer, compute=compute,
        md5_as_sent=operation is not None and operation.name == "UploadPart",
    )


def _flexible_checksum(
    operation: OperationModel | None, headers: Mapping[str, str]
) -> tuple[str | None, bytes | None, str | None]:
    """The flexible checksum the headers announce: (algorithm, header digest, trailer name)."""
    algorithm: str | None = None
    expected: bytes | None = None
    # Headers of algorithms S3 knows (others are not checksums to verify); two of them are
    # refused before either value is looked at.
    given = [
        name for name in headers
        if name.startswith(_HEADER_PREFIX) and name not in _NOT_VALUES and name in _HEADERS
    ]
    if len(given) > 1:
        raise _s3_error(
            "InvalidRequest",
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
        )
    for name in given:
        algorithm = _HEADERS[name]
        expected = decode_checksum(headers[name], algorithm)
        if expected is None:
            raise _invalid_value(name)

    trailer: str | None = None
    declared = headers.get("x-amz-trailer")
    if declared:
        for name in (part.strip().lower() for part in declared.split(",")):
            if not name.startswith(_HEADER_PREFIX):
                continue
            if name not in _HEADERS:
                raise _s3_error(
                    "InvalidRequest", "The value specified in the x-amz-trailer header is not supported"
                )
            if algorithm is not None:
                raise _s3_error("InvalidRequest", "Expecting a single x-amz-checksum- header")
            algorithm, trailer = _HEADERS[name], name

    sdk_header = _sdk_algorithm_header(operation)
    requested = headers.get(sdk_header)
    if requested:
        if algorithm is None:
            raise _s3_error(
                "InvalidRequest",
                f"{sdk_header} specified, but no corresponding x-amz-checksum-* or "
                "x-amz-trailer headers were found.",
            )
        if requested.strip().lower() != algorithm:
            raise _invalid_value(sdk_header)

    return algorithm, expected, trailer


def _takes_request_checksum(operation: OperationModel) -> bool:
    """Whether x-amz-checksum-* headers describe this request's payload.

    Only operations with the ``httpChecksum`` request traits (or ``httpChecksumRequired``)
    do; elsewhere (CompleteMultipartUpload) those headers describe the object, not the body.
    """
    trait = operation.http_checksum
    return bool(
        operation.http_checksum_required or trait.get("requestAlgorithmMember") or trait.get("requestChecksumRequired")
    )


def _checksum_required(operation: OperationModel) -> bool:
    if operation.http_checksum_required:
        return True
    return bool(operation.http_checksum.get("requestChecksumRequired"))


def _sdk_algorithm_header(operation: OperationModel | None) -> str:
    """The header that carries ``requestAlgorithmMember`` (S3: x-amz-sdk-checksum-algorithm)."""
    if operation is None:
        return _SDK_ALGORITHM_HEADER
    member = operation.http_checksum.get("requestAlgorithmMember")
    shape = operation.input_shape
    if member and shape is not None and member in shape.members:
        name = shape.members[member].serialization.get("name")
        if name:
            return name.lower()
    return _SDK_ALGORITHM_HEADER


class ChecksumVerifier:
    """Feeds one payload through the digests a :class:`ChecksumPlan` asks for, then checks."""

    __slots__ = ("_hashers", "_md5", "_plan", "length")

    def __init__(self, plan: ChecksumPlan) -> None:
        self._plan = plan
        self._md5 = new_hasher("md5") if plan.md5 is not None else None
        self._hashers = [(name, new_hasher(name)) for name in plan.compute]
        self.length = 0

    @property
    def plan(self) -> ChecksumPlan:
        return self._plan

    def update(self, data: bytes | memoryview) -> None:
        self.length += len(data)
        if self._md5 is not None:
            self._md5.update(data)
        for _, hasher in self._hashers:
            hasher.update(data)

    def finish(self, trailers: Mapping[str, str] | None = None) -> dict[str, str]:
        """Verify, and return ``{algorithm: base64 value}`` of everything computed (plus the
        client's value of a declared algorithm this process cannot compute).

        ``trailers`` are the aws-chunked trailing headers (lower-case names) when the plan
        expects its checksum there. The Content-MD5 is returned under ``"content-md5"``.
        """
        plan = self._plan
        results: dict[str, str] = {}
        if self._md5 is not None:
            digest = self._md5.digest()
            if digest != plan.md5:
                raise _s3_error(
                    "BadDigest", "The Content-MD5 you specified did not match what we received.",
                    ExpectedDigest=(
                        base64.b64encode(plan.md5 or b"").decode("ascii") if plan.md5_as_sent else (plan.md5 or b"").hex()
                    ),
                    CalculatedDigest=base64.b64encode(digest).decode("ascii"),
                )
            results["content-md5"] = base64.b64encode(digest).decode("ascii")
        expected = plan.expected
        if plan.trailer is not None:
            value = (trailers or {}).get(plan.trailer)
            if value is None:
                raise _s3_error(
                    "MalformedTrailerError",
                    "The request contained trailing data that was not well-formed or did not "
                    "conform to our published schema.",
                )
            expected = decode_checksum(value, plan.algorithm or "")
            if expected is None:
                raise _invalid_value(plan.trailer, trailing=True)
        for name, hasher in self._hashers:
            digest = hasher.digest()
            if name == plan.algorithm and digest != expected:
                raise _s3_error(
                    "BadDigest", f"The {name.upper()} you specified did not match the calculated checksum."
                )
            results[name] = base64.b64encode(digest).decode("ascii")
        if plan.algorithm is not None and plan.algorithm not in results and expected is not None:
            # Not computable here (xxhash without awscrt): keep the client's word for it.
            results[plan.algorithm] = base64.b64encode(expected).decode("ascii")
        return results


def verify_payload(plan: ChecksumPlan, payload: bytes, trailers: Mapping[str, str] | None = None) -> dict[str, str]:
    """Verify a whole in-memory payload; see :meth:`ChecksumVerifier.finish`."""
    if plan.empty:
        return {}
    verifier = ChecksumVerifier(plan)
    verifier.update(payload)
    return verifier.finish(trailers)


class ChecksummedStream(PieceStream):
    """A streaming body (``BodyStream`` or any async iterable of bytes) that verifies as it goes.

    Reading to the end runs :meth:`ChecksumVerifier.finish`, so a mismatch raises from the last
    ``read``/iteration step, before the service can commit what it read. ``checksums`` then
    holds the computed values.
    """

    def __init__(self, source: AsyncIterable[bytes], verifier: ChecksumVerifier) -> None:
        super().__init__()
        self._source = source
        self._iter: AsyncIterator[bytes] | None = None
        self._verifier = verifier
        self.checksums: dict[str, str] | None = None

    async def _pull(self) -> bytes | None:
        if self._iter is None:
            self._iter = aiter(self._source)
        try:
            piece = await anext(self._iter)
        except StopAsyncIteration:
            self.checksums = self._verifier.finish()
            return None
        self._verifier.update(piece)
        return piece