"""The virtual clock and its tick processors, in-process (no server)."""

from __future__ import annotations

import asyncio
import math
import threading
from datetime import datetime, timedelta, timezone

import pytest

from cloudtwin.clock import Clock, Processors, to_epoch

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z


class FakeTime:
    """A real-time source the test moves by hand."""

    def __init__(self, start: float = T0) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def real() -> FakeTime:
    return FakeTime()


@pytest.fixture
def clock(real: FakeTime) -> Clock:
    return Clock(time_source=real)


# -- Clock ---------------------------------------------------------------------------------


def test_a_new_clock_follows_real_time(clock: Clock, real: FakeTime) -> None:
    assert clock.now() == T0
    real.value += 5
    assert clock.now() == T0 + 5
    assert clock.offset == 0
    assert not clock.frozen


def test_the_real_clock_by_default_is_close_to_time_time() -> None:
    import time

    before = time.time()
    now = Clock().now()
    assert before <= now <= time.time()


def test_advance_moves_ahead_and_keeps_running(clock: Clock, real: FakeTime) -> None:
    clock.advance(3600)
    assert clock.now() == T0 + 3600
    assert clock.offset == 3600
    real.value += 1
    assert clock.now() == T0 + 3601


def test_advance_accepts_ints_and_fractions(clock: Clock) -> None:
    clock.advance(1)
    clock.advance(0.25)
    clock.advance(0)
    assert clock.now() == T0 + 1.25


@pytest.mark.parametrize("bad", [-1, -0.001, math.nan, math.inf, True, "10", None])
def test_advance_refuses_non_finite_negative_or_non_numbers(clock: Clock, bad: object) -> None:
    with pytest.raises(ValueError):
        clock.advance(bad)  # type: ignore[arg-type]
    assert clock.now() == T0


def test_advance_beyond_year_9999_is_refused(clock: Clock) -> None:
    with pytest.raises(ValueError):
        clock.advance(1e12)
    assert clock.now() == T0


def test_freeze_stops_time_and_unfreeze_continues_from_the_frozen_instant(
    clock: Clock, real: FakeTime
) -> None:
    clock.advance(10)
    clock.freeze()
    assert clock.frozen
    real.value += 100
    assert clock.now() == T0 + 10
    clock.advance(5)  # advancing a frozen clock moves the frozen instant
    assert clock.now() == T0 + 15
    assert clock.frozen
    clock.unfreeze()
    assert not clock.frozen
    assert clock.now() == T0 + 15  # from where it stood, not from real time
    real.value += 2
    assert clock.now() == T0 + 17


def test_freeze_and_unfreeze_are_idempotent(clock: Clock, real: FakeTime) -> None:
    clock.freeze()
    real.value += 3
    clock.freeze()
    assert clock.now() == T0
    clock.unfreeze()
    clock.unfreeze()
    assert clock.now() == T0


@pytest.mark.parametrize(
    "when, expected",
    [
        (1_893_456_000, 1_893_456_000.0),
        (1_893_456_000.5, 1_893_456_000.5),
        ("1893456000", 1_893_456_000.0),
        ("2030-01-01T00:00:00Z", 1_893_456_000.0),
        ("2030-01-01T00:00:00+00:00", 1_893_456_000.0),
        ("2030-01-01T01:00:00+01:00", 1_893_456_000.0),
        ("2030-01-01T00:00:00", 1_893_456_000.0),  # naive: UTC
        ("2030-01-01", 1_893_456_000.0),
        (datetime(2030, 1, 1, tzinfo=timezone.utc), 1_893_456_000.0),
        (datetime(2030, 1, 1), 1_893_456_000.0),
        (datetime(2030, 1, 1, 2, tzinfo=timezone(timedelta(hours=2))), 1_893_456_000.0),
    ],
)
def test_set_accepts_epochs_iso_strings_and_datetimes(clock: Clock, when, expected) -> None:
    clock.set(when)
    assert clock.now() == expected


def test_set_may_go_backwards_and_keeps_running(clock: Clock, real: FakeTime) -> None:
    clock.set(T0 - 86400)
    assert clock.now() == T0 - 86400
    real.value += 1
    assert clock.now() == T0 - 86399


