"""Launch templates and their versions (stored): Create/Describe/Modify/DeleteLaunchTemplate,
Create/Describe/DeleteLaunchTemplateVersions."""

from __future__ import annotations

import copy
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2.filters import page, select
from cloudtwin.services.ec2.ids import new_id
from cloudtwin.services.ec2.models import Ec2Store
from cloudtwin.services.ec2.tagging import spec_tags

TEMPLATE_FIELDS = {
    "create-time": lambda t: t["CreateTime"], "launch-template-name": lambda t: t["LaunchTemplateName"],
}
VERSION_FIELDS = {
    "image-id": lambda v: v["LaunchTemplateData"].get("ImageId"),
    "instance-type": lambda v: v["LaunchTemplateData"].get("InstanceType"),
    "is-default-version": lambda v: v["DefaultVersion"],
    "kernel-id": lambda v: v["LaunchTemplateData"].get("KernelId"),
    "ram-disk-id": lambda v: v["LaunchTemplateData"].get("RamDiskId"),
}


def _name_not_found() -> ServiceError:
    return ServiceError(
        "InvalidLaunchTemplateName.NotFoundException",
        "At least one of the launch templates specified in the request does not exist.",
    )


def _id_not_found(template_id: str) -> ServiceError:
    return ServiceError(
        "InvalidLaunchTemplateId.NotFound", f"The specified launch template, with template ID {template_id}, does not exist."
    )


