"""CloudFormation resource handlers of SNS: ``AWS::SNS::Topic``, ``AWS::SNS::Subscription``
and ``AWS::SNS::TopicPolicy``."""

from __future__ import annotations

import json
import uuid
from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, as_attribute, json_strings, tag_map
from cloudtwin.protocol.errors import ServiceError

#: Template properties that are topic attributes of the same name.
TOPIC_ATTRIBUTES = (
    "DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication", "SignatureVersion",
    "TracingConfig", "ArchivePolicy", "FifoThroughputScope",
)  # fmt: skip
SUBSCRIPTION_ATTRIBUTES = (
    "DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
    "SubscriptionRoleArn", "ReplayPolicy",
)  # fmt: skip


#: JSON-typed properties whose numbers CloudFormation passes on as text (AWS's recorded answers).
STRINGIFIED = ("ArchivePolicy",)


def _pick(properties: dict[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    return {
        n: as_attribute(json_strings(properties[n]) if n in STRINGIFIED else properties[n])
        for n in names if properties.get(n) is not None
    }  # fmt: skip


class TopicHandler(ResourceHandler):
    type_name = "AWS::SNS::Topic"

    async def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        fifo = str(props.get("FifoTopic", "")).lower() == "true"
        name = props.get("TopicName") or (request.physical_name(256 - 5) + ".fifo" if fifo else request.physical_name(256))
        params: dict[str, Any] = {"Name": name}
        attributes = _pick(props, TOPIC_ATTRIBUTES)
        if not fifo:
            attributes.pop("FifoTopic", None)
        if attributes:
            params["Attributes"] = attributes
        if props.get("Tags"):
            params["Tags"] = props["Tags"]
        if props.get("DataProtectionPolicy"):
            params["DataProtectionPolicy"] = as_attribute(props["DataProtectionPolicy"])
        arn = (await request.call_async("sns", "CreateTopic", params))["TopicArn"]
        for subscription in props.get("Subscription") or ():
            await request.call_async("sns", "Subscribe", {
                "TopicArn": arn, "Protocol": subscription["Protocol"], "Endpoint": subscription["Endpoint"],
            })  # fmt: skip
        return Outcome(arn, {"TopicArn": arn, "TopicName": name})

    async def update(self, request: ResourceRequest) -> Outcome:
        arn = request.physical_id or ""
        new, old = _pick(request.properties, TOPIC_ATTRIBUTES), _pick(request.previous_properties or {}, TOPIC_ATTRIBUTES)
        for name, value in new.items():
            if old.get(name) != value and name != "FifoTopic":
                await request.call_async("sns", "SetTopicAttributes", {"TopicArn": arn, "AttributeName": name, "AttributeValue": value})
        for name in old:
            if name not in new and name in ("DisplayName", "KmsMasterKeyId"):
                await request.call_async("sns", "SetTopicAttributes", {"TopicArn": arn, "AttributeName": name, "AttributeValue": ""})
        tags, before = tag_map(request.properties.get("Tags")), tag_map((request.previous_properties or {}).get("Tags"))
        gone = [k for k in before if k not in tags]
        if gone:
            await request.call_async("sns", "UntagResource", {"ResourceArn": arn, "TagKeys": gone})
        changed = [{"Key": k, "Value": v} for k, v in tags.items() if before.get(k) != v]
        if changed:
            await request.call_async("sns", "TagResource", {"ResourceArn": arn, "Tags": changed})
        wanted = [(s["Protocol"], s["Endpoint"]) for s in request.properties.get("Subscription") or ()]
        had = [(s["Protocol"], s["Endpoint"]) for s in (request.previous_properties or {}).get("Subscription") or ()]
        if wanted != had:
            existing = (await request.call_async("sns", "ListSubscriptionsByTopic", {"TopicArn": arn})).get("Subscriptions", [])
            for sub in existing:
                if (sub["Protocol"], sub["Endpoint"]) in had and (sub["Protocol"], sub["Endpoint"]) not in wanted:
                    await request.call_async("sns", "Unsubscribe", {"SubscriptionArn": sub["SubscriptionArn"]})
            for protocol, endpoint in wanted:
                if (protocol, endpoint) not in had:
                    await request.call_async("sns", "Subscribe", {"TopicArn": arn, "Protocol": protocol, "Endpoint": endpoint})
        return Outcome(arn, {"TopicArn": arn, "TopicName": arn.rsplit(":", 1)[-1]})

    async def delete(self, request: ResourceRequest) -> None:
        arn = request.physical_id
        for sub in (await request.call_async("sns", "ListSubscriptionsByTopic", {"TopicArn": arn})).get("Subscriptions", []):
            if sub["SubscriptionArn"].startswith("arn:"):
                await request.call_async("sns", "Unsubscribe", {"SubscriptionArn": sub["SubscriptionArn"]})
        await request.call_async("sns", "DeleteTopic", {"TopicArn": arn})

    readable = True

    async def read(self, request: ResourceRequest) -> dict[str, Any]:
        arn = request.physical_id or ""
        attributes = (await request.call_async("sns", "GetTopicAttributes", {"TopicArn": arn}))["Attributes"]
        found: dict[str, Any] = {"TopicName": arn.rsplit(":", 1)[-1]}
        for name in TOPIC_ATTRIBUTES:
            if name in attributes:
                found[name] = json.loads(attributes[name]) if name == "ArchivePolicy" and attributes[name] else attributes[name]
        return found


class SubscriptionHandler(ResourceHandler):
    type_name = "AWS::SNS::Subscription"

    async def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params: dict[str, Any] = {
            "TopicArn": props["TopicArn"], "Protocol": props["Protocol"], "ReturnSubscriptionArn": True,
        }  # fmt: skip
        if props.get("Endpoint") is not None:
            params["Endpoint"] = props["Endpoint"]
        attributes = _pick(props, SUBSCRIPTION_ATTRIBUTES)
        if attributes:
            params["Attributes"] = attributes
        arn = (await request.call_async("sns", "Subscribe", params))["SubscriptionArn"]
        return Outcome(arn, {"Arn": arn})

    async def update(self, request: ResourceRequest) -> Outcome:
        arn = request.physical_id or ""
        new = _pick(request.properties, SUBSCRIPTION_ATTRIBUTES)
        old = _pick(request.previous_properties or {}, SUBSCRIPTION_ATTRIBUTES)
        for name, value in new.items():
            if old.get(name) != value:
                await request.call_async("sns", "SetSubscriptionAttributes", {
                    "SubscriptionArn": arn, "AttributeName": name, "AttributeValue": value,
                })  # fmt: skip
        for name in old:
            if name not in new:
                await request.call_async("sns", "SetSubscriptionAttributes", {
                    "SubscriptionArn": arn, "AttributeName": name,
                    "AttributeValue": "false" if name == "RawMessageDelivery" else "",
                })  # fmt: skip
        return Outcome(arn, {"Arn": arn})

    async def delete(self, request: ResourceRequest) -> None:
        await request.call_async("sns", "Unsubscribe", {"SubscriptionArn": request.physical_id})


class TopicPolicyHandler(ResourceHandler):
    type_name = "AWS::SNS::TopicPolicy"

    def create(self, request: ResourceRequest) -> Outcome:
        policy = as_attribute(request.properties.get("PolicyDocument") or {})
        for arn in request.properties.get("Topics") or ():
            request.call("sns", "SetTopicAttributes", {"TopicArn": arn, "AttributeName": "Policy", "AttributeValue": policy})
        physical = request.physical_id or f"{request.stack_name}-{request.logical_id}-{uuid.uuid4().hex[:12].upper()}"
        return Outcome(physical, {"Id": physical})

    def update(self, request: ResourceRequest) -> Outcome:
        now = request.properties.get("Topics") or []
        self._reset(request, [t for t in (request.previous_properties or {}).get("Topics") or () if t not in now])
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        self._reset(request, request.properties.get("Topics") or [])

    @staticmethod
    def _reset(request: ResourceRequest, topics: list[str]) -> None:
        for arn in topics:
            account = arn.split(":")[4] if arn.count(":") >= 5 else request.account_id
            default = {
                "Version": "2008-10-17", "Id": "__default_policy_ID",
                "Statement": [{
                    "Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
                    "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                               "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                               "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
                    "Resource": arn, "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
                }],
            }  # fmt: skip
            try:
                request.call("sns", "SetTopicAttributes", {
                    "TopicArn": arn, "AttributeName": "Policy", "AttributeValue": as_attribute(default),
                })  # fmt: skip
            except ServiceError:
                pass  # the topic is gone already


HANDLERS = [TopicHandler, SubscriptionHandler, TopicPolicyHandler]
