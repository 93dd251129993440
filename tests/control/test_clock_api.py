"""GET clock, POST clock/advance|set|freeze|unfreeze, GET tick, POST tick[/<name>]."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest


def ours(processed: dict) -> dict:
    """The reports of this module's processors only."""
    return {name: report for name, report in processed.items() if name.startswith("test.")}


def test_get_clock_shows_real_time_by_default(control) -> None:
    before = time.time()
    status, clock = control("GET", "clock")
    assert status == 200
    assert set(clock) == {"now", "iso", "frozen", "offset"}
    assert before - 1 <= clock["now"] <= time.time() + 1
    assert clock["frozen"] is False
    assert abs(clock["offset"]) < 1
    assert clock["iso"].endswith("Z")


def test_advance_moves_the_clock_and_runs_processors_before_answering(
    control, register, server
) -> None:
    visible_at = {"m1": 0.0, "m2": 0.0}
    control("POST", "clock/freeze")
    start = server.app.clock.now()
    visible_at.update(m1=start + 30, m2=start + 300)
    returned: list[str] = []

    def visibility(now: float) -> dict:
        due = [m for m, t in visible_at.items() if t <= now and m not in returned]
        returned.extend(due)
        return {"returned": len(due)}

    register("test.visibility", visibility)
    status, out = control("POST", "clock/advance", {"seconds": 60})
    assert status == 200
    assert out["now"] == start + 60
    assert out["frozen"] is True
    # (services loaded by other tests in this session register processors of their own)
    assert ours(out["processed"]) == {"test.visibility": {"returned": 1}}
    assert returned == ["m1"]  # already done when the call returned
    status, out = control("POST", "clock/advance", {"seconds": "240"})
    assert out["processed"]["test.visibility"] == {"returned": 1}
    assert returned == ["m1", "m2"]


def test_processors_run_on_the_server_thread(control, register) -> None:
    threads: list[str] = []
    register("test.where", lambda now: threads.append(threading.current_thread().name) or {})
    control("POST", "clock/advance", {"seconds": 1})
    assert threads and threads[0] != threading.current_thread().name


def test_advancing_in_process_from_the_test_thread_runs_processors_too(register, server) -> None:
    register("test.count", lambda now: {"now": now})
    server.app.clock.freeze()
    now = server.app.clock.now()
    assert ours(server.app.clock.advance(10)) == {"test.count": {"now": now + 10}}


def test_set_accepts_epoch_and_iso(control) -> None:
    status, out = control("POST", "clock/set", {"time": 1_893_456_000})
    assert status == 200
    assert out["iso"].startswith("2030-01-01T00:00:0")
    status, out = control("POST", "clock/set", {"time": "2031-06-01T12:00:00Z"})
    assert status == 200
    expected = datetime(2031, 6, 1, 12, tzinfo=timezone.utc).timestamp()
    assert abs(out["now"] - expected) < 1  # running: may have ticked a little
    assert ours(out["processed"]) == {}


def test_clock_reset_returns_to_real_time_and_keeps_state(control, aws_client) -> None:
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName="kept-across-clock-reset")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="still here")
    control("POST", "clock/advance", {"seconds": 3600})
    control("POST", "clock/freeze")
    status, out = control("POST", "clock/reset")
    assert status == 200
    assert out["frozen"] is False and abs(out["offset"]) < 1 and abs(out["now"] - time.time()) < 5
    messages = sqs.receive_message(QueueUrl=url)["Messages"]
    assert [m["Body"] for m in messages] == ["still here"]


def test_set_now_returns_to_real_time_keeping_frozen(control) -> None:
    control("POST", "clock/set", {"time": "2031-06-01T12:00:00Z"})
    control("POST", "clock/freeze")
    status, out = control("POST", "clock/set", {"time": "now"})
    assert status == 200 and out["frozen"] is True
    assert abs(out["now"] - time.time()) < 5
    control("POST", "clock/unfreeze")


def test_freeze_and_unfreeze(control) -> None:
    status, frozen = control("POST", "clock/freeze")
    assert status == 200 and frozen["frozen"] is True
    status, again = control("GET", "clock")
    assert again["now"] == frozen["now"]
    control("POST", "clock/set", {"time": "2030-01-01T00:00:00Z"})
    status, still = control("GET", "clock")
    assert still["frozen"] is True and still["now"] == 1_893_456_000.0
    status, running = control("POST", "clock/unfreeze")
    assert status == 200 and running["frozen"] is False
    assert running["now"] >= 1_893_456_000.0


