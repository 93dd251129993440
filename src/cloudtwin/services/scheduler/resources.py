"""CloudFormation resource handlers of EventBridge Scheduler's types
(``AWS::Scheduler::Schedule``, ``AWS::Scheduler::ScheduleGroup``)."""

from __future__ import annotations

from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import gone_ok, shaped, tags


def _changed(request: ResourceRequest, *names: str) -> bool:
    before = request.previous_properties or {}
    return any(before.get(n) != request.properties.get(n) for n in names)


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


class ScheduleHandler(ResourceHandler):
    type_name = "AWS::Scheduler::Schedule"

    def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties.get("Name") or request.physical_name(64)
        params = shaped(request, "scheduler", "CreateSchedule", {**request.properties, "Name": name})
        arn = request.call("scheduler", "CreateSchedule", params)["ScheduleArn"]
        return Outcome(name, {"Arn": arn})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "Name", "GroupName"):
            raise UpdateNeedsReplacement()
        # UpdateSchedule replaces the whole definition: what the template dropped goes back to its default.
        params = shaped(request, "scheduler", "UpdateSchedule", {**request.properties, "Name": request.physical_id})
        arn = request.call("scheduler", "UpdateSchedule", params)["ScheduleArn"]
        return Outcome(request.physical_id, {"Arn": arn})

    def delete(self, request: ResourceRequest) -> None:
        params = {"Name": request.physical_id}
        if request.properties.get("GroupName"):
            params["GroupName"] = request.properties["GroupName"]
        with gone_ok():
            request.call("scheduler", "DeleteSchedule", params)


class ScheduleGroupHandler(ResourceHandler):
    type_name = "AWS::Scheduler::ScheduleGroup"

    def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties.get("Name") or request.physical_name(64)
        params: dict[str, Any] = {"Name": name}
        if tag_list := tags(request):
            params["Tags"] = tag_list
        request.call("scheduler", "CreateScheduleGroup", params)
        return self._outcome(request, name)

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "Name"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        arn = request.call("scheduler", "GetScheduleGroup", {"Name": name})["Arn"]
        current = request.call("scheduler", "ListTagsForResource", {"ResourceArn": arn}).get("Tags", [])
        wanted = tags(request)
        if stale := sorted({t["Key"] for t in current} - {t["Key"] for t in wanted}):
            request.call("scheduler", "UntagResource", {"ResourceArn": arn, "TagKeys": stale})
        if wanted:
            request.call("scheduler", "TagResource", {"ResourceArn": arn, "Tags": wanted})
        return self._outcome(request, name)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("scheduler", "DeleteScheduleGroup", {"Name": request.physical_id})

    @staticmethod
    def _outcome(request: ResourceRequest, name: str) -> Outcome:
        group = request.call("scheduler", "GetScheduleGroup", {"Name": name})
        return Outcome(name, {
            "Arn": group["Arn"],
            "CreationDate": _iso(group.get("CreationDate")),
            "LastModificationDate": _iso(group.get("LastModificationDate")),
            "State": group.get("State", "ACTIVE"),
        })


HANDLERS = [ScheduleHandler, ScheduleGroupHandler]
