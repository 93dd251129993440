"""Alarm configuration: PutMetricAlarm and PutCompositeAlarm checks, DescribeAlarms
(filters, pagination), DescribeAlarmsForMetric and DescribeAlarmHistory."""

from __future__ import annotations

import base64
import json
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudwatch.alarms import ANOMALY_COMPARISONS, add_history, parse_rule, rule_names
from cloudtwin.services.cloudwatch.metrics import invalid_combination, invalid_value, missing, valid_statistic
from cloudtwin.services.cloudwatch.models import Alarm, CloudWatchStore

_METRIC_KEYS = (
    "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions", "InsufficientDataActions",
    "MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit",
    "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData",
    "EvaluateLowSampleCountPercentile", "Metrics", "ThresholdMetricId", "EvaluationCriteria", "EvaluationInterval",
)  # fmt: skip
_COMPOSITE_KEYS = (
    "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions", "InsufficientDataActions", "AlarmRule",
    "ActionsSuppressor", "ActionsSuppressorWaitPeriod", "ActionsSuppressorExtensionPeriod",
)  # fmt: skip
MAX_PAGE = 100


def _alarm_arn(ctx: RequestContext, name: str) -> str:
    return f"arn:aws:cloudwatch:{ctx.region}:{ctx.account_id}:alarm:{name}"


def _check_actions(params: dict[str, Any]) -> None:
    for key in ("OKActions", "AlarmActions", "InsufficientDataActions"):
        actions = params.get(key) or []
        if len(actions) > 5:
            raise invalid_value(f"The collection {key} must not have a size greater than 5.")
        for action in actions:
            if not action.startswith("arn:"):
                raise invalid_value(f"Invalid arn syntax: {action}")


def _store_alarm(ctx: RequestContext, name: str, kind: str, config: dict[str, Any], now: float) -> Alarm:
    store: CloudWatchStore = ctx.store
    existing = store.alarms.get(name)
    if existing is not None and existing.kind != kind:
        raise invalid_value(f"The alarm {name} already exists as a {existing.kind.replace('Alarm', ' alarm').lower()}.")
    if existing is None:
        alarm = Alarm(name, _alarm_arn(ctx, name), kind, config, state_updated=now, state_transitioned=now)
        summary, kind_of_change = f'Alarm "{name}" created', "Create"
    else:
        alarm = existing
        alarm.config = config
        summary, kind_of_change = f'Alarm "{name}" updated', "Update"
    alarm.configuration_updated = now
    alarm.next_evaluation = now
    store.alarms[name] = alarm
    add_history(store, alarm, now, "ConfigurationUpdate", summary,
                json.dumps({"type": kind_of_change, "version": "1.0", "createdAlarm" if existing is None else "updatedAlarm": {
                    "alarmName": name, "alarmArn": alarm.arn}}))  # fmt: skip
    return alarm


