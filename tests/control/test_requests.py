"""GET requests: the recent request log, filtered."""

from __future__ import annotations

import pytest

from cloudtwin.control.request_log import RequestRecord


@pytest.fixture
def logged(server):
    """A request log with known content (the reset before each test emptied it)."""
    log = server.app.request_log
    rows = [
        ("sqs", "SendMessage", "111111111111", "us-east-1", 200, None),
        ("sqs", "ReceiveMessage", "111111111111", "eu-west-1", 200, None),
        ("sqs", "SendMessage", "222222222222", "us-east-1", 400, "InvalidParameterValue"),
        ("sns", "Publish", "111111111111", "us-east-1", 404, "NotFound"),
        ("s3", "GetObject", "111111111111", "us-east-1", 500, "InternalError"),
    ]
    for i, (service, op, account, region, status, code) in enumerate(rows):
        log.append(
            RequestRecord(1000.0 + i, f"req-{i}", service, op, account, region, status, code, 1.5)
        )
    return rows


def ids(out) -> list[str]:
    return [r["request_id"] for r in out["requests"]]


def test_all_records_newest_last(control, logged) -> None:
    status, out = control("GET", "requests")
    assert status == 200
    assert ids(out) == [f"req-{i}" for i in range(5)]
    assert out["count"] == out["total"] == 5
    first = out["requests"][0]
    assert first == {
        "time": 1000.0,
        "request_id": "req-0",
        "service": "sqs",
        "operation": "SendMessage",
        "account_id": "111111111111",
        "region": "us-east-1",
        "status": 200,
        "error_code": None,
        "duration_ms": 1.5,
    }


@pytest.mark.parametrize(
    "query, expected",
    [
        ("service=sqs", [0, 1, 2]),
        ("operation=SendMessage", [0, 2]),
        ("account=222222222222", [2]),
        ("region=eu-west-1", [1]),
        ("status=404", [3]),
        ("errors=1", [2, 3, 4]),
        ("errors=true", [2, 3, 4]),
        ("errors=0", [0, 1, 2, 3, 4]),
        ("limit=2", [3, 4]),
        ("service=sqs&errors=1", [2]),
        ("service=sqs&limit=1", [2]),
        ("service=dynamodb", []),
    ],
)
def test_filters(control, logged, query, expected) -> None:
    status, out = control("GET", f"requests?{query}")
    assert status == 200
    assert ids(out) == [f"req-{i}" for i in expected]
    assert out["count"] == len(expected) and out["total"] == 5


@pytest.mark.parametrize(
    "query", ["status=abc", "limit=0", "limit=-1", "errors=maybe", "colour=red", "status=1"]
)
def test_bad_filters_are_json_400s(control, logged, query) -> None:
    status, out = control("GET", f"requests?{query}")
    assert status == 400 and out["error"]


def test_a_full_reset_clears_the_log(control, logged) -> None:
    control("POST", "reset")
    assert control("GET", "requests")[1]["total"] == 0


def test_real_requests_are_logged(control, aws_client) -> None:
    aws_client("sts").get_caller_identity()
    status, out = control("GET", "requests?service=sts")
    assert status == 200
    [record] = out["requests"]
    assert record["operation"] == "GetCallerIdentity"
    assert record["account_id"] == "000000000000" and record["region"] == "us-east-1"
    assert record["status"] == 200 and record["error_code"] is None
    assert record["duration_ms"] > 0


def test_control_requests_are_not_logged(control) -> None:
    control("GET", "clock")
    control("GET", "services")
    assert control("GET", "requests")[1]["total"] == 0
