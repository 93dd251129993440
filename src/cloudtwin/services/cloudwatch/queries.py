"""Reading metrics back: GetMetricStatistics, GetMetricData (metric stats, math, search,
labels, ordering, pagination) and ListMetrics."""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudwatch import expressions as ex
from cloudtwin.services.cloudwatch.metrics import (
    aligned_start, buckets, invalid_combination, invalid_value, missing, points_between, query_series,
    statistic, valid_statistic,
)  # fmt: skip
from cloudtwin.services.cloudwatch.models import UNIT, CloudWatchStore, Metric, metric_key

_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
MAX_QUERIES = 500
DEFAULT_MAX_DATAPOINTS = 100_800
RECENTLY_ACTIVE = 3 * 3600
LIST_PAGE = 500
MAX_STATISTICS_DATAPOINTS = 1440


def _epoch(value: Any) -> float:
    return float(value.timestamp()) if hasattr(value, "timestamp") else float(value)


def _check_period(period: Any, where: str) -> int:
    if period is None or period < 1 or (period >= 60 and period % 60) or (period < 60 and period not in (1, 5, 10, 20, 30)):
        raise invalid_value(
            f"The parameter {where} must be a multiple of 60 or one of 1, 5, 10, 20 or 30."
            if period is not None and period > 0 else f"The parameter {where} must be greater than 0."
        )
    return int(period)


# -- GetMetricStatistics ----------------------------------------------------------------------


def get_metric_statistics(store: CloudWatchStore, params: dict[str, Any]) -> dict[str, Any]:
    stats = params.get("Statistics") or []
    extended = params.get("ExtendedStatistics") or []
    if stats and extended:
        raise invalid_combination("The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.")
    if not stats and not extended:
        raise missing("Must specify either Statistics or ExtendedStatistics.")
    for i, stat in enumerate(extended, 1):
        if not valid_statistic(stat) or stat in ("SampleCount", "Average", "Sum", "Minimum", "Maximum"):
            raise invalid_value(f"The value {stat} for parameter ExtendedStatistics.member.{i} is invalid.")
    start, end = _epoch(params["StartTime"]), _epoch(params["EndTime"])
    if start >= end:
        raise invalid_value("The parameter StartTime must be less than the parameter EndTime.")
    period = _check_period(params.get("Period"), "Period")
    requested = math.ceil((end - aligned_start(start, period)) / period)
    if requested > MAX_STATISTICS_DATAPOINTS:
        raise invalid_combination(
            f"You have requested up to {requested:,} datapoints, which exceeds the limit of {MAX_STATISTICS_DATAPOINTS:,}. "
            "You may reduce the datapoints requested by increasing Period, or decreasing the time range."
        )
    unit = params.get("Unit")
    metric = store.metrics.get(metric_key(params["Namespace"], params["MetricName"], params.get("Dimensions")))
    datapoints = []
    if metric is not None:
        first = aligned_start(start, period)
        grouped = buckets(points_between(metric, first, end), first, period, unit)
        for slot in sorted(grouped):
            points = grouped[slot]
            units = {p[UNIT] for p in points}
            for point_unit in sorted(units) if unit is None else [unit]:
                chosen = [p for p in points if p[UNIT] == point_unit]
                entry: dict[str, Any] = {"Timestamp": slot, "Unit": point_unit}
                for stat in stats:
                    entry[stat] = statistic(chosen, stat)
                if extended:
                    entry["ExtendedStatistics"] = {
                        stat: value for stat in extended if (value := statistic(chosen, stat)) is not None
                    }
                datapoints.append(entry)
    return {"Label": params["MetricName"], "Datapoints": datapoints}


# -- GetMetricData ----------------------------------------------------------------------------


def _check_queries(queries: list[dict[str, Any]]) -> None:
    if not queries:
        raise missing("The parameter MetricDataQueries is required.")
    if len(queries) > MAX_QUERIES:
        raise invalid_value(f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}.")
    seen = set()
    for i, query in enumerate(queries, 1):
        where = f"MetricDataQueries.member.{i}"
        qid = query.get("Id", "")
        if not _ID.match(qid):
            raise ServiceError(
                "ValidationException",
                f"The value {qid} for parameter {where}.Id is invalid. Id must begin with a lowercase letter "
                "and contain only letters, numbers and underscores.",
            )
        if qid in seen:
            raise ServiceError("ValidationException", f"The value {qid} for parameter MetricDataQueries.member.Id is not unique.")
        seen.add(qid)
        has_stat, has_expr = query.get("MetricStat") is not None, query.get("Expression") is not None
        if has_stat == has_expr:
            raise ServiceError(
                "ValidationException",
                f"Exactly one element of the metrics list should be a metric stat or expression: {where}",
            )
        if has_stat:
            stat = query["MetricStat"]
            _check_period(stat.get("Period"), f"{where}.MetricStat.Period")
            if not valid_statistic(stat.get("Stat", "")):
                raise invalid_value(f"The value {stat.get('Stat')} for parameter {where}.MetricStat.Stat is invalid.")
    if not any(q.get("ReturnData", True) for q in queries):
        raise ServiceError("ValidationException", "No metrics were specified to return data.")


