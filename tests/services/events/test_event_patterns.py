"""The event-pattern language through TestEventPattern, from the examples of AWS's
"Content filtering in Amazon EventBridge event patterns" page: each operator matching and
not matching, and invalid patterns refused with InvalidEventPatternException."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

EVENT = {
    "id": "1", "source": "aws.ec2", "detail-type": "EC2 Instance State-change Notification",
    "account": "123456789012", "region": "us-east-1", "time": "2022-07-13T13:48:01Z",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"],
    "detail": {
        "instance-id": "i-b188560f", "state": "running", "c-count": 5, "d-count": 3,
        "source-ip": "10.0.0.123", "filename": "photo.PNG", "location": "us-west-2",
        "tags": ["alpha", "beta"], "payload": {"nested": {"deep": "q-test-1"}}, "nothing": None,
    },
}

CASES = [
    # (name, detail pattern, matches)
    ("exact", {"state": ["running"]}, True),
    ("exact no", {"state": ["stopped"]}, False),
    ("null", {"nothing": [None]}, True),
    ("number", {"c-count": [5.0]}, True),
    ("prefix", {"location": [{"prefix": "us-"}]}, True),
    ("prefix no", {"location": [{"prefix": "eu-"}]}, False),
    ("prefix ignore case", {"filename": [{"prefix": {"equals-ignore-case": "PHOTO"}}]}, True),
    ("suffix", {"filename": [{"suffix": ".PNG"}]}, True),
    ("suffix no", {"filename": [{"suffix": ".png"}]}, False),
    ("suffix ignore case", {"filename": [{"suffix": {"equals-ignore-case": ".png"}}]}, True),
    ("equals-ignore-case", {"state": [{"equals-ignore-case": "RUNNING"}]}, True),
    ("anything-but", {"state": [{"anything-but": "initializing"}]}, True),
    ("anything-but no", {"state": [{"anything-but": ["stopped", "running"]}]}, False),
    ("anything-but number", {"c-count": [{"anything-but": [1, 2, 3]}]}, True),
    ("anything-but prefix", {"state": [{"anything-but": {"prefix": "init"}}]}, True),
    ("anything-but prefix no", {"state": [{"anything-but": {"prefix": "run"}}]}, False),
    ("anything-but suffix list", {"filename": [{"anything-but": {"suffix": [".txt", ".PNG"]}}]}, False),
    ("anything-but ignore case", {"state": [{"anything-but": {"equals-ignore-case": ["RUNNING"]}}]}, False),
    ("anything-but wildcard", {"location": [{"anything-but": {"wildcard": "eu-*"}}]}, True),
    ("numeric range", {"c-count": [{"numeric": [">", 0, "<=", 5]}]}, True),
    ("numeric range no", {"d-count": [{"numeric": ["<", 3]}]}, False),
    ("numeric equals", {"d-count": [{"numeric": ["=", 3]}]}, True),
    ("exists", {"instance-id": [{"exists": True}]}, True),
    ("exists no", {"missing": [{"exists": True}]}, False),
    ("not exists", {"missing": [{"exists": False}]}, True),
    ("not exists no", {"state": [{"exists": False}]}, False),
    ("cidr", {"source-ip": [{"cidr": "10.0.0.0/24"}]}, True),
    ("cidr no", {"source-ip": [{"cidr": "10.0.1.0/24"}]}, False),
    ("wildcard", {"filename": [{"wildcard": "photo.*"}]}, True),
    ("wildcard no", {"filename": [{"wildcard": "*.jpg"}]}, False),
    ("array value", {"tags": ["beta", "gamma"]}, True),
    ("array value no", {"tags": ["gamma"]}, False),
    ("nested", {"payload": {"nested": {"deep": [{"prefix": "q-test"}]}}}, True),
    ("dotted key", {"payload.nested.deep": [{"prefix": "q-test"}]}, True),
    ("$or", {"$or": [{"c-count": [{"numeric": [">", 10]}]}, {"d-count": [3]}]}, True),
    ("$or no", {"$or": [{"c-count": [{"numeric": [">", 10]}]}, {"d-count": [4]}]}, False),
]


@pytest.mark.parametrize("name,detail,expected", CASES, ids=[c[0] for c in CASES])
def test_operator(aws_client, name, detail, expected):
    pattern = {"source": ["aws.ec2"], "detail": detail}
    result = aws_client("events").test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(EVENT))
    assert result["Result"] is expected


INVALID = [
    ('{"detail": {"state": "running"}}', "Match value must be String, number, true, false, or null"),
    ('{"detail": {"c": [{"numeric": [">", 0, ">", 5]}]}}', "Bad numeric range operator"),
    ('{"detail": {"c": [{"numeric": ["~", 0]}]}}', "Unrecognized numeric range operator: ~"),
    ('{"detail": {"c": [{"prefix": 1}]}}', '"prefix" match pattern must be a string, not 1'),
    ('{"detail": {"c": [{"wildcard": "a**b"}]}}', "Consecutive wildcard characters at pos 2"),
    ('{"detail": {"c": [{"exists": "yes"}]}}', "exists match pattern must be either true or false."),
    ('{"detail": {"c": []}}', "Empty arrays are not allowed"),
    ('{"detail": {"c": [{"bogus": 1}]}}', "Unrecognized match type bogus"),
]


@pytest.mark.parametrize("pattern,reason", INVALID, ids=[r for _, r in INVALID])
def test_invalid_pattern(aws_client, pattern, reason):
    events = aws_client("events")
    with pytest.raises(ClientError) as error:
        events.test_event_pattern(EventPattern=pattern, Event=json.dumps(EVENT))
    assert error.value.response["Error"] == {"Code": "InvalidEventPatternException",
                                             "Message": f"Event pattern is not valid. Reason: {reason}"}
    with pytest.raises(ClientError) as error:  # PutRule refuses it the same way
        events.put_rule(Name="r", EventPattern=pattern)
    assert error.value.response["Error"]["Code"] == "InvalidEventPatternException"


def test_pattern_that_is_not_json_quotes_the_source_as_aws_does(aws_client):
    with pytest.raises(ClientError) as error:
        aws_client("events").test_event_pattern(EventPattern="{'bad': 1}", Event=json.dumps(EVENT))
    assert error.value.response["Error"]["Message"] == (
        "Event pattern is not valid. Reason: Unexpected character (''' (code 39)): was expecting double-quote "
        "to start field name\n at [Source: (String)\"{'bad': 1}\"; line: 1, column: 2]")


def test_event_must_be_a_whole_event(aws_client):
    with pytest.raises(ClientError) as error:
        aws_client("events").test_event_pattern(EventPattern='{"source": ["a"]}', Event='{"source": "a"}')
    assert error.value.response["Error"] == {"Code": "ValidationException", "Message": "Parameter Event is not valid."}
