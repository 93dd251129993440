"""Event notifications: the bucket's configuration, and the events that go to SQS and SNS.

A write publishes ``s3:<EventName>`` on the event bus with the finished record; the S3
provider's own subscriber matches it against the bucket's queue and topic configurations
(event name with ``*`` wildcards, key prefix/suffix filters) and delivers AWS's event JSON
through the internal client (``sqs.SendMessage``, ``sns.Publish``) — after the request
that caused it has finished. Storing a configuration validates every destination and sends
each one ``s3:TestEvent``, as S3 does.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote_plus

from cloudtwin.events.bus import Event
from cloudtwin.gateway.context import RequestContext
from cloudtwin.events.targets import Targets, lambda_allows
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.rest_xml_serializer import host_id
from cloudtwin.services.s3 import errors
from cloudtwin.services.s3.models import Bucket, Version
from cloudtwin.services.s3.owners import customer_id

log = logging.getLogger("cloudtwin.s3.notifications")

EVENT_KIND = "s3:notification"
_KINDS = (("QueueConfigurations", "QueueArn", "sqs"), ("TopicConfigurations", "TopicArn", "sns"))
KNOWN_EVENTS = frozenset(
    """s3:ObjectCreated:* s3:ObjectCreated:Put s3:ObjectCreated:Post s3:ObjectCreated:Copy
    s3:ObjectCreated:CompleteMultipartUpload s3:ObjectRemoved:* s3:ObjectRemoved:Delete
    s3:ObjectRemoved:DeleteMarkerCreated s3:ObjectRestore:* s3:ObjectRestore:Post
    s3:ObjectRestore:Completed s3:ObjectRestore:Delete s3:ReducedRedundancyLostObject
    s3:Replication:* s3:Replication:OperationFailedReplication
    s3:Replication:OperationNotTracked s3:Replication:OperationMissedThreshold
    s3:Replication:OperationReplicatedAfterThreshold s3:LifecycleExpiration:*
    s3:LifecycleExpiration:Delete s3:LifecycleExpiration:DeleteMarkerCreated
    s3:LifecycleTransition s3:IntelligentTiering s3:ObjectTagging:* s3:ObjectTagging:Put
    s3:ObjectTagging:Delete s3:ObjectAcl:Put""".split()
)


#: EventBridge's detail type of each S3 event (by event name, or its prefix).
_EVENTBRIDGE_TYPES = {
    "ObjectCreated": "Object Created",
    "ObjectRemoved": "Object Deleted",
    "LifecycleExpiration": "Object Deleted",
    "ObjectRestore:Post": "Object Restore Initiated",
    "ObjectRestore:Completed": "Object Restore Completed",
    "ObjectRestore:Delete": "Object Restore Expired",
    "ObjectTagging:Put": "Object Tags Added",
    "ObjectTagging:Delete": "Object Tags Deleted",
    "ObjectAcl:Put": "Object ACL Updated",
    "LifecycleTransition": "Object Storage Class Changed",
    "IntelligentTiering": "Object Access Tier Changed",
}
_EVENTBRIDGE_REASONS = {
    "ObjectCreated:Put": "PutObject",
    "ObjectCreated:Post": "POST Object",
    "ObjectCreated:Copy": "CopyObject",
    "ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
    "ObjectRemoved:Delete": "DeleteObject",
    "ObjectRemoved:DeleteMarkerCreated": "DeleteObject",
    "LifecycleExpiration:Delete": "Lifecycle Expiration",
    "LifecycleExpiration:DeleteMarkerCreated": "Lifecycle Expiration",
}


_EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"
#: The events S3 announces in the 2.3 record format (the others are 2.1).
_VERSION_2_3 = (
    "LifecycleExpiration", "LifecycleTransition", "IntelligentTiering", "ObjectAcl",
    "ObjectTagging", "ObjectRestore:Delete",
)


def _iso_ms(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def event_matches(configured: list[str], event_name: str) -> bool:
    full = "s3:" + event_name
    for pattern in configured:
        if pattern == full or (pattern.endswith("*") and full.startswith(pattern[:-1])):
            return True
    return False


def filter_matches(config: dict[str, Any], key: str) -> bool:
    rules = ((config.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []
    for rule in rules:
        name, value = rule.get("Name", "").lower(), rule.get("Value", "")
        if name == "prefix" and not key.startswith(value):
            return False
        if name == "suffix" and not key.endswith(value):
            return False
    return True


def _arn_parts(arn: str) -> tuple[str, str, str, str] | None:
    """(service, region, account, name) of ``arn:aws:sqs:region:account:name`` (a Lambda
    function's name may carry ``function:`` and a qualifier)."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or not parts[2]:
        return None
    return parts[2], parts[3], parts[4], ":".join(parts[5:])


_LAMBDA = ("LambdaFunctionConfigurations", "LambdaFunctionArn", "lambda")
#: The argument S3 names when a destination's ARN cannot be parsed.
_ARGUMENT_NAMES = {"sqs": "Queue", "sns": "Topic", "lambda": "CloudFunction"}
#: Why a destination failed its test message, by the ARN's service.
_UNREACHABLE = {
    "sqs": "The destination queue does not exist",
    "sns": "The destination topic does not exist",
    "lambda": "Not authorized to invoke function",
}


def _principal_id(ctx: RequestContext, bucket: Bucket) -> str:
    """Who made a change, as S3 events name them: an IAM principal as ``AWS:<unique id>``,
    an account's root by its customer id."""
    identity = ctx.identity
    if identity is None or identity.is_account_root:
        return customer_id(identity.account_id if identity else bucket.account_id)
    return f"AWS:{identity.user_id}"


class NotificationHandlers:
    env: Any
    bucket: Any
    store: Any
    now: Any

    # -- configuration ---------------------------------------------------------------------

    async def put_bucket_notification_configuration(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        bucket = self.bucket(ctx, params["Bucket"])
        config = params.get("NotificationConfiguration") or {}
        destinations: list[tuple[str, str]] = []
        for member, arn_member, service in (*_KINDS, _LAMBDA):
            for item in config.get(member) or []:
                for event in item.get("Events") or []:
                    if event not in KNOWN_EVENTS:
                        raise errors.invalid_argument("The event is not supported for notifications")
                for rule in ((item.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []:
                    if rule.get("Name") is None or rule.get("Value") is None:
                        raise errors.malformed_xml()
                    if rule["Name"].lower() not in ("prefix", "suffix"):
                        raise errors.invalid_argument(
                            "filter rule name must be either prefix or suffix", "FilterRule.Name", rule["Name"]
                        )
                    rule["Name"] = rule["Name"].capitalize()  # S3 keeps "Prefix" / "Suffix"
                arn = item.get(arn_member, "")
                if _arn_parts(arn) is None:
                    raise errors.invalid_argument("The ARN could not be parsed", _ARGUMENT_NAMES[service], arn)
                destinations.append((service, arn))
        # SkipDestinationValidation: S3 neither tests the destinations nor checks the
        # function's policy (ARNs must still parse).
        unreachable = [] if params.get("SkipDestinationValidation") else [
            arn for service, arn in destinations
            if not (self._may_invoke(bucket, arn) if service == "lambda"
                    else await self._send_test_event(ctx, bucket, service, arn))
        ]  # fmt: skip
        if unreachable:
            details: dict[str, Any] = {}
            for index, arn in enumerate(unreachable, 1):
                if arn.split(":")[2] == "lambda":
                    # A function is named with its (absent) qualifier, and in the reason.
                    details[f"ArgumentName{index}"] = f"{arn}, null"
                    details[f"ArgumentValue{index}"] = f"{_UNREACHABLE['lambda']} [{arn}]"
                    continue
                details[f"ArgumentName{index}"] = arn
                details[f"ArgumentValue{index}"] = _UNREACHABLE.get(arn.split(":")[2], "The destination does not exist")
            raise ServiceError(
                "InvalidArgument", "Unable to validate the following destination configurations", 400,
                details=details,
            )
        stored = {k: v for k, v in config.items() if v or k == "EventBridgeConfiguration"}
        for member, _, _ in (*_KINDS, _LAMBDA):
            for item in stored.get(member) or []:
                # S3 names an unnamed configuration with a base64-encoded UUID.
                item.setdefault("Id", base64.b64encode(str(uuid.uuid4()).encode()).decode().rstrip("="))
        bucket.config["Notification"] = stored
        self.store.buckets.save((bucket.partition, bucket.name))

    def get_bucket_notification_configuration(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        return bucket.config.get("Notification") or {}

    def _may_invoke(self, bucket: Bucket, arn: str) -> bool:
        """S3 sends a Lambda function no test event: it checks the function's resource
        policy lets ``s3.amazonaws.com`` invoke it for this bucket."""
        return lambda_allows(self.env.internal, arn, "s3.amazonaws.com",
                             source_arn=f"arn:{bucket.partition}:s3:::{bucket.name}", source_account=bucket.account_id)

    async def _send_test_event(self, ctx: RequestContext, bucket: Bucket, service: str, arn: str) -> bool:
        body = json.dumps({
            "Service": "Amazon S3",
            "Event": "s3:TestEvent",
            "Time": _iso_ms(self.now(ctx)),
            "Bucket": bucket.name,
            "RequestId": ctx.request_id,
            "HostId": host_id(ctx.request_id),
        })  # fmt: skip
        try:
            await self._deliver(service, arn, body, "Amazon S3 Notification")
        except ServiceError as error:
            if error.code == "NotImplemented":
                return True  # the destination service is not there to ask
            return False
        return True

    # -- delivery ----------------------------------------------------------------------------

    def notify(self, ctx: RequestContext, bucket: Bucket, event_name: str, key: str, version: Version) -> None:
        """Publish an event for a finished change (delivered after the request is done)."""
        if not bucket.config.get("Notification"):
            return
        self.publish_event(
            bucket, event_name, key, version, ctx.clock.now() if ctx.clock else self.now(ctx),
            ctx.request_id, _principal_id(ctx, bucket),
            ctx.request.headers.get("x-forwarded-for", "127.0.0.1"),
            ctx.request.headers.get("x-amzn-trace-id"),
        )  # fmt: skip

    def publish_event(
        self, bucket: Bucket, event_name: str, key: str, version: Version, now: float,
        request_id: str, principal: str, source_ip: str = "127.0.0.1", trace_header: str | None = None,
    ) -> None:
        config = bucket.config.get("Notification")
        if not config:
            return
        detail = {
            "bucket": bucket.name,
            "bucket_region": bucket.region,
            "owner": bucket.account_id,
            "partition": bucket.partition,
            "event_name": event_name,
            "key": key,
            "size": version.size,
            "etag": version.etag.strip('"'),
            "version_id": version.version_id if bucket.versioning else None,
            "time": now,
            "request_id": request_id,
            "principal": principal,
            "source_ip": source_ip,
            "config": config,
            "storage_class": version.storage_class,
            "restore_expiry": version.restore_expiry,
            "trace_header": trace_header,
        }
        self.env.events.publish(Event(EVENT_KIND, bucket.account_id, bucket.region, detail))

    def event_record(self, detail: dict[str, Any], configuration_id: str) -> dict[str, Any]:
        name = detail["event_name"]
        obj: dict[str, Any] = {"key": quote_plus(detail["key"], safe="/")}
        if name.startswith(("ObjectCreated", "ObjectRestore")):
            obj["size"] = detail["size"]
        if name.startswith(("ObjectCreated", "ObjectTagging", "ObjectRestore", "ObjectAcl")):
            obj["eTag"] = detail["etag"]
        elif name == "ObjectRemoved:DeleteMarkerCreated":
            obj["eTag"] = _EMPTY_MD5  # a delete marker is an empty body
        if detail["version_id"] and detail["version_id"] != "null":
            obj["versionId"] = detail["version_id"]
        if not name.startswith(("ObjectTagging", "ObjectAcl")):
            obj["sequencer"] = f"{int(detail['time'] * 1_000_000):016X}"
        return {
            "eventVersion": "2.3" if name.startswith(_VERSION_2_3) else "2.1",
            "eventSource": "aws:s3",
            "awsRegion": detail["bucket_region"],
            "eventTime": _iso_ms(detail["time"]),
            "eventName": detail["event_name"],
            "userIdentity": {"principalId": detail["principal"]},
            "requestParameters": {"sourceIPAddress": detail["source_ip"]},
            "responseElements": {
                "x-amz-request-id": detail["request_id"],
                "x-amz-id-2": host_id(detail["request_id"]),
            },
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": configuration_id,
                "bucket": {
                    "name": detail["bucket"],
                    "ownerIdentity": {"principalId": customer_id(detail["owner"])},
                    "arn": f"arn:{detail['partition']}:s3:::{detail['bucket']}",
                },
                "object": obj,
            },
        }

    async def on_event(self, event: Event) -> None:
        """The bus subscriber: send the event to every matching destination."""
        detail = event.detail
        config = detail["config"]
        if "EventBridgeConfiguration" in config:
            await self._to_eventbridge(detail)
        for member, arn_member, service in (*_KINDS, _LAMBDA):
            for item in config.get(member) or []:
                if not event_matches(item.get("Events") or [], detail["event_name"]):
                    continue
                if not filter_matches(item, detail["key"]):
                    continue
                record = self.event_record(detail, item.get("Id", ""))
                try:
                    await self._deliver(service, item.get(arn_member, ""), json.dumps({"Records": [record]}),
                                        "Amazon S3 Notification", detail.get("trace_header"))
                except ServiceError as error:
                    log.warning("s3 notification to %s failed: %s", item.get(arn_member), error.code)

    async def _to_eventbridge(self, detail: dict[str, Any]) -> None:
        """With ``EventBridgeConfiguration``, every event also goes to the default event bus
        of the bucket's account and region (when cloudtwin has EventBridge), in the shape of
        its detail type."""
        name = detail["event_name"]
        kind = _EVENTBRIDGE_TYPES.get(name) or _EVENTBRIDGE_TYPES.get(name.split(":")[0])
        if kind is None:
            return
        obj: dict[str, Any] = {"key": detail["key"]}
        if name.startswith(("ObjectCreated", "ObjectRestore")):
            obj["size"] = detail["size"]
        if not name.startswith(("ObjectRemoved", "LifecycleExpiration")):
            obj["etag"] = detail["etag"]
        if detail["version_id"] and detail["version_id"] != "null":
            # only a versioned object's id: the null version (versioning suspended) has none
            obj["version-id"] = detail["version_id"]
        if name.startswith(("ObjectCreated", "ObjectRemoved", "LifecycleExpiration")):
            obj["sequencer"] = f"{int(detail['time'] * 1_000_000):016X}"
        body: dict[str, Any] = {
            "version": "0",
            "bucket": {"name": detail["bucket"]},
            "object": obj,
            "request-id": detail["request_id"],
            "requester": detail["owner"],
            "source-ip-address": detail["source_ip"],
        }
        if kind in ("Object Created", "Object Deleted"):
            body["reason"] = _EVENTBRIDGE_REASONS.get(name, name.split(":")[-1])
        if kind == "Object Deleted":
            body["deletion-type"] = (
                "Delete Marker Created" if name.endswith("DeleteMarkerCreated") else "Permanently Deleted"
            )
        if name.startswith("ObjectRestore"):
            body["source-storage-class"] = detail.get("storage_class") or "GLACIER"
            if name == "ObjectRestore:Completed" and detail.get("restore_expiry"):
                body["restore-expiry-time"] = _iso_ms(detail["restore_expiry"])
        entry = {
            "Source": "aws.s3",
            "DetailType": kind,
            "Detail": json.dumps(body),
            "Resources": [f"arn:{detail['partition']}:s3:::{detail['bucket']}"],
        }
        try:
            await self.env.internal.call_async(
                "events", "PutEvents", {"Entries": [entry]},
                account_id=detail["owner"], region=detail["bucket_region"],
            )
        except ServiceError as error:
            if error.code != "NotImplemented":
                log.warning("s3 notification to EventBridge failed: %s", error.code)

    async def _deliver(self, service: str, arn: str, body: str, subject: str, trace_header: str | None = None) -> None:
        """To a queue, a topic (with S3's subject) or a function (invoked asynchronously),
        through the shared target invoker."""
        if _arn_parts(arn) is None:
            raise errors.invalid_argument("Unable to validate the following destination configurations")
        await Targets(self.env.internal).send(
            arn, body, subject=subject if service == "sns" else None, trace_header=trace_header
        )
