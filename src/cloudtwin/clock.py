"""The virtual clock every time-based behaviour reads, and the processors that do due work.

AWS behaviour is full of time: messages become visible again, items expire, schedules
fire, credentials lapse. A test should not wait for any of it. Every service therefore
reads :class:`Clock` instead of :func:`time.time`, and registers the work that falls due
as a named *processor* in :class:`Processors`. Moving the clock (advance, set, freeze,
unfreeze) runs every processor before the call returns, so a test can assert right after;
on a running server a background task also runs them about once a second of real time
while the clock is not frozen.

::

    Clock ──(listener, on every change)──▶ Processors.run_due()
      ▲                                        │ fn(now) -> {"expired": 3}
      └──────────── now() ◀────────────────────┘

Processors run on the server's event loop thread, like the operation handlers, so they
touch service state without locks of their own: a call from another thread (a test
advancing the clock in-process) is handed to the loop and waited for.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Mapping

__all__ = ["Clock", "Processors", "ProcessorStats", "to_epoch"]

log = logging.getLogger("cloudtwin.clock")

#: A processor: given the virtual now (epoch seconds), do the due work, say what it did.
ProcessorFn = Callable[[float], "Mapping[str, Any] | None"]
#: Called after every change of the clock; returns a report keyed by processor name.
ClockListener = Callable[[float], "Mapping[str, Any]"]

_MAX_EPOCH = 253402300799.0  # 9999-12-31T23:59:59Z: the last instant a datetime can hold
_MIN_EPOCH = -62135596800.0  # 0001-01-01T00:00:00Z


def to_epoch(value: float | int | str | datetime) -> float:
    """Epoch seconds from a number, a numeric string, an ISO-8601 string or a datetime.

    A naive datetime or ISO string without an offset is read as UTC (AWS speaks UTC).
    Raises ``ValueError`` for anything else, for NaN/infinity, and for instants a
    ``datetime`` cannot represent.
    """
    if isinstance(value, bool):
        raise ValueError("a time must be epoch seconds or an ISO-8601 string, not a boolean")
    if isinstance(value, (int, float)):
        epoch = float(value)
    elif isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        epoch = moment.timestamp()
    elif isinstance(value, str):
        text = value.strip()
        try:
            epoch = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(
                    f"{value!r} is neither epoch seconds nor an ISO-8601 time"
                ) from None
            return to_epoch(moment)
    else:
        raise ValueError(f"a time must be epoch seconds or an ISO-8601 string, not {value!r}")
    if not math.isfinite(epoch) or not _MIN_EPOCH <= epoch <= _MAX_EPOCH:
        raise ValueError(f"time {value!r} is out of range")
    return epoch


class Clock:
    """Virtual time: real time plus an offset, or a frozen instant.

    ``now()`` is on hot paths (every expiry check reads it), so it is one attribute read
    and one addition. The state is a single ``(frozen_at, offset)`` tuple replaced
    atomically, so readers on any thread never see half an update.
    """

    __slots__ = ("_state", "_lock", "_listeners", "_time", "_watchers")

    def __init__(self, *, time_source: Callable[[], float] = time.time) -> None:
        self._time = time_source
        #: (frozen instant or None, offset from real time in seconds)
        self._state: tuple[float | None, float] = (None, 0.0)
        self._lock = threading.Lock()
        self._listeners: list[ClockListener] = []
        self._watchers: list[Callable[[float | None, float], None]] = []

    # -- reading ----------------------------------------------------------------------------

    def now(self) -> float:
        """The virtual time in epoch seconds."""
        frozen, offset = self._state
        if frozen is not None:
            return frozen
        return self._time() + offset

    def now_datetime(self) -> datetime:
        """The virtual time as a timezone-aware UTC datetime."""
        return datetime.fromtimestamp(self.now(), timezone.utc)

    def real_now(self) -> float:
        """Real time (the clock's time source), whatever the virtual time is."""
        return self._time()

    @property
    def frozen(self) -> bool:
        return self._state[0] is not None

    @property
    def offset(self) -> float:
        """How far the virtual time is ahead of real time, in seconds (negative: behind)."""
        return self.now() - self._time()

    def snapshot(self) -> dict[str, Any]:
        """``{"now", "iso", "frozen", "offset"}``: the clock as the control API shows it."""
        frozen, offset = self._state
        real = self._time()
        now = frozen if frozen is not None else real + offset
        return {
            "now": now,
            "iso": _iso(now),
            "frozen": frozen is not None,
            "offset": now - real,
        }

    # -- moving -----------------------------------------------------------------------------
    # Each returns what the listeners (the processors) did, keyed by processor name.

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move forward by ``seconds`` (>= 0), then run the due work."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise ValueError(f"seconds must be a number, not {seconds!r}")
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be a finite number >= 0, not {seconds!r}")
        with self._lock:
            frozen, offset = self._state
            target = (frozen if frozen is not None else self._time() + offset) + seconds
            if target > _MAX_EPOCH:
                raise ValueError("advancing that far leaves the range of representable times")
            if frozen is not None:
                self._state = (target, offset)
            else:
                self._state = (None, offset + seconds)
        return self._notify()

    def set(self, when: float | int | str | datetime) -> dict[str, Any]:
        """Jump to an instant (epoch seconds, ISO-8601 or datetime), then run the due work.

        The jump may go backwards; the clock keeps running from there unless frozen.
        """
        target = to_epoch(when)
        with self._lock:
            frozen, _ = self._state
            if frozen is not None:
                self._state = (target, 0.0)
            else:
                self._state = (None, target - self._time())
        return self._notify()

    def freeze(self) -> dict[str, Any]:
        """Stop the clock at the current virtual instant (idempotent)."""
        with self._lock:
            frozen, offset = self._state
            if frozen is None:
                self._state = (self._time() + offset, offset)
        return self._notify()

    def unfreeze(self) -> dict[str, Any]:
        """Let the clock run again, from the instant it was frozen at (idempotent)."""
        with self._lock:
            frozen, offset = self._state
            if frozen is not None:
                self._state = (None, frozen - self._time())
        return self._notify()

    def to_real_time(self) -> dict[str, Any]:
        """Back to real time, running, keeping all state; then run the due work."""
        with self._lock:
            self._state = (None, 0.0)
        return self._notify()

    def reset(self) -> None:
        """Back to real time, running. Part of a full reset; runs no processors."""
        with self._lock:
            self._state = (None, 0.0)
        self._changed()

    # -- keeping the state across restarts ------------------------------------------------

    @property
    def state(self) -> tuple[float | None, float]:
        """``(frozen instant or None, offset from real time)``: what a restart must restore."""
        return self._state

    def load_state(self, frozen: float | None, offset: float) -> None:
        """Take back a saved :attr:`state` (a frozen clock stays at its instant; a running
        one keeps its offset from real time). Runs no processors and tells no watcher."""
        values = [offset] if frozen is None else [frozen, offset]
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) for v in values):
            raise ValueError(f"not a clock state: {(frozen, offset)!r}")
        with self._lock:
            self._state = (None if frozen is None else float(frozen), float(offset))

    def watch(self, watcher: Callable[[float | None, float], None]) -> None:
        """Call ``watcher(frozen, offset)`` after every change of the state, reset included."""
        with self._lock:
            self._watchers = [*self._watchers, watcher]

    def _changed(self) -> None:
        frozen, offset = self._state
        for watcher in self._watchers:
            watcher(frozen, offset)

    # -- listeners --------------------------------------------------------------------------

    def add_listener(self, listener: ClockListener) -> None:
        """Call ``listener(now)`` after every change; its report is merged into the result."""
        with self._lock:
            self._listeners = [*self._listeners, listener]

    def _notify(self) -> dict[str, Any]:
        self._changed()
        report: dict[str, Any] = {}
        for listener in self._listeners:
            report.update(listener(self.now()))
        return report

    def __repr__(self) -> str:
        state = "frozen" if self.frozen else "running"
        return f"<Clock {_iso(self.now())} {state}>"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass(slots=True)
