"""Conditional requests and byte ranges, as S3 evaluates them.

Reads (GetObject / HeadObject) follow RFC 7232 with S3's precedence: a true ``If-Match``
overrides a false ``If-Unmodified-Since``, a false ``If-None-Match`` overrides a true
``If-Modified-Since``. Failures are 412 PreconditionFailed or 304 Not Modified. Copy-source
conditions use the same logic but every failure is a 412. Times compare at whole seconds
(Last-Modified has no finer resolution on the wire).
"""

from __future__ import annotations

from datetime import datetime

from cloudtwin.services.s3 import errors


def _etag_matches(header: str, etag: str) -> bool:
    for item in header.split(","):
        item = item.strip()
        if item == "*" or item.strip('"') == etag.strip('"'):
            return True
    return False


def _epoch(value: datetime | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def check_read(
    etag: str,
    last_modified: float,
    if_match: str | None,
    if_none_match: str | None,
    if_modified_since: datetime | None,
    if_unmodified_since: datetime | None,
    *,
    copy_source: bool = False,
    now: float | None = None,
) -> None:
    """Raise PreconditionFailed / NotModified when the conditions say so (the failed
    condition is named as its header, ``x-amz-copy-source-...`` for a copy source)."""
    modified = int(last_modified)
    prefix = "x-amz-copy-source-" if copy_source else ""
    if if_match is not None:
        if not _etag_matches(if_match, etag):
            raise errors.precondition_failed(prefix + "If-Match")
    elif if_unmodified_since is not None:
        since = _epoch(if_unmodified_since)
        if since is not None and modified > since:
            raise errors.precondition_failed(prefix + "If-Unmodified-Since")
    if if_none_match is not None:
        if _etag_matches(if_none_match, etag):
            if copy_source:
                raise errors.precondition_failed(prefix + "If-None-Match")
            raise errors.not_modified()
    elif if_modified_since is not None:
        since = _epoch(if_modified_since)
        # A date in the future is no date at all: S3 ignores it.
        if since is not None and modified <= since and (now is None or since <= now):
            if copy_source:
                raise errors.precondition_failed(prefix + "If-Modified-Since")
            raise errors.not_modified()


def check_write_headers(if_match: str | None, if_none_match: str | None) -> None:
    """The conditional-write headers S3 accepts at all: one of them, ``If-None-Match`` only
    as ``*`` and ``If-Match`` only as an ETag."""
    if if_match is not None and if_none_match is not None:
        raise errors.not_implemented_header(
            "If-Match,If-None-Match", "Multiple conditional request headers present in the request"
        )
    for header, value, refused in (("If-None-Match", if_none_match, lambda v: v != "*"),
                                   ("If-Match", if_match, lambda v: v == "*")):
        if value is not None and refused(value.strip()):
            raise errors.not_implemented_header(
                header, f"We don't accept the provided value of {header} header for this API"
            )


def check_write(
    current_etag: str | None, if_match: str | None, if_none_match: str | None, key: str
) -> None:
    """Conditional writes: ``If-None-Match: *`` (only if absent) and ``If-Match: <etag>``."""
    check_write_headers(if_match, if_none_match)
    if if_none_match is not None and current_etag is not None:
        raise errors.precondition_failed("If-None-Match")
    if if_match is not None:
        if current_etag is None:
            raise errors.no_such_key(key)
        if not _etag_matches(if_match, current_etag):
            raise errors.precondition_failed("If-Match")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, end_inclusive)`` of a ``Range`` header over an object of ``size`` bytes;
    None when the header is absent or not a single byte range (S3 then sends the whole
    object). Raises InvalidRange (416) when the range cannot be satisfied."""
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    first, last = first.strip(), last.strip()
    try:
        if first == "":
            if not last:
                return None
            suffix = int(last)
            if suffix <= 0 or size == 0:
                raise errors.invalid_range(size, header)
            return max(0, size - suffix), size - 1
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start < 0 or (last and end < start):
        return None
    if start >= size:
        raise errors.invalid_range(size, header)
    return start, min(end, size - 1)