def test_query_parameters_work_like_the_body(control) -> None:
    control("POST", "clock/freeze")
    _, before = control("GET", "clock")
    status, out = control("POST", "clock/advance?seconds=120")
    assert status == 200 and out["now"] == before["now"] + 120


@pytest.mark.parametrize(
    "path, body, raw",
    [
        ("clock/advance", None, b"{not json"),
        ("clock/advance", None, b"[1, 2]"),
        ("clock/advance", {}, None),
        ("clock/advance", {"seconds": -5}, None),
        ("clock/advance", {"seconds": "soon"}, None),
        ("clock/advance", {"seconds": True}, None),
        ("clock/advance", {"seconds": 1e300}, None),
        ("clock/advance", {"seconds": 1, "extra": 2}, None),
        ("clock/set", {}, None),
        ("clock/set", {"time": "yesterday"}, None),
        ("clock/set", {"time": [2030]}, None),
        ("clock/set", {"time": 1e20}, None),
        ("clock/freeze", {"time": 1}, None),
    ],
)
def test_bad_input_is_a_json_400(control, path, body, raw) -> None:
    _, before = control("GET", "clock")
    status, out = control("POST", path, body, raw)
    assert status == 400
    assert isinstance(out["error"], str) and "Traceback" not in out["error"]
    _, after = control("GET", "clock")
    assert abs(after["offset"] - before["offset"]) < 1


def test_non_finite_json_numbers_are_refused(control) -> None:
    status, out = control("POST", "clock/advance", raw=b'{"seconds": NaN}')
    assert status == 400


def test_wrong_method_is_405(control) -> None:
    assert control("DELETE", "clock")[0] == 405
    assert control("GET", "clock/advance")[0] == 405
    assert control("GET", "tick/anything")[0] == 405


def test_tick_lists_processors_with_their_stats(control, register) -> None:
    register("test.a", lambda now: {"did": 1})
    register("test.b", lambda now: None)
    control("POST", "tick/test.a")
    status, out = control("GET", "tick")
    assert status == 200
    stats = {p["name"]: p for p in out["processors"]}
    assert stats["test.a"]["runs"] == 1 and stats["test.a"]["last_report"] == {"did": 1}
    assert stats["test.b"]["runs"] == 0 and stats["test.b"]["last_run"] is None


def test_tick_one_processor_runs_it_now_and_returns_its_report(control, register, server) -> None:
    calls: list[float] = []
    server.app.clock.freeze()
    register("test.sweep", lambda now: calls.append(now) or {"swept": len(calls)})
    register("test.other", lambda now: {"other": True})
    status, out = control("POST", "tick/test.sweep")
    assert status == 200
    assert out == {"processor": "test.sweep", "now": server.app.clock.now(), "report": {"swept": 1}}
    assert len(calls) == 1


def test_tick_names_may_be_percent_encoded(control, register) -> None:
    register("test/with slash", lambda now: {"ok": 1})
    status, out = control("POST", "tick/test%2Fwith%20slash")
    assert status == 200 and out["report"] == {"ok": 1}


def test_tick_all_runs_every_processor(control, register) -> None:
    register("test.x", lambda now: {"x": 1})
    register("test.y", lambda now: {"y": 2})
    status, out = control("POST", "tick")
    assert status == 200
    assert out["processed"]["test.x"] == {"x": 1} and out["processed"]["test.y"] == {"y": 2}


def test_unknown_processor_is_a_json_404(control, register) -> None:
    register("test.known", lambda now: {})
    status, out = control("POST", "tick/test.unknown")
    assert status == 404
    assert "test.unknown" in out["error"]
    assert "test.known" in out["processors"]


def test_a_failing_processor_is_a_json_500_with_its_report(control, register) -> None:
    def broken(now: float) -> dict:
        raise KeyError("gone")

    register("test.broken", broken)
    status, out = control("POST", "tick/test.broken")
    assert status == 500
    assert out["report"] == {"error": "KeyError: 'gone'"}
    # and advancing still answers, with the failure in the report
    status, out = control("POST", "clock/advance", {"seconds": 1})
    assert status == 200
    assert out["processed"]["test.broken"]["error"].startswith("KeyError")


def test_each_server_has_its_own_clock(control, control_at) -> None:
    from cloudtwin.testing.server import ServerThread

    with ServerThread() as other:
        theirs_call = control_at(other.endpoint)
        theirs_call("POST", "clock/set", {"time": "2040-01-01T00:00:00Z"})
        theirs_call("POST", "clock/freeze")
        _, mine = control("GET", "clock")
        _, theirs = theirs_call("GET", "clock")
    assert theirs["frozen"] is True and theirs["iso"].startswith("2040-01-01")
    assert mine["frozen"] is False and not mine["iso"].startswith("2040")
