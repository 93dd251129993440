"""Metric data: PutMetricData's checks, storing data points, and the statistics of a range.

A data point is ``[timestamp, unit, count, sum, min, max, values]`` (see :mod:`models`);
points stay sorted by timestamp so a range is found by bisection. Statistics of a period
fold its points together; percentiles need the raw values (``[[value, count], ...]``),
which statistic sets only provide when all their samples are equal.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from typing import Any, Iterable

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudwatch.models import COUNT, MAX, MIN, SUM, TS, UNIT, VALUES, CloudWatchStore, Metric, metric_key

MAX_METRICS_PER_PUT = 1000
MAX_DIMENSIONS = 30
MAX_VALUES = 150
#: Values must be in the range of -2^360 to 2^360 (and, from AWS, not denormally small).
VALUE_LIMIT = 2.0**360
PAST_LIMIT = 14 * 86400
FUTURE_LIMIT = 2 * 3600
#: How long data points are kept (CloudWatch keeps 1-hour aggregates for 15 months).
RETENTION = 455 * 86400
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_PERCENTILE = re.compile(r"^p(\d{1,2}(\.\d{1,10})?|100(\.0{1,10})?)$")
_EXTENDED = re.compile(r"^(p|tm|wm|tc|ts)(\d{1,2}(\.\d{1,10})?|100(\.0{1,10})?)$")


def invalid_value(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message)


def invalid_combination(message: str) -> ServiceError:
    return ServiceError("InvalidParameterCombinationException", message)


def missing(message: str) -> ServiceError:
    return ServiceError("MissingRequiredParameterException", message)


# -- PutMetricData ---------------------------------------------------------------------------


def check_value(value: Any, where: str) -> float:
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise invalid_value(f"The value {_number_text(number)} for parameter {where} is invalid.")
    if abs(number) > VALUE_LIMIT or (number != 0 and abs(number) < 1 / VALUE_LIMIT):
        raise invalid_value(f"The value {number} for parameter {where} is invalid.")
    return number


def _number_text(number: float) -> str:
    return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")


def datum_points(datum: dict[str, Any], index: int, now: float) -> tuple[float, str, list[Any]]:
    """Check one ``MetricDatum`` (``index`` counts from 1) and return ``(timestamp, unit,
    point)``."""
    where = f"MetricData.member.{index}"
    has_value = datum.get("Value") is not None
    has_values = bool(datum.get("Values"))
    has_stats = datum.get("StatisticValues") is not None
    if has_value and has_values:
        raise invalid_combination(
            f"The parameters {where}.Value and {where}.Values are mutually exclusive and you have specified both."
        )
    if has_value and has_stats:
        raise invalid_combination(
            f"The parameters {where}.Value and {where}.StatisticValues are mutually exclusive and you have specified both."
        )
    counts = datum.get("Counts") or []
    values = datum.get("Values") or []
    if counts and len(counts) != len(values):
        raise invalid_value(f"The parameters {where}.Values and {where}.Counts must be of the same size.")
    if len(values) > MAX_VALUES:
        raise invalid_value(f"The collection {where}.Values must not have a size greater than {MAX_VALUES}.")
    dims = datum.get("Dimensions") or []
    if len(dims) > MAX_DIMENSIONS:
        raise invalid_value(f"The collection {where}.Dimensions must not have a size greater than {MAX_DIMENSIONS}.")
    names = [d["Name"] for d in dims]
    if len(set(names)) != len(names):
        raise invalid_value(f"No metric may have duplicate dimension names. ({where}.Dimensions)")
    resolution = datum.get("StorageResolution")
    if resolution is not None and resolution not in (1, 60):
        raise invalid_value(f"The value {resolution} for parameter {where}.StorageResolution is invalid.")
    stamp = datum.get("Timestamp")
    ts = now if stamp is None else _epoch(stamp)
    if ts < now - PAST_LIMIT:
        raise invalid_value(f"The parameter {where}.Timestamp must specify a time no more than two weeks in the past.")
    if ts > now + FUTURE_LIMIT:
        raise invalid_value(f"The parameter {where}.Timestamp must specify a time no more than two hours in the future.")
    if resolution != 1:
        ts = math.floor(ts)
    unit = datum.get("Unit") or "None"
    if has_values:
        pairs = [
            [check_value(v, f"{where}.Values.member.{i}"), float(counts[i - 1]) if counts else 1.0]
            for i, v in enumerate(values, 1)
        ]
        pairs = [p for p in pairs if p[1] > 0]
        point = point_from_values(ts, unit, pairs)
        # A statistic set sent alongside Values is accepted (and Values win), as AWS does.
    elif has_stats:
        stats = datum["StatisticValues"]
        count, total = float(stats["SampleCount"]), check_value(stats["Sum"], f"{where}.StatisticValues.Sum")
        low = check_value(stats["Minimum"], f"{where}.StatisticValues.Minimum")
        high = check_value(stats["Maximum"], f"{where}.StatisticValues.Maximum")
        if count <= 0:
            raise invalid_value(f"The value {stats['SampleCount']} for parameter {where}.StatisticValues.SampleCount is invalid.")
        raw = [[low, count]] if low == high and math.isclose(total, low * count) else None
        point = [ts, unit, count, total, low, high, raw]
    elif has_value:
        value = check_value(datum["Value"], f"{where}.Value")
        point = [ts, unit, 1.0, value, value, value, [[value, 1.0]]]
    else:
        raise missing(f"At least one of the parameters {where}.Value, {where}.Values or {where}.StatisticValues must be specified.")
    return ts, unit, point


def point_from_values(ts: float, unit: str, pairs: list[list[float]]) -> list[Any]:
    count = sum(c for _, c in pairs)
    return [
        ts, unit, count, sum(v * c for v, c in pairs),
        min((v for v, _ in pairs), default=0.0), max((v for v, _ in pairs), default=0.0), pairs,
    ]  # fmt: skip


def _epoch(value: Any) -> float:
    if hasattr(value, "timestamp"):
        return float(value.timestamp())
    return float(value)


def put_metric_data(store: CloudWatchStore, namespace: str, data: list[dict[str, Any]], now: float) -> None:
    """Check every datum first (a bad one rejects the whole request), then store them."""
    if len(data) > MAX_METRICS_PER_PUT:
        raise invalid_value(
            f"The collection MetricData must not have a size greater than {MAX_METRICS_PER_PUT}."
        )
    checked = [(datum, datum_points(datum, i, now)) for i, datum in enumerate(data, 1)]
    for datum, (_, _, point) in checked:
        add_point(store, namespace, datum["MetricName"], datum.get("Dimensions") or [], point, now)


def add_point(store: CloudWatchStore, namespace: str, name: str, dimensions: Any, point: list[Any], now: float) -> None:
    key = metric_key(namespace, name, dimensions)
    metric = store.metrics.get(key)
    if metric is None:
        metric = Metric(namespace, name, json.loads(key)[2])
        store.metrics[key] = metric
    points = metric.points
    if points and points[-1][TS] == point[TS] and points[-1][UNIT] == point[UNIT]:
        _merge(points[-1], point)  # same instant and unit: one point (a metric stays compact)
    elif not points or points[-1][TS] <= point[TS]:
        points.append(point)
    else:
        points.insert(bisect.bisect_right(points, point[TS], key=lambda p: p[TS]), point)
    metric.last_put = now
    _expire(metric, now)
    store.metrics.save(key)


def _merge(into: list[Any], point: list[Any]) -> None:
    into[COUNT] += point[COUNT]
    into[SUM] += point[SUM]
    into[MIN] = min(into[MIN], point[MIN])
    into[MAX] = max(into[MAX], point[MAX])
    if into[VALUES] is None or point[VALUES] is None:
        into[VALUES] = None
    else:
        merged: dict[float, float] = {}
        for value, count in [*into[VALUES], *point[VALUES]]:
            merged[value] = merged.get(value, 0.0) + count
        into[VALUES] = [[v, c] for v, c in sorted(merged.items())]


def _expire(metric: Metric, now: float) -> None:
    points = metric.points
    if points and points[0][TS] < now - RETENTION:
        del points[: bisect.bisect_left(points, now - RETENTION, key=lambda p: p[TS])]


# -- reading ----------------------------------------------------------------------------------


def points_between(metric: Metric, start: float, end: float) -> list[list[Any]]:
    points = metric.points
    lo = bisect.bisect_left(points, start, key=lambda p: p[TS])
    hi = bisect.bisect_left(points, end, key=lambda p: p[TS])
    return points[lo:hi]


def aligned_start(start: float, period: int) -> float:
    """Where the first period begins: AWS rounds the start down to the whole minute (to the
    whole second for high-resolution periods)."""
    step = 60 if period >= 60 else 1
    return math.floor(start / step) * step


def buckets(points: Iterable[list[Any]], start: float, period: int, unit: str | None) -> dict[float, list[list[Any]]]:
    """Points grouped by the start of their period (only those of ``unit`` when given)."""
    grouped: dict[float, list[list[Any]]] = {}
    for point in points:
        if unit is not None and point[UNIT] != unit:
            continue
        slot = start + ((point[TS] - start) // period) * period
        grouped.setdefault(slot, []).append(point)
    return grouped


def statistic(points: list[list[Any]], stat: str) -> float | None:
    """One statistic of a period's points; None when it cannot be computed (a percentile
    of statistic sets without raw values)."""
    if stat == "SampleCount":
        return sum(p[COUNT] for p in points)
    if stat == "Sum":
        return sum(p[SUM] for p in points)
    if stat == "Minimum":
        return min(p[MIN] for p in points)
    if stat == "Maximum":
        return max(p[MAX] for p in points)
    if stat == "Average":
        count = sum(p[COUNT] for p in points)
        return sum(p[SUM] for p in points) / count if count else None
    if stat.lower() == "iqm":
        return _trimmed(points, 25.0, 75.0, "tm")
    match = _EXTENDED.match(stat)
    if match is None:
        return None
    kind, level = match.group(1), float(match.group(2))
    if kind == "p":
        return percentile(points, level)
    return _trimmed(points, 0.0, level, kind)


def _raw(points: list[list[Any]]) -> list[list[float]] | None:
    pairs: list[list[float]] = []
    for point in points:
        if point[VALUES] is None:
            return None
        pairs.extend(point[VALUES])
    pairs.sort(key=lambda p: p[0])
    return pairs


def percentile(points: list[list[Any]], level: float) -> float | None:
    pairs = _raw(points)
    if not pairs:
        return None
    total = sum(c for _, c in pairs)
    rank = max(1.0, math.ceil(level / 100.0 * total))
    seen = 0.0
    for value, count in pairs:
        seen += count
        if seen >= rank:
            return value
    return pairs[-1][0]


def _trimmed(points: list[list[Any]], low: float, high: float, kind: str) -> float | None:
    """tm/wm/tc/ts over the values between the ``low`` and ``high`` percentiles."""
    pairs = _raw(points)
    if not pairs:
        return None
    lo_v, hi_v = percentile(points, low) if low > 0 else pairs[0][0], percentile(points, high)
    if kind == "wm":
        kept = [[min(max(v, lo_v), hi_v), c] for v, c in pairs]  # type: ignore[type-var]
    else:
        kept = [[v, c] for v, c in pairs if lo_v <= v <= hi_v]  # type: ignore[operator]
    count = sum(c for _, c in kept)
    total = sum(v * c for v, c in kept)
    if kind == "tc":
        return count
    if kind == "ts":
        return total
    return total / count if count else None


def valid_statistic(stat: str) -> bool:
    return stat in STATISTICS or stat.lower() == "iqm" or bool(_EXTENDED.match(stat))


def is_percentile(stat: str) -> bool:
    return bool(_PERCENTILE.match(stat))


def query_series(
    store: CloudWatchStore, namespace: str, name: str, dimensions: Any,
    start: float, end: float, period: int, stat: str, unit: str | None,
) -> tuple[list[float], list[float]]:  # fmt: skip
    """``(timestamps, values)`` ascending: one statistic per period with data."""
    metric = store.metrics.get(metric_key(namespace, name, dimensions))
    if metric is None:
        return [], []
    first = aligned_start(start, period)
    grouped = buckets(points_between(metric, first, end), first, period, unit)
    stamps, values = [], []
    for slot in sorted(grouped):
        value = statistic(grouped[slot], stat)
        if value is not None:
            stamps.append(slot)
            values.append(value)
    return stamps, values
