"""The metrics cloudtwin's own services publish where AWS does (``AWS/Lambda``,
``AWS/SQS``, ``AWS/SNS``...), gathered cheaply on their hot paths.

A service calls ``env.metrics.record(account, region, namespace, name, dimensions, value,
unit)``: one dict update, aggregated per metric and per minute of virtual time as AWS's
services do. CloudWatch drains the aggregates into its store on its tick and before every
read, so nothing is lost when CloudWatch is first called after the metrics were produced,
and a service never touches CloudWatch's store. With nobody reading, the oldest minutes
are dropped past :data:`MAX_PENDING` aggregates.
"""

from __future__ import annotations

import math
import threading
from typing import Any

MAX_PENDING = 100_000

#: (account, region, namespace, name, dimensions, unit, minute)
Key = tuple[str, str, str, str, tuple[tuple[str, str], ...], str, float]


class MetricRecorder:
    def __init__(self) -> None:
        self._pending: dict[Key, list[Any]] = {}
        self._lock = threading.Lock()
        self.recorded = 0

    def record(
        self, account: str, region: str, namespace: str, name: str,
        dimensions: dict[str, str] | tuple[tuple[str, str], ...], value: float, unit: str, when: float,
    ) -> None:  # fmt: skip
        """Add one observation (``when`` is virtual time). ``dimensions`` may be given as
        the (name, value) pairs sorted by name (what a dict is turned into): cheaper on
        hot paths."""
        if type(dimensions) is not tuple:
            dimensions = tuple(sorted(dimensions.items()))  # type: ignore[union-attr]
        self.record_each(account, region, namespace, dimensions, ((name, value, unit),), when)  # type: ignore[arg-type]

    def record_each(
        self, account: str, region: str, namespace: str, dimensions: tuple[tuple[str, str], ...],
        observations: tuple[tuple[str, float, str], ...], when: float,
    ) -> None:  # fmt: skip
        """Add several observations of one resource at one instant, each (name, value,
        unit): :meth:`record` for each, at one acquisition of the lock."""
        minute = math.floor(when / 60) * 60
        with self._lock:
            pending = self._pending
            self.recorded += len(observations)
            for name, value, unit in observations:
                key = (account, region, namespace, name, dimensions, unit, minute)
                entry = pending.get(key)
                if entry is None:
                    if len(pending) >= MAX_PENDING:
                        pending.pop(next(iter(pending)))
                    # [count, sum, min, max, {value: count}]
                    pending[key] = [1.0, value, value, value, {value: 1.0}]
                    continue
                entry[0] += 1
                entry[1] += value
                if value < entry[2]:
                    entry[2] = value
                if value > entry[3]:
                    entry[3] = value
                entry[4][value] = entry[4].get(value, 0.0) + 1

    def drain(self) -> list[tuple[Key, list[Any]]]:
        """Every aggregate recorded since the last drain (and forget them)."""
        with self._lock:
            if not self._pending:
                return []
            pending, self._pending = self._pending, {}
        return list(pending.items())

    def reset(self) -> None:
        with self._lock:
            self._pending.clear()
