"""Tags, resource policies, server-side encryption (checked with cloudtwin's KMS) and
enhanced monitoring of streams (handlers mixed into the provider)."""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.kinesis.errors import invalid_argument

Params = dict[str, Any]
MAX_TAGS = 50
AWS_MANAGED_KEY = "alias/aws/kinesis"
ALL_METRICS = [
    "IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
    "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded",
    "IteratorAgeMilliseconds",
]  # fmt: skip


class SettingsOperations:
    # -- tags -----------------------------------------------------------------------------------

    def _tag(self, store, stream, tags: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
        merged = dict(stream.tags, **tags)
        if len(merged) > MAX_TAGS:
            raise invalid_argument(
                f"Failed to add tags to stream {stream.name} under account {stream.account_id} because "
                f"a given stream cannot have more than {MAX_TAGS} tags associated with it."
            )
        stream.tags = merged
        self._save(store, stream)  # type: ignore[attr-defined]

    def add_tags_to_stream(self, ctx: RequestContext, params: Params) -> None:
        store, stream = self._find(ctx, params)  # type: ignore[attr-defined]
        self._tag(store, stream, params["Tags"])

    def remove_tags_from_stream(self, ctx: RequestContext, params: Params) -> None:
        store, stream = self._find(ctx, params)  # type: ignore[attr-defined]
        stream.tags = {k: v for k, v in stream.tags.items() if k not in set(params["TagKeys"])}
        self._save(store, stream)  # type: ignore[attr-defined]

    def list_tags_for_stream(self, ctx: RequestContext, params: Params) -> Params:
        _, stream = self._find(ctx, params)  # type: ignore[attr-defined]
        keys = sorted(stream.tags)
        if params.get("ExclusiveStartTagKey"):
            keys = [k for k in keys if k > params["ExclusiveStartTagKey"]]
        limit = params.get("Limit") or 50
        return {"Tags": [{"Key": k, "Value": stream.tags[k]} for k in keys[:limit]],
                "HasMoreTags": len(keys) > limit}  # fmt: skip

    def _resource(self, arn: str):  # type: ignore[no-untyped-def]
        """(store, stream, consumer or None) of a stream or consumer ARN."""
        store, stream = self.stream_by_arn(arn)  # type: ignore[attr-defined]
        if "/consumer/" in arn:
            for consumer in stream.consumers.values():
                if consumer.arn == arn:
                    return store, stream, consumer
            raise ServiceError("ResourceNotFoundException", f"Consumer {arn} not found.")
        return store, stream, None

    def tag_resource(self, ctx: RequestContext, params: Params) -> None:
        store, stream, consumer = self._resource(params["ResourceARN"])
        if consumer is not None:
            consumer.tags.update(params["Tags"])
            self._save(store, stream)  # type: ignore[attr-defined]
        else:
            self._tag(store, stream, params["Tags"])

    def untag_resource(self, ctx: RequestContext, params: Params) -> None:
        store, stream, consumer = self._resource(params["ResourceARN"])
        owner = consumer if consumer is not None else stream
        owner.tags = {k: v for k, v in owner.tags.items() if k not in set(params["TagKeys"])}
        self._save(store, stream)  # type: ignore[attr-defined]

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        _, stream, consumer = self._resource(params["ResourceARN"])
        owner = consumer if consumer is not None else stream
        return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(owner.tags.items())]}

    # -- resource policies ----------------------------------------------------------------------

    def put_resource_policy(self, ctx: RequestContext, params: Params) -> None:
        store, stream, consumer = self._resource(params["ResourceARN"])
        try:
            document = json.loads(params["Policy"])
        except ValueError:
            raise invalid_argument("Policy is not a valid JSON document.") from None
        if not isinstance(document, dict) or "Statement" not in document:
            raise invalid_argument("Policy must contain a Statement.")
        (consumer if consumer is not None else stream).policy = params["Policy"]
        self._save(store, stream)  # type: ignore[attr-defined]

    def get_resource_policy(self, ctx: RequestContext, params: Params) -> Params:
        _, stream, consumer = self._resource(params["ResourceARN"])
        return {"Policy": (consumer if consumer is not None else stream).policy or "{}"}

    def delete_resource_policy(self, ctx: RequestContext, params: Params) -> None:
        store, stream, consumer = self._resource(params["ResourceARN"])
        owner = consumer if consumer is not None else stream
        if not owner.policy:
            raise ServiceError("ResourceNotFoundException", f"No resource policy found for resource ARN {params['ResourceARN']}.")
        owner.policy = None
        self._save(store, stream)  # type: ignore[attr-defined]

    # -- encryption -----------------------------------------------------------------------------

    def _check_key(self, ctx: RequestContext, key_id: str) -> None:
        if key_id == AWS_MANAGED_KEY:
            return
        try:
            found = self.env.internal.call(  # type: ignore[attr-defined]
                "kms", "DescribeKey", {"KeyId": key_id}, account_id=ctx.account_id, region=ctx.region
            )
        except ServiceError as error:
            if error.code == "NotFoundException":
                raise ServiceError("KMSNotFoundException", error.message) from None
            raise
        state = found["KeyMetadata"].get("KeyState")
        if state == "Disabled":
            raise ServiceError("KMSDisabledException", f"{key_id} is disabled.")
        if state != "Enabled":
            raise ServiceError("KMSInvalidStateException", f"{key_id} is {state}.")

    def start_stream_encryption(self, ctx: RequestContext, params: Params) -> None:
        store, stream = self._find(ctx, params)  # type: ignore[attr-defined]
        if params["EncryptionType"] != "KMS":
            raise invalid_argument("EncryptionType must be KMS.")
        self._check_key(ctx, params["KeyId"])
        stream.encryption, stream.key_id = "KMS", params["KeyId"]
        self._save(store, stream)  # type: ignore[attr-defined]

    def stop_stream_encryption(self, ctx: RequestContext, params: Params) -> None:
        store, stream = self._find(ctx, params)  # type: ignore[attr-defined]
        stream.encryption, stream.key_id = "NONE", None
        self._save(store, stream)  # type: ignore[attr-defined]

    # -- enhanced monitoring --------------------------------------------------------------------

    def _metrics(self, ctx: RequestContext, params: Params, enable: bool) -> Params:
        store, stream = self._find(ctx, params)  # type: ignore[attr-defined]
        current = list(stream.shard_metrics)
        asked = ALL_METRICS if "ALL" in params["ShardLevelMetrics"] else params["ShardLevelMetrics"]
        if enable:
            desired = current + [m for m in asked if m not in current]
        else:
            desired = [m for m in current if m not in asked]
        stream.shard_metrics = desired
        self._save(store, stream)  # type: ignore[attr-defined]
        return {"StreamName": stream.name, "StreamARN": stream.arn,
                "CurrentShardLevelMetrics": current, "DesiredShardLevelMetrics": desired}  # fmt: skip

    def enable_enhanced_monitoring(self, ctx: RequestContext, params: Params) -> Params:
        return self._metrics(ctx, params, True)

    def disable_enhanced_monitoring(self, ctx: RequestContext, params: Params) -> Params:
        return self._metrics(ctx, params, False)
