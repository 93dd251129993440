"""CloudFormation resource handlers of ECR's types: ``AWS::ECR::Repository`` and the
registry-wide ones (registry policy, replication, scanning and signing configurations, pull
through cache rules, repository creation templates, pull time update exclusions)."""

from __future__ import annotations

from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest
from cloudtwin.deployment.properties import changed, gone_ok, iso, json_text, shaped, tags, truthy


class RepositoryHandler(ResourceHandler):
    type_name = "AWS::ECR::Repository"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("RepositoryName") or request.physical_name(256, lower=True)
        values: dict[str, Any] = {"repositoryName": name}
        for prop in ("ImageTagMutability", "ImageTagMutabilityExclusionFilters", "ImageScanningConfiguration",
                     "EncryptionConfiguration"):  # fmt: skip
            if props.get(prop) is not None:
                values[prop] = props[prop]
        params = shaped(request, "ecr", "CreateRepository", values)
        if found := tags(request):
            params["tags"] = found
        repo = request.call("ecr", "CreateRepository", params)["repository"]
        if text := (props.get("LifecyclePolicy") or {}).get("LifecyclePolicyText"):
            request.call("ecr", "PutLifecyclePolicy", {"repositoryName": name, "lifecyclePolicyText": json_text(text)})
        if props.get("RepositoryPolicyText"):
            request.call("ecr", "SetRepositoryPolicy", {"repositoryName": name, "policyText": json_text(props["RepositoryPolicyText"])})
        return Outcome(name, {"Arn": repo["repositoryArn"], "RepositoryUri": repo["repositoryUri"]})

    def update(self, request: ResourceRequest) -> Outcome:
        name = request.physical_id or ""
        props = request.properties
        if changed(request, "ImageTagMutability", "ImageTagMutabilityExclusionFilters"):
            values = {"repositoryName": name, "imageTagMutability": props.get("ImageTagMutability") or "MUTABLE"}
            if props.get("ImageTagMutabilityExclusionFilters"):
                values["imageTagMutabilityExclusionFilters"] = props["ImageTagMutabilityExclusionFilters"]
            request.call("ecr", "PutImageTagMutability", shaped(request, "ecr", "PutImageTagMutability", values))
        if changed(request, "ImageScanningConfiguration"):
            scan = truthy((props.get("ImageScanningConfiguration") or {}).get("ScanOnPush", False))
            request.call("ecr", "PutImageScanningConfiguration",
                         {"repositoryName": name, "imageScanningConfiguration": {"scanOnPush": scan}})  # fmt: skip
        if changed(request, "LifecyclePolicy"):
            text = (props.get("LifecyclePolicy") or {}).get("LifecyclePolicyText")
            if text:
                request.call("ecr", "PutLifecyclePolicy", {"repositoryName": name, "lifecyclePolicyText": json_text(text)})
            else:
                with gone_ok():
                    request.call("ecr", "DeleteLifecyclePolicy", {"repositoryName": name})
        if changed(request, "RepositoryPolicyText"):
            if props.get("RepositoryPolicyText"):
                request.call("ecr", "SetRepositoryPolicy", {"repositoryName": name, "policyText": json_text(props["RepositoryPolicyText"])})
            else:
                with gone_ok():
                    request.call("ecr", "DeleteRepositoryPolicy", {"repositoryName": name})
        repo = request.call("ecr", "DescribeRepositories", {"repositoryNames": [name]})["repositories"][0]
        if changed(request, "Tags"):
            arn = repo["repositoryArn"]
            wanted = tags(request)
            current = request.call("ecr", "ListTagsForResource", {"resourceArn": arn})["tags"]
            if stale := sorted({t["Key"] for t in current} - {t["Key"] for t in wanted}):
                request.call("ecr", "UntagResource", {"resourceArn": arn, "tagKeys": stale})
            if wanted:
                request.call("ecr", "TagResource", {"resourceArn": arn, "tags": wanted})
        return Outcome(name, {"Arn": repo["repositoryArn"], "RepositoryUri": repo["repositoryUri"]})

    def delete(self, request: ResourceRequest) -> None:
        force = truthy(request.properties.get("EmptyOnDelete", False))
        with gone_ok():
            request.call("ecr", "DeleteRepository", {"repositoryName": request.physical_id, "force": force})


class RegistryPolicyHandler(ResourceHandler):
    type_name = "AWS::ECR::RegistryPolicy"

    def create(self, request: ResourceRequest) -> Outcome:
        out = request.call("ecr", "PutRegistryPolicy", {"policyText": json_text(request.properties["PolicyText"])})
        return Outcome(out["registryId"], {"RegistryId": out["registryId"]})

    def update(self, request: ResourceRequest) -> Outcome:
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("ecr", "DeleteRegistryPolicy", {})


