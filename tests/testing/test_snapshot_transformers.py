"""Transformers, the JSONPath subset and the structural diff, without a server."""

from __future__ import annotations

import datetime as dt

import pytest

from cloudtwin.testing import transformers as tf
from cloudtwin.testing.diff import PathPattern, diff, render_path
from cloudtwin.testing.snapshot import Snapshot, SnapshotFile, SnapshotMismatch


def transform(value, *extra: tf.Transformer):
    return tf.apply(tf.to_json(value), [*extra, *tf.default_transformers()], tf.TransformContext())


def test_builtins_cover_accounts_regions_dates_uuids_queue_urls_etags_and_metadata() -> None:
    response = {
        "Account": "123456789012",
        "Arn": "arn:aws:iam::123456789012:role/x",
        "TopicArn": "arn:aws:sns:ap-southeast-2:123456789012:t",
        "QueueUrl": "http://sqs.us-east-1.localhost:4566/000000000000/q1",
        "Other": "https://sqs.us-east-1.amazonaws.com/123456789012/q2",
        "Created": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
        "LastModified": "2024-01-01T10:00:00.000Z",
        "CreatedTimestamp": "1700000000",
        "MessageId": "0b5f3a7e-7d1c-4d2b-9a56-2f3c1d0e9b8a",
        "Again": "0b5f3a7e-7d1c-4d2b-9a56-2f3c1d0e9b8a",
        "ETag": '"9b2cf535f27731c974343645a3985328"',
        "RequestId": "abc",
        "ResponseMetadata": {"RequestId": "r", "HTTPStatusCode": 200, "HTTPHeaders": {"date": "x"}, "RetryAttempts": 0},
    }
    assert transform(response) == {
        "Account": "111111111111",
        "Arn": "arn:aws:iam::111111111111:role/x",
        "TopicArn": "arn:aws:sns:<region>:111111111111:t",
        "QueueUrl": "<queue-url:1>",
        "Other": "<queue-url:2>",
        "Created": "datetime",
        "LastModified": "date",
        "CreatedTimestamp": "<timestamp>",
        "MessageId": "<uuid:1>",
        "Again": "<uuid:1>",
        "ETag": "<etag:1>",
        "RequestId": "<request-id>",
        "ResponseMetadata": {"HTTPHeaders": {}, "HTTPStatusCode": 200},
    }


def test_custom_transformers_by_key_by_jsonpath_and_by_regex() -> None:
    value = {"Items": [{"Id": "i-1", "Secret": "s1"}, {"Id": "i-2", "Secret": "s2"}], "Note": "build 4711 ok",
             "Ref": "i-2"}
    out = transform(
        value,
        tf.KeyValue("Id", "item"),
        tf.JsonPath("$.Items[*].Secret", "secret"),
        tf.Regex(r"build \d+", "build <n>"),
    )
    assert out == {
        "Items": [{"Id": "<item:1>", "Secret": "<secret>"}, {"Id": "<item:2>", "Secret": "<secret>"}],
        "Note": "build <n> ok",
        "Ref": "<item:2>",
    }


def test_a_name_inside_another_name_is_replaced_longest_first() -> None:
    out = transform({"A": "queue-1", "B": "queue-10"}, tf.Reference("queue-1", "q"), tf.Reference("queue-10", "q"))
    assert out == {"A": "<q:1>", "B": "<q:2>"}


def test_custom_function_and_bytes() -> None:
    out = transform({"Body": b"hello", "Raw": b"\xff\x00"}, tf.Custom(lambda d: {**d, "Extra": 1}))
    assert out == {"Body": "hello", "Raw": "/wA=", "Extra": 1}


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("$..UserId", ("identity", "UserId"), True),
        ("$..UserId", ("identity", "Nested", "UserId"), True),
        ("$.identity.UserId", ("identity", "UserId"), True),
        ("$.identity.UserId", ("other", "UserId"), False),
        ("$..Items[*].Id", ("list", "Items", 3, "Id"), True),
        ("$..Items[0].Id", ("list", "Items", 1, "Id"), False),
        ("$..Attributes", ("q", "Attributes", "Policy"), False),
        ("$.a.*", ("a", "b"), True),
        ("identity.UserId", ("identity", "UserId"), True),
        ("$['odd key']", ("odd key",), True),
    ],
)
def test_jsonpath_subset(pattern, path, expected) -> None:
    assert PathPattern(pattern).matches(path) is expected


def test_jsonpath_prefix_matching_and_bad_paths() -> None:
    assert PathPattern("$..Attributes").matches(("q", "Attributes", "Policy"), prefix=True)
    with pytest.raises(ValueError):
        PathPattern("$.a[?(@.b)]")


def test_diff_kinds_and_rendering() -> None:
    differences = diff({"a": 1, "b": [1, 2], "c": {"x": "y"}}, {"a": 2, "b": [1], "d": True, "c": "y"})
    rendered = [d.render() for d in differences]
    assert rendered == [
        "(~) $.a  1 -> 2",
        "(-) $.b[1]  missing; expected 2",
        '(~) $.c  {"x": "y"} -> "y"',
        "(+) $.d  unexpected true",
    ]
    assert render_path(("a b", 0, "c")) == '$["a b"][0].c'
    assert diff({"RequestId": 1, "k": {"RequestId": 2}}, {"RequestId": 3, "k": {}}, ignore_keys=["RequestId"]) == []


def test_snapshot_object_records_and_verifies_a_file(tmp_path) -> None:
    file = SnapshotFile.for_test_file(tmp_path / "test_x.py")
    assert file.path.name == "test_x.snapshot.json"
    first = Snapshot(file, "test_x.py::test_a", update=True)
    first.match("k", {"Value": 1, "When": dt.datetime.now(dt.timezone.utc)})
    first.record()
    text = file.path.read_text()
    assert '"recorded-content"' in text and '"recorded-date"' in text
    again = Snapshot(file, "test_x.py::test_a")
    again.match("k", {"Value": 1, "When": dt.datetime(2000, 1, 1)})
    again.verify()
    changed = Snapshot(file, "test_x.py::test_a")
    changed.match("k", {"Value": 2, "When": dt.datetime(2000, 1, 1)})
    with pytest.raises(SnapshotMismatch, match=r"\(~\) \$\.k\.Value  1 -> 2"):
        changed.verify()
    assert changed.verify(["$..Value"]).waived[0].path == ("k", "Value")
    with pytest.raises(ValueError):
        changed.match("k", {})