class LaunchTemplateOperations:
    def _template(self, store: Ec2Store, params: dict[str, Any]) -> dict[str, Any]:
        template_id, name = params.get("LaunchTemplateId"), params.get("LaunchTemplateName")
        if template_id:
            template = store.launch_templates.get(template_id)
            if template is None:
                raise _id_not_found(template_id)
            return template
        if name:
            for template in store.launch_templates.values():
                if template["LaunchTemplateName"] == name:
                    return template
            raise _name_not_found()
        raise ServiceError("MissingParameter", "The request must contain the parameter launchTemplateName or launchTemplateId")

    def _version(self, store: Ec2Store, template: dict[str, Any], number: int, description: str | None,
                 data: dict[str, Any], now: float, creator: str) -> dict[str, Any]:
        version = {
            "LaunchTemplateId": template["LaunchTemplateId"], "LaunchTemplateName": template["LaunchTemplateName"],
            "VersionNumber": number, "CreateTime": now, "CreatedBy": creator,
            "DefaultVersion": number == template["DefaultVersionNumber"], "LaunchTemplateData": data,
        }  # fmt: skip
        if description:
            version["VersionDescription"] = description
        return version

    def _resolve(self, template: dict[str, Any], text: str) -> int:
        if text == "$Latest":
            return template["LatestVersionNumber"]
        if text == "$Default":
            return template["DefaultVersionNumber"]
        try:
            return int(text)
        except ValueError:
            raise ServiceError("InvalidParameterValue", f"Invalid launch template version: {text}") from None

    def create_launch_template(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        name = params["LaunchTemplateName"]
        if any(t["LaunchTemplateName"] == name for t in store.launch_templates.values()):
            raise ServiceError("InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use.")
        creator = f"arn:{ctx.partition}:iam::{store.account_id}:root"
        template = {
            "LaunchTemplateId": new_id("lt"), "LaunchTemplateName": name, "CreateTime": ctx.clock.now(),
            "CreatedBy": creator, "DefaultVersionNumber": 1, "LatestVersionNumber": 1,
        }  # fmt: skip
        tags = spec_tags(params, "launch-template")
        if tags:
            template["Tags"] = tags
        store.launch_templates[template["LaunchTemplateId"]] = template
        store.template_versions[template["LaunchTemplateId"]] = [
            self._version(store, template, 1, params.get("VersionDescription"), params.get("LaunchTemplateData") or {}, ctx.clock.now(), creator)
        ]
        return {"LaunchTemplate": template}

    def create_launch_template_version(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        template = self._template(store, params)
        versions = store.template_versions[template["LaunchTemplateId"]]
        data = params.get("LaunchTemplateData") or {}
        if params.get("SourceVersion"):
            number = self._resolve(template, params["SourceVersion"])
            source = next((v for v in versions if v["VersionNumber"] == number), None)
            if source is None:
                raise ServiceError("InvalidLaunchTemplateVersion.NotFound", f"Version {params['SourceVersion']} of launch template {template['LaunchTemplateId']} does not exist")
            data = {**copy.deepcopy(source["LaunchTemplateData"]), **data}
        template["LatestVersionNumber"] += 1
        store.launch_templates.save(template["LaunchTemplateId"])
        creator = f"arn:{ctx.partition}:iam::{store.account_id}:root"
        version = self._version(store, template, template["LatestVersionNumber"], params.get("VersionDescription"), data, ctx.clock.now(), creator)
        versions.append(version)
        store.template_versions.save(template["LaunchTemplateId"])
        return {"LaunchTemplateVersion": version}

    def describe_launch_templates(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        found = list(store.launch_templates.values())
        if params.get("LaunchTemplateIds") or params.get("LaunchTemplateNames"):
            found = [self._template(store, {"LaunchTemplateId": i}) for i in params.get("LaunchTemplateIds") or ()]
            found += [self._template(store, {"LaunchTemplateName": n}) for n in params.get("LaunchTemplateNames") or ()]
        items, token = page(select(found, params.get("Filters"), TEMPLATE_FIELDS), params, minimum=1, maximum=200)
        return {"LaunchTemplates": items, "NextToken": token}

    def describe_launch_template_versions(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        if not params.get("LaunchTemplateId") and not params.get("LaunchTemplateName"):
            found = [v for versions in store.template_versions.values() for v in versions]
        else:
            template = self._template(store, params)
            found = list(store.template_versions[template["LaunchTemplateId"]])
            if params.get("Versions"):
                numbers = {self._resolve(template, v) for v in params["Versions"]}
                found = [v for v in found if v["VersionNumber"] in numbers]
            if params.get("MinVersion"):
                found = [v for v in found if v["VersionNumber"] >= self._resolve(template, params["MinVersion"])]
            if params.get("MaxVersion"):
                found = [v for v in found if v["VersionNumber"] <= self._resolve(template, params["MaxVersion"])]
        found = sorted(found, key=lambda v: -v["VersionNumber"])
        items, token = page(select(found, params.get("Filters"), VERSION_FIELDS), params, minimum=1, maximum=200)
        return {"LaunchTemplateVersions": items, "NextToken": token}

    def modify_launch_template(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        template = self._template(store, params)
        if params.get("DefaultVersion"):
            number = self._resolve(template, params["DefaultVersion"])
            versions = store.template_versions[template["LaunchTemplateId"]]
            if not any(v["VersionNumber"] == number for v in versions):
                raise ServiceError("InvalidLaunchTemplateVersion.NotFound", f"Version {number} of launch template {template['LaunchTemplateId']} does not exist")
            template["DefaultVersionNumber"] = number
            for version in versions:
                version["DefaultVersion"] = version["VersionNumber"] == number
            store.template_versions.save(template["LaunchTemplateId"])
            store.launch_templates.save(template["LaunchTemplateId"])
        return {"LaunchTemplate": template}

    def delete_launch_template(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        template = self._template(store, params)
        del store.launch_templates[template["LaunchTemplateId"]]
        store.template_versions.pop(template["LaunchTemplateId"], None)
        return {"LaunchTemplate": template}

    def delete_launch_template_versions(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        template = self._template(store, params)
        versions = store.template_versions[template["LaunchTemplateId"]]
        done, failed = [], []
        for text in params.get("Versions") or ():
            number = self._resolve(template, text)
            base = {"LaunchTemplateId": template["LaunchTemplateId"], "LaunchTemplateName": template["LaunchTemplateName"], "VersionNumber": number}
            version = next((v for v in versions if v["VersionNumber"] == number), None)
            if version is None:
                failed.append({**base, "ResponseError": {"Code": "launchTemplateVersionDoesNotExist", "Message": "The specified launch template version does not exist."}})
            elif version["DefaultVersion"]:
                failed.append({**base, "ResponseError": {"Code": "launchTemplateVersionIsDefault", "Message": "Cannot delete the default version of a launch template."}})
            else:
                versions.remove(version)
                done.append(base)
        store.template_versions.save(template["LaunchTemplateId"])
        return {"SuccessfullyDeletedLaunchTemplateVersions": done, "UnsuccessfullyDeletedLaunchTemplateVersions": failed}