class ReplicationConfigurationHandler(ResourceHandler):
    type_name = "AWS::ECR::ReplicationConfiguration"

    def create(self, request: ResourceRequest) -> Outcome:
        request.call("ecr", "PutReplicationConfiguration", shaped(
            request, "ecr", "PutReplicationConfiguration",
            {"replicationConfiguration": request.properties["ReplicationConfiguration"]},
        ))  # fmt: skip
        return Outcome(request.account_id, {"RegistryId": request.account_id})

    def update(self, request: ResourceRequest) -> Outcome:
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        request.call("ecr", "PutReplicationConfiguration", {"replicationConfiguration": {"rules": []}})


class RegistryScanningConfigurationHandler(ResourceHandler):
    type_name = "AWS::ECR::RegistryScanningConfiguration"

    def create(self, request: ResourceRequest) -> Outcome:
        request.call("ecr", "PutRegistryScanningConfiguration", shaped(
            request, "ecr", "PutRegistryScanningConfiguration",
            {"scanType": request.properties["ScanType"], "rules": request.properties.get("Rules") or []},
        ))  # fmt: skip
        return Outcome(request.account_id, {"RegistryId": request.account_id})

    def update(self, request: ResourceRequest) -> Outcome:
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        request.call("ecr", "PutRegistryScanningConfiguration", {"scanType": "BASIC", "rules": []})


class SigningConfigurationHandler(ResourceHandler):
    type_name = "AWS::ECR::SigningConfiguration"

    def create(self, request: ResourceRequest) -> Outcome:
        request.call("ecr", "PutSigningConfiguration", shaped(
            request, "ecr", "PutSigningConfiguration", {"signingConfiguration": {"rules": request.properties["Rules"]}},
        ))  # fmt: skip
        return Outcome(request.account_id, {"RegistryId": request.account_id})

    def update(self, request: ResourceRequest) -> Outcome:
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("ecr", "DeleteSigningConfiguration", {})


class PullThroughCacheRuleHandler(ResourceHandler):
    type_name = "AWS::ECR::PullThroughCacheRule"

    def create(self, request: ResourceRequest) -> Outcome:
        values = {k: v for k, v in request.properties.items() if v is not None}
        out = request.call("ecr", "CreatePullThroughCacheRule", shaped(request, "ecr", "CreatePullThroughCacheRule", values))
        return Outcome(out["ecrRepositoryPrefix"], {})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("ecr", "DeletePullThroughCacheRule", {"ecrRepositoryPrefix": request.physical_id})


class RepositoryCreationTemplateHandler(ResourceHandler):
    type_name = "AWS::ECR::RepositoryCreationTemplate"

    def _values(self, request: ResourceRequest) -> dict[str, Any]:
        values = {k: v for k, v in request.properties.items() if v is not None}
        for prop in ("RepositoryPolicy", "LifecyclePolicy"):
            if prop in values:
                values[prop] = json_text(values[prop])
        return values

    def _outcome(self, out: dict[str, Any]) -> Outcome:
        template = out["repositoryCreationTemplate"]
        return Outcome(template["prefix"], {"CreatedAt": iso(template["createdAt"]), "UpdatedAt": iso(template["updatedAt"])})

    def create(self, request: ResourceRequest) -> Outcome:
        op = "CreateRepositoryCreationTemplate"
        return self._outcome(request.call("ecr", op, shaped(request, "ecr", op, self._values(request))))

    def update(self, request: ResourceRequest) -> Outcome:
        op = "UpdateRepositoryCreationTemplate"
        return self._outcome(request.call("ecr", op, shaped(request, "ecr", op, self._values(request))))

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("ecr", "DeleteRepositoryCreationTemplate", {"prefix": request.physical_id})


class PullTimeUpdateExclusionHandler(ResourceHandler):
    type_name = "AWS::ECR::PullTimeUpdateExclusion"

    def create(self, request: ResourceRequest) -> Outcome:
        arn = request.properties["PrincipalArn"]
        request.call("ecr", "RegisterPullTimeUpdateExclusion", {"principalArn": arn})
        return Outcome(arn, {})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("ecr", "DeregisterPullTimeUpdateExclusion", {"principalArn": request.physical_id})


HANDLERS = [
    RepositoryHandler, RegistryPolicyHandler, ReplicationConfigurationHandler, RegistryScanningConfigurationHandler,
    SigningConfigurationHandler, PullThroughCacheRuleHandler, RepositoryCreationTemplateHandler,
    PullTimeUpdateExclusionHandler,
]  # fmt: skip
