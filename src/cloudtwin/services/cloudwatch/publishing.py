"""Taking in the metrics other services record (see :mod:`cloudtwin.events.metrics`):
each per-minute aggregate becomes one data point of the metric in its account and region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudtwin.services.cloudwatch.metrics import add_point

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.registry import ServiceEnvironment
    from cloudtwin.state.store import AccountRegionStores


class Publisher:
    def __init__(self, stores: "AccountRegionStores[Any]", env: "ServiceEnvironment") -> None:
        self.stores = stores
        self.recorder = env.metrics

    def flush(self, now: float) -> int:
        drained = self.recorder.drain()
        for (account, region, namespace, name, dims, unit, minute), (count, total, low, high, values) in drained:
            point = [minute, unit, count, total, low, high, sorted([v, c] for v, c in values.items())]
            add_point(self.stores.get(account, region), namespace, name, dims, point, now)
        return len(drained)

    def reset(self) -> None:
        self.recorder.reset()
