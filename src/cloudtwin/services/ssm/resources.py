"""CloudFormation resource handlers of SSM's types (``AWS::SSM::Parameter``, ``Document``,
``MaintenanceWindow``, ``PatchBaseline``)."""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import changed, gone_ok, random_suffix, shaped, tag_map, tags, truthy
from cloudtwin.protocol.errors import ServiceError


def _retag(request: ResourceRequest, resource_type: str, resource_id: str) -> None:
    current = request.call("ssm", "ListTagsForResource", {"ResourceType": resource_type, "ResourceId": resource_id})
    wanted = tag_map(request)
    stale = sorted({t["Key"] for t in current.get("TagList", [])} - set(wanted))
    if stale:
        request.call("ssm", "RemoveTagsFromResource", {
            "ResourceType": resource_type, "ResourceId": resource_id, "TagKeys": stale,
        })
    if wanted:
        request.call("ssm", "AddTagsToResource", {
            "ResourceType": resource_type, "ResourceId": resource_id,
            "Tags": [{"Key": k, "Value": v} for k, v in wanted.items()],
        })


class ParameterHandler(ResourceHandler):
    type_name = "AWS::SSM::Parameter"

    _FIELDS = ("Type", "Value", "Description", "AllowedPattern", "Tier", "Policies", "DataType")

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("Name") or f"CFN-{request.logical_id}-{random_suffix()}"
        params = shaped(request, "ssm", "PutParameter", {"Name": name, **{k: props.get(k) for k in self._FIELDS}})
        if tag_list := tags(request):
            params["Tags"] = tag_list
        request.call("ssm", "PutParameter", params)
        return self._outcome(request, name)

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "Name"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        props = request.properties
        if changed(request, *self._FIELDS):
            values = {k: props.get(k) for k in self._FIELDS}
            request.call("ssm", "PutParameter", shaped(request, "ssm", "PutParameter", {
                "Name": name, **values, "Overwrite": True,
            }))
        if changed(request, "Tags"):
            _retag(request, "Parameter", name)
        return self._outcome(request, name)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("ssm", "DeleteParameter", {"Name": request.physical_id})

    readable = True

    def read(self, request: ResourceRequest) -> dict[str, Any]:
        parameter = request.call("ssm", "GetParameter", {"Name": request.physical_id})["Parameter"]
        found = {"Name": parameter["Name"], "Type": parameter["Type"], "Value": parameter["Value"]}
        described = request.call("ssm", "DescribeParameters", {
            "ParameterFilters": [{"Key": "Name", "Values": [parameter["Name"]]}],
        }).get("Parameters") or [{}]  # fmt: skip
        for key in ("Description", "AllowedPattern", "Tier", "DataType"):
            if described[0].get(key) is not None:
                found[key] = described[0][key]
        return found

    @staticmethod
    def _outcome(request: ResourceRequest, name: str) -> Outcome:
        parameter = request.call("ssm", "GetParameter", {"Name": name})["Parameter"]
        return Outcome(name, {"Type": parameter["Type"], "Value": parameter["Value"], "Arn": parameter["ARN"]})


class DocumentHandler(ResourceHandler):
    type_name = "AWS::SSM::Document"

    _FIELDS = ("Content", "Attachments", "VersionName", "DocumentFormat", "TargetType")

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("Name") or request.physical_name(128)
        params = shaped(request, "ssm", "CreateDocument", {**props, "Name": name, "Content": self._content(props)})
        if tag_list := tags(request):
            params["Tags"] = tag_list
        request.call("ssm", "CreateDocument", params)
        return Outcome(name, {})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "Name", "DocumentType"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        props = request.properties
        if changed(request, *self._FIELDS):
            if props.get("UpdateMethod") == "Replace":
                raise UpdateNeedsReplacement()
            document = request.call("ssm", "UpdateDocument", shaped(request, "ssm", "UpdateDocument", {
                **props, "Name": name, "Content": self._content(props), "DocumentVersion": "$LATEST",
            }))["DocumentDescription"]
            request.call("ssm", "UpdateDocumentDefaultVersion", {
                "Name": name, "DocumentVersion": document["DocumentVersion"],
            })
        if changed(request, "Tags"):
            _retag(request, "Document", name)
        return Outcome(name, {})

    def delete(self, request: ResourceRequest) -> None:
        try:
            request.call("ssm", "DeleteDocument", {"Name": request.physical_id})
        except ServiceError as exc:
            if exc.code != "InvalidDocument":  # SSM's word for a document that does not exist
                raise

    @staticmethod
    def _content(props: dict[str, Any]) -> str:
        content = props["Content"]
        if isinstance(content, str):
            return content
        if props.get("DocumentFormat") == "YAML":
            import yaml

            return yaml.safe_dump(content)
        return json.dumps(content)


