"""CloudFormation resource handlers of CloudWatch's types (``AWS::CloudWatch::Alarm``,
``CompositeAlarm``, ``Dashboard``)."""

from __future__ import annotations

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import gone_ok, json_text, shaped, tags


def _changed(request: ResourceRequest, *names: str) -> bool:
    before = request.previous_properties or {}
    return any(before.get(n) != request.properties.get(n) for n in names)


class _AlarmHandler(ResourceHandler):
    operation = ""

    def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties.get("AlarmName") or request.physical_name(255)
        return self._put(request, name, tagged=True)

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "AlarmName"):
            raise UpdateNeedsReplacement()
        outcome = self._put(request, request.physical_id, tagged=False)
        if _changed(request, "Tags"):
            arn = outcome.attributes["Arn"]
            current = request.call("cloudwatch", "ListTagsForResource", {"ResourceARN": arn}).get("Tags", [])
            wanted = tags(request)
            if stale := sorted({t["Key"] for t in current} - {t["Key"] for t in wanted}):
                request.call("cloudwatch", "UntagResource", {"ResourceARN": arn, "TagKeys": stale})
            if wanted:
                request.call("cloudwatch", "TagResource", {"ResourceARN": arn, "Tags": wanted})
        return outcome

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("cloudwatch", "DeleteAlarms", {"AlarmNames": [request.physical_id]})

    def _put(self, request: ResourceRequest, name: str, *, tagged: bool) -> Outcome:
        params = shaped(request, "cloudwatch", self.operation, {**request.properties, "AlarmName": name})
        params.pop("Tags", None)
        if tagged and (tag_list := tags(request)):
            params["Tags"] = tag_list
        request.call("cloudwatch", self.operation, params)
        alarms = request.call("cloudwatch", "DescribeAlarms", {
            "AlarmNames": [name], "AlarmTypes": ["MetricAlarm", "CompositeAlarm"],
        })
        alarm = (alarms.get("MetricAlarms") or alarms.get("CompositeAlarms") or [{}])[0]
        arn = alarm.get("AlarmArn") or f"arn:aws:cloudwatch:{request.region}:{request.account_id}:alarm:{name}"
        return Outcome(name, {"Arn": arn})


class AlarmHandler(_AlarmHandler):
    type_name = "AWS::CloudWatch::Alarm"
    operation = "PutMetricAlarm"


class CompositeAlarmHandler(_AlarmHandler):
    type_name = "AWS::CloudWatch::CompositeAlarm"
    operation = "PutCompositeAlarm"


class DashboardHandler(ResourceHandler):
    type_name = "AWS::CloudWatch::Dashboard"

    def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties.get("DashboardName") or request.physical_name(255)
        request.call("cloudwatch", "PutDashboard", {
            "DashboardName": name, "DashboardBody": json_text(request.properties["DashboardBody"]),
        })
        return Outcome(name, {})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "DashboardName"):
            raise UpdateNeedsReplacement()
        request.call("cloudwatch", "PutDashboard", {
            "DashboardName": request.physical_id, "DashboardBody": json_text(request.properties["DashboardBody"]),
        })
        return Outcome(request.physical_id, {})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("cloudwatch", "DeleteDashboards", {"DashboardNames": [request.physical_id]})


HANDLERS = [AlarmHandler, CompositeAlarmHandler, DashboardHandler]
