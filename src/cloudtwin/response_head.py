"""Response heads as cloudtwin writes them: AWS's header casing, and a ``Date`` first.

uvicorn writes the header names it is handed lower-cased. AWS's headers have their
casing (``Content-Type``, ``ETag``, ``Access-Control-Allow-Origin``, lower-case
``x-amz-*``), and clients that compare raw header maps see it, so :class:`CasedHeaders`
hands uvicorn names that write as they are (:func:`cased_name`) — and writes whole heads
itself (:meth:`CasedHeaders.head`) for the responses the server lets the gateway write in
one go (``cloudtwin.http_protocol``), byte for byte what uvicorn would have written.
"""

from __future__ import annotations

import http
import re
import time

__all__ = ["CasedHeaders", "cased_name", "status_line"]


class _HeaderName(bytes):
    """A response header name as the gateway wrote it (``Content-Type``, ``ETag``).

    uvicorn's httptools protocol lower-cases each name (``name.lower()``) to recognise
    ``content-length``, ``transfer-encoding`` and ``connection``, and writes what
    ``lower()`` returned: here that is the name as written, a plain ``bytes`` (compared in
    C), except for those three names, whose ``lower()`` is a :class:`_FramingName` equal
    to any casing of itself. Names are made once (:func:`cased_name`), not per response."""

    def lower(self) -> bytes:  # type: ignore[override]
        return self._written  # type: ignore[attr-defined]


class _FramingName(bytes):
    """``Content-Length`` and friends: written as cased, equal to the lower-case name."""

    def lower(self) -> "_FramingName":  # type: ignore[override]
        return self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, bytes) and bytes.lower(self) == bytes.lower(other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(bytes.lower(self))


_FRAMING = (b"content-length", b"transfer-encoding", b"connection")


def cased_name(name: bytes) -> bytes:
    """``name`` in the form that makes uvicorn write it as it is (see :class:`_HeaderName`);
    :class:`CasedHeaders` makes each name once."""
    lower = bytes.lower(name)
    if lower == name:
        return bytes(name)  # already as uvicorn writes it
    if lower in _FRAMING:
        return _FramingName(name)
    found = _HeaderName(name)
    found._written = bytes(name)  # type: ignore[attr-defined]
    return found


_DATE = cased_name(b"Date")
#: What uvicorn refuses in a header name or value (its ``HEADER_RE``/``HEADER_VALUE_RE``);
#: a value here may hold the header section's own CR LF, which are counted instead.
_BAD_NAME = re.compile('[\x00-\x1f\x7f()<>@,;:\\[\\]={} \t\\\\"]')
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def status_line(status: int) -> bytes:
    """``HTTP/1.1 200 OK\\r\\n``, as uvicorn writes it (no phrase for a status HTTP does
    not name)."""
    try:
        phrase = http.HTTPStatus(status).phrase.encode()
    except ValueError:
        phrase = b""
    return b"HTTP/1.1 %d %s\r\n" % (status, phrase)


_PHRASES = {status.value: status.phrase.encode() for status in http.HTTPStatus}
#: Every status line, made from the table of phrases (asking ``HTTPStatus`` about each of
#: the 500 numbers raises for most of them: ~2 ms of every start).
_STATUS_LINES = {status: b"HTTP/1.1 %d %s\r\n" % (status, _PHRASES.get(status, b"")) for status in range(100, 600)}


def _http_date(cache: list) -> bytes:
    """Now as an HTTP date (the server's wall clock, as uvicorn's own ``date`` header);
    ``cache`` holds the last second formatted and its text."""
    second = int(time.time())
    if cache[0] != second:
        import email.utils

        cache[0], cache[1] = second, email.utils.formatdate(second, usegmt=True).encode()
    return cache[1]


class CasedHeaders:
    """Response headers as the gateway hands them to the server (``Gateway.header_list``):
    names sent as written, and a ``Date`` header first, as AWS writes it (uvicorn's own,
    lower-case, is turned off), unless the response has its own."""

    def __init__(self) -> None:
        self._date: list = [0, b""]
        #: header name -> its cased bytes (see :func:`cased_name`); bounded
        self._names: dict[str, bytes] = {}
        #: header names of a response (in order) -> its header section with a ``{}`` per
        #: value, and whether it has a Date (see :meth:`head`); bounded
        self._layouts: dict[tuple[str, ...], tuple[str, bool]] = {}

    def __call__(self, headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
        names = self._names
        out = [(names.get(k) or self._name(k), str(v).encode("latin-1")) for k, v in headers.items()]
        if not _has_date(headers):
            out.insert(0, (_DATE, _http_date(self._date)))
        return out

    def head(self, status: int, headers: dict[str, str]) -> bytes:
        """The status line and header section uvicorn writes for ``status`` and the
        headers :meth:`__call__` makes of ``headers`` (with their ``Content-Length``;
        no ``Connection`` header added). Raises ``ValueError`` for a name or value
        uvicorn would refuse to write, ``UnicodeEncodeError`` for one it could not be
        handed."""
        names = tuple(headers)
        layout = self._layouts.get(names)
        if layout is None:
            layout = self._layout(names)
        template, dated = layout
        text = template.format(*headers.values())
        lines = len(names)
        if _BAD_TEXT.search(text) or text.count("\n") != lines or text.count("\r") != lines:
            raise ValueError("invalid HTTP header value")
        date = b"" if dated else b"Date: " + _http_date(self._date) + b"\r\n"
        return _STATUS_LINES[status] + date + text.encode("latin-1") + b"\r\n"

    def _layout(self, names: tuple[str, ...]) -> tuple[str, bool]:
        """For a response with these header names, in this order: the header section
        with ``{}`` for each value, and whether one of them is a ``Date``."""
        for name in names:
            if not name or _BAD_NAME.search(name):
                raise ValueError("invalid HTTP header name")
        if len(self._layouts) >= 1024:
            self._layouts.clear()
        # (a valid name has no braces to escape)
        layout = self._layouts[names] = ("".join(f"{name}: {{}}\r\n" for name in names), _has_date(names))
        return layout

    def _name(self, name: str) -> bytes:
        if len(self._names) >= 1024:
            self._names.clear()
        found = self._names[name] = cased_name(name.encode("latin-1"))
        return found


def _has_date(names) -> bool:
    for name in names:
        if len(name) == 4 and name.lower() == "date":
            return True
    return False