def _labels(queries: list[dict[str, Any]]) -> dict[str, str]:
    """AWS's default labels: the metric name, plus the statistic and/or the period when the
    request's metric stats differ in them."""
    stats = [q["MetricStat"] for q in queries if q.get("MetricStat")]
    vary_stat = len({s["Stat"] for s in stats}) > 1
    vary_period = len({s["Period"] for s in stats}) > 1
    labels = {}
    for query in queries:
        if query.get("Label"):
            labels[query["Id"]] = query["Label"]
        elif query.get("MetricStat"):
            stat = query["MetricStat"]
            parts = [stat["Metric"]["MetricName"]]
            if vary_stat:
                parts.append(stat["Stat"])
            if vary_period:
                parts.append(str(stat["Period"]))
            labels[query["Id"]] = " ".join(parts)
        else:
            labels[query["Id"]] = query["Id"]
    return labels


def evaluate_queries(
    store: CloudWatchStore, queries: list[dict[str, Any]], start: float, end: float,
    stores: Any = None,
) -> dict[str, ex.Value]:  # fmt: skip
    """The value of every query (MetricStat series and evaluated expressions) by id.
    Raises ServiceError for a bad expression."""
    results: dict[str, ex.Value] = {}
    metric_ids = []
    periods = []
    for query in queries:
        stat = query.get("MetricStat")
        if stat is None:
            continue
        metric = stat["Metric"]
        period = int(stat["Period"])
        periods.append(period)
        stamps, values = query_series(
            store, metric.get("Namespace", ""), metric.get("MetricName", ""), metric.get("Dimensions"),
            start, end, period, stat["Stat"], stat.get("Unit"),
        )  # fmt: skip
        results[query["Id"]] = ex.Series(dict(zip(stamps, values)), period=period, id=query["Id"])
        metric_ids.append(query["Id"])
    pending = {q["Id"]: q for q in queries if q.get("Expression") is not None}
    parsed = {}
    for qid, query in pending.items():
        try:
            parsed[qid] = ex.parse(query["Expression"])
        except ex.ExpressionError as error:
            raise ex.expression_error(qid, str(error)) from None
    while pending:
        # METRICS() ("*") reads only metric stats, which are all known by now.
        ready = [qid for qid in pending if all(r in results for r in ex.references(parsed[qid]) - {"*"})]
        if not ready:
            raise ServiceError("ValidationException", f"Error in expression '{next(iter(pending))}': Circular dependency or unknown id")
        for qid in ready:
            query = pending.pop(qid)
            period = int(query.get("Period") or (min(periods) if periods else 60))
            grid_start = aligned_start(start, period)
            grid = [grid_start + i * period for i in range(int(math.ceil((end - grid_start) / period)))]
            ctx = ex.Context(results, metric_ids, grid, period, search=lambda text, stat, p: search(store, text, stat, p, start, end))
            try:
                value = ex.evaluate(parsed[qid], ctx)
            except ex.ExpressionError as error:
                raise ex.expression_error(qid, str(error)) from None
            if isinstance(value, (int, float)):
                value = ex.Series({t: float(value) for t in grid}, period=period)
            results[qid] = value
    return results


