"""CloudFormation resource handlers of Secrets Manager's types (``AWS::SecretsManager::Secret``,
``RotationSchedule``, ``ResourcePolicy``).

``GenerateSecretString`` draws the value from the service's own ``GetRandomPassword`` and,
with ``SecretStringTemplate``, puts it under ``GenerateStringKey`` in that JSON object. A
stack's delete removes a secret at once (no recovery window), as CloudFormation does.
"""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import gone_ok, json_text, random_suffix, shaped, tags
from cloudtwin.protocol.errors import ServiceError

_PASSWORD_OPTIONS = (
    "ExcludeCharacters", "ExcludeLowercase", "ExcludeNumbers", "ExcludePunctuation", "ExcludeUppercase",
    "IncludeSpace", "PasswordLength", "RequireEachIncludedType",
)


def _changed(request: ResourceRequest, *names: str) -> bool:
    before = request.previous_properties or {}
    return any(before.get(n) != request.properties.get(n) for n in names)


def _secret_string(request: ResourceRequest) -> str | None:
    props = request.properties
    spec = props.get("GenerateSecretString")
    if not spec:
        return props.get("SecretString")
    options = {k: spec[k] for k in _PASSWORD_OPTIONS if k in spec}
    password = request.call(
        "secretsmanager", "GetRandomPassword", shaped(request, "secretsmanager", "GetRandomPassword", options),
    )["RandomPassword"]
    template = spec.get("SecretStringTemplate")
    if template is None:
        return password
    document: dict[str, Any] = json.loads(template) if isinstance(template, str) else dict(template)
    document[spec.get("GenerateStringKey") or "password"] = password
    return json.dumps(document)


class SecretHandler(ResourceHandler):
    type_name = "AWS::SecretsManager::Secret"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("Name") or f"{request.logical_id}-{random_suffix()}"
        params = shaped(request, "secretsmanager", "CreateSecret", {
            "Name": name,
            "Description": props.get("Description"),
            "KmsKeyId": props.get("KmsKeyId"),
            "SecretString": _secret_string(request),
            "AddReplicaRegions": [
                {k: v for k, v in {"Region": r["Region"], "KmsKeyId": r.get("KmsKeyId")}.items() if v}
                for r in props.get("ReplicaRegions") or []
            ] or None,
        })
        if tag_list := tags(request):
            params["Tags"] = tag_list
        arn = request.call("secretsmanager", "CreateSecret", params)["ARN"]
        return Outcome(arn, {"Id": arn})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "Name"):
            raise UpdateNeedsReplacement()
        arn = request.physical_id
        props = request.properties
        values: dict[str, Any] = {}
        if _changed(request, "Description"):
            values["Description"] = props.get("Description", "")
        if _changed(request, "KmsKeyId") and props.get("KmsKeyId"):
            values["KmsKeyId"] = props["KmsKeyId"]
        if _changed(request, "SecretString", "GenerateSecretString"):
            values["SecretString"] = _secret_string(request)
        if values:
            request.call("secretsmanager", "UpdateSecret", shaped(request, "secretsmanager", "UpdateSecret", {
                "SecretId": arn, **values,
            }))
        if _changed(request, "Tags"):
            current = request.call("secretsmanager", "DescribeSecret", {"SecretId": arn}).get("Tags", [])
            wanted = tags(request)
            if stale := sorted({t["Key"] for t in current} - {t["Key"] for t in wanted}):
                request.call("secretsmanager", "UntagResource", {"SecretId": arn, "TagKeys": stale})
            if wanted:
                request.call("secretsmanager", "TagResource", {"SecretId": arn, "Tags": wanted})
        if _changed(request, "ReplicaRegions"):
            before = {r["Region"] for r in (request.previous_properties or {}).get("ReplicaRegions") or []}
            after = {r["Region"]: r for r in props.get("ReplicaRegions") or []}
            if added := [r for region, r in after.items() if region not in before]:
                request.call("secretsmanager", "ReplicateSecretToRegions", shaped(
                    request, "secretsmanager", "ReplicateSecretToRegions", {"SecretId": arn, "AddReplicaRegions": added},
                ))
            if removed := sorted(before - set(after)):
                request.call("secretsmanager", "RemoveRegionsFromReplication", {
                    "SecretId": arn, "RemoveReplicaRegions": removed,
                })
        return Outcome(arn, {"Id": arn})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            replicas = [r["Region"] for r in request.properties.get("ReplicaRegions") or []]
            if replicas:
                request.call("secretsmanager", "RemoveRegionsFromReplication", {
                    "SecretId": request.physical_id, "RemoveReplicaRegions": replicas,
                })
            request.call("secretsmanager", "DeleteSecret", {
                "SecretId": request.physical_id, "ForceDeleteWithoutRecovery": True,
            })


class RotationScheduleHandler(ResourceHandler):
    type_name = "AWS::SecretsManager::RotationSchedule"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        if props.get("HostedRotationLambda"):
            raise ServiceError(
                "ValidationException",
                "HostedRotationLambda needs the AWS Serverless Application Repository, which cloudtwin does not have",
            )
        arn = request.call("secretsmanager", "DescribeSecret", {"SecretId": props["SecretId"]})["ARN"]
        params = shaped(request, "secretsmanager", "RotateSecret", {
            "SecretId": arn,
            "RotationLambdaARN": props.get("RotationLambdaARN"),
            "RotationRules": props.get("RotationRules"),
            "RotateImmediately": props.get("RotateImmediatelyOnUpdate", True),
        })
        request.call("secretsmanager", "RotateSecret", params)
        return Outcome(arn, {"Id": arn})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "SecretId"):
            raise UpdateNeedsReplacement()
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("secretsmanager", "CancelRotateSecret", {"SecretId": request.physical_id})


class ResourcePolicyHandler(ResourceHandler):
    type_name = "AWS::SecretsManager::ResourcePolicy"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        arn = request.call("secretsmanager", "DescribeSecret", {"SecretId": props["SecretId"]})["ARN"]
        request.call("secretsmanager", "PutResourcePolicy", shaped(request, "secretsmanager", "PutResourcePolicy", {
            "SecretId": arn,
            "ResourcePolicy": json_text(props["ResourcePolicy"]),
            "BlockPublicPolicy": props.get("BlockPublicPolicy"),
        }))
        return Outcome(arn, {"Id": arn})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "SecretId"):
            raise UpdateNeedsReplacement()
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("secretsmanager", "DeleteResourcePolicy", {"SecretId": request.physical_id})


HANDLERS = [SecretHandler, RotationScheduleHandler, ResourcePolicyHandler]
