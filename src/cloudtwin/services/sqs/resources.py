"""CloudFormation resource handlers of SQS: ``AWS::SQS::Queue`` and ``AWS::SQS::QueuePolicy``."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, as_attribute, tag_map
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sqs.attributes import defaults

#: Template properties that are queue attributes of the same name.
ATTRIBUTES = (
    "ContentBasedDeduplication", "DeduplicationScope", "DelaySeconds", "FifoQueue", "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds", "KmsMasterKeyId", "MaximumMessageSize", "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds", "RedriveAllowPolicy", "RedrivePolicy", "SqsManagedSseEnabled",
    "VisibilityTimeout",
)  # fmt: skip


#: What a removed property's attribute goes back to, beyond the queue defaults.
CLEARED = {"KmsDataKeyReusePeriodSeconds": "300", "KmsMasterKeyId": "", "RedrivePolicy": "", "RedriveAllowPolicy": ""}
#: Properties whose removal from the template leaves the queue's attribute as it is (AWS's
#: recorded answers: high-throughput FIFO settings and SSE stay as they were set).
KEPT_WHEN_REMOVED = frozenset({"DeduplicationScope", "FifoThroughputLimit", "SqsManagedSseEnabled"})
#: How long the handler keeps retrying a name SQS holds after a deletion (SQS holds it 60 s).
NAME_HOLD_PATIENCE = 65.0


async def _create_queue(request: ResourceRequest, params: dict[str, Any]) -> dict[str, Any]:
    """CreateQueue, waiting out ``QueueDeletedRecently`` as CloudFormation's handler does (a
    queue replaced or re-created under the same name waits for SQS to free the name; the
    wait is on the virtual clock, so advancing it ends the wait at once)."""
    deadline = request.clock.now() + NAME_HOLD_PATIENCE
    while True:
        try:
            return await request.call_async("sqs", "CreateQueue", params)
        except ServiceError as error:
            if error.code != "QueueDeletedRecently" or request.clock.now() >= deadline:
                raise
        with request.waiting():
            await asyncio.sleep(0.5)


def _attributes(properties: dict[str, Any]) -> dict[str, str]:
    return {name: as_attribute(properties[name]) for name in ATTRIBUTES if properties.get(name) is not None}


class QueueHandler(ResourceHandler):
    type_name = "AWS::SQS::Queue"

    async def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        fifo = str(props.get("FifoQueue", "")).lower() == "true"
        name = props.get("QueueName") or (request.physical_name(80 - 5) + ".fifo" if fifo else request.physical_name(80))
        params: dict[str, Any] = {"QueueName": name}
        attributes = _attributes(props)
        if not fifo:
            attributes.pop("FifoQueue", None)
        if attributes:
            params["Attributes"] = attributes
        if props.get("Tags"):
            params["tags"] = tag_map(props["Tags"])
        url = (await _create_queue(request, params))["QueueUrl"]
        return self._outcome(request, url)

    def _outcome(self, request: ResourceRequest, url: str) -> Outcome:
        arn = request.call("sqs", "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["QueueArn"]})["Attributes"]["QueueArn"]
        return Outcome(url, {"Arn": arn, "QueueName": url.rsplit("/", 1)[-1], "QueueUrl": url})

    def update(self, request: ResourceRequest) -> Outcome:
        url = request.physical_id or ""
        new, old = _attributes(request.properties), _attributes(request.previous_properties or {})
        fifo = new.get("FifoQueue") == "true"
        changed = {k: v for k, v in new.items() if old.get(k) != v and k != "FifoQueue"}
        base = {**CLEARED, **defaults(fifo)}
        for name in old:
            if name not in new and name != "FifoQueue" and name in base and name not in KEPT_WHEN_REMOVED:
                changed[name] = base[name]
        if changed:
            request.call("sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": changed})
        self._tags(request, url)
        return self._outcome(request, url)

    @staticmethod
    def _tags(request: ResourceRequest, url: str) -> None:
        new, old = tag_map(request.properties.get("Tags")), tag_map((request.previous_properties or {}).get("Tags"))
        gone = [k for k in old if k not in new]
        if gone:
            request.call("sqs", "UntagQueue", {"QueueUrl": url, "TagKeys": gone})
        changed = {k: v for k, v in new.items() if old.get(k) != v}
        if changed:
            request.call("sqs", "TagQueue", {"QueueUrl": url, "Tags": changed})

    def delete(self, request: ResourceRequest) -> None:
        request.call("sqs", "DeleteQueue", {"QueueUrl": request.physical_id})

    readable = True

    def read(self, request: ResourceRequest) -> dict[str, Any]:
        url = request.physical_id or ""
        attributes = request.call("sqs", "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]})["Attributes"]
        found: dict[str, Any] = {"QueueName": url.rsplit("/", 1)[-1]}
        for name in ATTRIBUTES:
            if name in attributes:
                value = attributes[name]
                found[name] = json.loads(value) if name in ("RedrivePolicy", "RedriveAllowPolicy") and value else value
        return found


class QueuePolicyHandler(ResourceHandler):
    type_name = "AWS::SQS::QueuePolicy"

    def create(self, request: ResourceRequest) -> Outcome:
        self._apply(request, request.properties.get("Queues") or [])
        return Outcome(request.physical_id or f"{request.stack_name}-{request.logical_id}-{uuid.uuid4().hex[:12].upper()}", {})

    def update(self, request: ResourceRequest) -> Outcome:
        now = request.properties.get("Queues") or []
        self._clear(request, [q for q in (request.previous_properties or {}).get("Queues") or [] if q not in now])
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        self._clear(request, request.properties.get("Queues") or [])

    @staticmethod
    def _apply(request: ResourceRequest, queues: list[str]) -> None:
        policy = as_attribute(request.properties.get("PolicyDocument") or {})
        for url in queues:
            request.call("sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": {"Policy": policy}})

    @staticmethod
    def _clear(request: ResourceRequest, queues: list[str]) -> None:
        from cloudtwin.protocol.errors import ServiceError

        for url in queues:
            try:
                request.call("sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": {"Policy": ""}})
            except ServiceError:
                pass  # the queue is gone already


class QueueInlinePolicyHandler(ResourceHandler):
    """``AWS::SQS::QueueInlinePolicy``: one queue's policy (its ``Ref`` is the queue URL)."""

    type_name = "AWS::SQS::QueueInlinePolicy"

    def create(self, request: ResourceRequest) -> Outcome:
        url = request.properties["Queue"]
        policy = as_attribute(request.properties.get("PolicyDocument") or {})
        request.call("sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": {"Policy": policy}})
        return Outcome(url, {})

    def update(self, request: ResourceRequest) -> Outcome:
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        QueuePolicyHandler._clear(request, [request.properties["Queue"]])


HANDLERS = [QueueHandler, QueuePolicyHandler, QueueInlinePolicyHandler]
