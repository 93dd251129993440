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


def payload(value: Any, field: str) -> dict[str, Any]:
    """``{"input": "...", "inputDetails": {"truncated": false}}`` for a JSON value."""
    text = to_json(value)
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
