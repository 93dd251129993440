"""CloudFormation resource handlers of EventBridge's types (``AWS::Events::Rule``,
``EventBus``, ``EventBusPolicy``, ``Archive``, ``Connection``, ``ApiDestination``).

A rule's ``Ref`` is its name on the default bus and ``<bus name>|<rule name>`` on another
bus, as CloudFormation answers.
"""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import gone_ok, json_text, shaped, tags
from cloudtwin.protocol.errors import ServiceError

NAME_LENGTH = 64


def _changed(request: ResourceRequest, *names: str) -> bool:
    before = request.previous_properties or {}
    return any(before.get(n) != request.properties.get(n) for n in names)


def _bus_name(value: str | None) -> str:
    """A bus's name from its name or ARN (``EventBusName`` takes either)."""
    if not value:
        return "default"
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def _rule_ref(physical_id: str) -> tuple[str, str]:
    bus, _, name = physical_id.rpartition("|")
    return bus or "default", name


class RuleHandler(ResourceHandler):
    type_name = "AWS::Events::Rule"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("Name") or request.physical_name(NAME_LENGTH)
        bus = _bus_name(props.get("EventBusName"))
        arn = self._put(request, name, bus)
        self._targets(request, name, bus, {})
        return self._outcome(name, bus, arn)

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "Name") or _bus_name(request.properties.get("EventBusName")) != _bus_name(
            (request.previous_properties or {}).get("EventBusName")
        ):
            raise UpdateNeedsReplacement()
        bus, name = _rule_ref(request.physical_id)
        arn = self._put(request, name, bus)
        self._targets(request, name, bus, request.previous_properties or {})
        return self._outcome(name, bus, arn)

    def delete(self, request: ResourceRequest) -> None:
        bus, name = _rule_ref(request.physical_id)
        with gone_ok():
            targets = request.call("events", "ListTargetsByRule", {"Rule": name, "EventBusName": bus})["Targets"]
            if targets:
                request.call("events", "RemoveTargets", {
                    "Rule": name, "EventBusName": bus, "Ids": [t["Id"] for t in targets], "Force": True,
                })
            request.call("events", "DeleteRule", {"Name": name, "EventBusName": bus, "Force": True})

    @staticmethod
    def _put(request: ResourceRequest, name: str, bus: str) -> str:
        props = request.properties
        values: dict[str, Any] = {
            "Name": name,
            "EventBusName": bus,
            "ScheduleExpression": props.get("ScheduleExpression"),
            "State": props.get("State", "ENABLED"),
            "Description": props.get("Description"),
            "RoleArn": props.get("RoleArn"),
        }
        if props.get("EventPattern") is not None:
            values["EventPattern"] = json_text(props["EventPattern"])
        params = shaped(request, "events", "PutRule", values)
        if tag_list := tags(request):
            params["Tags"] = tag_list
        return request.call("events", "PutRule", params)["RuleArn"]

    @staticmethod
    def _targets(request: ResourceRequest, name: str, bus: str, before: dict[str, Any]) -> None:
        new = request.properties.get("Targets") or []
        old_ids = {t["Id"] for t in before.get("Targets") or []}
        if stale := sorted(old_ids - {t["Id"] for t in new}):
            request.call("events", "RemoveTargets", {"Rule": name, "EventBusName": bus, "Ids": stale})
        if new and new != before.get("Targets"):
            params = shaped(request, "events", "PutTargets", {"Rule": name, "EventBusName": bus, "Targets": new})
            result = request.call("events", "PutTargets", params)
            if result.get("FailedEntryCount"):
                entry = result["FailedEntries"][0]
                raise ServiceError(entry.get("ErrorCode", "ValidationException"), entry.get("ErrorMessage", ""))

    @staticmethod
    def _outcome(name: str, bus: str, arn: str) -> Outcome:
        physical_id = name if bus == "default" else f"{bus}|{name}"
        return Outcome(physical_id, {"Arn": arn, "RuleName": name})


class EventBusHandler(ResourceHandler):
    type_name = "AWS::Events::EventBus"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props["Name"]
        params = shaped(request, "events", "CreateEventBus", props)
        if tag_list := tags(request):
            params["Tags"] = tag_list
        request.call("events", "CreateEventBus", params)
        if props.get("Policy"):
            request.call("events", "PutPermission", {"EventBusName": name, "Policy": json_text(props["Policy"])})
        return self._outcome(request, name)

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "Name", "EventSourceName"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        props = request.properties
        if _changed(request, "Description", "KmsKeyIdentifier", "DeadLetterConfig"):
            request.call("events", "UpdateEventBus", shaped(request, "events", "UpdateEventBus", {
                "Name": name, "Description": props.get("Description", ""),
                "KmsKeyIdentifier": props.get("KmsKeyIdentifier"), "DeadLetterConfig": props.get("DeadLetterConfig", {}),
            }))
        if _changed(request, "Policy"):
            if props.get("Policy"):
                request.call("events", "PutPermission", {"EventBusName": name, "Policy": json_text(props["Policy"])})
            else:
                with gone_ok():
                    request.call("events", "RemovePermission", {"EventBusName": name, "RemoveAllPermissions": True})
        return self._outcome(request, name)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("events", "DeleteEventBus", {"Name": request.physical_id})

    @staticmethod
    def _outcome(request: ResourceRequest, name: str) -> Outcome:
        bus = request.call("events", "DescribeEventBus", {"Name": name})
        attributes = {"Arn": bus["Arn"], "Name": name}
        if bus.get("Policy"):
            attributes["Policy"] = bus["Policy"]
        return Outcome(name, attributes)


