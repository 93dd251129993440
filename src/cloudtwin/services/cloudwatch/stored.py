"""The CloudWatch resources that are stored and answered rather than evaluated:
dashboards, anomaly detectors, metric streams, Contributor Insights rules, and tags.

A mixin of the provider (its handlers need only the request context and the clock)."""

from __future__ import annotations

import json
import math
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudwatch.metrics import invalid_value
from cloudtwin.services.cloudwatch.models import CloudWatchStore, Dashboard

MAX_TAGS = 50


def _epoch(value: Any) -> float:
    return float(value.timestamp()) if hasattr(value, "timestamp") else float(value)


class Resources:
    env: Any

    # -- dashboards ---------------------------------------------------------------------------

    def put_dashboard(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        body = params["DashboardBody"]
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise ServiceError(
                "DashboardInvalidInputError", "The field DashboardBody must be a valid JSON object",
                fields={"dashboardValidationMessages": [
                    {"DataPath": "", "Message": "The field DashboardBody must be a valid JSON object"}]},
            )  # fmt: skip
        name = params["DashboardName"]
        arn = f"arn:aws:cloudwatch::{ctx.account_id}:dashboard/{name}"
        ctx.store.dashboards[name] = Dashboard(name, arn, body, self.env.clock.now())
        return {"DashboardValidationMessages": []}

    def get_dashboard(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        board = ctx.store.dashboards.get(params["DashboardName"])
        if board is None:
            raise ServiceError("DashboardNotFoundError", f"Dashboard {params['DashboardName']} does not exist")
        return {"DashboardArn": board.arn, "DashboardBody": board.body, "DashboardName": board.name}

    def list_dashboards(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        prefix = params.get("DashboardNamePrefix") or ""
        return {
            "DashboardEntries": [
                {"DashboardName": b.name, "DashboardArn": b.arn, "LastModified": b.modified, "Size": len(b.body.encode())}
                for b in sorted(ctx.store.dashboards.values(), key=lambda b: b.name)
                if b.name.startswith(prefix)
            ]
        }

    def delete_dashboards(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store: CloudWatchStore = ctx.store
        names = params.get("DashboardNames") or []
        for name in names:
            if name not in store.dashboards:
                raise ServiceError("DashboardNotFoundError", f"Dashboard {name} does not exist")
        for name in names:
            store.dashboards.pop(name, None)

    # -- anomaly detectors --------------------------------------------------------------------

    def _detector(self, ctx: RequestContext, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        single = params.get("SingleMetricAnomalyDetector")
        if single is None and params.get("MetricName"):
            single = {k: params[k] for k in ("Namespace", "MetricName", "Dimensions", "Stat") if params.get(k) is not None}
        detector: dict[str, Any] = {}
        if single is not None:
            single = {"AccountId": ctx.account_id, "Dimensions": [], **single}
            detector = {
                "Namespace": single.get("Namespace"), "MetricName": single.get("MetricName"),
                "Dimensions": single["Dimensions"], "Stat": single.get("Stat"),
                "SingleMetricAnomalyDetector": single,
            }  # fmt: skip
        elif params.get("MetricMathAnomalyDetector"):
            detector = {"MetricMathAnomalyDetector": params["MetricMathAnomalyDetector"]}
        else:
            raise invalid_value("SingleMetricAnomalyDetector or MetricMathAnomalyDetector must be specified.")
        ident = json.dumps({k: v for k, v in detector.items() if k != "SingleMetricAnomalyDetector"} or detector, sort_keys=True)
        return ident, detector

    def put_anomaly_detector(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        ident, detector = self._detector(ctx, params)
        detector["Configuration"] = params.get("Configuration") or {"ExcludedTimeRanges": []}
        detector["Configuration"].setdefault("ExcludedTimeRanges", [])
        if params.get("MetricCharacteristics"):
            detector["MetricCharacteristics"] = params["MetricCharacteristics"]
        detector["StateValue"] = "PENDING_TRAINING"
        ctx.store.anomaly_detectors[ident] = detector

    def describe_anomaly_detectors(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        found = []
        for detector in ctx.store.anomaly_detectors.values():
            if params.get("Namespace") and detector.get("Namespace") != params["Namespace"]:
                continue
            if params.get("MetricName") and detector.get("MetricName") != params["MetricName"]:
                continue
            types = params.get("AnomalyDetectorTypes")
            kind = "SINGLE_METRIC" if "SingleMetricAnomalyDetector" in detector else "METRIC_MATH"
            if types and kind not in types:
                continue
            found.append(detector)
        return {"AnomalyDetectors": found}

    def delete_anomaly_detector(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        ident, _ = self._detector(ctx, params)
        if ctx.store.anomaly_detectors.pop(ident, None) is None:
            raise ServiceError("ResourceNotFoundException", "This anomaly detection model does not exist or has been deleted.")

    # -- metric streams -----------------------------------------------------------------------

    def put_metric_stream(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["Name"]
        now = self.env.clock.now()
        arn = f"arn:aws:cloudwatch:{ctx.region}:{ctx.account_id}:metric-stream/{name}"
        old = ctx.store.metric_streams.get(name)
        stream = {
            "Arn": arn, "Name": name, "FirehoseArn": params["FirehoseArn"], "RoleArn": params["RoleArn"],
            "State": old["State"] if old else "running", "OutputFormat": params["OutputFormat"],
            "CreationDate": old["CreationDate"] if old else now, "LastUpdateDate": now,
            "IncludeLinkedAccountsMetrics": bool(params.get("IncludeLinkedAccountsMetrics", False)),
        }  # fmt: skip
        for key in ("IncludeFilters", "ExcludeFilters", "StatisticsConfigurations"):
            if params.get(key):
                stream[key] = params[key]
        ctx.store.metric_streams[name] = stream
        self._tag(ctx.store, arn, params.get("Tags"))
        return {"Arn": arn}

    def _stream(self, ctx: RequestContext, name: str) -> dict[str, Any]:
        stream = ctx.store.metric_streams.get(name)
        if stream is None:
            raise ServiceError("ResourceNotFoundException", f"Metric stream {name} does not exist.", 404)
        return stream

    def get_metric_stream(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self._stream(ctx, params["Name"]))

    def list_metric_streams(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        keys = ("Arn", "CreationDate", "LastUpdateDate", "Name", "FirehoseArn", "State", "OutputFormat")
        return {"Entries": [{k: s[k] for k in keys} for s in ctx.store.metric_streams.values()]}

    def delete_metric_stream(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        stream = ctx.store.metric_streams.pop(params["Name"], None)
        if stream is not None:
            ctx.store.tags.pop(stream["Arn"], None)

    def start_metric_streams(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        self._stream_state(ctx, params, "running")

    def stop_metric_streams(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        self._stream_state(ctx, params, "stopped")

    def _stream_state(self, ctx: RequestContext, params: dict[str, Any], state: str) -> None:
        for name in params.get("Names") or []:
            stream = self._stream(ctx, name)
            stream["State"] = state
            ctx.store.metric_streams[name] = stream

    # -- Contributor Insights rules -----------------------------------------------------------

    def put_insight_rule(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        name = params["RuleName"]
        try:
            definition = json.loads(params["RuleDefinition"])
            schema = definition["Schema"]
            schema_text = f"{schema['Name']}/{schema['Version']}"
        except (ValueError, KeyError, TypeError):
            raise invalid_value("The RuleDefinition is not valid JSON or misses its Schema.") from None
        rule = {
            "Name": name, "State": params.get("RuleState") or "ENABLED", "Schema": schema_text,
            "Definition": params["RuleDefinition"], "ManagedRule": False,
            "ApplyOnTransformedLogs": bool(params.get("ApplyOnTransformedLogs", False)),
        }  # fmt: skip
        ctx.store.insight_rules[name] = rule
        self._tag(ctx.store, f"arn:aws:cloudwatch:{ctx.region}:{ctx.account_id}:insight-rule/{name}", params.get("Tags"))

    def describe_insight_rules(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return {"InsightRules": list(ctx.store.insight_rules.values())}

    def _rules_state(self, ctx: RequestContext, params: dict[str, Any], state: str | None) -> dict[str, Any]:
        failures = []
        for name in params.get("RuleNames") or []:
            rule = ctx.store.insight_rules.get(name)
            if rule is None:
                failures.append({"FailureResource": name, "ExceptionType": "ResourceNotFoundException",
                                 "FailureCode": "404", "FailureDescription": f"Rule {name} does not exist."})  # fmt: skip
            elif state is None:
                ctx.store.insight_rules.pop(name)
            else:
                rule["State"] = state
                ctx.store.insight_rules[name] = rule
        return {"Failures": failures}

    def enable_insight_rules(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._rules_state(ctx, params, "ENABLED")

    def disable_insight_rules(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._rules_state(ctx, params, "DISABLED")

    def delete_insight_rules(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._rules_state(ctx, params, None)

    def get_insight_rule_report(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        rule = ctx.store.insight_rules.get(params["RuleName"])
        if rule is None:
            raise ServiceError("ResourceNotFoundException", f"Rule {params['RuleName']} does not exist.", 404)
        definition = json.loads(rule["Definition"])
        start, end, period = _epoch(params["StartTime"]), _epoch(params["EndTime"]), int(params["Period"])
        first = math.floor(start / period) * period
        slots = [first + i * period for i in range(max(0, math.ceil((end - first) / period)))]
        return {
            "KeyLabels": list(definition.get("Contribution", {}).get("Keys", [])),
            "AggregationStatistic": "SampleCount" if definition.get("AggregateOn") == "Count" else "Sum",
            "AggregateValue": 0.0, "ApproximateUniqueCount": 0, "Contributors": [],
            "MetricDatapoints": [{"Timestamp": t, "UniqueContributors": 0.0} for t in slots],
        }  # fmt: skip

    def list_managed_insight_rules(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return {"ManagedRules": []}

    def describe_alarm_contributors(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """Contributors come from Contributor Insights rule alarms, which cloudtwin does not
        evaluate: an existing alarm has none."""
        if params["AlarmName"] not in ctx.store.alarms:
            raise ServiceError("ResourceNotFoundException", f"Alarm {params['AlarmName']} does not exist.")
        return {"AlarmContributors": []}

    # -- tags ---------------------------------------------------------------------------------

    def _tag(self, store: CloudWatchStore, arn: str, tags: list[dict[str, str]] | None) -> None:
        if not tags:
            return
        current = dict(store.tags.get(arn) or {})
        current.update({t["Key"]: t["Value"] for t in tags})
        if len(current) > MAX_TAGS:
            raise ServiceError("LimitExceededException", f"The maximum number of tags ({MAX_TAGS}) has been exceeded.")
        store.tags[arn] = current

    def _resource_exists(self, store: CloudWatchStore, arn: str) -> bool:
        if ":alarm:" in arn:
            return arn.split(":alarm:", 1)[1] in store.alarms
        if ":insight-rule/" in arn:
            return arn.split(":insight-rule/", 1)[1] in store.insight_rules
        if ":metric-stream/" in arn:
            return arn.split(":metric-stream/", 1)[1] in store.metric_streams
        return False

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        arn = params["ResourceARN"]
        if not self._resource_exists(ctx.store, arn):
            raise ServiceError("ResourceNotFoundException", f"Resource {arn} not found.", 404)
        self._tag(ctx.store, arn, params.get("Tags"))

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        arn = params["ResourceARN"]
        if not self._resource_exists(ctx.store, arn):
            raise ServiceError("ResourceNotFoundException", f"Resource {arn} not found.", 404)
        current = dict(ctx.store.tags.get(arn) or {})
        for key in params.get("TagKeys") or []:
            current.pop(key, None)
        ctx.store.tags[arn] = current

    def list_tags_for_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["ResourceARN"]
        if not self._resource_exists(ctx.store, arn):
            raise ServiceError("ResourceNotFoundException", f"Resource {arn} not found.", 404)
        return {"Tags": [{"Key": k, "Value": v} for k, v in (ctx.store.tags.get(arn) or {}).items()]}
