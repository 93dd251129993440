"""Scalar conversions shared by the parsers (and serializers)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest

from cloudtwin.protocol import values

UTC = timezone.utc
MOMENT = datetime(2019, 12, 16, 23, 48, 18, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2019-12-16T23:48:18Z",
        "2019-12-16T23:48:18.000Z",
        "2019-12-17T00:48:18+01:00",
        "2019-12-16T23:48:18",
        "Mon, 16 Dec 2019 23:48:18 GMT",
        "Monday, 16-Dec-19 23:48:18 GMT",
        "Mon Dec 16 23:48:18 2019",
        "1576540098",
        "1576540098.0",
    ],
)
@pytest.mark.parametrize("fmt", [values.ISO8601, values.RFC822, values.UNIX_TIMESTAMP])
def test_timestamps_are_read_in_every_format_whatever_the_declared_one(text, fmt):
    assert values.parse_timestamp(text, fmt) == MOMENT


def test_timestamp_fractions_and_numbers():
    assert values.parse_timestamp(1576540098.25) == MOMENT + timedelta(milliseconds=250)
    assert values.parse_timestamp("2019-12-16T23:48:18.123456789Z").microsecond == 123456
    assert values.parse_timestamp(-1) == values.EPOCH - timedelta(seconds=1)
    assert values.parse_timestamp("1576540098", values.UNIX_TIMESTAMP).tzinfo is UTC


@pytest.mark.parametrize(
    "bad", ["", "yesterday", "2019-13-45T00:00:00Z", "12:00", True, None, float("nan"), 10**20, "1e300"]
)
def test_unreadable_timestamps_raise_value_error(bad):
    with pytest.raises(ValueError):
        values.parse_timestamp(bad, values.ISO8601)


def test_epoch_round_trip():
    assert values.to_epoch(MOMENT) == 1576540098
    assert values.to_epoch(MOMENT + timedelta(milliseconds=500)) == 1576540098.5
    assert values.to_epoch(datetime(2019, 12, 16, 23, 48, 18)) == 1576540098  # naive is UTC
    assert values.from_epoch(values.to_epoch(MOMENT)) == MOMENT


def test_default_formats_per_location():
    assert values.default_timestamp_format("header") == values.RFC822
    assert values.default_timestamp_format("querystring") == values.ISO8601
    assert values.default_timestamp_format("uri") == values.ISO8601
    assert values.default_timestamp_format("json") == values.UNIX_TIMESTAMP
    assert values.default_timestamp_format("rest-json") == values.UNIX_TIMESTAMP
    assert values.default_timestamp_format("smithy-rpc-v2-cbor") == values.UNIX_TIMESTAMP
    assert values.default_timestamp_format("query") == values.ISO8601
    assert values.default_timestamp_format("rest-xml") == values.ISO8601


def test_numbers():
    assert values.parse_integer("-42") == -42
    assert values.parse_float("1.5e3") == 1500.0
    assert values.parse_float(".5") == 0.5
    assert math.isnan(values.parse_float("NaN"))
    assert values.parse_float("Infinity") == math.inf
    assert values.parse_float("-Infinity") == -math.inf
    for bad in ["", "1_000", " 1", "0x10", "1.5"]:
        with pytest.raises(ValueError):
            values.parse_integer(bad)
    for bad in ["", "nan", "inf", "1,5", "abc"]:
        with pytest.raises(ValueError):
            values.parse_float(bad)


def test_booleans():
    assert values.parse_boolean("true") is True
    assert values.parse_boolean("FALSE") is False
    with pytest.raises(ValueError):
        values.parse_boolean("1")


def test_base64():
    assert values.decode_base64("dmFsdWU=") == b"value"
    assert values.decode_base64("dmFsdWU") == b"value"  # padding optional
    assert values.decode_base64("dmFs\ndWU=") == b"value"
    for bad in ["a", "!!!!", "é", "dmFsdWU=x"]:
        with pytest.raises(ValueError):
            values.decode_base64(bad)
