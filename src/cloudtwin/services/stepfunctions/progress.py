"""Where a running execution is, written as it moves, so that after a restart it resumes
where it was instead of starting again: a finished state is never run twice, a Wait keeps
its deadline on the virtual clock, a task token issued before the restart still completes
its task, and the history goes on from its last event.

A *thread* is one line of states being run: the execution's own (``""``), a branch of a
Parallel state or an iteration of a Map (``<parent thread>/<entered event id>.<index>``).
Each running thread has one *checkpoint*, rewritten at each step it takes::

    state, input        the state it is in and that state's input
    entered, context    the id of the state's ...StateEntered event; the context object's State
    variables           the variables the thread sees (JSONata ``Assign``)
    retriers            the attempts each retrier of the state has made
    phase               "run"        the state is being evaluated (a task not yet called)
                        "retry"      waiting until ``due`` to try again
                        "wait"       a Wait state, until ``due``
                        "started"    the task was called, its answer not recorded yet
                        "submitted"  a .waitForTaskToken / .sync task waits (``token``,
                                     ``child``; ``outcome`` once SendTask* answered)
                        "activity"   an activity task waits for a worker (or, with
                                     ``worker``, for its answer)
                        "branches"   a Parallel or Map state waits for its threads
    token, due, timeoutDue, child, outcome, worker, mapRunArn   as the phase needs them
    done                the output of a branch or iteration that finished

The rows are written in the same turn of the event loop as the history events they go
with, so what is on disk is always a state the execution was really in.

The checkpoints of a STANDARD execution are kept in the store (on disk only with
``--data-dir``) while it runs and, once it ended unsuccessfully, until it is redriven:
``RedriveExecution`` turns each unfinished thread's checkpoint to the phase ``"redrive"``,
and the thread enters that state again with the input it had (a Parallel or Map state's
finished branches and iterations keep their output; see :meth:`Journal.redrive`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.stepfunctions.models import StepFunctionsStore

__all__ = ["Journal", "branch_key"]


def branch_key(parent: str, entered: int, index: int) -> str:
    return f"{parent}/{entered}.{index}"


class Journal:
    """The execution's record, history events and checkpoints, written to the store as
    they change — or nowhere, for an execution that is not kept (EXPRESS, TestState)."""

    def __init__(self, store: "StepFunctionsStore | None", arn: str, changed: Callable[[], None] | None = None,
                 persist: bool = True, load: bool = True) -> None:
        self.store = store
        self.arn = arn
        #: whether the store is written to disk (history events are kept in it then too)
        self.persist = persist and store is not None
        self.changed = changed if changed is not None and self.persist else (lambda: None)
        #: thread -> checkpoint (what was saved before a restart or a redrive, then what is being written)
        self.points: dict[str, dict[str, Any]] = store.checkpoints(arn) if store is not None and load else {}

    @property
    def kept(self) -> bool:
        return self.store is not None

    def resuming(self) -> bool:
        return bool(self.points)

    # -- writing -------------------------------------------------------------------------------

    def event(self, event: dict[str, Any]) -> None:
        if self.persist:
            self.store.events[(self.arn, event["id"])] = event
            self.changed()

    def mark(self, thread: str, point: dict[str, Any]) -> None:
        """The thread is now at ``point`` (a new checkpoint)."""
        if self.store is not None:
            self.points[thread] = point
            self.store.progress[(self.arn, thread)] = point
            self.changed()

    def update(self, thread: str, **fields: Any) -> None:
        """The thread moved on inside its state."""
        if self.store is None:
            return
        point = self.points.get(thread)
        if point is None:
            return
        for key, value in fields.items():
            if value is None:
                point.pop(key, None)
            else:
                point[key] = value
        self.store.progress[(self.arn, thread)] = point
        self.changed()

    def done(self, thread: str, output: Any) -> None:
        """A branch or iteration finished with ``output``."""
        self.mark(thread, {"done": output})

    def drop_under(self, parent: str, entered: int) -> None:
        """Forget the threads a Parallel or Map state started (it has finished)."""
        if self.store is None:
            return
        prefix = f"{parent}/{entered}."
        for thread in [t for t in self.points if t.startswith(prefix)]:
            del self.points[thread]
            self.store.progress.pop((self.arn, thread), None)
        self.changed()

    def clear(self) -> None:
        """The execution ended: nothing left to resume."""
        if self.store is None:
            return
        for thread in list(self.points):
            self.store.progress.pop((self.arn, thread), None)
        self.points.clear()
        self.changed()

    def rekey(self, parent: str, old: int, new: int) -> None:
        """A state the thread ``parent`` was in (entered at event ``old``) is entered again
        at ``new`` by a redrive: its branches and iterations, and theirs, move with it."""
        if self.store is None or old == new:
            return
        prefix, renamed = f"{parent}/{old}.", f"{parent}/{new}."
        for thread in [t for t in self.points if t.startswith(prefix)]:
            point = self.points.pop(thread)
            self.store.progress.pop((self.arn, thread), None)
            moved = renamed + thread[len(prefix):]
            self.points[moved] = point
            self.store.progress[(self.arn, moved)] = point
        self.changed()

    def redrive(self) -> None:
        """The execution is redriven: each thread that did not finish enters again the state
        it was in, with that state's input and the variables it saw."""
        if self.store is None:
            return
        for thread, point in list(self.points.items()):
            if "done" in point or "state" not in point:
                continue
            again = {key: point[key] for key in ("state", "input", "entered", "variables") if key in point}
            again["phase"] = "redrive"
            if point.get("mapRunArn"):
                again["mapRunArn"] = point["mapRunArn"]  # a distributed Map's run is redriven, not started
            self.points[thread] = again
            self.store.progress[(self.arn, thread)] = again
        self.changed()

    # -- reading -------------------------------------------------------------------------------

    def at(self, thread: str) -> dict[str, Any] | None:
        return self.points.get(thread)

    def waiting_tokens(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(thread, token, checkpoint) of the tasks that were waiting for a token."""
        return [(thread, point["token"], point) for thread, point in self.points.items()
                if point.get("token") and point.get("phase") in ("submitted", "activity", "started")]
