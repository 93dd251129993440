"""The CloudWatch store: metrics with their data points, alarms and their history,
dashboards, anomaly detectors, metric streams, insight rules and tags.

One row per metric (namespace, name and dimension set): its data points are kept sorted by
timestamp as compact lists ``[timestamp, unit, count, sum, min, max, values]`` where
``values`` is the raw ``[[value, count], ...]`` a percentile needs (None for a statistic
set), so a query finds its range by bisection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cloudtwin.state.records import record_types
from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table

#: A metric's identity: namespace, name, and its dimensions sorted by name (as JSON text,
#: so that it is the same key after a restart).
MetricKey = str

# Indexes into a data point list.
TS, UNIT, COUNT, SUM, MIN, MAX, VALUES = range(7)


@dataclass(slots=True)
class Metric:
    namespace: str
    name: str
    dimensions: list[list[str]]
    #: Data points sorted by timestamp (see the module docstring).
    points: list[list[Any]] = field(default_factory=list)
    #: Virtual time of the latest PutMetricData (ListMetrics RecentlyActive).
    last_put: float = 0.0

    def key(self) -> MetricKey:
        return metric_key(self.namespace, self.name, self.dimensions)


def metric_key(namespace: str, name: str, dimensions: Any) -> MetricKey:
    pairs = sorted([d[0], d[1]] if isinstance(d, (list, tuple)) else [d["Name"], d["Value"]] for d in dimensions or ())
    return json.dumps([namespace, name, pairs], separators=(",", ":"))


@dataclass(slots=True)
class Alarm:
    name: str
    arn: str
    #: "MetricAlarm" or "CompositeAlarm".
    kind: str
    #: The configuration as DescribeAlarms returns it (without the state fields).
    config: dict[str, Any]
    state: str = "INSUFFICIENT_DATA"
    reason: str = "Unchecked: Initial alarm creation"
    reason_data: str | None = None
    state_updated: float = 0.0
    state_transitioned: float = 0.0
    configuration_updated: float = 0.0
    #: Virtual time of the next evaluation of a metric alarm.
    next_evaluation: float = 0.0
    #: Composite alarms: the actions suppressor state (kept for DescribeAlarms).
    actions_suppressed_by: str | None = None


@dataclass(slots=True)
class HistoryItem:
    alarm_name: str
    alarm_type: str
    timestamp: float
    item_type: str
    summary: str
    data: str
    seq: int = 0


@dataclass(slots=True)
class Dashboard:
    name: str
    arn: str
    body: str
    modified: float


class CloudWatchStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.metrics: Table[MetricKey, Metric] = tables.table("metrics")
        self.alarms: Table[str, Alarm] = tables.table("alarms")
        self.history: Table[int, HistoryItem] = tables.table("history")
        self.dashboards: Table[str, Dashboard] = tables.table("dashboards")
        #: A detector's identity (JSON of its key members) -> the detector as described.
        self.anomaly_detectors: Table[str, dict[str, Any]] = tables.table("anomaly_detectors")
        self.metric_streams: Table[str, dict[str, Any]] = tables.table("metric_streams")
        self.insight_rules: Table[str, dict[str, Any]] = tables.table("insight_rules")
        #: Resource ARN -> tags.
        self.tags: Table[str, dict[str, str]] = tables.table("tags")
        self.history_seq = max(self.history, default=0)


record_types(Metric, Alarm, HistoryItem, Dashboard)
