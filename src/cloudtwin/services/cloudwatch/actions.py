"""What an alarm does when its state changes: the SNS notification AWS publishes, the
event a Lambda function action receives, and the ``CloudWatch Alarm State Change`` event on
EventBridge's default bus.

Deliveries go through the event bus (so they run after the request or tick that changed
the state) and then the internal client, like any other caller of SNS, Lambda or Events.
"""

from __future__ import annotations

import json
import logging
import uuid
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cloudtwin.events.bus import Event
from cloudtwin.events.targets import arn_parts, lambda_allows
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudwatch.alarms import add_history, iso_millis
from cloudtwin.services.cloudwatch.models import Alarm, CloudWatchStore

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.registry import ServiceEnvironment

log = logging.getLogger("cloudtwin.cloudwatch")
EVENT_KIND = "cloudwatch:AlarmAction"
LAMBDA_PRINCIPAL = "lambda.alarms.cloudwatch.amazonaws.com"


@lru_cache(maxsize=1)
def region_names() -> dict[str, str]:
    """Region code -> the long name AWS writes in alarm notifications (from botocore's
    endpoint data)."""
    from botocore.loaders import Loader

    return {
        region: info.get("description", region)
        for partition in Loader().load_data("endpoints")["partitions"]
        for region, info in partition["regions"].items()
    }


