"""Reading the scalars every wire protocol carries: timestamps, numbers, booleans, base64.

Pure functions with no knowledge of botocore shapes. They raise ``ValueError`` on input
they cannot read; the parser turns that into the protocol's AWS error. (Writing timestamps
is :mod:`cloudtwin.protocol.timestamps`'s job.)

Timestamp formats are named as in the service models (``timestampFormat``):

* ``iso8601``: ``2019-12-16T23:48:18Z`` (fractions and offsets accepted)
* ``rfc822``: the HTTP date, ``Mon, 16 Dec 2019 23:48:18 GMT``
* ``unixTimestamp``: seconds since the epoch, possibly with a fraction

Each location has its own default format, used when a shape names none; see
:func:`default_timestamp_format`.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

ISO8601 = "iso8601"
RFC822 = "rfc822"
UNIX_TIMESTAMP = "unixTimestamp"

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Where a value travels -> the format AWS uses when the model does not say.
_DEFAULT_FORMATS = {
    "header": RFC822,
    "querystring": ISO8601,
    "uri": ISO8601,
    # bodies, by protocol
    "query": ISO8601,
    "ec2": ISO8601,
    "rest-xml": ISO8601,
    "json": UNIX_TIMESTAMP,
    "rest-json": UNIX_TIMESTAMP,
    "smithy-rpc-v2-cbor": UNIX_TIMESTAMP,
}

_INTEGER = re.compile(r"[+-]?[0-9]+\Z")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def default_timestamp_format(location: str) -> str:
    """The timestamp format AWS uses at ``location`` when the model names none.

    ``location`` is a member location (``header``, ``querystring``, ``uri``) or, for body
    members, the protocol name (``json``, ``rest-xml``...).
    """
    return _DEFAULT_FORMATS.get(location, ISO8601)


# -- timestamps -----------------------------------------------------------------------------


def parse_timestamp(value: str | int | float, fmt: str | None = None) -> datetime:
    """A timezone-aware UTC datetime from any format AWS uses on the wire.

    ``fmt`` is the format the model declares; it is tried first, then the others, because
    clients are not always strict (an ISO date in an epoch field...). Raises ValueError
    when no format reads the value.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a timestamp")
    if isinstance(value, (int, float)):
        return from_epoch(value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a timestamp")
    text = value.strip()
    if fmt == RFC822:
        order = (parse_http_date, parse_iso8601, parse_epoch)
    elif fmt == UNIX_TIMESTAMP:
        order = (parse_epoch, parse_iso8601, parse_http_date)
    else:
        order = (parse_iso8601, parse_epoch, parse_http_date)
    for parse in order:
        try:
            return parse(text)
        except (ValueError, OverflowError):
            continue
    raise ValueError(f"{value!r} is not a valid timestamp")


def parse_iso8601(text: str) -> datetime:
    """``2019-12-16T23:48:18Z``, with optional fraction and offset; naive means UTC."""
    if not text or not text[0].isdigit():
        raise ValueError(f"{text!r} is not an ISO 8601 timestamp")
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_http_date(text: str) -> datetime:
    """An HTTP date (RFC 7231 IMF-fixdate, also RFC 850 and asctime forms)."""
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, IndexError) as exc:  # older email.utils raise these on garbage
        raise ValueError(f"{text!r} is not an HTTP date") from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_epoch(text: str) -> datetime:
    """Seconds since the epoch written as text, e.g. ``1576540098`` or ``1576540098.5``."""
    if _INTEGER.match(text):
        return from_epoch(int(text))
    if _DECIMAL.match(text):
        return from_epoch(float(text))
    raise ValueError(f"{text!r} is not an epoch timestamp")


def from_epoch(seconds: int | float) -> datetime:
    """Epoch seconds (any sign, fractions to the microsecond) -> UTC datetime."""
    if isinstance(seconds, float) and not math.isfinite(seconds):
        raise ValueError(f"{seconds!r} is not a timestamp")
    try:
        return EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"{seconds!r} is out of the range of timestamps") from None


def to_epoch(value: datetime) -> int | float:
    """UTC datetime -> epoch seconds: an int when there is no fraction."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - EPOCH
    if delta.microseconds:
        return delta.total_seconds()
    return delta.days * 86400 + delta.seconds


# -- numbers, booleans, blobs ------------------------------------------------------------------


def parse_integer(text: str) -> int:
    """Decimal digits with an optional sign; nothing else (no spaces, no ``_``)."""
    if not _INTEGER.match(text):
        raise ValueError(f"{text!r} is not an integer")
    return int(text)


def parse_float(text: str) -> float:
    """A decimal number, or ``NaN`` / ``Infinity`` / ``-Infinity`` as AWS spells them."""
    special = _SPECIAL_FLOATS.get(text)
    if special is not None:
        return special
    if not _DECIMAL.match(text):
        raise ValueError(f"{text!r} is not a number")
    return float(text)


def special_float(text: str) -> float:
    """``NaN`` / ``Infinity`` / ``-Infinity`` (how JSON carries them) -> float."""
    try:
        return _SPECIAL_FLOATS[text]
    except KeyError:
        raise ValueError(f"{text!r} is not a number") from None


def parse_boolean(text: str) -> bool:
    """``true`` / ``false`` (any case)."""
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ValueError(f"{text!r} is not a boolean")


def decode_base64(text: str | bytes) -> bytes:
    """Standard base64 (padding optional, whitespace ignored) -> bytes."""
    if isinstance(text, str):
        text = text.encode("ascii", "strict") if text.isascii() else _not_base64(text)
    data = b"".join(text.split())
    missing = -len(data) % 4
    if missing == 3:
        _not_base64(data)
    try:
        return base64.b64decode(data + b"=" * missing, validate=True)
    except binascii.Error:
        _not_base64(data)
        raise  # pragma: no cover - _not_base64 always raises


def _not_base64(value: object) -> bytes:
    raise ValueError(f"{value!r} is not valid base64")