class MaintenanceWindowHandler(ResourceHandler):
    type_name = "AWS::SSM::MaintenanceWindow"

    def create(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, "ssm", "CreateMaintenanceWindow", request.properties)
        if tag_list := tags(request):
            params["Tags"] = tag_list
        window = request.call("ssm", "CreateMaintenanceWindow", params)
        return Outcome(window["WindowId"], {"WindowId": window["WindowId"]})

    def update(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, "ssm", "UpdateMaintenanceWindow", {
            **request.properties, "WindowId": request.physical_id, "Replace": True,
        })
        request.call("ssm", "UpdateMaintenanceWindow", params)
        if changed(request, "Tags"):
            _retag(request, "MaintenanceWindow", request.physical_id)
        return Outcome(request.physical_id, {"WindowId": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("ssm", "DeleteMaintenanceWindow", {"WindowId": request.physical_id})


class PatchBaselineHandler(ResourceHandler):
    type_name = "AWS::SSM::PatchBaseline"

    def create(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, "ssm", "CreatePatchBaseline", request.properties)
        if tag_list := tags(request):
            params["Tags"] = tag_list
        baseline = request.call("ssm", "CreatePatchBaseline", params)
        if truthy(request.properties.get("DefaultBaseline", False)):
            request.call("ssm", "RegisterDefaultPatchBaseline", {"BaselineId": baseline["BaselineId"]})
        self._groups(request, baseline["BaselineId"])
        return Outcome(baseline["BaselineId"], {"Id": baseline["BaselineId"]})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "OperatingSystem"):
            raise UpdateNeedsReplacement()
        params = shaped(request, "ssm", "UpdatePatchBaseline", {
            **request.properties, "BaselineId": request.physical_id, "Replace": True,
        })
        request.call("ssm", "UpdatePatchBaseline", params)
        if changed(request, "Tags"):
            _retag(request, "PatchBaseline", request.physical_id)
        self._groups(request, request.physical_id)
        return Outcome(request.physical_id, {"Id": request.physical_id})

    @staticmethod
    def _groups(request: ResourceRequest, baseline_id: str) -> None:
        before = set((request.previous_properties or {}).get("PatchGroups") or [])
        after = list(dict.fromkeys(request.properties.get("PatchGroups") or []))
        for group in sorted(before - set(after)):
            with gone_ok():
                request.call("ssm", "DeregisterPatchBaselineForPatchGroup", {"BaselineId": baseline_id, "PatchGroup": group})
        for group in after:
            if group not in before:
                request.call("ssm", "RegisterPatchBaselineForPatchGroup", {"BaselineId": baseline_id, "PatchGroup": group})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("ssm", "DeletePatchBaseline", {"BaselineId": request.physical_id})


class MaintenanceWindowTargetHandler(ResourceHandler):
    type_name = "AWS::SSM::MaintenanceWindowTarget"

    def create(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, "ssm", "RegisterTargetWithMaintenanceWindow", request.properties)
        target_id = request.call("ssm", "RegisterTargetWithMaintenanceWindow", params)["WindowTargetId"]
        return Outcome(target_id, {"WindowTargetId": target_id})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "WindowId", "ResourceType"):
            raise UpdateNeedsReplacement()
        request.call("ssm", "UpdateMaintenanceWindowTarget", shaped(request, "ssm", "UpdateMaintenanceWindowTarget", {
            **request.properties, "WindowTargetId": request.physical_id, "Replace": True,
        }))
        return Outcome(request.physical_id, {"WindowTargetId": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("ssm", "DeregisterTargetFromMaintenanceWindow", {
                "WindowId": request.properties["WindowId"], "WindowTargetId": request.physical_id,
            })


def _task_values(props: dict[str, Any]) -> dict[str, Any]:
    """A template's task: ``LoggingInfo`` names its members as the API does not."""
    values = dict(props)
    logging = props.get("LoggingInfo")
    if logging:
        values["LoggingInfo"] = {
            k: v for k, v in {
                "S3BucketName": logging.get("S3Bucket"), "S3KeyPrefix": logging.get("S3Prefix"),
                "S3Region": logging.get("Region"),
            }.items() if v is not None
        }
    return values


class MaintenanceWindowTaskHandler(ResourceHandler):
    type_name = "AWS::SSM::MaintenanceWindowTask"

    def create(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, "ssm", "RegisterTaskWithMaintenanceWindow", _task_values(request.properties))
        task_id = request.call("ssm", "RegisterTaskWithMaintenanceWindow", params)["WindowTaskId"]
        return Outcome(task_id, {"WindowTaskId": task_id})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "WindowId", "TaskType"):
            raise UpdateNeedsReplacement()
        request.call("ssm", "UpdateMaintenanceWindowTask", shaped(request, "ssm", "UpdateMaintenanceWindowTask", {
            **_task_values(request.properties), "WindowTaskId": request.physical_id, "Replace": True,
        }))
        return Outcome(request.physical_id, {"WindowTaskId": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("ssm", "DeregisterTaskFromMaintenanceWindow", {
                "WindowId": request.properties["WindowId"], "WindowTaskId": request.physical_id,
            })


HANDLERS = [
    ParameterHandler,
    DocumentHandler,
    MaintenanceWindowHandler,
    MaintenanceWindowTargetHandler,
    MaintenanceWindowTaskHandler,
    PatchBaselineHandler,
]