def get_metric_data(store: CloudWatchStore, params: dict[str, Any]) -> dict[str, Any]:
    queries = params.get("MetricDataQueries") or []
    _check_queries(queries)
    start, end = _epoch(params["StartTime"]), _epoch(params["EndTime"])
    if start >= end:
        raise invalid_value("The parameter StartTime must be less than the parameter EndTime.")
    results = evaluate_queries(store, queries, start, end)
    labels = _labels(queries)
    descending = params.get("ScanBy", "TimestampDescending") == "TimestampDescending"
    rows: list[dict[str, Any]] = []
    for query in queries:
        if not query.get("ReturnData", True):
            continue
        value = results[query["Id"]]
        for series in value if isinstance(value, list) else [value]:
            items = sorted(
                ((t, v) for t, v in series.points.items() if v is not None and not math.isnan(v)),  # type: ignore[union-attr]
                reverse=descending,
            )
            label = series.label if isinstance(value, list) and series.label else labels[query["Id"]]  # type: ignore[union-attr]
            rows.append({"Id": query["Id"], "Label": label, "items": items})
    offset = _token_offset(params.get("NextToken"))
    limit = params.get("MaxDatapoints") or DEFAULT_MAX_DATAPOINTS
    out, position, more = [], 0, False
    for row in rows:
        items = row["items"]
        lo = max(0, offset - position)
        hi = max(0, offset + limit - position)
        chunk = items[lo:hi]
        position += len(items)
        if hi < len(items):
            more = True
        out.append({
            "Id": row["Id"], "Label": row["Label"],
            "Timestamps": [t for t, _ in chunk], "Values": [v for _, v in chunk],
            "StatusCode": "PartialData" if hi < len(items) else "Complete",
        })  # fmt: skip
    answer: dict[str, Any] = {"MetricDataResults": out, "Messages": []}
    if more:
        answer["NextToken"] = base64.b64encode(json.dumps({"offset": offset + limit}).encode()).decode()
    return answer


def _token_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.b64decode(token))["offset"])
    except Exception:  # noqa: BLE001 - any malformed token is the same client error
        raise ServiceError("InvalidNextToken", "The service couldn't process the NextToken.") from None


# -- SEARCH() ---------------------------------------------------------------------------------

_SCHEMA = re.compile(r"^\s*\{([^}]*)\}\s*")
_TERM = re.compile(r"""(?:(\w[\w./-]*)\s*=\s*)?("(?:[^"\\]|\\.)*"|[^\s()]+)""")


def _matches(metric: Metric, text: str) -> bool:
    schema = _SCHEMA.match(text)
    rest = text
    if schema:
        names = [n.strip().strip('"') for n in schema.group(1).split(",")]
        if metric.namespace != names[0] or sorted(d[0] for d in metric.dimensions) != sorted(names[1:]):
            return False
        rest = text[schema.end():]
    fields = {"Namespace": metric.namespace, "MetricName": metric.name, **{d[0]: d[1] for d in metric.dimensions}}
    haystack = [metric.namespace, metric.name, *(d[0] for d in metric.dimensions), *(d[1] for d in metric.dimensions)]
    for key, term in _TERM.findall(rest):
        if term.upper() in ("AND", "OR", "NOT"):
            continue
        exact = term.startswith('"')
        word = term.strip('"')
        if key:
            if key not in fields or (fields[key] != word if exact else word.lower() not in fields[key].lower()):
                return False
        elif not any((h == word) if exact else word.lower() in h.lower() for h in haystack):
            return False
    return True


def search(store: CloudWatchStore, text: str, stat: str, period: int, start: float, end: float) -> list[ex.Series]:
    found = []
    for metric in store.metrics.values():
        if not _matches(metric, text):
            continue
        stamps, values = query_series(store, metric.namespace, metric.name, metric.dimensions, start, end, period, stat, None)
        label = " ".join([metric.name, *(d[1] for d in metric.dimensions)])
        found.append(ex.Series(dict(zip(stamps, values)), label, period))
    return found


# -- ListMetrics ------------------------------------------------------------------------------


def list_metrics(store: CloudWatchStore, params: dict[str, Any], now: float) -> dict[str, Any]:
    namespace, name = params.get("Namespace"), params.get("MetricName")
    wanted = params.get("Dimensions") or []
    recent = params.get("RecentlyActive")
    if recent is not None and recent != "PT3H":
        raise invalid_value(f"The value {recent} for parameter RecentlyActive is invalid.")
    found = []
    for metric in store.metrics.values():
        if namespace is not None and metric.namespace != namespace:
            continue
        if name is not None and metric.name != name:
            continue
        dims = {d[0]: d[1] for d in metric.dimensions}
        if any(w["Name"] not in dims or (w.get("Value") is not None and dims[w["Name"]] != w["Value"]) for w in wanted):
            continue
        if recent and metric.last_put < now - RECENTLY_ACTIVE:
            continue
        found.append(metric)
    offset = _token_offset(params.get("NextToken"))
    page = found[offset : offset + LIST_PAGE]
    answer: dict[str, Any] = {
        "Metrics": [
            {"Namespace": m.namespace, "MetricName": m.name, "Dimensions": [{"Name": n, "Value": v} for n, v in m.dimensions]}
            for m in page
        ]
    }
    if offset + LIST_PAGE < len(found):
        answer["NextToken"] = base64.b64encode(json.dumps({"offset": offset + LIST_PAGE}).encode()).decode()
    return answer
