"""Timestamp formatting for responses: the three wire formats AWS writes.

Pure functions. Serializers pick the formatter for a member once, when they compile its
plan (:func:`formatter`), so the hot path is one call per value.

* ``iso8601``: ``2014-04-29T18:30:38Z``, with ``.123`` milliseconds when there are any
  (AWS's precision is the millisecond);
* ``rfc822``: the HTTP date, ``Tue, 29 Apr 2014 18:30:38 GMT``;
* ``unixTimestamp``: seconds since the epoch, an int when whole, else rounded to the
  millisecond.

Values are timezone-aware UTC datetimes (the typed values services return), and, because
serializers are lenient where it is cheap, naive datetimes (taken as UTC), epoch numbers
and ISO-8601 strings.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

ISO8601 = "iso8601"
RFC822 = "rfc822"
UNIX_TIMESTAMP = "unixTimestamp"

UTC = timezone.utc

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def to_datetime(value: Any) -> datetime:
    """The aware UTC datetime a typed (or leniently typed) timestamp stands for."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        if value.tzinfo is UTC:
            return value
        return value.astimezone(UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            return to_datetime(datetime.fromisoformat(value))
        except ValueError:
            return datetime.fromtimestamp(float(value), UTC)
    raise TypeError(f"{value!r} is not a timestamp")


def epoch_seconds(value: Any) -> int | float:
    """Seconds since the epoch: an int when whole, else a float rounded to milliseconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value if isinstance(value, int) or not value.is_integer() else int(value)
    moment = to_datetime(value)
    if moment.microsecond:
        return round(moment.timestamp(), 3)
    return int(moment.timestamp())


def epoch_millis(value: Any) -> int:
    """Milliseconds since the epoch (event stream timestamp headers)."""
    return round(to_datetime(value).timestamp() * 1000)


def iso8601(value: Any) -> str:
    """``2014-04-29T18:30:38Z``, or ``2014-04-29T18:30:38.123Z`` when there are milliseconds."""
    m = value if type(value) is datetime and value.tzinfo is UTC else to_datetime(value)
    # isoformat() is C; it ends in "+00:00" for a UTC datetime.
    if m.microsecond:
        return m.isoformat(timespec="milliseconds")[:-6] + "Z"
    return m.isoformat()[:-6] + "Z"


def iso8601_millis(value: Any) -> str:
    """``2014-04-29T18:30:38.000Z``: always with milliseconds (how S3 writes its XML)."""
    m = value if type(value) is datetime and value.tzinfo is UTC else to_datetime(value)
    return m.isoformat(timespec="milliseconds")[:-6] + "Z"


def http_date(value: Any) -> str:
    """The RFC 7231 HTTP date, ``Tue, 29 Apr 2014 18:30:38 GMT`` (locale independent)."""
    m = to_datetime(value)
    return (
        f"{_DAYS[m.weekday()]}, {m.day:02d} {_MONTHS[m.month - 1]} {m.year:04d} "
        f"{m.hour:02d}:{m.minute:02d}:{m.second:02d} GMT"
    )


def formatter(fmt: str) -> Callable[[Any], int | float | str]:
    """The function writing a timestamp in ``fmt`` (a model ``timestampFormat``)."""
    if fmt == UNIX_TIMESTAMP:
        return epoch_seconds
    if fmt == RFC822:
        return http_date
    return iso8601


def text_formatter(fmt: str) -> Callable[[Any], str]:
    """Like :func:`formatter` but always text (XML bodies and HTTP headers)."""
    if fmt == UNIX_TIMESTAMP:
        return lambda value: str(epoch_seconds(value))
    return formatter(fmt)  # type: ignore[return-value]