class ProcessorStats:
    """What a processor has done so far (shown by ``GET /_cloudtwin/tick``)."""

    name: str
    runs: int = 0
    errors: int = 0
    #: Virtual time of the last run.
    last_run: float | None = None
    last_report: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "runs": self.runs,
            "errors": self.errors,
            "last_run": self.last_run,
            "last_report": self.last_report,
        }


class Processors:
    """Named tick processors: the due work of every service, run when time moves.

    ``register(name, fn)`` where ``fn(now) -> dict`` does whatever is due at ``now`` and
    reports it (``{"expired": 3}``). A failing processor is logged and reported as
    ``{"error": "..."}``; it never stops the others or the background loop.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        interval: float = 1.0,
        call_timeout: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        after_run: Callable[[], None] | None = None,
    ) -> None:
        self.clock = clock
        #: Called after every processor run (persistence commits what the run wrote).
        self.after_run = after_run
        #: Real seconds between background runs.
        self.interval = interval
        self._sleep = sleep  # injectable, so tests drive the background loop step by step
        self.call_timeout = call_timeout
        self._fns: dict[str, ProcessorFn] = {}
        self._stats: dict[str, ProcessorStats] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._task: asyncio.Task[None] | None = None
        clock.add_listener(self._on_clock_change)

    # -- registry ---------------------------------------------------------------------------

    def register(self, name: str, fn: ProcessorFn, *, replace: bool = False) -> None:
        """Add a processor. A second one under the same name is an error unless ``replace``."""
        if not name or not isinstance(name, str):
            raise ValueError("a processor needs a non-empty name")
        with self._lock:
            if name in self._fns and not replace:
                raise ValueError(f"a processor named {name!r} is already registered")
            self._fns = {**self._fns, name: fn}
            self._stats.setdefault(name, ProcessorStats(name))

    def unregister(self, name: str) -> None:
        with self._lock:
            fns = dict(self._fns)
            fns.pop(name, None)
            self._fns = fns
            self._stats.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self._fns)

    def __contains__(self, name: object) -> bool:
        return name in self._fns

    def __len__(self) -> int:
        return len(self._fns)

    def stats(self) -> list[ProcessorStats]:
        return [self._stats[name] for name in self.names() if name in self._stats]

    # -- running ----------------------------------------------------------------------------

    def run(self, name: str) -> dict[str, Any]:
        """Run one processor now and return its report; ``KeyError`` if there is none."""
        if name not in self._fns:
            raise KeyError(name)
        return self._on_loop(self._run_one, name)

    def run_due(self) -> dict[str, dict[str, Any]]:
        """Run every processor now: ``{name: report}``."""
        return self._on_loop(self._run_all)

    def _on_clock_change(self, now: float) -> dict[str, dict[str, Any]]:
        return self.run_due() if self._fns else {}

    def _run_all(self) -> dict[str, dict[str, Any]]:
        fns = self._fns  # replaced, never mutated: safe to iterate while others register
        return {name: self._execute(name, fns[name]) for name in sorted(fns)}

    def _run_one(self, name: str) -> dict[str, Any]:
        fn = self._fns.get(name)
        if fn is None:
            raise KeyError(name)
        return self._execute(name, fn)

    def _execute(self, name: str, fn: ProcessorFn) -> dict[str, Any]:
        now = self.clock.now()
        stats = self._stats.setdefault(name, ProcessorStats(name))
        try:
            result = fn(now)
            report = _as_report(result)
        except Exception as exc:  # noqa: BLE001 - a broken processor must not stop the rest
            log.exception("tick processor %r failed", name)
            stats.errors += 1
            report = {"error": f"{type(exc).__name__}: {exc}"}
        if self.after_run is not None:
            self.after_run()
        stats.runs += 1
        stats.last_run = now
        stats.last_report = report
        return report

    def _on_loop(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Call ``fn`` on the server's event loop thread and wait for it.

        Inline when there is no running loop (no server, or after shutdown) or when we
        are already on it.
        """
        loop = self._loop
        if loop is None or threading.get_ident() == self._loop_thread or not loop.is_running():
            return fn(*args)
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def job() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller
                future.set_exception(exc)

        try:
            loop.call_soon_threadsafe(job)
        except RuntimeError:  # the loop closed in between
            return fn(*args)
        return future.result(timeout=self.call_timeout)

    # -- background -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background runs on the current event loop (the server's lifespan)."""
        if self._task is not None and not self._task.done():
            return
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._task = loop.create_task(self._background(), name="cloudtwin-processors")

    async def stop(self) -> None:
        """Stop the background runs; later calls run inline on the caller's thread."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        self._loop = None
        self._loop_thread = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _background(self) -> None:
        while True:
            await self._sleep(self.interval)
            if self._fns and not self.clock.frozen:
                try:
                    self._run_all()
                except Exception:  # noqa: BLE001 - _run_one already guards; belt and braces
                    log.exception("tick processors failed")


def _as_report(result: object) -> dict[str, Any]:
    if result is None:
        return {}
    if isinstance(result, Mapping):
        return dict(result)
    return {"result": result}
