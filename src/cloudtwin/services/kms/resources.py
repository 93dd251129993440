"""CloudFormation resource handlers of KMS's types (``AWS::KMS::Key``, ``AWS::KMS::Alias``).

A key is never deleted at once: CloudFormation schedules its deletion after
``PendingWindowInDays`` (default 30), as KMS requires.
"""

from __future__ import annotations

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import gone_ok, is_missing, json_text, shaped, tags, truthy
from cloudtwin.protocol.errors import ServiceError


def _changed(request: ResourceRequest, *names: str) -> bool:
    before = request.previous_properties or {}
    return any(before.get(n) != request.properties.get(n) for n in names)


class KeyHandler(ResourceHandler):
    type_name = "AWS::KMS::Key"

    async def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        values = {
            "Description": props.get("Description"),
            "KeyUsage": props.get("KeyUsage"),
            "KeySpec": props.get("KeySpec"),
            "MultiRegion": props.get("MultiRegion"),
            "Origin": props.get("Origin"),
            "BypassPolicyLockoutSafetyCheck": props.get("BypassPolicyLockoutSafetyCheck"),
        }
        if props.get("KeyPolicy"):
            values["Policy"] = json_text(props["KeyPolicy"])
        params = shaped(request, "kms", "CreateKey", values)
        if tag_list := tags(request, key="TagKey", value="TagValue"):
            params["Tags"] = tag_list
        key = (await request.call_async("kms", "CreateKey", params))["KeyMetadata"]
        key_id = key["KeyId"]
        if truthy(props.get("EnableKeyRotation", False)):
            await self._rotation(request, key_id)
        if not truthy(props.get("Enabled", True)):
            await request.call_async("kms", "DisableKey", {"KeyId": key_id})
        return Outcome(key_id, {"Arn": key["Arn"], "KeyId": key_id})

    async def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "KeySpec", "KeyUsage", "MultiRegion", "Origin"):
            raise UpdateNeedsReplacement()
        key_id = request.physical_id
        props = request.properties
        if _changed(request, "Description"):
            await request.call_async("kms", "UpdateKeyDescription", {
                "KeyId": key_id, "Description": props.get("Description", ""),
            })
        if _changed(request, "KeyPolicy") and props.get("KeyPolicy"):
            await request.call_async("kms", "PutKeyPolicy", {
                "KeyId": key_id, "PolicyName": "default", "Policy": json_text(props["KeyPolicy"]),
            })
        enabled = truthy(props.get("Enabled", True))
        if _changed(request, "Enabled") and enabled:  # a disabled key takes no rotation change
            await request.call_async("kms", "EnableKey", {"KeyId": key_id})
        if _changed(request, "EnableKeyRotation", "RotationPeriodInDays"):
            if truthy(props.get("EnableKeyRotation", False)):
                await self._rotation(request, key_id)
            else:
                await request.call_async("kms", "DisableKeyRotation", {"KeyId": key_id})
        if _changed(request, "Enabled") and not enabled:
            await request.call_async("kms", "DisableKey", {"KeyId": key_id})
        if _changed(request, "Tags"):
            current = (await request.call_async("kms", "ListResourceTags", {"KeyId": key_id})).get("Tags", [])
            wanted = tags(request, key="TagKey", value="TagValue")
            if stale := sorted({t["TagKey"] for t in current} - {t["TagKey"] for t in wanted}):
                await request.call_async("kms", "UntagResource", {"KeyId": key_id, "TagKeys": stale})
            if wanted:
                await request.call_async("kms", "TagResource", {"KeyId": key_id, "Tags": wanted})
        key = (await request.call_async("kms", "DescribeKey", {"KeyId": key_id}))["KeyMetadata"]
        return Outcome(key_id, {"Arn": key["Arn"], "KeyId": key_id})

    async def delete(self, request: ResourceRequest) -> None:
        window = request.properties.get("PendingWindowInDays", 30)
        try:
            await request.call_async("kms", "ScheduleKeyDeletion", shaped(request, "kms", "ScheduleKeyDeletion", {
                "KeyId": request.physical_id, "PendingWindowInDays": window,
            }))
        except ServiceError as exc:
            # Gone, or its deletion already scheduled.
            if not is_missing(exc) and exc.code != "KMSInvalidStateException":
                raise

    @staticmethod
    async def _rotation(request: ResourceRequest, key_id: str) -> None:
        params = {"KeyId": key_id}
        if request.properties.get("RotationPeriodInDays") is not None:
            params["RotationPeriodInDays"] = request.properties["RotationPeriodInDays"]
        await request.call_async("kms", "EnableKeyRotation", shaped(request, "kms", "EnableKeyRotation", params))


class AliasHandler(ResourceHandler):
    type_name = "AWS::KMS::Alias"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        request.call("kms", "CreateAlias", {"AliasName": props["AliasName"], "TargetKeyId": props["TargetKeyId"]})
        return Outcome(props["AliasName"], {})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "AliasName"):
            raise UpdateNeedsReplacement()
        request.call("kms", "UpdateAlias", {
            "AliasName": request.physical_id, "TargetKeyId": request.properties["TargetKeyId"],
        })
        return Outcome(request.physical_id, {})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("kms", "DeleteAlias", {"AliasName": request.physical_id})


HANDLERS = [KeyHandler, AliasHandler]
