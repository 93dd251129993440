"""CloudFormation resource handlers of Step Functions: ``AWS::StepFunctions::StateMachine``
and ``AWS::StepFunctions::Activity``, through the service's own operations."""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement


def _definition(request: ResourceRequest) -> str:
    """The definition: ``Definition`` (an object), ``DefinitionString`` or the object
    ``DefinitionS3Location`` names, with ``DefinitionSubstitutions`` made."""
    props = request.properties
    if "Definition" in props:
        text = json.dumps(props["Definition"])
    elif props.get("DefinitionS3Location") and not props.get("DefinitionString"):
        text = request.s3_object(props["DefinitionS3Location"]).decode("utf-8")
    else:
        text = props.get("DefinitionString") or ""
    for key, value in (props.get("DefinitionSubstitutions") or {}).items():
        text = text.replace("${" + key + "}", value if isinstance(value, str) else json.dumps(value))
    return text


def _logging(config: dict[str, Any] | None) -> dict[str, Any] | None:
    if not config:
        return None
    out: dict[str, Any] = {"level": config.get("Level", "OFF"),
                           "includeExecutionData": bool(config.get("IncludeExecutionData", False))}
    destinations = []
    for destination in config.get("Destinations") or []:
        group = destination.get("CloudWatchLogsLogGroup") or {}
        destinations.append({"cloudWatchLogsLogGroup": {"logGroupArn": group.get("LogGroupArn")}})
    if destinations:
        out["destinations"] = destinations
    return out


def _tags(request: ResourceRequest) -> list[dict[str, str]]:
    tags = list(request.properties.get("Tags") or []) + list(request.stack_tags)
    return [{"key": t["Key"], "value": t["Value"]} for t in tags]


class StateMachineHandler(ResourceHandler):
    type_name = "AWS::StepFunctions::StateMachine"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("StateMachineName") or request.physical_name(80)
        params: dict[str, Any] = {"name": name, "definition": _definition(request), "roleArn": props["RoleArn"],
                                  "type": props.get("StateMachineType") or "STANDARD"}
        logging = _logging(props.get("LoggingConfiguration"))
        if logging:
            params["loggingConfiguration"] = logging
        if props.get("TracingConfiguration"):
            params["tracingConfiguration"] = {"enabled": bool(props["TracingConfiguration"].get("Enabled"))}
        tags = _tags(request)
        if tags:
            params["tags"] = tags
        arn = request.call("stepfunctions", "CreateStateMachine", params)["stateMachineArn"]
        return self._outcome(request, arn)

    def _outcome(self, request: ResourceRequest, arn: str) -> Outcome:
        described = request.call("stepfunctions", "DescribeStateMachine", {"stateMachineArn": arn})
        return Outcome(arn, {"Arn": arn, "Name": described["name"],
                             "StateMachineRevisionId": described.get("revisionId") or arn})

    def update(self, request: ResourceRequest) -> Outcome:
        props, before = request.properties, request.previous_properties or {}
        for key in ("StateMachineName", "StateMachineType"):
            if props.get(key) != before.get(key):
                raise UpdateNeedsReplacement()
        params: dict[str, Any] = {"stateMachineArn": request.physical_id, "definition": _definition(request),
                                  "roleArn": props["RoleArn"]}
        logging = _logging(props.get("LoggingConfiguration"))
        if logging:
            params["loggingConfiguration"] = logging
        request.call("stepfunctions", "UpdateStateMachine", params)
        return self._outcome(request, request.physical_id or "")

    def delete(self, request: ResourceRequest) -> None:
        request.call("stepfunctions", "DeleteStateMachine", {"stateMachineArn": request.physical_id})


class ActivityHandler(ResourceHandler):
    type_name = "AWS::StepFunctions::Activity"

    def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties.get("Name") or request.physical_name(80)
        params: dict[str, Any] = {"name": name}
        tags = _tags(request)
        if tags:
            params["tags"] = tags
        arn = request.call("stepfunctions", "CreateActivity", params)["activityArn"]
        return Outcome(arn, {"Arn": arn, "Name": name})

    def update(self, request: ResourceRequest) -> Outcome:
        if request.properties.get("Name") != (request.previous_properties or {}).get("Name"):
            raise UpdateNeedsReplacement()
        return Outcome(request.physical_id or "", dict(request.attributes))

    def delete(self, request: ResourceRequest) -> None:
        request.call("stepfunctions", "DeleteActivity", {"activityArn": request.physical_id})


HANDLERS = (StateMachineHandler, ActivityHandler)
