"""CloudFormation resource handlers of CloudWatch's types (``AWS::CloudWatch::Alarm``,
``CompositeAlarm``, ``Dashboard``)."""

from __future__ import annotations

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import changed, gone_ok, iso, json_text, shaped, tags


class _AlarmHandler(ResourceHandler):
    operation = ""

    def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties.get("AlarmName") or request.physical_name(255)
        return self._put(request, name, tagged=True)

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "AlarmName"):
            raise UpdateNeedsReplacement()
        outcome = self._put(request, request.physical_id, tagged=False)
        if changed(request, "Tags"):
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
        if changed(request, "DashboardName"):
            raise UpdateNeedsReplacement()
        request.call("cloudwatch", "PutDashboard", {
            "DashboardName": request.physical_id, "DashboardBody": json_text(request.properties["DashboardBody"]),
        })
        return Outcome(request.physical_id, {})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("cloudwatch", "DeleteDashboards", {"DashboardNames": [request.physical_id]})


class AnomalyDetectorHandler(ResourceHandler):
    """``AWS::CloudWatch::AnomalyDetector``: named by its metric (the id is generated)."""

    type_name = "AWS::CloudWatch::AnomalyDetector"

    def create(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, "cloudwatch", "PutAnomalyDetector", request.properties)
        result = request.call("cloudwatch", "PutAnomalyDetector", params)
        physical_id = result.get("AnomalyDetectorId") or request.physical_name(255)
        return Outcome(physical_id, {"Id": physical_id})

    def update(self, request: ResourceRequest) -> Outcome:
        request.call("cloudwatch", "PutAnomalyDetector", shaped(request, "cloudwatch", "PutAnomalyDetector", request.properties))
        return Outcome(request.physical_id, {"Id": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("cloudwatch", "DeleteAnomalyDetector", shaped(
                request, "cloudwatch", "DeleteAnomalyDetector", request.properties,
            ))


class InsightRuleHandler(ResourceHandler):
    type_name = "AWS::CloudWatch::InsightRule"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = shaped(request, "cloudwatch", "PutInsightRule", {**props, "RuleDefinition": json_text(props["RuleBody"])})
        if tag_list := tags(request):
            params["Tags"] = tag_list
        request.call("cloudwatch", "PutInsightRule", params)
        name = props["RuleName"]
        arn = f"arn:aws:cloudwatch:{request.region}:{request.account_id}:insight-rule/{name}"
        return Outcome(arn, {"Arn": arn, "RuleName": name})

    def update(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        request.call("cloudwatch", "PutInsightRule", shaped(request, "cloudwatch", "PutInsightRule", {
            **props, "RuleDefinition": json_text(props["RuleBody"]),
        }))
        return Outcome(request.physical_id, dict(request.attributes))

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("cloudwatch", "DeleteInsightRules", {"RuleNames": [request.properties["RuleName"]]})


class MetricStreamHandler(ResourceHandler):
    type_name = "AWS::CloudWatch::MetricStream"

    def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties.get("Name") or request.physical_name(255)
        params = shaped(request, "cloudwatch", "PutMetricStream", {**request.properties, "Name": name})
        if tag_list := tags(request):
            params["Tags"] = tag_list
        request.call("cloudwatch", "PutMetricStream", params)
        return self._outcome(request, name)

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "Name"):
            raise UpdateNeedsReplacement()
        request.call("cloudwatch", "PutMetricStream", shaped(request, "cloudwatch", "PutMetricStream", {
            **request.properties, "Name": request.physical_id,
        }))
        return self._outcome(request, request.physical_id)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("cloudwatch", "DeleteMetricStream", {"Name": request.physical_id})

    @staticmethod
    def _outcome(request: ResourceRequest, name: str) -> Outcome:
        stream = request.call("cloudwatch", "GetMetricStream", {"Name": name})
        return Outcome(name, {
            "Arn": stream["Arn"], "State": stream.get("State", "running"),
            "CreationDate": iso(stream.get("CreationDate")), "LastUpdateDate": iso(stream.get("LastUpdateDate")),
        })



HANDLERS = [
    AlarmHandler,
    CompositeAlarmHandler,
    DashboardHandler,
    AnomalyDetectorHandler,
    InsightRuleHandler,
    MetricStreamHandler,
]
