"""Running executions: each one a task on the server's event loop, its waits on the virtual
clock (a tick processor wakes the sleepers whose time has come), its end written to the
history and the record, announced to EventBridge and to whoever waits for it (a
``StartSyncExecution`` call, a parent's ``.sync`` task).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import logging
import uuid
from typing import TYPE_CHECKING, Any, Callable

from cloudtwin.services.stepfunctions.activities import Activities, Tokens
from cloudtwin.services.stepfunctions.errors import FailureError
from cloudtwin.services.stepfunctions.history import History, to_json
from cloudtwin.services.stepfunctions.integrations import Integrations
from cloudtwin.services.stepfunctions.interpreter import Execution
from cloudtwin.services.stepfunctions.maps import Maps
from cloudtwin.services.stepfunctions.progress import Journal

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.registry import ServiceEnvironment
    from cloudtwin.services.stepfunctions.models import StepFunctionsStore

log = logging.getLogger("cloudtwin.stepfunctions")

TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
#: Seconds of rounding a deadline on the virtual clock tolerates (an epoch float's last bits).
EPSILON = 1e-5


class Timers:
    """Futures woken when the virtual clock reaches their instant."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self._heap: list[tuple[float, int, asyncio.Future]] = []
        self._seq = itertools.count()

    async def sleep_until(self, due: float) -> None:
        if due <= self.now() + EPSILON:
            await asyncio.sleep(0)
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (due, next(self._seq), future))
        await future

    def process(self, now: float) -> dict[str, int]:
        woken = 0
        now += EPSILON  # a deadline reached by several advances: (t + 599) + 1 may fall short of t + 600
        while self._heap and self._heap[0][0] <= now:
            _, _, future = heapq.heappop(self._heap)
            if not future.done():
                future.set_result(None)
                woken += 1
        return {"woken": woken, "sleeping": len(self._heap)}

    def reset(self) -> None:
        for _, _, future in self._heap:
            if not future.done():
                future.cancel()
        self._heap.clear()


