"""CloudFormation resource handlers of CloudWatch Logs' types (``AWS::Logs::LogGroup``,
``LogStream``, ``SubscriptionFilter``, ``MetricFilter``, ``Destination``, ``ResourcePolicy``)."""

from __future__ import annotations

from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import gone_ok, json_text, shaped, tag_map


def _changed(request: ResourceRequest, *names: str) -> bool:
    before = request.previous_properties or {}
    return any(before.get(n) != request.properties.get(n) for n in names)


def _group_arn(request: ResourceRequest, name: str) -> str:
    return f"arn:aws:logs:{request.region}:{request.account_id}:log-group:{name}:*"


class LogGroupHandler(ResourceHandler):
    type_name = "AWS::Logs::LogGroup"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("LogGroupName") or request.physical_name(512)
        params = shaped(request, "logs", "CreateLogGroup", {
            "logGroupName": name, "kmsKeyId": props.get("KmsKeyId"), "logGroupClass": props.get("LogGroupClass"),
        })
        if tags := tag_map(request):
            params["tags"] = tags
        request.call("logs", "CreateLogGroup", params)
        if props.get("RetentionInDays") is not None:
            self._retention(request, name)
        if props.get("DataProtectionPolicy"):
            request.call("logs", "PutDataProtectionPolicy", {
                "logGroupIdentifier": name, "policyDocument": json_text(props["DataProtectionPolicy"]),
            })
        return Outcome(name, {"Arn": _group_arn(request, name)})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "LogGroupName", "LogGroupClass"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        if _changed(request, "RetentionInDays"):
            if request.properties.get("RetentionInDays") is not None:
                self._retention(request, name)
            else:
                request.call("logs", "DeleteRetentionPolicy", {"logGroupName": name})
        if _changed(request, "Tags"):
            arn = _group_arn(request, name)[:-2]
            current = request.call("logs", "ListTagsForResource", {"resourceArn": arn}).get("tags", {})
            wanted = tag_map(request)
            if stale := sorted(set(current) - set(wanted)):
                request.call("logs", "UntagResource", {"resourceArn": arn, "tagKeys": stale})
            if wanted:
                request.call("logs", "TagResource", {"resourceArn": arn, "tags": wanted})
        return Outcome(name, {"Arn": _group_arn(request, name)})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("logs", "DeleteLogGroup", {"logGroupName": request.physical_id})

    @staticmethod
    def _retention(request: ResourceRequest, name: str) -> None:
        request.call("logs", "PutRetentionPolicy", shaped(request, "logs", "PutRetentionPolicy", {
            "logGroupName": name, "retentionInDays": request.properties["RetentionInDays"],
        }))


class LogStreamHandler(ResourceHandler):
    type_name = "AWS::Logs::LogStream"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("LogStreamName") or request.physical_name(512)
        request.call("logs", "CreateLogStream", {"logGroupName": props["LogGroupName"], "logStreamName": name})
        return Outcome(name, {})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("logs", "DeleteLogStream", {
                "logGroupName": request.properties["LogGroupName"], "logStreamName": request.physical_id,
            })


class SubscriptionFilterHandler(ResourceHandler):
    type_name = "AWS::Logs::SubscriptionFilter"

    def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties.get("FilterName") or request.physical_name(512)
        self._put(request, name)
        return Outcome(name, {})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "FilterName", "LogGroupName"):
            raise UpdateNeedsReplacement()
        self._put(request, request.physical_id)
        return Outcome(request.physical_id, {})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("logs", "DeleteSubscriptionFilter", {
                "logGroupName": request.properties["LogGroupName"], "filterName": request.physical_id,
            })

    @staticmethod
    def _put(request: ResourceRequest, name: str) -> None:
        props = request.properties
        request.call("logs", "PutSubscriptionFilter", shaped(request, "logs", "PutSubscriptionFilter", {
            "logGroupName": props["LogGroupName"],
            "filterName": name,
            "filterPattern": props.get("FilterPattern", ""),
            "destinationArn": props["DestinationArn"],
            "roleArn": props.get("RoleArn"),
            "distribution": props.get("Distribution"),
            "applyOnTransformedLogs": props.get("ApplyOnTransformedLogs"),
        }))


def _lower_first(value: Any) -> Any:
    """Template keys (``MetricName``) as the Logs API spells them (``metricName``)."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _lower_first(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_first(v) for v in value]
    return value


class MetricFilterHandler(ResourceHandler):
    type_name = "AWS::Logs::MetricFilter"

    def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties.get("FilterName") or request.physical_name(512)
        self._put(request, name)
        return Outcome(name, {})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "FilterName", "LogGroupName"):
            raise UpdateNeedsReplacement()
        self._put(request, request.physical_id)
        return Outcome(request.physical_id, {})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("logs", "DeleteMetricFilter", {
                "logGroupName": request.properties["LogGroupName"], "filterName": request.physical_id,
            })

    @staticmethod
    def _put(request: ResourceRequest, name: str) -> None:
        props = request.properties
        request.call("logs", "PutMetricFilter", shaped(request, "logs", "PutMetricFilter", {
            "logGroupName": props["LogGroupName"],
            "filterName": name,
            "filterPattern": props.get("FilterPattern", ""),
            "metricTransformations": _lower_first(props["MetricTransformations"]),
            "applyOnTransformedLogs": props.get("ApplyOnTransformedLogs"),
        }))


class DestinationHandler(ResourceHandler):
    type_name = "AWS::Logs::Destination"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props["DestinationName"]
        destination = request.call("logs", "PutDestination", {
            "destinationName": name, "targetArn": props["TargetArn"], "roleArn": props["RoleArn"],
        })["destination"]
        if props.get("DestinationPolicy"):
            request.call("logs", "PutDestinationPolicy", {
                "destinationName": name, "accessPolicy": json_text(props["DestinationPolicy"]),
            })
        return Outcome(name, {"Arn": destination["arn"]})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "DestinationName"):
            raise UpdateNeedsReplacement()
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("logs", "DeleteDestination", {"destinationName": request.physical_id})


class ResourcePolicyHandler(ResourceHandler):
    type_name = "AWS::Logs::ResourcePolicy"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        request.call("logs", "PutResourcePolicy", {
            "policyName": props["PolicyName"], "policyDocument": json_text(props["PolicyDocument"]),
        })
        return Outcome(props["PolicyName"], {})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "PolicyName"):
            raise UpdateNeedsReplacement()
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("logs", "DeleteResourcePolicy", {"policyName": request.physical_id})


HANDLERS = [
    LogGroupHandler,
    LogStreamHandler,
    SubscriptionFilterHandler,
    MetricFilterHandler,
    DestinationHandler,
    ResourcePolicyHandler,
]
