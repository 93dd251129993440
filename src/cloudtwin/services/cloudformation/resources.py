"""CloudFormation's own resource types: nested stacks (``AWS::CloudFormation::Stack``), wait
conditions and their handles, and custom resources (``AWS::CloudFormation::CustomResource``
and ``Custom::*``) backed by a Lambda function or an SNS topic, answered through the
presigned-URL response protocol (:mod:`signals`)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement, as_attribute
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudformation.errors import DeployError
from cloudtwin.services.cloudformation.signals import TimedOut, new_key


class StackHandler(ResourceHandler):
    """A nested stack: a stack of its own, with the parent's id as ``ParentId``."""

    type_name = "AWS::CloudFormation::Stack"

    @staticmethod
    def _params(request: ResourceRequest) -> list[dict[str, str]]:
        return [{"ParameterKey": k, "ParameterValue": as_attribute(v) if not isinstance(v, list) else ",".join(map(str, v))}
                for k, v in (request.properties.get("Parameters") or {}).items()]  # fmt: skip

    async def _settled(self, request: ResourceRequest, stack_id: str) -> dict[str, Any]:
        d = request.deployment
        await d.engine.finish(stack_id)
        return d.store.stacks[stack_id]

    @staticmethod
    def _outcome(stack: dict[str, Any]) -> Outcome:
        attributes = {f"Outputs.{o['OutputKey']}": o["OutputValue"] for o in stack.get("Outputs") or ()}
        return Outcome(stack["StackId"], attributes)

    async def create(self, request: ResourceRequest) -> Outcome:
        d = request.deployment
        name = request.physical_name(128)
        params: dict[str, Any] = {
            "StackName": name, "TemplateURL": request.properties["TemplateURL"], "Parameters": self._params(request),
            "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
            "DisableRollback": True,
        }  # fmt: skip
        if request.properties.get("Tags"):
            params["Tags"] = request.properties["Tags"]
        if request.properties.get("NotificationARNs"):
            params["NotificationARNs"] = request.properties["NotificationARNs"]
        stack_id = (await request.call_async("cloudformation", "CreateStack", params))["StackId"]
        child = d.store.stacks[stack_id]
        child["ParentId"] = d.stack["StackId"]
        child["RootId"] = d.stack.get("RootId") or d.stack["StackId"]
        child["on_failure"] = "ROLLBACK"
        child["DisableRollback"] = False
        d.store.stacks[stack_id] = child
        stack = await self._settled(request, stack_id)
        if stack["StackStatus"] != "CREATE_COMPLETE":
            reason = _first_failure(stack) or stack["StackStatus"]
            # the parent's rollback removes the nested stack too
            await request.call_async("cloudformation", "DeleteStack", {"StackName": stack_id})
            await self._settled(request, stack_id)
            raise DeployError(f"Embedded stack {stack_id} was not successfully created: {reason}")
        return self._outcome(stack)

    async def update(self, request: ResourceRequest) -> Outcome:
        stack_id = request.physical_id or ""
        try:
            await request.call_async("cloudformation", "UpdateStack", {
                "StackName": stack_id, "TemplateURL": request.properties["TemplateURL"],
                "Parameters": self._params(request),
                "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
            })  # fmt: skip
        except ServiceError as error:
            if error.message != "No updates are to be performed.":
                raise
        stack = await self._settled(request, stack_id)
        if stack["StackStatus"] != "UPDATE_COMPLETE" and stack["StackStatus"] not in ("CREATE_COMPLETE",):
            raise DeployError(f"Embedded stack {stack_id} was not successfully updated: {stack.get('StackStatusReason') or stack['StackStatus']}")
        return self._outcome(stack)

    async def delete(self, request: ResourceRequest) -> None:
        stack_id = request.physical_id or ""
        await request.call_async("cloudformation", "DeleteStack", {"StackName": stack_id})
        stack = await self._settled(request, stack_id)
        if stack["StackStatus"] == "DELETE_FAILED":
            raise DeployError(f"Embedded stack {stack_id} was not successfully deleted: {stack.get('StackStatusReason')}")


def _first_failure(stack: dict[str, Any]) -> str | None:
    """The reason the nested stack gives for its failure (its rollback's or failure's reason)."""
    for event in reversed(stack["events"]):
        if event["LogicalResourceId"] == stack["StackName"] and event.get("ResourceStatusReason") and event[
            "ResourceStatus"
        ] in ("ROLLBACK_IN_PROGRESS", "CREATE_FAILED"):
            return event["ResourceStatusReason"]
    return None


class WaitConditionHandleHandler(ResourceHandler):
    """Its ``Ref`` is a presigned URL a signal is PUT to."""

    type_name = "AWS::CloudFormation::WaitConditionHandle"

    async def create(self, request: ResourceRequest) -> Outcome:
        d = request.deployment
        url = await d.engine.signals.url(d, new_key(d, request.logical_id) + "/")
        return Outcome(url, {})

    async def update(self, request: ResourceRequest) -> Outcome:
        return Outcome(request.physical_id or "", {})

    def delete(self, request: ResourceRequest) -> None:
        return None


def _prefix(url: str) -> str:
    from urllib.parse import unquote, urlparse

    path = unquote(urlparse(url).path).lstrip("/")
    return path.split("/", 1)[1] if "/" in path else path


