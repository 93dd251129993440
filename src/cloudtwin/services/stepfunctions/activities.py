"""Task tokens and activities.

A ``.waitForTaskToken`` task or an activity task waits for ``SendTaskSuccess`` /
``SendTaskFailure`` with its token; ``SendTaskHeartbeat`` restarts its ``HeartbeatSeconds``
(measured on the virtual clock). Activity workers long-poll ``GetActivityTask``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from typing import TYPE_CHECKING, Any

from cloudtwin.services.stepfunctions.errors import FailureError
from cloudtwin.services.stepfunctions.history import payload

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.stepfunctions.executions import Engine
    from cloudtwin.services.stepfunctions.interpreter import Execution, Frame
    from cloudtwin.services.stepfunctions.progress import Journal

#: Real seconds a GetActivityTask call waits for a task, as AWS does.
POLL_SECONDS = 60.0


class Tokens:
    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self.waiting: dict[str, dict[str, Any]] = {}

    @staticmethod
    def new() -> str:
        return uuid.uuid4().hex + uuid.uuid4().hex

    def expect(self, token: str, execution: "Execution", heartbeat: int | None, thread: str = "") -> Any:
        """A coroutine finishing with the output sent for ``token`` (or failing)."""
        entry = self.waiting.get(token)
        if entry is None or entry["future"].done():
            entry = self.reserve(token, execution.record["executionArn"], execution.journal, thread)
        entry.update(heartbeat=heartbeat, journal=execution.journal, thread=thread)
        return self._wait(entry)

    def reserve(self, token: str, arn: str, journal: "Journal", thread: str) -> dict[str, Any]:
        """Accept ``token`` from now on (an execution resuming after a restart reserves the
        tokens it waits for before it runs again)."""
        future = asyncio.get_running_loop().create_future()
        entry = {"future": future, "execution": arn, "heartbeat": None, "beat": asyncio.Event(),
                 "journal": journal, "thread": thread}
        self.waiting[token] = entry
        return entry

    async def _wait(self, entry: dict[str, Any]) -> Any:
        future = entry["future"]
        heartbeat = entry["heartbeat"]
        if heartbeat is None:
            return await future
        while True:
            entry["beat"].clear()
            beat = asyncio.ensure_future(entry["beat"].wait())
            timer = asyncio.ensure_future(self.engine.sleep(heartbeat))
            done, _ = await asyncio.wait({future, beat, timer}, return_when=asyncio.FIRST_COMPLETED)
            beat.cancel()
            timer.cancel()
            if future in done:
                return future.result()
            if beat in done:
                continue
            raise FailureError("States.Timeout", None, timed_out=True)

    def forget(self, token: str) -> None:
        self.waiting.pop(token, None)

    def get(self, token: str) -> dict[str, Any] | None:
        return self.waiting.get(token)

    def succeed(self, token: str, output: Any) -> bool:
        entry = self.waiting.pop(token, None)
        if entry is None or entry["future"].done():
            return False
        entry["journal"].update(entry["thread"], outcome={"output": output})  # durable with the answer
        entry["future"].set_result(output)
        return True

    def fail(self, token: str, error: str | None, cause: str | None) -> bool:
        entry = self.waiting.pop(token, None)
        if entry is None or entry["future"].done():
            return False
        entry["journal"].update(entry["thread"], outcome={"error": error or "", "cause": cause})
        entry["future"].set_exception(FailureError(error or "", cause))
        return True

    def beat(self, token: str) -> bool:
        entry = self.waiting.get(token)
        if entry is None:
            return False
        entry["beat"].set()
        return True

    def reset(self) -> None:
        self.waiting.clear()


def outcome(answer: dict[str, Any]) -> Any:
    """What SendTaskSuccess/Failure said for a token before a restart: the output, or raised."""
    if "output" in answer:
        return answer["output"]
    raise FailureError(answer.get("error") or "", answer.get("cause"))


class Activities:
    """Per activity ARN: the tasks no worker has taken yet, and the workers polling."""

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self.queues: dict[str, deque[dict[str, Any]]] = {}
        self.pollers: dict[str, deque[asyncio.Future]] = {}

    async def run(self, execution: "Execution", arn: str, params: Any, timeout: int | None, heartbeat: int | None,
                  frame: "Frame") -> Any:
        history = execution.history
        journal = execution.journal
        point = frame.resumed("activity")
        if point is None:
            details: dict[str, Any] = {"resource": arn, **payload(params, "input")}
            if timeout is not None:
                details["timeoutInSeconds"] = timeout
            if heartbeat is not None:
                details["heartbeatInSeconds"] = heartbeat
            history.add("ActivityScheduled", details)
            token = Tokens.new()
            due = self.engine.now() + timeout if timeout is not None else None
            journal.update(frame.key, phase="activity", token=token, timeoutDue=due)
            point = {}
        else:
            token, due = point["token"], point.get("timeoutDue")
        started = asyncio.get_running_loop().create_future()

        def taken(worker: str | None) -> None:
            """A worker has the task: written before GetActivityTask answers."""
            history.add("ActivityStarted", {"workerName": worker} if worker else {})
            journal.update(frame.key, worker=worker or "")
            started.set_result(worker)

        task = {"token": token, "input": params, "started": started, "taken": taken}
        waiter = self.engine.tokens.expect(token, execution, None, frame.key)
        if "worker" in point:
            started.set_result(point["worker"])  # a worker had it before a restart
        else:
            self._offer(arn, task)

        async def work() -> Any:
            await started
            if "outcome" in point:
                waiter.close()
                return outcome(point["outcome"])
            if heartbeat is None:
                return await waiter
            entry = self.engine.tokens.get(token)
            if entry is not None:
                entry["heartbeat"] = heartbeat
            return await self.engine.tokens._wait(entry) if entry is not None else await waiter

        try:
            result = await self.engine.within(work(), 99999999 if due is None else due - self.engine.now())
        except asyncio.TimeoutError:
            history.add("ActivityTimedOut", {"error": "States.Timeout"})
            raise FailureError("States.Timeout", None) from None
        except FailureError as failure:
            if failure.timed_out:
                history.add("ActivityTimedOut", {"error": failure.error})
            else:
                out = {"error": failure.error}
                if failure.cause is not None:
                    out["cause"] = failure.cause
                history.add("ActivityFailed", out)
            raise
        finally:
            # The token's first wait is not awaited when a heartbeat wait replaced it or
            # the task ended before a worker took it: closed, it is not left pending.
            waiter.close()
            self.engine.tokens.forget(token)
            queue = self.queues.get(arn)
            if queue and task in queue:
                queue.remove(task)
        history.add("ActivitySucceeded", payload(result, "output"))
        return result

    def _offer(self, arn: str, task: dict[str, Any]) -> None:
        pollers = self.pollers.get(arn)
        while pollers:
            poller = pollers.popleft()
            if not poller.done():
                poller.set_result(task)
                return
        self.queues.setdefault(arn, deque()).append(task)

    async def poll(self, arn: str, worker: str | None) -> dict[str, Any] | None:
        queue = self.queues.get(arn)
        task = queue.popleft() if queue else None
        if task is None:
            future = asyncio.get_running_loop().create_future()
            self.pollers.setdefault(arn, deque()).append(future)
            try:
                task = await asyncio.wait_for(future, POLL_SECONDS)
            except asyncio.TimeoutError:
                return None
        if not task["started"].done():
            task["taken"](worker)
        return task

    def reset(self) -> None:
        self.queues.clear()
        for pollers in self.pollers.values():
            for poller in pollers:
                if not poller.done():
                    poller.cancel()
        self.pollers.clear()
