"""The execution history AWS writes: numbered events with the id of the event before them
in the same thread of work (``previousEventId``), a timestamp, a type and its details.

The events are plain dicts in the execution's record, in the shape ``GetExecutionHistory``
returns (details keyed ``<lowerCamelType>EventDetails``, inputs and outputs as JSON text
with ``inputDetails``/``outputDetails``).
"""

from __future__ import annotations

import json
from typing import Any, Callable

__all__ = ["History", "to_json", "details_key"]

#: AWS truncates event payloads to 256 KiB.
MAX_PAYLOAD = 262144

_DETAIL_NAMES = {
    "ExecutionStarted": "executionStarted", "ExecutionSucceeded": "executionSucceeded",
    "ExecutionFailed": "executionFailed", "ExecutionAborted": "executionAborted",
    "ExecutionTimedOut": "executionTimedOut", "ExecutionRedriven": "executionRedriven",
    "MapStateStarted": "mapStateStarted", "MapIterationStarted": "mapIterationStarted",
    "MapIterationSucceeded": "mapIterationSucceeded", "MapIterationFailed": "mapIterationFailed",
    "MapIterationAborted": "mapIterationAborted", "MapRunStarted": "mapRunStarted",
    "MapRunFailed": "mapRunFailed", "MapRunRedriven": "mapRunRedriven",
    "LambdaFunctionScheduled": "lambdaFunctionScheduled",
    "LambdaFunctionScheduleFailed": "lambdaFunctionScheduleFailed",
    "LambdaFunctionStartFailed": "lambdaFunctionStartFailed",
    "LambdaFunctionSucceeded": "lambdaFunctionSucceeded", "LambdaFunctionFailed": "lambdaFunctionFailed",
    "LambdaFunctionTimedOut": "lambdaFunctionTimedOut",
    "ActivityScheduled": "activityScheduled", "ActivityScheduleFailed": "activityScheduleFailed",
    "ActivityStarted": "activityStarted", "ActivitySucceeded": "activitySucceeded",
    "ActivityFailed": "activityFailed", "ActivityTimedOut": "activityTimedOut",
    "TaskScheduled": "taskScheduled", "TaskStarted": "taskStarted", "TaskStartFailed": "taskStartFailed",
    "TaskSubmitted": "taskSubmitted", "TaskSubmitFailed": "taskSubmitFailed",
    "TaskSucceeded": "taskSucceeded", "TaskFailed": "taskFailed", "TaskTimedOut": "taskTimedOut",
    "EvaluationFailed": "evaluationFailed",
}


def details_key(event_type: str) -> str | None:
    if event_type.endswith("StateEntered"):
        return "stateEnteredEventDetails"
    if event_type.endswith("StateExited"):
        return "stateExitedEventDetails"
    name = _DETAIL_NAMES.get(event_type)
    return f"{name}EventDetails" if name else None


def to_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _dump(value: Any, originals: dict[int, str]) -> str:
    """Compact JSON, except that the values in ``originals`` keep the text they came as
    (AWS passes an execution's input on as the caller wrote it)."""
    found = originals.get(id(value))
    if found is not None:
        return found
    if isinstance(value, dict):
        return "{" + ",".join(f"{to_json(k)}:{_dump(v, originals)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dump(v, originals) for v in value) + "]"
    return to_json(value)


def payload(value: Any, field: str, originals: dict[int, str] | None = None) -> dict[str, Any]:
    """``{"input": "...", "inputDetails": {"truncated": false}}`` for a JSON value."""
    text = _dump(value, originals) if originals else to_json(value)
    truncated = len(text.encode("utf-8")) > MAX_PAYLOAD
    if truncated:
        text = text.encode("utf-8")[:MAX_PAYLOAD].decode("utf-8", "ignore")
    return {field: text, f"{field}Details": {"truncated": truncated}}


class History:
    """The events of one execution. ``last`` is the id the next event names as previous."""

    def __init__(self, events: list[dict[str, Any]], now: Callable[[], float],
                 on_event: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.events = events
        self.now = now
        self.on_event = on_event
        self.last = events[-1]["id"] if events else 0
        #: id of a value -> the text it came as (see ``keep_text``)
        self.originals: dict[int, str] = {}

    def keep_text(self, value: Any, text: str) -> None:
        """Write ``value`` as ``text`` wherever it appears (when ``text`` is not already the
        compact form: the common case costs nothing)."""
        if isinstance(value, (list, str)) and text != to_json(value):
            self.originals[id(value)] = text

    def payload(self, value: Any, field: str) -> dict[str, Any]:
        return payload(value, field, self.originals)

    def add(self, event_type: str, details: dict[str, Any] | None = None, *,
            previous: int | None = None, advance: bool = True) -> int:
        event_id = len(self.events) + 1
        event: dict[str, Any] = {
            "timestamp": self.now(), "type": event_type, "id": event_id,
            "previousEventId": self.last if previous is None else previous,
        }
        if details is not None:
            key = details_key(event_type)
            if key:
                event[key] = details
        self.events.append(event)
        if advance:
            self.last = event_id
        if self.on_event is not None:
            self.on_event(event)
        return event_id