def put_metric_alarm(ctx: RequestContext, params: dict[str, Any], now: float) -> Alarm:
    name = params["AlarmName"]
    has_metric, has_metrics = params.get("MetricName") is not None, bool(params.get("Metrics"))
    if has_metric and has_metrics:
        raise invalid_combination("The parameters MetricName and Metrics are mutually exclusive and you have specified both.")
    if not has_metric and not has_metrics and not params.get("EvaluationCriteria"):
        raise ServiceError("ValidationException", "Either metric name or metrics must be specified.")
    if has_metric:
        stat, extended = params.get("Statistic"), params.get("ExtendedStatistic")
        if stat and extended:
            raise invalid_combination("The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both.")
        if not stat and not extended:
            raise missing("Either statistic or extended statistic must be specified.")
        if extended and not valid_statistic(extended):
            raise invalid_value(f"The value {extended} for parameter ExtendedStatistic is invalid.")
        if params.get("Period") is None:
            raise missing("Period must not be null")
        period = params["Period"]
        if period not in (10, 20, 30) and (period < 60 or period % 60):
            raise invalid_value("Period must be 10, 20, 30 or a multiple of 60")
    if has_metrics:
        returning = [m for m in params["Metrics"] if m.get("ReturnData", True)]
        if len(returning) != 1 and not params.get("ThresholdMetricId"):
            raise ServiceError("ValidationException", "Exactly one element of the metrics list should return data.")
        for key in ("Namespace", "Period", "Statistic", "ExtendedStatistic", "Dimensions", "Unit"):
            if params.get(key) is not None:
                raise invalid_combination(f"The parameters {key} and Metrics are mutually exclusive and you have specified both.")
    operator = params.get("ComparisonOperator")
    if operator is None and not params.get("EvaluationCriteria"):
        raise missing("ComparisonOperator must not be null")
    if operator in ANOMALY_COMPARISONS:
        if not params.get("ThresholdMetricId"):
            raise ServiceError("ValidationException", "ThresholdMetricId must be specified for anomaly detection alarms.")
    elif operator is not None and params.get("Threshold") is None and not params.get("ThresholdMetricId"):
        raise ServiceError("ValidationException", "Comparison operators other than LessThanLowerOrGreaterThanUpperThreshold, "
                           "LessThanLowerThreshold, and GreaterThanUpperThreshold require a threshold.")  # fmt: skip
    points = params.get("EvaluationPeriods")
    datapoints = params.get("DatapointsToAlarm")
    if datapoints is not None and points is not None and datapoints > points:
        raise ServiceError("ValidationException", "DatapointsToAlarm must be less than or equal to EvaluationPeriods")
    if params.get("TreatMissingData") not in (None, "breaching", "notBreaching", "ignore", "missing"):
        raise ServiceError("ValidationException", f"Value '{params['TreatMissingData']}' is not supported for TreatMissingData")
    _check_actions(params)
    config = {k: params[k] for k in _METRIC_KEYS if params.get(k) is not None}
    config.setdefault("ActionsEnabled", True)
    for key in ("OKActions", "AlarmActions", "InsufficientDataActions"):
        config.setdefault(key, [])
    if has_metric:
        config.setdefault("Dimensions", [])
        config["Threshold"] = float(config.get("Threshold", 0.0)) if "Threshold" in config else config.get("Threshold")
        config = {k: v for k, v in config.items() if v is not None}
    return _store_alarm(ctx, name, "MetricAlarm", config, now)


def put_composite_alarm(ctx: RequestContext, params: dict[str, Any], now: float) -> Alarm:
    name = params["AlarmName"]
    rule = params.get("AlarmRule", "")
    try:
        names = rule_names(parse_rule(rule))
    except ValueError as error:
        raise ServiceError("ValidationException", f"AlarmRule is invalid: {error}") from None
    store: CloudWatchStore = ctx.store
    unknown = [n for n in dict.fromkeys(names) if n not in store.alarms]
    if unknown:
        raise ServiceError(
            "ValidationException",
            f"Could not save the composite alarm as alarms [{', '.join(unknown)}] in the alarm rule do not exist",
        )
    _check_actions(params)
    config = {k: params[k] for k in _COMPOSITE_KEYS if params.get(k) is not None}
    config.setdefault("ActionsEnabled", True)
    for key in ("OKActions", "AlarmActions", "InsufficientDataActions"):
        config.setdefault(key, [])
    return _store_alarm(ctx, name, "CompositeAlarm", config, now)


def describe(alarm: Alarm) -> dict[str, Any]:
    out = {"AlarmName": alarm.name, "AlarmArn": alarm.arn, **alarm.config}
    out.update({
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated,
        "StateValue": alarm.state,
        "StateReason": alarm.reason,
        "StateUpdatedTimestamp": alarm.state_updated,
        "StateTransitionedTimestamp": alarm.state_transitioned,
    })  # fmt: skip
    if alarm.reason_data is not None:
        out["StateReasonData"] = alarm.reason_data
    if alarm.kind == "CompositeAlarm" and alarm.config.get("ActionsSuppressor"):
        out["ActionsSuppressedBy"] = "None"
    return out


def _page(items: list[Any], params: dict[str, Any], key: str = "NextToken") -> tuple[list[Any], str | None]:
    token = params.get(key)
    offset = 0
    if token:
        try:
            offset = int(json.loads(base64.b64decode(token))["offset"])
        except Exception:  # noqa: BLE001 - any malformed token is the same client error
            raise ServiceError("InvalidNextToken", "The service couldn't process the NextToken.") from None
    limit = params.get("MaxRecords") or MAX_PAGE
    if not 1 <= limit <= MAX_PAGE:
        raise invalid_value(f"The value {limit} for parameter MaxRecords is invalid.")
    nxt = base64.b64encode(json.dumps({"offset": offset + limit}).encode()).decode() if offset + limit < len(items) else None
    return items[offset : offset + limit], nxt


