"""CloudFormation resource handler of Firehose's ``AWS::KinesisFirehose::DeliveryStream``.

A template names its destination ``<Kind>DestinationConfiguration`` as CreateDeliveryStream
does; an update sends the same settings to UpdateDestination as ``<Kind>DestinationUpdate``.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import gone_ok, shaped, tags

_SOURCES = ("DeliveryStreamName", "DeliveryStreamType", "KinesisStreamSourceConfiguration", "MSKSourceConfiguration")


def _destinations(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k.endswith("DestinationConfiguration")}


class DeliveryStreamHandler(ResourceHandler):
    type_name = "AWS::KinesisFirehose::DeliveryStream"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("DeliveryStreamName") or request.physical_name(64)
        params = shaped(request, "firehose", "CreateDeliveryStream", {**props, "DeliveryStreamName": name})
        # Firehose's model refuses tag keys in the aws: namespace: the stack's tags stay off.
        if tag_list := tags(request, stack=False):
            params["Tags"] = tag_list
        arn = request.call("firehose", "CreateDeliveryStream", params)["DeliveryStreamARN"]
        return Outcome(name, {"Arn": arn})

    def update(self, request: ResourceRequest) -> Outcome:
        before = request.previous_properties or {}
        props = request.properties
        if any(before.get(k) != props.get(k) for k in _SOURCES):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        old, new = _destinations(before), _destinations(props)
        if set(old) != set(new) and old:
            raise UpdateNeedsReplacement()  # another kind of destination
        described = request.call("firehose", "DescribeDeliveryStream", {"DeliveryStreamName": name})
        description = described["DeliveryStreamDescription"]
        if old != new:
            updates = {k.removesuffix("Configuration") + "Update": v for k, v in new.items()}
            request.call("firehose", "UpdateDestination", shaped(request, "firehose", "UpdateDestination", {
                "DeliveryStreamName": name,
                "CurrentDeliveryStreamVersionId": description["VersionId"],
                "DestinationId": description["Destinations"][0]["DestinationId"],
                **updates,
            }))
        if before.get("Tags") != props.get("Tags"):
            current = request.call("firehose", "ListTagsForDeliveryStream", {"DeliveryStreamName": name}).get("Tags", [])
            wanted = tags(request, stack=False)
            if stale := sorted({t["Key"] for t in current} - {t["Key"] for t in wanted}):
                request.call("firehose", "UntagDeliveryStream", {"DeliveryStreamName": name, "TagKeys": stale})
            if wanted:
                request.call("firehose", "TagDeliveryStream", {"DeliveryStreamName": name, "Tags": wanted})
        return Outcome(name, {"Arn": description["DeliveryStreamARN"]})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("firehose", "DeleteDeliveryStream", {"DeliveryStreamName": request.physical_id})


HANDLERS = [DeliveryStreamHandler]
