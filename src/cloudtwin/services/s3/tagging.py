"""Tags (object and bucket) and ACLs (object and bucket): stored, validated, returned."""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.rest_serializer import STATUS_OVERRIDE
from cloudtwin.services.s3 import errors
from cloudtwin.services.s3.acl import acl_from_headers, acl_to_store, canned_acl
from cloudtwin.services.s3.models import Bucket
from cloudtwin.services.s3.owners import canonical_id

def _invalid_tag(message: str) -> ServiceError:
    return ServiceError("InvalidTag", message, 400)


def check_tags(tag_set: list[dict[str, str]], *, limit: int, reserved: bool = False) -> dict[str, str]:
    """Tags as S3 takes them; ``reserved``: keys in the ``aws:`` namespace are allowed (set
    by AWS itself, e.g. CloudFormation's stack tags)."""
    tags: dict[str, str] = {}
    for tag in tag_set:
        key, value = tag.get("Key", ""), tag.get("Value", "")
        if key in tags:
            raise _invalid_tag("Cannot provide multiple Tags with the same key")
        if not key or len(key) > 128:
            raise _invalid_tag("The TagKey you have provided is invalid")
        if len(value) > 256:
            raise _invalid_tag("The TagValue you have provided is invalid")
        if key.lower().startswith("aws:") and not reserved:
            raise _invalid_tag("Your TagKey cannot be prefixed with aws:")
        tags[key] = value
    if len(tags) > limit:
        if limit == 10:
            raise ServiceError("BadRequest", "Object tags cannot be greater than 10", 400)
        raise _invalid_tag("Bucket tag count cannot be greater than 50")
    return tags


def tag_set(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


class TaggingHandlers:
    bucket: Any
    version_for_read: Any
    store: Any
    notify: Any

    def acl_from_params(self, account_id: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """The ACL a write's ``x-amz-acl`` / ``x-amz-grant-*`` headers ask for (None: private)."""
        return acl_from_headers(account_id, params)

    # -- object tagging ---------------------------------------------------------------------

    def put_object_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        version = self.version_for_read(
            ctx, bucket, params["Key"], params.get("VersionId"), "PUT", marker_is_missing=False
        )
        version.tags = check_tags((params.get("Tagging") or {}).get("TagSet") or [], limit=10)
        self.store.objects.save((bucket.partition, bucket.name, params["Key"]))
        self.notify(ctx, bucket, "ObjectTagging:Put", params["Key"], version)
        return {"VersionId": version.version_id} if bucket.versioning else {}

    def get_object_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        version = self.version_for_read(
            ctx, bucket, params["Key"], params.get("VersionId"), "GET", marker_is_missing=False
        )
        result: dict[str, Any] = {"TagSet": tag_set(version.tags)}
        if bucket.versioning:
            result["VersionId"] = version.version_id
        return result

    def delete_object_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        version = self.version_for_read(
            ctx, bucket, params["Key"], params.get("VersionId"), "DELETE", marker_is_missing=False
        )
        version.tags = {}
        self.store.objects.save((bucket.partition, bucket.name, params["Key"]))
        self.notify(ctx, bucket, "ObjectTagging:Delete", params["Key"], version)
        return {"VersionId": version.version_id} if bucket.versioning else {}

    # -- bucket tagging -----------------------------------------------------------------------

    def put_bucket_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        tags = check_tags((params.get("Tagging") or {}).get("TagSet") or [], limit=50, reserved=ctx.from_aws)
        bucket.config["Tagging"] = tags
        self.store.buckets.save((bucket.partition, bucket.name))
        return {STATUS_OVERRIDE: 204}

    def get_bucket_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        tags = bucket.config.get("Tagging")
        if not tags:
            raise errors.bucket_error("NoSuchTagSet", "The TagSet does not exist", 404, bucket.name)
        return {"TagSet": tag_set(tags)}

    def delete_bucket_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        bucket = self.bucket(ctx, params["Bucket"])
        bucket.config.pop("Tagging", None)
        self.store.buckets.save((bucket.partition, bucket.name))

    # -- ACLs -------------------------------------------------------------------------------

    def put_bucket_acl(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        bucket = self.bucket(ctx, params["Bucket"])
        bucket.acl = acl_to_store(bucket.account_id, params)
        self.store.buckets.save((bucket.partition, bucket.name))

    def get_bucket_acl(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        return bucket.acl or canned_acl(bucket.account_id, "private")

    def put_object_acl(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket: Bucket = self.bucket(ctx, params["Bucket"])
        version = self.version_for_read(
            ctx, bucket, params["Key"], params.get("VersionId"), "PUT", marker_is_missing=False
        )
        version.acl = acl_to_store(bucket.account_id, params)
        self.store.objects.save((bucket.partition, bucket.name, params["Key"]))
        self.notify(ctx, bucket, "ObjectAcl:Put", params["Key"], version)
        return {}

    def get_object_acl(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        version = self.version_for_read(ctx, bucket, params["Key"], params.get("VersionId"))
        return version.acl or canned_acl(bucket.account_id, "private")


__all__ = ["TaggingHandlers", "canonical_id", "check_tags", "tag_set", "canned_acl"]