def describe_alarms(store: CloudWatchStore, params: dict[str, Any]) -> dict[str, Any]:
    names = params.get("AlarmNames")
    prefix = params.get("AlarmNamePrefix")
    if names and prefix:
        raise invalid_combination("The parameters AlarmNames and AlarmNamePrefix are mutually exclusive and you have specified both.")
    types = params.get("AlarmTypes") or ["MetricAlarm"]
    if not params.get("AlarmTypes") and (params.get("ChildrenOfAlarmName") or params.get("ParentsOfAlarmName")):
        types = ["MetricAlarm", "CompositeAlarm"]
    state = params.get("StateValue")
    action = params.get("ActionPrefix")
    alarms = sorted(store.alarms.values(), key=lambda a: a.name)
    children_of, parents_of = params.get("ChildrenOfAlarmName"), params.get("ParentsOfAlarmName")
    if children_of:
        parent = store.alarms.get(children_of)
        wanted = set(rule_names(parse_rule(parent.config["AlarmRule"]))) if parent and parent.kind == "CompositeAlarm" else set()
        alarms = [a for a in alarms if a.name in wanted]
    if parents_of:
        alarms = [
            a for a in alarms
            if a.kind == "CompositeAlarm" and parents_of in rule_names(parse_rule(a.config["AlarmRule"]))
        ]  # fmt: skip
    selected = [
        a for a in alarms
        if a.kind in types
        and (not names or a.name in names)
        and (not prefix or a.name.startswith(prefix))
        and (state is None or a.state == state)
        and (action is None or any(x.startswith(action) for k in ("OKActions", "AlarmActions", "InsufficientDataActions")
                                   for x in a.config.get(k) or []))
    ]  # fmt: skip
    page, nxt = _page(selected, params)
    out: dict[str, Any] = {
        "MetricAlarms": [describe(a) for a in page if a.kind == "MetricAlarm"],
        "CompositeAlarms": [describe(a) for a in page if a.kind == "CompositeAlarm"],
    }
    if nxt:
        out["NextToken"] = nxt
    return out


def describe_alarms_for_metric(store: CloudWatchStore, params: dict[str, Any]) -> dict[str, Any]:
    wanted_dims = sorted((d["Name"], d["Value"]) for d in params.get("Dimensions") or [])
    found = []
    for alarm in sorted(store.alarms.values(), key=lambda a: a.name):
        config = alarm.config
        if alarm.kind != "MetricAlarm" or config.get("MetricName") != params["MetricName"]:
            continue
        if config.get("Namespace") != params["Namespace"]:
            continue
        if params.get("Dimensions") is not None and sorted((d["Name"], d["Value"]) for d in config.get("Dimensions") or []) != wanted_dims:
            continue
        for key in ("Statistic", "ExtendedStatistic", "Period", "Unit"):
            if params.get(key) is not None and config.get(key) != params[key]:
                break
        else:
            found.append(describe(alarm))
    return {"MetricAlarms": found}


def describe_alarm_history(store: CloudWatchStore, params: dict[str, Any]) -> dict[str, Any]:
    name = params.get("AlarmName")
    kind = params.get("HistoryItemType")
    types = params.get("AlarmTypes") or ["MetricAlarm", "CompositeAlarm"]
    start, end = params.get("StartDate"), params.get("EndDate")
    start_s = start.timestamp() if hasattr(start, "timestamp") else start
    end_s = end.timestamp() if hasattr(end, "timestamp") else end
    items = [
        h for h in store.history.values()
        if (name is None or h.alarm_name == name) and (kind is None or h.item_type == kind) and h.alarm_type in types
        and (start_s is None or h.timestamp >= start_s) and (end_s is None or h.timestamp <= end_s)
    ]  # fmt: skip
    items.sort(key=lambda h: h.seq, reverse=params.get("ScanBy", "TimestampDescending") == "TimestampDescending")
    page, nxt = _page(items, params)
    out: dict[str, Any] = {
        "AlarmHistoryItems": [
            {"AlarmName": h.alarm_name, "AlarmType": h.alarm_type, "Timestamp": h.timestamp,
             "HistoryItemType": h.item_type, "HistorySummary": h.summary, "HistoryData": h.data}
            for h in page
        ]
    }  # fmt: skip
    if nxt:
        out["NextToken"] = nxt
    return out
