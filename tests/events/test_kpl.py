"""The KPL aggregated record format: round trip, and what is not an aggregated record."""

import hashlib

from cloudtwin.events import kpl


def test_aggregate_round_trip_keeps_keys_and_order():
    records = [("a", b"one"), ("b", b""), ("a", b"\x00" * 300)]
    users = kpl.deaggregate(kpl.aggregate(records))
    assert [(u.partition_key, u.data) for u in users] == records


def test_plain_and_corrupt_data_are_not_aggregated_records():
    assert kpl.deaggregate(b"plain data") is None
    good = kpl.aggregate([("k", b"v")])
    assert kpl.deaggregate(good[:-1] + bytes([good[-1] ^ 1])) is None  # digest mismatch
    body = b"\x1a\xff"  # a record field whose length runs past the end
    assert kpl.deaggregate(kpl.MAGIC + body + hashlib.md5(body).digest()) is None
