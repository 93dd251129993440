"""The metrics cloudtwin's own services publish where AWS does (``AWS/Lambda``,
``AWS/SQS``, ``AWS/SNS``...), gathered cheaply on their hot paths.

A service calls ``env.metrics.record(account, region, namespace, name, dimensions, value,
unit)``: one append to a queue, folded (on drain, or every :data:`FOLD_AT` observations)
into aggregates per metric and per minute of virtual time as AWS's services do. CloudWatch drains the aggregates into its store on its tick and before every
read, so nothing is lost when CloudWatch is first called after the metrics were produced,
and a service never touches CloudWatch's store. With nobody reading, the oldest minutes
are dropped past :data:`MAX_PENDING` aggregates.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, deque
from typing import Any

MAX_PENDING = 100_000
#: Observations kept as recorded before they are folded into the aggregates.
FOLD_AT = 4096

#: (account, region, namespace, name, dimensions, unit, minute)
Key = tuple[str, str, str, str, tuple[tuple[str, str], ...], str, float]


class MetricRecorder:
    def __init__(self) -> None:
        self._pending: dict[Key, list[Any]] = {}
        #: Observations as recorded, (account, region, namespace, dimensions, observations,
        #: minute), folded into ``_pending`` in order on drain or past :data:`FOLD_AT`: a
        #: deque's append is atomic, so recording takes no lock.
        self._raw: deque[tuple[str, str, str, tuple[tuple[str, str], ...], tuple[tuple[str, float, str], ...], float]] = deque()
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
        unit): :meth:`record` for each. Kept as given; aggregated later (see :meth:`_fold`)."""
        raw = self._raw
        raw.append((account, region, namespace, dimensions, observations, math.floor(when / 60) * 60))
        if len(raw) >= FOLD_AT:
            self._fold()

    def _fold(self) -> None:
        """Aggregate the observations recorded so far into one entry per metric and
        minute of virtual time (dropping the oldest minutes past :data:`MAX_PENDING`
        aggregates). Identical records (the same observations of one resource in one
        minute: most of a steady workload's) are counted first, then added at once."""
        with self._lock:
            raw = self._raw
            popleft = raw.popleft
            batch = [popleft() for _ in range(len(raw))]
            pending = self._pending
            folded = 0
            # (a Counter keeps the order in which records first came)
            for (account, region, namespace, dimensions, observations, minute), times in Counter(batch).items():
                folded += len(observations) * times
                for name, value, unit in observations:
                    key = (account, region, namespace, name, dimensions, unit, minute)
                    entry = pending.get(key)
                    if entry is None:
                        if len(pending) >= MAX_PENDING:
                            pending.pop(next(iter(pending)))
                        # [count, sum, min, max, {value: count}]
                        pending[key] = [float(times), value * times, value, value, {value: float(times)}]
                        continue
                    entry[0] += times
                    entry[1] += value * times
                    if value < entry[2]:
                        entry[2] = value
                    if value > entry[3]:
                        entry[3] = value
                    entry[4][value] = entry[4].get(value, 0.0) + times
            self.recorded += folded

    def drain(self) -> list[tuple[Key, list[Any]]]:
        """Every aggregate recorded since the last drain (and forget them)."""
        self._fold()
        with self._lock:
            if not self._pending:
                return []
            pending, self._pending = self._pending, {}
        return list(pending.items())

    def reset(self) -> None:
        with self._lock:
            self._raw.clear()
            self._pending.clear()
