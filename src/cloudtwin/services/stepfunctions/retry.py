"""Retry and Catch: which retrier or catcher matches an error name, and how long a retry
waits (``IntervalSeconds`` x ``BackoffRate`` ^ attempt, capped by ``MaxDelaySeconds``, with
``JitterStrategy: FULL`` a random share of it)."""

from __future__ import annotations

import random
from typing import Any

#: Errors ``States.ALL`` does not match: AWS treats them as terminal. (``States.DataLimitExceeded``
#: is named terminal in AWS's documentation, but a Task's oversize result is caught by
#: ``States.ALL`` in AWS's recorded answers.)
TERMINAL = frozenset({"States.Runtime", "States.QueryEvaluationError"})


def matches(error_equals: list[str], error: str) -> bool:
    if error == "States.Runtime":
        return False  # AWS never retries nor catches it, even when named
    for name in error_equals:
        if name == error:
            return True
        if name == "States.ALL" and error not in TERMINAL:
            return True
        if name == "States.TaskFailed" and error not in TERMINAL and error not in (
                "States.Timeout", "States.HeartbeatTimeout", "States.BranchFailed", "States.ExceedToleratedFailureThreshold"):
            return True
    return False


def find(rules: list[dict[str, Any]] | None, error: str) -> int | None:
    for index, rule in enumerate(rules or []):
        if matches(rule.get("ErrorEquals") or [], error):
            return index
    return None


def delay(retrier: dict[str, Any], attempt: int) -> float:
    """Seconds before retry number ``attempt`` (0 for the first retry) of ``retrier``."""
    interval = retrier.get("IntervalSeconds", 1)
    backoff = retrier.get("BackoffRate", 2.0)
    seconds = interval * (backoff ** attempt)
    cap = retrier.get("MaxDelaySeconds")
    if cap is not None:
        seconds = min(seconds, cap)
    if retrier.get("JitterStrategy") == "FULL":
        seconds = random.uniform(0, seconds)
    return float(seconds)