class WaitConditionHandler(ResourceHandler):
    """Waits for ``Count`` success signals at its handle (a failure signal fails it)."""

    type_name = "AWS::CloudFormation::WaitCondition"

    async def create(self, request: ResourceRequest) -> Outcome:
        d = request.deployment
        handle = request.properties.get("Handle")
        physical = handle or f"arn:aws:cloudformation:{request.region}:{request.account_id}:{request.logical_id}"
        if not handle:  # a CreationPolicy-style wait condition: SignalResource answers it
            return Outcome(physical, {"Data": "{}"})
        count = int(request.properties.get("Count") or 1)
        timeout = float(request.properties.get("Timeout") or 0) or None
        try:
            signals = await d.engine.signals.wait(d, _prefix(handle), count, timeout)
        except TimedOut as received:
            raise DeployError(f"WaitCondition timed out. Received {received.args[0]} conditions when expecting {count}") from None
        failures = [s for s in signals if str(s.get("Status", "")).upper() in ("FAILURE", "FAILED")]
        if failures:
            raise DeployError(f"WaitCondition received failed message: '{failures[0].get('Reason', '')}' for uniqueId: {failures[0].get('UniqueId', '')}")
        data = {str(s.get("UniqueId", i)): s.get("Data") for i, s in enumerate(signals)}
        return Outcome(physical, {"Data": json.dumps(data)})

    async def update(self, request: ResourceRequest) -> Outcome:
        return Outcome(request.physical_id or "", request.attributes)

    def delete(self, request: ResourceRequest) -> None:
        return None


class CustomResourceHandler(ResourceHandler):
    """A custom resource: the request goes to the ``ServiceToken`` (a Lambda function or an
    SNS topic); the resource waits for the response PUT to its presigned URL."""

    type_name = "AWS::CloudFormation::CustomResource"

    async def _send(self, request: ResourceRequest, kind: str, old: dict[str, Any] | None = None) -> dict[str, Any]:
        d = request.deployment
        token = request.properties.get("ServiceToken")
        if not token:
            raise DeployError("Template error: ServiceToken is required for custom resources")
        key = new_key(d, request.logical_id)
        event: dict[str, Any] = {
            "RequestType": kind, "ServiceToken": token, "ResponseURL": await d.engine.signals.url(d, key),
            "StackId": request.stack_id, "RequestId": str(uuid.uuid4()), "LogicalResourceId": request.logical_id,
            "ResourceType": request.resource_type, "ResourceProperties": request.properties,
        }  # fmt: skip
        if request.physical_id:
            event["PhysicalResourceId"] = request.physical_id
        if old is not None:
            event["OldResourceProperties"] = old
        service = token.split(":")[2] if token.startswith("arn:") else ""
        if service == "lambda":
            await request.call_async("lambda", "Invoke", {
                "FunctionName": token, "InvocationType": "Event", "Payload": json.dumps(event).encode(),
            })  # fmt: skip
        elif service == "sns":
            await request.call_async("sns", "Publish", {"TopicArn": token, "Message": json.dumps(event)})
        else:
            raise DeployError(f"Invalid service token {token}: only Lambda function and SNS topic ARNs are supported")
        answer = (await d.engine.signals.wait(d, key, 1))[0]
        if str(answer.get("Status", "")).upper() != "SUCCESS":
            raise DeployError(
                f"Received response status [FAILED] from custom resource. Message returned: {answer.get('Reason', '')}"
            )
        return answer

    async def create(self, request: ResourceRequest) -> Outcome:
        answer = await self._send(request, "Create")
        physical = answer.get("PhysicalResourceId") or f"{request.stack_name}-{request.logical_id}-{uuid.uuid4().hex[:12].upper()}"
        return Outcome(physical, dict(answer.get("Data") or {}))

    async def update(self, request: ResourceRequest) -> Outcome:
        answer = await self._send(request, "Update", request.previous_properties or {})
        return Outcome(answer.get("PhysicalResourceId") or request.physical_id or "", dict(answer.get("Data") or {}))

    async def delete(self, request: ResourceRequest) -> None:
        await self._send(request, "Delete")


class CdkMetadataHandler(ResourceHandler):
    """``AWS::CDK::Metadata``: the CDK's usage record, which CloudFormation accepts and keeps."""

    type_name = "AWS::CDK::Metadata"

    def create(self, request: ResourceRequest) -> Outcome:
        return Outcome(request.physical_id or str(uuid.uuid4()), {})

    def update(self, request: ResourceRequest) -> Outcome:
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        return None


class MacroHandler(ResourceHandler):
    """``AWS::CloudFormation::Macro``: a Lambda function that transforms templates, named
    in a ``Transform`` or ``Fn::Transform`` of later stacks (its ``Ref`` is its name)."""

    type_name = "AWS::CloudFormation::Macro"

    def create(self, request: ResourceRequest) -> Outcome:
        store = request.deployment.store
        name = request.properties["Name"]
        if name in store.macros and request.physical_id != name:
            raise DeployError(f"Resource handler returned message: \"Macro {name} already exists\" (HandlerErrorCode: AlreadyExists)")
        store.macros[name] = {k: request.properties.get(k) for k in ("Name", "FunctionName", "Description", "LogGroupName", "LogRoleARN")}
        return Outcome(name, {})

    def update(self, request: ResourceRequest) -> Outcome:
        if request.properties.get("Name") != (request.previous_properties or {}).get("Name"):
            raise UpdateNeedsReplacement()
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        request.deployment.store.macros.pop(request.physical_id, None)


HANDLERS = [MacroHandler, CdkMetadataHandler, StackHandler, WaitConditionHandleHandler, WaitConditionHandler, CustomResourceHandler]