def test_set_on_a_frozen_clock_stays_frozen(clock: Clock, real: FakeTime) -> None:
    clock.freeze()
    clock.set("2030-01-01T00:00:00Z")
    real.value += 50
    assert clock.frozen
    assert clock.now() == 1_893_456_000.0


@pytest.mark.parametrize(
    "bad", ["yesterday", "", "2030-13-01", math.nan, -math.inf, 1e13, True, None, [1]]
)
def test_set_refuses_what_is_not_a_time(clock: Clock, bad: object) -> None:
    with pytest.raises(ValueError):
        clock.set(bad)  # type: ignore[arg-type]
    assert clock.now() == T0


def test_now_datetime_is_utc_aware(clock: Clock) -> None:
    clock.set("2030-01-01T12:30:00Z")
    moment = clock.now_datetime()
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
    assert moment == datetime(2030, 1, 1, 12, 30, tzinfo=timezone.utc)


def test_snapshot_shows_now_iso_frozen_and_offset(clock: Clock) -> None:
    clock.set("2030-01-01T00:00:00Z")
    clock.freeze()
    snap = clock.snapshot()
    assert snap == {
        "now": 1_893_456_000.0,
        "iso": "2030-01-01T00:00:00Z",
        "frozen": True,
        "offset": 1_893_456_000.0 - T0,
    }


def test_reset_returns_to_real_running_time(clock: Clock, real: FakeTime) -> None:
    clock.advance(500)
    clock.freeze()
    clock.reset()
    assert not clock.frozen
    assert clock.now() == T0


