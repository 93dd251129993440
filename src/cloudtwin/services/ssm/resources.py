"""CloudFormation resource handlers of SSM's types (``AWS::SSM::Parameter``, ``Document``,
``MaintenanceWindow``, ``PatchBaseline``)."""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import gone_ok, random_suffix, shaped, tag_map, tags
from cloudtwin.protocol.errors import ServiceError


def _changed(request: ResourceRequest, *names: str) -> bool:
    before = request.previous_properties or {}
    return any(before.get(n) != request.properties.get(n) for n in names)


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
        if _changed(request, "Name"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        props = request.properties
        if _changed(request, *self._FIELDS):
            values = {k: props.get(k) for k in self._FIELDS}
            request.call("ssm", "PutParameter", shaped(request, "ssm", "PutParameter", {
                "Name": name, **values, "Overwrite": True,
            }))
        if _changed(request, "Tags"):
            _retag(request, "Parameter", name)
        return self._outcome(request, name)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("ssm", "DeleteParameter", {"Name": request.physical_id})

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
        if _changed(request, "Name", "DocumentType"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        props = request.properties
        if _changed(request, *self._FIELDS):
            if props.get("UpdateMethod") == "Replace":
                raise UpdateNeedsReplacement()
            document = request.call("ssm", "UpdateDocument", shaped(request, "ssm", "UpdateDocument", {
                **props, "Name": name, "Content": self._content(props), "DocumentVersion": "$LATEST",
            }))["DocumentDescription"]
            request.call("ssm", "UpdateDocumentDefaultVersion", {
                "Name": name, "DocumentVersion": document["DocumentVersion"],
            })
        if _changed(request, "Tags"):
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
        return Outcome(window["WindowId"], {})

    def update(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, "ssm", "UpdateMaintenanceWindow", {
            **request.properties, "WindowId": request.physical_id, "Replace": True,
        })
        request.call("ssm", "UpdateMaintenanceWindow", params)
        if _changed(request, "Tags"):
            _retag(request, "MaintenanceWindow", request.physical_id)
        return Outcome(request.physical_id, {})

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
        if request.properties.get("DefaultBaseline") in (True, "true"):
            request.call("ssm", "RegisterDefaultPatchBaseline", {"BaselineId": baseline["BaselineId"]})
        return Outcome(baseline["BaselineId"], {})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "OperatingSystem"):
            raise UpdateNeedsReplacement()
        params = shaped(request, "ssm", "UpdatePatchBaseline", {
            **request.properties, "BaselineId": request.physical_id, "Replace": True,
        })
        request.call("ssm", "UpdatePatchBaseline", params)
        if _changed(request, "Tags"):
            _retag(request, "PatchBaseline", request.physical_id)
        return Outcome(request.physical_id, {})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("ssm", "DeletePatchBaseline", {"BaselineId": request.physical_id})


HANDLERS = [ParameterHandler, DocumentHandler, MaintenanceWindowHandler, PatchBaselineHandler]