def _actions_for(alarm: Alarm, state: str) -> list[str]:
    key = {"ALARM": "AlarmActions", "OK": "OKActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}[state]
    return list(alarm.config.get(key) or [])


def sns_message(alarm: Alarm, old_state: str, region: str, account: str) -> dict[str, Any]:
    config = alarm.config
    message: dict[str, Any] = {
        "AlarmName": alarm.name,
        "AlarmDescription": config.get("AlarmDescription"),
        "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": iso_millis(alarm.configuration_updated),
        "NewStateValue": alarm.state,
        "NewStateReason": alarm.reason,
        "StateChangeTime": iso_millis(alarm.state_updated),
        "Region": region_names().get(region, region),
        "AlarmArn": alarm.arn,
        "OldStateValue": old_state,
        "OKActions": config.get("OKActions") or [],
        "AlarmActions": config.get("AlarmActions") or [],
        "InsufficientDataActions": config.get("InsufficientDataActions") or [],
    }
    if alarm.kind == "CompositeAlarm":
        message["AlarmRule"] = config.get("AlarmRule")
        data = json.loads(alarm.reason_data or "{}")
        message["TriggeringChildren"] = [
            {"Arn": child["arn"], "State": {"Value": child["state"]["value"], "Timestamp": child["state"]["timestamp"]}}
            for child in data.get("triggeringAlarms", [])
        ]
        return message
    trigger: dict[str, Any]
    if config.get("MetricName"):
        stat = config.get("Statistic")
        trigger = {
            "MetricName": config["MetricName"],
            "Namespace": config.get("Namespace"),
            "StatisticType": "Statistic" if stat else "ExtendedStatistic",
            "Statistic": stat.upper() if stat else config.get("ExtendedStatistic"),
            "Unit": config.get("Unit"),
            "Dimensions": [{"value": d["Value"], "name": d["Name"]} for d in config.get("Dimensions") or []],
            "Period": config.get("Period"),
        }
    else:
        trigger = {"Metrics": [_lower_query(m) for m in config.get("Metrics") or []], "Period": None, "Unit": None}
    trigger.update({
        "EvaluationPeriods": config.get("EvaluationPeriods"),
        "ComparisonOperator": config.get("ComparisonOperator"),
        "Threshold": config.get("Threshold"),
        "TreatMissingData": config.get("TreatMissingData", "missing"),
        "EvaluateLowSampleCountPercentile": config.get("EvaluateLowSampleCountPercentile", ""),
    })  # fmt: skip
    if config.get("DatapointsToAlarm"):
        trigger["DatapointsToAlarm"] = config["DatapointsToAlarm"]
    message["Trigger"] = trigger
    return message


def _lower_query(query: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": query["Id"], "returnData": query.get("ReturnData", True)}
    if query.get("Expression"):
        out["expression"] = query["Expression"]
    if query.get("Label"):
        out["label"] = query["Label"]
    if query.get("MetricStat"):
        stat = query["MetricStat"]
        metric = stat["Metric"]
        out["metricStat"] = {
            "metric": {
                "namespace": metric.get("Namespace"),
                "name": metric.get("MetricName"),
                "dimensions": {d["Name"]: d["Value"] for d in metric.get("Dimensions") or []},
            },
            "period": stat["Period"],
            "stat": stat["Stat"],
        }
        if stat.get("Unit"):
            out["metricStat"]["unit"] = stat["Unit"]
    return out


def alarm_data(alarm: Alarm, old: dict[str, Any]) -> dict[str, Any]:
    """``alarmData`` of the Lambda action event and ``detail`` of the EventBridge event."""
    config = alarm.config
    state: dict[str, Any] = {"value": alarm.state, "reason": alarm.reason, "timestamp": iso_millis(alarm.state_updated)}
    if alarm.reason_data and alarm.kind == "MetricAlarm":
        state["reasonData"] = alarm.reason_data
    previous: dict[str, Any] = {"value": old["value"], "reason": old["reason"], "timestamp": iso_millis(old["timestamp"])}
    if old.get("data") and alarm.kind == "MetricAlarm":
        previous["reasonData"] = old["data"]
    configuration: dict[str, Any] = {"description": config.get("AlarmDescription")}
    if alarm.kind == "CompositeAlarm":
        configuration["alarmRule"] = config.get("AlarmRule")
    elif config.get("MetricName"):
        configuration["metrics"] = [_lower_query({
            "Id": str(uuid.uuid5(uuid.NAMESPACE_URL, alarm.arn)),
            "MetricStat": {
                "Metric": {k: config[k] for k in ("Namespace", "MetricName", "Dimensions") if k in config},
                "Period": config.get("Period"), "Stat": config.get("Statistic") or config.get("ExtendedStatistic"),
                **({"Unit": config["Unit"]} if config.get("Unit") else {}),
            },
            "ReturnData": True,
        })]  # fmt: skip
    else:
        configuration["metrics"] = [_lower_query(m) for m in config.get("Metrics") or []]
    return {"alarmName": alarm.name, "state": state, "previousState": previous, "configuration": configuration}


class Actions:
    def __init__(self, env: "ServiceEnvironment") -> None:
        self.env = env
        env.events.subscribe(EVENT_KIND, self._deliver)

    def state_changed(self, store: CloudWatchStore, alarm: Alarm, old_state: str, old_reason: str, now: float) -> None:
        """Queue the actions of a transition (and always the EventBridge event)."""
        _, region, account, _ = arn_parts(alarm.arn)
        old = json.loads(old_reason)
        detail = alarm_data(alarm, old)
        actions = _actions_for(alarm, alarm.state) if alarm.config.get("ActionsEnabled", True) else []
        payload = {
            "arn": alarm.arn, "actions": actions, "detail": detail,
            "sns": sns_message(alarm, old_state, region, account),
            "time": now,
        }  # fmt: skip
        for action in actions:
            add_history(
                store, alarm, now, "Action", f"Successfully executed action {action}",
                json.dumps({"actionState": "Succeeded", "notificationResource": action}),
            )  # fmt: skip
        self.env.events.publish(Event(EVENT_KIND, account, region, payload))

    async def _deliver(self, event: Event) -> None:
        payload = event.detail
        for action in payload["actions"]:
            try:
                await self._run(action, payload, event)
            except ServiceError as error:
                log.warning("alarm action %s of %s failed: %s", action, payload["arn"], error)
        await self._put_event(payload, event)

    async def _run(self, action: str, payload: dict[str, Any], event: Event) -> None:
        try:
            service, region, account, _ = arn_parts(action)
        except ValueError:
            return
        call = self.env.internal.call_async
        if service == "sns":
            sns = payload["sns"]
            subject = f'{sns["NewStateValue"]}: "{sns["AlarmName"]}" in {sns["Region"]}'
            await call("sns", "Publish", {"TopicArn": action, "Message": json.dumps(sns), "Subject": subject[:100]},
                       account_id=account, region=region)  # fmt: skip
        elif service == "lambda":
            if not lambda_allows(self.env.internal, action, LAMBDA_PRINCIPAL, source_arn=payload["arn"], source_account=event.account_id):
                log.warning("alarm %s may not invoke %s (resource policy)", payload["arn"], action)
                return
            body = {
                "source": "aws.cloudwatch", "alarmArn": payload["arn"], "accountId": event.account_id,
                "time": iso_millis(payload["time"]), "region": event.region, "alarmData": payload["detail"],
            }  # fmt: skip
            await call("lambda", "Invoke", {"FunctionName": action, "InvocationType": "Event", "Payload": json.dumps(body).encode()},
                       account_id=account, region=region)  # fmt: skip
        else:
            log.info("alarm action %s of %s is not carried out by cloudtwin", action, payload["arn"])

    async def _put_event(self, payload: dict[str, Any], event: Event) -> None:
        entry = {
            "Source": "aws.cloudwatch", "DetailType": "CloudWatch Alarm State Change",
            "Resources": [payload["arn"]], "Detail": json.dumps(payload["detail"]),
        }  # fmt: skip
        try:
            await self.env.internal.call_async("events", "PutEvents", {"Entries": [entry]},
                                               account_id=event.account_id, region=event.region)  # fmt: skip
        except ServiceError as error:
            if error.code != "NotImplemented":
                log.warning("alarm state change event of %s not delivered: %s", payload["arn"], error)