def test_concurrent_advances_all_count(clock: Clock) -> None:
    def worker() -> None:
        for _ in range(500):
            clock.advance(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clock.now() == T0 + 4000


def test_to_epoch_reads_iso_and_rejects_garbage() -> None:
    assert to_epoch("1970-01-01T00:00:10Z") == 10.0
    with pytest.raises(ValueError):
        to_epoch(object())  # type: ignore[arg-type]


# -- Processors ----------------------------------------------------------------------------


@pytest.fixture
def processors(clock: Clock) -> Processors:
    return Processors(clock)


def test_a_processor_gets_the_virtual_now_and_reports(processors: Processors, clock: Clock) -> None:
    seen: list[float] = []

    def expire(now: float) -> dict:
        seen.append(now)
        return {"expired": 3}

    processors.register("things.expiry", expire)
    assert processors.names() == ["things.expiry"]
    assert "things.expiry" in processors and len(processors) == 1
    assert processors.run("things.expiry") == {"expired": 3}
    assert seen == [clock.now()]


def test_advancing_the_clock_runs_every_processor_before_returning(
    processors: Processors, clock: Clock
) -> None:
    deadlines = [T0 + 30, T0 + 90, T0 + 3600]

    def expire(now: float) -> dict:
        due = [d for d in deadlines if d <= now]
        for d in due:
            deadlines.remove(d)
        return {"expired": len(due)}

    processors.register("expiry", expire)
    processors.register("other", lambda now: {"ran_at": now})
    report = clock.advance(100)
    assert report == {"expiry": {"expired": 2}, "other": {"ran_at": T0 + 100}}
    assert deadlines == [T0 + 3600]
    assert clock.set(T0 + 4000)["expiry"] == {"expired": 1}
    assert clock.freeze()["expiry"] == {"expired": 0}
    assert clock.unfreeze()["other"] == {"ran_at": T0 + 4000}


def test_a_clock_without_processors_reports_nothing(clock: Clock) -> None:
    assert clock.advance(1) == {}


def test_a_failing_processor_is_reported_and_the_others_still_run(
    processors: Processors, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(now: float) -> dict:
        raise RuntimeError("boom")

    processors.register("a-broken", broken)
    processors.register("b-fine", lambda now: {"ok": 1})
    report = clock.advance(1)
    assert report["a-broken"] == {"error": "RuntimeError: boom"}
    assert report["b-fine"] == {"ok": 1}
    assert "tick processor 'a-broken' failed" in caplog.text
    stats = {s.name: s for s in processors.stats()}
    assert stats["a-broken"].errors == 1 and stats["a-broken"].runs == 1
    assert stats["b-fine"].errors == 0 and stats["b-fine"].last_report == {"ok": 1}
    assert stats["b-fine"].last_run == T0 + 1


def test_reports_are_normalised(processors: Processors) -> None:
    processors.register("none", lambda now: None)
    processors.register("number", lambda now: 7)
    assert processors.run_due() == {"none": {}, "number": {"result": 7}}


def test_names_are_unique_unless_replaced(processors: Processors) -> None:
    processors.register("p", lambda now: {"v": 1})
    with pytest.raises(ValueError):
        processors.register("p", lambda now: {"v": 2})
    processors.register("p", lambda now: {"v": 2}, replace=True)
    assert processors.run("p") == {"v": 2}
    with pytest.raises(ValueError):
        processors.register("", lambda now: {})


def test_unknown_and_unregistered_processors_are_key_errors(processors: Processors) -> None:
    processors.register("p", lambda now: {})
    processors.unregister("p")
    processors.unregister("never-there")
    with pytest.raises(KeyError):
        processors.run("p")
    assert processors.run_due() == {}


# -- the background loop -------------------------------------------------------------------


class SteppedSleep:
    """An ``asyncio.sleep`` stand-in: each call waits until the test lets one tick pass."""

    def __init__(self) -> None:
        self.tick = asyncio.Semaphore(0)
        self.waiting = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.waiting.set()
        await self.tick.acquire()

    async def step(self, n: int = 1) -> None:
        """Let ``n`` background iterations run to the next sleep."""
        for _ in range(n):
            self.waiting.clear()
            self.tick.release()
            await asyncio.wait_for(self.waiting.wait(), 5)


def test_the_background_loop_runs_processors_unless_frozen(clock: Clock) -> None:
    async def scenario() -> list[int]:
        sleep = SteppedSleep()
        processors = Processors(clock, sleep=sleep)
        runs: list[float] = []
        processors.register("p", lambda now: runs.append(now) or {})
        processors.start()
        assert processors.running
        await asyncio.wait_for(sleep.waiting.wait(), 5)
        counts = []
        await sleep.step(2)
        counts.append(len(runs))
        clock.freeze()  # runs once for the freeze itself
        counts.append(len(runs))
        await sleep.step(3)
        counts.append(len(runs))
        clock.unfreeze()
        await sleep.step(1)
        counts.append(len(runs))
        await processors.stop()
        assert not processors.running
        return counts

    assert asyncio.run(scenario()) == [2, 3, 3, 5]


def test_a_crash_in_the_background_does_not_stop_the_loop(clock: Clock) -> None:
    async def scenario() -> int:
        sleep = SteppedSleep()
        processors = Processors(clock, sleep=sleep)
        calls = []

        def flaky(now: float) -> dict:
            calls.append(now)
            if len(calls) == 1:
                raise ValueError("first run fails")
            return {}

        processors.register("flaky", flaky)
        processors.start()
        await asyncio.wait_for(sleep.waiting.wait(), 5)
        await sleep.step(3)
        await processors.stop()
        return len(calls)

    assert asyncio.run(scenario()) == 3


def test_calls_from_another_thread_run_on_the_loop_thread(clock: Clock) -> None:
    """A test thread advancing the clock hands the processors to the server's loop."""
    ran_on: list[int] = []
    processors = Processors(clock, sleep=lambda s: asyncio.Event().wait())
    processors.register("where", lambda now: ran_on.append(threading.get_ident()) or {"ok": 1})
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever)
    thread.start()

    async def start() -> int:
        processors.start()
        return threading.get_ident()

    try:
        loop_thread = asyncio.run_coroutine_threadsafe(start(), loop).result(5)
        assert clock.advance(1) == {"where": {"ok": 1}}
        assert ran_on == [loop_thread] and loop_thread != threading.get_ident()
    finally:
        asyncio.run_coroutine_threadsafe(processors.stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
    # with the loop gone, calls run inline again
    assert processors.run("where") == {"ok": 1}
    assert ran_on[-1] == threading.get_ident()