class Engine:
    def __init__(self, env: "ServiceEnvironment", provider: Any) -> None:
        self.env = env
        self.provider = provider
        self.timers = Timers(env.clock.now)
        self.tokens = Tokens(self)
        self.activities = Activities(self)
        self.integrations = Integrations(self)
        self.maps = Maps(self)
        self.running: dict[str, asyncio.Task] = {}
        self.done: dict[str, asyncio.Event] = {}
        self.map_runs: dict[str, dict[str, Any]] = {}
        self._commit_soon = False
        env.processors.register("stepfunctions-timers", self._tick)

    def _tick(self, now: float) -> dict[str, int]:
        self.provider._resume_now()  # after a restart, before the first request: time moves on
        return self.timers.process(now)

    # -- time ----------------------------------------------------------------------------------------

    def now(self) -> float:
        return self.env.clock.now()

    async def sleep(self, seconds: float) -> None:
        await self.timers.sleep_until(self.now() + max(0.0, float(seconds)))

    async def sleep_until(self, due: float) -> None:
        await self.timers.sleep_until(due)

    async def within(self, coro: Any, seconds: float) -> Any:
        """Run ``coro``; raise ``asyncio.TimeoutError`` when ``seconds`` of virtual time pass first."""
        task = asyncio.ensure_future(coro)
        timer = asyncio.ensure_future(self.sleep(seconds))
        try:
            done, _ = await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            task.cancel()
            timer.cancel()
            raise
        if task in done:
            timer.cancel()
            return task.result()
        task.cancel()
        raise asyncio.TimeoutError

    @staticmethod
    def request_id() -> str:
        return str(uuid.uuid4())

    # -- executions ----------------------------------------------------------------------------------

    def start(self, record: dict[str, Any], definition: dict[str, Any], store: "StepFunctionsStore | None",
              save: Callable[[dict], None], redrive: bool = False) -> None:
        """Run an execution: a new one, one redriven, or (its checkpoints in ``store``) one
        that was running when the server stopped. ``store`` is None for an execution that is
        not kept (EXPRESS)."""
        arn = record["executionArn"]
        events = store.history(arn) if store is not None else []
        journal = Journal(store, arn, self._changed, persist=self.env.persistence.enabled, load=bool(events))
        history = History(events, self.now, journal.event if journal.persist else None)
        history.keep_text(record["inputValue"], record["input"])
        execution = Execution(self, record, definition, history, journal)
        event = self.done.get(arn)
        if event is None or event.is_set():  # (a parent resumed first may wait on it already)
            self.done[arn] = asyncio.Event()
        if not events:
            history.add("ExecutionStarted", {"input": record["input"], "inputDetails": {"truncated": False},
                                             "roleArn": record["roleArn"]}, advance=False)
            self.status_event(record)
        if redrive:
            journal.redrive()
            history.add("ExecutionRedriven", {"redriveCount": record["redriveCount"]}, previous=0)
            self.status_event(record)
        save(record)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        for thread, token, _ in journal.waiting_tokens():
            self.tokens.reserve(token, arn, journal, thread)  # SendTask* may answer before it runs again
        self.running[arn] = loop.create_task(self._run(execution, save), name=f"sfn-{record['name']}")

    def _changed(self) -> None:
        """An execution wrote to the store outside a request: commit it in a moment."""
        if self._commit_soon:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._commit_soon = True
        loop.call_soon(self._commit)

    def _commit(self) -> None:
        self._commit_soon = False
        try:
            self.env.persistence.commit()
        except Exception:  # noqa: BLE001 - the next request's commit reports it
            log.exception("committing the progress of executions failed")

    async def _run(self, execution: Execution, save: Callable[[dict], None]) -> None:
        record = execution.record
        history = execution.history
        try:
            timeout = execution.definition.get("TimeoutSeconds")
            if timeout:
                began = record.get("redriveDate") or record["startDate"]
                output = await self.within(execution.run(), began + timeout - self.now())
            else:
                output = await execution.run()
            details = history.payload(output, "output")
            record.update(status="SUCCEEDED", output=details["output"])
            history.add("ExecutionSucceeded", details)
        except FailureError as failure:
            record.update(status="FAILED", error=failure.error, cause=failure.cause)
            details: dict[str, Any] = {"error": failure.error} if failure.error else {}
            if failure.cause is not None:
                details["cause"] = failure.cause
            history.add("ExecutionFailed", details)
        except asyncio.TimeoutError:
            record.update(status="TIMED_OUT")
            history.add("ExecutionTimedOut", {"error": "States.Timeout"})
        except asyncio.CancelledError:
            if record.get("status") != "ABORTED":
                # the server stops (or resets): the execution stays RUNNING, to start again
                self.running.pop(record["executionArn"], None)
                raise
            details = {k: record[k] for k in ("error", "cause") if record.get(k) is not None}
            history.add("ExecutionAborted", details, previous=0)
        except Exception as error:  # noqa: BLE001 - a bug must fail the execution, not the loop
            log.exception("execution %s failed", record["executionArn"])
            record.update(status="FAILED", error="States.Runtime", cause=f"Internal error: {error}")
            history.add("ExecutionFailed", {"error": "States.Runtime", "cause": record["cause"]})
        record["stopDate"] = self.now()
        self.running.pop(record["executionArn"], None)
        if record["status"] == "SUCCEEDED" or record.get("type") == "EXPRESS":
            execution.journal.clear()  # otherwise kept: a redrive goes on from there
        save(record)
        self.status_event(record)
        self.provider.logs.execution_done(record, history.events)
        event = self.done.get(record["executionArn"])
        if event is not None:
            event.set()

    def stop(self, record: dict[str, Any], error: str | None, cause: str | None) -> None:
        record["status"] = "ABORTED"
        if error is not None:
            record["error"] = error
        if cause is not None:
            record["cause"] = cause
        task = self.running.get(record["executionArn"])
        if task is not None:
            task.cancel()

    async def wait(self, arn: str) -> None:
        event = self.done.get(arn)
        if event is None:
            try:
                running = self.provider.find_execution(arn).get("status") == "RUNNING"
            except Exception:  # noqa: BLE001 - no such execution: nothing to wait for
                running = False
            if not running:
                return
            event = self.done.setdefault(arn, asyncio.Event())  # it resumes after a restart
        await event.wait()

    async def child_result(self, arn: str, parsed: bool) -> Any:
        """What a ``.sync`` / ``.sync:2`` task of ``states:startExecution`` returns."""
        await self.wait(arn)
        record = self.provider.find_execution(arn)
        described = self.provider.describe(record)
        if record["status"] != "SUCCEEDED":
            raise FailureError("States.TaskFailed", to_json(_sdk_view(described, parsed)))
        return _sdk_view(described, parsed)

    # -- map runs ------------------------------------------------------------------------------------

    def new_map_run(self, execution: Execution, name: str, state: dict[str, Any], total: int,
                    tolerated_count: int, tolerated_percent: float) -> dict[str, Any]:
        record = execution.record
        label = state.get("Label") or str(uuid.uuid4())
        arn = (f"arn:aws:states:{record['region']}:{record['account']}:mapRun:{record['stateMachineName']}/"
               f"{label}:{uuid.uuid4()}")
        run = {
            "mapRunArn": arn, "executionArn": record["executionArn"], "status": "RUNNING", "startDate": self.now(),
            "maxConcurrency": state.get("MaxConcurrency", 0), "toleratedFailurePercentage": float(tolerated_percent),
            "toleratedFailureCount": int(tolerated_count),
            "itemCounts": {"pending": total, "running": 0, "succeeded": 0, "failed": 0, "timedOut": 0,
                           "aborted": 0, "total": total, "resultsWritten": 0, "failuresNotRedrivable": 0,
                           "pendingRedrive": 0},
            "account": record["account"], "region": record["region"],
        }  # fmt: skip
        self.map_runs[arn] = run
        self.provider.save_map_run(run)
        return run

    def find_map_run(self, execution: Execution, arn: str | None) -> dict[str, Any] | None:
        """A map run started before a restart."""
        if not arn:
            return None
        record = execution.record
        run = self.map_runs.get(arn) or self.provider.stores.get(record["account"], record["region"]).map_runs.get(arn)
        if run is not None:
            self.map_runs[arn] = run
        return run

    def finish_map_run(self, run: dict[str, Any], status: str) -> None:
        run["status"] = status
        run["stopDate"] = self.now()
        self.provider.save_map_run(run)

    # -- EventBridge -----------------------------------------------------------------------------------

    def status_event(self, record: dict[str, Any]) -> None:
        if record.get("type") == "EXPRESS":
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        detail = {
            "executionArn": record["executionArn"], "stateMachineArn": record["stateMachineArn"],
            "name": record["name"], "status": record["status"], "startDate": int(record["startDate"] * 1000),
            "stopDate": int(record["stopDate"] * 1000) if record.get("stopDate") else None,
            "input": record["input"], "output": record.get("output"),
            "inputDetails": {"included": True}, "outputDetails": {"included": True} if record.get("output") else None,
            "error": record.get("error"), "cause": record.get("cause"),
        }  # fmt: skip
        entry = {"Source": "aws.states", "DetailType": "Step Functions Execution Status Change",
                 "Detail": json.dumps(detail), "Resources": [record["executionArn"]]}
        loop.create_task(self._put_event(record, entry))

    async def _put_event(self, record: dict[str, Any], entry: dict[str, Any]) -> None:
        try:
            await self.env.internal.call_async("events", "PutEvents", {"Entries": [entry]},
                                               account_id=record["account"], region=record["region"])
        except Exception:  # noqa: BLE001 - no EventBridge, or no bus: nothing to announce to
            log.debug("no status change event for %s", record["executionArn"])

    def reset(self) -> None:
        for task in list(self.running.values()):
            task.cancel()
        self.running.clear()
        self.done.clear()
        self.map_runs.clear()
        self.timers.reset()
        self.tokens.reset()
        self.activities.reset()


def _sdk_view(described: dict[str, Any], parsed: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in described.items():
        if key in ("inputDetails", "outputDetails"):
            continue
        name = key[:1].upper() + key[1:]
        if key in ("startDate", "stopDate") and isinstance(value, (int, float)):
            value = int(value * 1000)
        if parsed and key in ("input", "output") and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        out[name] = value
    out.setdefault("InputDetails", {"Included": True})
    if "Output" in out:
        out.setdefault("OutputDetails", {"Included": True})
    return out
