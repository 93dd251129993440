"""CloudFormation resource handlers of Kinesis Data Streams' types (``AWS::Kinesis::Stream``,
``AWS::Kinesis::StreamConsumer``)."""

from __future__ import annotations

from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import gone_ok, shaped, tag_map


def _changed(request: ResourceRequest, *names: str) -> bool:
    before = request.previous_properties or {}
    return any(before.get(n) != request.properties.get(n) for n in names)


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


class StreamHandler(ResourceHandler):
    type_name = "AWS::Kinesis::Stream"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("Name") or request.physical_name(128)
        mode = (props.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
        values: dict[str, Any] = {"StreamName": name, "StreamModeDetails": {"StreamMode": mode}}
        if mode == "PROVISIONED":
            values["ShardCount"] = props.get("ShardCount", 1)
        params = shaped(request, "kinesis", "CreateStream", values)
        if tags := tag_map(request):
            params["Tags"] = tags
        request.call("kinesis", "CreateStream", params)
        arn = self._arn(request, name)
        if props.get("RetentionPeriodHours") not in (None, 24, "24"):
            self._retention(request, name, 24)
        if (props.get("StreamEncryption") or {}).get("EncryptionType") == "KMS":
            self._encrypt(request, name)
        return Outcome(name, {"Arn": arn})

    def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "Name"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        props = request.properties
        before = request.previous_properties or {}
        arn = self._arn(request, name)
        if _changed(request, "StreamModeDetails"):
            mode = (props.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
            request.call("kinesis", "UpdateStreamMode", {"StreamARN": arn, "StreamModeDetails": {"StreamMode": mode}})
        if _changed(request, "ShardCount") and props.get("ShardCount") is not None:
            request.call("kinesis", "UpdateShardCount", shaped(request, "kinesis", "UpdateShardCount", {
                "StreamName": name, "TargetShardCount": props["ShardCount"], "ScalingType": "UNIFORM_SCALING",
            }))
        if _changed(request, "RetentionPeriodHours"):
            self._retention(request, name, int(before.get("RetentionPeriodHours") or 24))
        if _changed(request, "StreamEncryption"):
            if (props.get("StreamEncryption") or {}).get("EncryptionType") == "KMS":
                self._encrypt(request, name)
            elif before.get("StreamEncryption"):
                request.call("kinesis", "StopStreamEncryption", {
                    "StreamName": name, "EncryptionType": "KMS", "KeyId": before["StreamEncryption"]["KeyId"],
                })
        if _changed(request, "Tags"):
            current = request.call("kinesis", "ListTagsForStream", {"StreamName": name}).get("Tags", [])
            wanted = tag_map(request)
            if stale := sorted({t["Key"] for t in current} - set(wanted)):
                request.call("kinesis", "RemoveTagsFromStream", {"StreamName": name, "TagKeys": stale})
            if wanted:
                request.call("kinesis", "AddTagsToStream", {"StreamName": name, "Tags": wanted})
        return Outcome(name, {"Arn": arn})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("kinesis", "DeleteStream", {"StreamName": request.physical_id, "EnforceConsumerDeletion": True})

    @staticmethod
    def _arn(request: ResourceRequest, name: str) -> str:
        return request.call("kinesis", "DescribeStreamSummary", {"StreamName": name})["StreamDescriptionSummary"]["StreamARN"]

    @staticmethod
    def _retention(request: ResourceRequest, name: str, current: int) -> None:
        hours = int(request.properties.get("RetentionPeriodHours") or 24)
        if hours == current:
            return
        operation = "IncreaseStreamRetentionPeriod" if hours > current else "DecreaseStreamRetentionPeriod"
        request.call("kinesis", operation, {"StreamName": name, "RetentionPeriodHours": hours})

    @staticmethod
    def _encrypt(request: ResourceRequest, name: str) -> None:
        request.call("kinesis", "StartStreamEncryption", {
            "StreamName": name, "EncryptionType": "KMS", "KeyId": request.properties["StreamEncryption"]["KeyId"],
        })


class StreamConsumerHandler(ResourceHandler):
    type_name = "AWS::Kinesis::StreamConsumer"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params: dict[str, Any] = {"StreamARN": props["StreamARN"], "ConsumerName": props["ConsumerName"]}
        if tags := tag_map(request):
            params["Tags"] = tags
        consumer = request.call("kinesis", "RegisterStreamConsumer", shaped(
            request, "kinesis", "RegisterStreamConsumer", params,
        ))["Consumer"]
        arn = consumer["ConsumerARN"]
        described = request.call("kinesis", "DescribeStreamConsumer", {"ConsumerARN": arn})["ConsumerDescription"]
        return Outcome(arn, {
            "ConsumerARN": arn,
            "ConsumerName": described["ConsumerName"],
            "ConsumerStatus": described["ConsumerStatus"],
            "ConsumerCreationTimestamp": _iso(described["ConsumerCreationTimestamp"]),
            "StreamARN": props["StreamARN"],
        })

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("kinesis", "DeregisterStreamConsumer", {"ConsumerARN": request.physical_id})


HANDLERS = [StreamHandler, StreamConsumerHandler]