class EventBusPolicyHandler(ResourceHandler):
    """``AWS::Events::EventBusPolicy``: one statement of a bus's resource policy."""

    type_name = "AWS::Events::EventBusPolicy"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        bus = _bus_name(props.get("EventBusName"))
        sid = props["StatementId"]
        if props.get("Statement"):
            current = request.call("events", "DescribeEventBus", {"Name": bus}).get("Policy")
            policy = json.loads(current) if current else {"Version": "2012-10-17", "Statement": []}
            statement = {**props["Statement"], "Sid": sid}
            policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != sid] + [statement]
            request.call("events", "PutPermission", {"EventBusName": bus, "Policy": json.dumps(policy)})
        else:
            request.call("events", "PutPermission", shaped(request, "events", "PutPermission", {
                "EventBusName": bus, "StatementId": sid, "Action": props.get("Action"),
                "Principal": props.get("Principal"), "Condition": props.get("Condition"),
            }))
        return Outcome(f"{bus}|{sid}" if bus != "default" else sid, {})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "StatementId", "EventBusName"):
            raise UpdateNeedsReplacement()
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        bus = _bus_name(request.properties.get("EventBusName"))
        with gone_ok():
            request.call("events", "RemovePermission", {
                "EventBusName": bus, "StatementId": request.properties["StatementId"],
            })


class ArchiveHandler(ResourceHandler):
    type_name = "AWS::Events::Archive"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("ArchiveName") or request.physical_name(48)
        values = {**props, "ArchiveName": name, "EventSourceArn": props["SourceArn"]}
        if props.get("EventPattern") is not None:
            values["EventPattern"] = json_text(props["EventPattern"])
        archive = request.call("events", "CreateArchive", shaped(request, "events", "CreateArchive", values))
        return Outcome(name, {"Arn": archive["ArchiveArn"], "ArchiveName": name})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "ArchiveName", "SourceArn"):
            raise UpdateNeedsReplacement()
        props = request.properties
        values = {
            "ArchiveName": request.physical_id,
            "Description": props.get("Description", ""),
            "EventPattern": json_text(props["EventPattern"]) if props.get("EventPattern") is not None else None,
            "RetentionDays": props.get("RetentionDays", 0),
        }
        archive = request.call("events", "UpdateArchive", shaped(request, "events", "UpdateArchive", values))
        return Outcome(request.physical_id, {"Arn": archive["ArchiveArn"], "ArchiveName": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("events", "DeleteArchive", {"ArchiveName": request.physical_id})


class ConnectionHandler(ResourceHandler):
    type_name = "AWS::Events::Connection"

    def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties.get("Name") or request.physical_name(NAME_LENGTH)
        params = shaped(request, "events", "CreateConnection", {**request.properties, "Name": name})
        request.call("events", "CreateConnection", params)
        return self._outcome(request, name)

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "Name"):
            raise UpdateNeedsReplacement()
        params = shaped(request, "events", "UpdateConnection", {**request.properties, "Name": request.physical_id})
        request.call("events", "UpdateConnection", params)
        return self._outcome(request, request.physical_id)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("events", "DeleteConnection", {"Name": request.physical_id})

    @staticmethod
    def _outcome(request: ResourceRequest, name: str) -> Outcome:
        connection = request.call("events", "DescribeConnection", {"Name": name})
        arn = connection["ConnectionArn"]
        return Outcome(name, {
            "Arn": arn, "ArnForPolicy": arn, "SecretArn": connection.get("SecretArn", ""),
        })


class ApiDestinationHandler(ResourceHandler):
    type_name = "AWS::Events::ApiDestination"

    def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties.get("Name") or request.physical_name(NAME_LENGTH)
        params = shaped(request, "events", "CreateApiDestination", {**request.properties, "Name": name})
        arn = request.call("events", "CreateApiDestination", params)["ApiDestinationArn"]
        return Outcome(name, {"Arn": arn, "ArnForPolicy": arn})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "Name"):
            raise UpdateNeedsReplacement()
        params = shaped(request, "events", "UpdateApiDestination", {**request.properties, "Name": request.physical_id})
        arn = request.call("events", "UpdateApiDestination", params)["ApiDestinationArn"]
        return Outcome(request.physical_id, {"Arn": arn, "ArnForPolicy": arn})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("events", "DeleteApiDestination", {"Name": request.physical_id})


HANDLERS = [
    RuleHandler,
    EventBusHandler,
    EventBusPolicyHandler,
    ArchiveHandler,
    ConnectionHandler,
    ApiDestinationHandler,
]
