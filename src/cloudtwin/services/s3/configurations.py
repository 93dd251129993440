"""Bucket configurations kept by id (analytics, inventory, metrics, intelligent tiering),
and replication: stored, validated and answered as S3 does.

The four id-keyed kinds share one shape of API — ``Put/Get/Delete Bucket<Kind>Configuration``
with an ``Id`` and ``ListBucket<Kind>Configurations`` in pages of 100 ordered by id — so the
handlers are made from :data:`KINDS`. A document is checked against the model's
enumerations (a value outside one is ``MalformedXML``, as S3 validates its XML schema), and
its ``Id`` must be the request's.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.rest_serializer import STATUS_OVERRIDE
from cloudtwin.services.s3 import errors

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.specs.model import Shape

PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Kind:
    """One id-keyed configuration: its name in the operations, and what S3 answers when
    the document's ``Id`` differs from the request's."""

    name: str
    id_mismatch: Callable[[], ServiceError]
    check: Callable[[dict[str, Any]], None] | None = None


def _id_mismatch() -> ServiceError:
    return ServiceError("IdMismatch", "Document ID does not match the specified configuration ID.", 400)


def _check_inventory(document: dict[str, Any]) -> None:
    destination = (document.get("Destination") or {}).get("S3BucketDestination") or {}
    if not str(destination.get("Bucket", "")).startswith("arn:"):
        raise ServiceError("InvalidS3DestinationBucket", "Invalid bucket ARN.", 400)


KINDS = (
    Kind("Analytics", errors.malformed_xml),
    Kind("Inventory", _id_mismatch, _check_inventory),
    Kind("Metrics", errors.malformed_xml),
    Kind("IntelligentTiering", errors.malformed_xml),
)


def no_such_configuration() -> ServiceError:
    return ServiceError("NoSuchConfiguration", "The specified configuration does not exist.", 404)


def check_enums(shape: Shape, value: Any) -> None:
    """Every enumerated string inside ``value`` holds one of its shape's values."""
    kind = shape.type_name
    if kind == "string":
        if shape.enum and value not in shape.enum:
            raise errors.malformed_xml()
    elif kind == "structure" and isinstance(value, dict):
        for name, item in value.items():
            member = shape.members.get(name)
            if member is not None and item is not None:
                check_enums(member, item)
    elif kind == "list" and isinstance(value, list):
        for item in value:
            check_enums(shape.member, item)


def _page_token(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode("utf-8")).decode("ascii")


def _after(token: str | None) -> str:
    if not token:
        return ""
    try:
        return base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise errors.invalid_argument("The continuation token provided is incorrect") from None


def _make_handlers(kind: Kind) -> dict[str, Callable[..., Any]]:
    from cloudtwin.services.provider import handler_name

    slot = f"{kind.name}Configurations"
    member = f"{kind.name}Configuration"

    def put(self: Any, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        document = params.get(member) or {}
        check_enums(self.model_shape(f"{kind.name}Configuration"), document)
        if document.get("Id") != params["Id"]:
            raise kind.id_mismatch()
        if kind.check is not None:
            kind.check(document)
        bucket.config.setdefault(slot, {})[params["Id"]] = document
        self.store.buckets.save((bucket.partition, bucket.name))
        return {STATUS_OVERRIDE: 204}

    def get(self: Any, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        document = (bucket.config.get(slot) or {}).get(params["Id"])
        if document is None:
            raise no_such_configuration()
        return {member: document}

    def delete(self: Any, ctx: RequestContext, params: dict[str, Any]) -> None:
        bucket = self.bucket(ctx, params["Bucket"])
        stored = bucket.config.get(slot) or {}
        if params["Id"] not in stored:
            raise no_such_configuration()
        del stored[params["Id"]]
        self.store.buckets.save((bucket.partition, bucket.name))

    def list_(self: Any, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        after = _after(params.get("ContinuationToken"))
        ids = sorted(i for i in (bucket.config.get(slot) or {}) if i > after)
        page = ids[:PAGE_SIZE]
        result: dict[str, Any] = {"IsTruncated": len(ids) > PAGE_SIZE}
        if params.get("ContinuationToken"):
            result["ContinuationToken"] = params["ContinuationToken"]
        if len(ids) > PAGE_SIZE:
            result["NextContinuationToken"] = _page_token(page[-1])
        if page:
            result[f"{member}List"] = [bucket.config[slot][i] for i in page]
        return result

    return {
        handler_name(f"PutBucket{kind.name}Configuration"): put,
        handler_name(f"GetBucket{kind.name}Configuration"): get,
        handler_name(f"DeleteBucket{kind.name}Configuration"): delete,
        handler_name(f"ListBucket{kind.name}Configurations"): list_,
    }


class ReplicationHandlers:
    """PutBucketReplication / GetBucketReplication / DeleteBucketReplication."""

    bucket: Any
    store: Any
    model_shape: Any

    def put_bucket_replication(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        bucket = self.bucket(ctx, params["Bucket"])
        document = params.get("ReplicationConfiguration") or {}
        check_enums(self.model_shape("ReplicationConfiguration"), document)
        if bucket.versioning != "Enabled":
            raise errors.invalid_request(
                "Versioning must be 'Enabled' on the bucket to apply a replication configuration"
            )
        for rule in document.get("Rules") or []:
            target = str((rule.get("Destination") or {}).get("Bucket", ""))
            name = target.rpartition(":")[2] if target.startswith("arn:") else ""
            destination = self.store.buckets.get((ctx.partition, name)) if name else None
            if not name:
                raise errors.invalid_argument("Invalid bucket ARN.", "Destination", target)
            if destination is None or destination.versioning != "Enabled":
                raise errors.invalid_request("Destination bucket must have versioning enabled.")
        bucket.config["Replication"] = document
        self.store.buckets.save((bucket.partition, bucket.name))

    def get_bucket_replication(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        document = bucket.config.get("Replication")
        if document is None:
            raise errors.bucket_error(
                "ReplicationConfigurationNotFoundError", "The replication configuration was not found",
                404, bucket.name,
            )
        return {"ReplicationConfiguration": document}

    def delete_bucket_replication(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        bucket = self.bucket(ctx, params["Bucket"])
        bucket.config.pop("Replication", None)
        self.store.buckets.save((bucket.partition, bucket.name))


IdConfigurationHandlers = type(
    "IdConfigurationHandlers",
    (),
    {
        "__doc__": "Put/Get/Delete/List handlers of the id-keyed configurations in KINDS.",
        **{k: v for kind in KINDS for k, v in _make_handlers(kind).items()},
    },
)
