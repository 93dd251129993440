"""Amazon CloudWatch: the operation handlers (thin: they check and delegate).

Metric data lives in :mod:`metrics` (PutMetricData, statistics) and is read back by
:mod:`queries` (GetMetricStatistics, GetMetricData with :mod:`expressions`, ListMetrics);
alarms are configured in :mod:`alarm_config`, evaluated on the virtual clock by
:mod:`alarms`, and act through :mod:`actions`; dashboards, anomaly detectors, metric
streams, insight rules and tags are in :mod:`resources`. Other services publish their
metrics through :mod:`publishing`.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudwatch import alarm_config, metrics, queries
from cloudtwin.services.cloudwatch.actions import Actions
from cloudtwin.services.cloudwatch.alarms import Evaluator, add_history
from cloudtwin.services.cloudwatch.models import CloudWatchStore
from cloudtwin.services.cloudwatch.publishing import Publisher
from cloudtwin.services.cloudwatch.stored import Resources
from cloudtwin.services.provider import ServiceProvider

#: How many alarm transitions the introspection endpoint keeps.
MAX_TRANSITIONS = 10_000


class Provider(Resources, ServiceProvider):
    service_name = "cloudwatch"
    store_class = CloudWatchStore

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.actions = Actions(env)
        self.evaluator = Evaluator(self._state_changed)
        self.publisher = Publisher(self.stores, env)  # type: ignore[arg-type]
        #: Every alarm transition since the start (the introspection endpoint).
        self.transitions: deque[dict[str, Any]] = deque(maxlen=MAX_TRANSITIONS)
        env.processors.register("cloudwatch", self._tick, replace=True)

    def _tick(self, now: float) -> dict[str, int]:
        flushed = self.publisher.flush(now)
        evaluated = 0
        for _, store in self.stores.items():  # type: ignore[union-attr]
            evaluated += self.evaluator.due(store, now)
        return {"evaluated": evaluated, "published": flushed}

    def _state_changed(self, store: CloudWatchStore, alarm: Any, old_state: str, old_reason: str, now: float) -> None:
        self.transitions.append({
            "alarmName": alarm.name, "alarmArn": alarm.arn, "type": alarm.kind,
            "from": old_state, "to": alarm.state, "reason": alarm.reason, "time": now,
        })  # fmt: skip
        self.actions.state_changed(store, alarm, old_state, old_reason, now)

    def reset(self, account_id: str | None = None) -> None:
        super().reset(account_id)
        self.publisher.reset()
        self.transitions.clear()

    def introspection(self) -> dict:
        return {("GET", "alarms"): lambda _query: {"transitions": list(self.transitions)}}

    # -- metrics ------------------------------------------------------------------------------

    def put_metric_data(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        namespace = params["Namespace"]
        if namespace.startswith("AWS/"):
            raise metrics.invalid_value(f"The value {namespace} for parameter Namespace is invalid.")
        data = list(params.get("MetricData") or [])
        for entity in params.get("EntityMetricData") or []:
            data.extend(entity.get("MetricData") or [])
        if not data:
            raise metrics.missing("The parameter MetricData is required.")
        now = self.env.clock.now()
        self.publisher.flush(now)
        metrics.put_metric_data(ctx.store, namespace, data, now)

    def get_metric_statistics(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self.publisher.flush(self.env.clock.now())
        return queries.get_metric_statistics(ctx.store, params)

    def get_metric_data(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self.publisher.flush(self.env.clock.now())
        return queries.get_metric_data(ctx.store, params)

    def list_metrics(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        now = self.env.clock.now()
        self.publisher.flush(now)
        return queries.list_metrics(ctx.store, params, now)

    # -- alarms -------------------------------------------------------------------------------

    def put_metric_alarm(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        alarm = alarm_config.put_metric_alarm(ctx, params, self.env.clock.now())
        self._tag(ctx.store, alarm.arn, params.get("Tags"))

    def put_composite_alarm(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        now = self.env.clock.now()
        alarm = alarm_config.put_composite_alarm(ctx, params, now)
        self._tag(ctx.store, alarm.arn, params.get("Tags"))
        self.evaluator.evaluate_composite(ctx.store, alarm, now)

    def describe_alarms(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return alarm_config.describe_alarms(ctx.store, params)

    def describe_alarms_for_metric(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return alarm_config.describe_alarms_for_metric(ctx.store, params)

    def delete_alarms(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store: CloudWatchStore = ctx.store
        names = params.get("AlarmNames") or []
        missing = [n for n in names if n not in store.alarms]
        if missing:
            raise ServiceError("ResourceNotFound", "", 404)
        for name in names:
            alarm = store.alarms.pop(name)
            store.tags.pop(alarm.arn, None)

    def set_alarm_state(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store: CloudWatchStore = ctx.store
        alarm = store.alarms.get(params["AlarmName"])
        if alarm is None:
            raise ServiceError("ResourceNotFound", "", 404)
        data = params.get("StateReasonData")
        if data is not None:
            try:
                json.loads(data)
            except ValueError:
                raise ServiceError("InvalidFormatFault", "Invalid JSON in StateReasonData.") from None
        now = self.env.clock.now()
        # The state holds until the alarm's next regular (once a minute) evaluation.
        alarm.next_evaluation = max(alarm.next_evaluation, now + 60)
        self.evaluator.transition(store, alarm, params["StateValue"], params["StateReason"], data, now, force=True)

    def enable_alarm_actions(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        self._actions_enabled(ctx, params, True)

    def disable_alarm_actions(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        self._actions_enabled(ctx, params, False)

    def _actions_enabled(self, ctx: RequestContext, params: dict[str, Any], enabled: bool) -> None:
        store: CloudWatchStore = ctx.store
        for name in params.get("AlarmNames") or []:
            alarm = store.alarms.get(name)
            if alarm is not None and alarm.config.get("ActionsEnabled", True) != enabled:
                alarm.config["ActionsEnabled"] = enabled
                store.alarms.save(name)
                add_history(
                    store, alarm, self.env.clock.now(), "ConfigurationUpdate", f'Alarm "{name}" updated',
                    json.dumps({"type": "Update", "version": "1.0", "updatedAlarm": {"actionsEnabled": enabled}}),
                )  # fmt: skip

    def describe_alarm_history(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return alarm_config.describe_alarm_history(ctx.store, params)
