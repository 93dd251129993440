"""Bucket handlers: the global namespace (create / head / list / delete / location).

Bucket names are unique across all accounts of a partition; a bucket belongs to the
account that made it and lives in the region its ``LocationConstraint`` names. Any
account may address any bucket (cloudtwin does not enforce policies across accounts), but
``ListBuckets`` shows only the caller's own.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.rest_serializer import EXTRA_HEADERS
from cloudtwin.services.s3 import errors
from cloudtwin.services.s3.listing import decode_token, encode_token
from cloudtwin.services.s3.models import Bucket, S3Store, to_datetime
from cloudtwin.services.s3.configuration import OBJECT_OWNERSHIPS
from cloudtwin.services.s3.names import bucket_region, check_bucket_name, check_region_argument
from cloudtwin.services.s3.owners import owner
from cloudtwin.state.store import GLOBAL_REGION

#: The pseudo-account whose store holds the whole S3 namespace.
NAMESPACE_ACCOUNT = "s3-namespace"


class BucketHandlers:
    """CreateBucket, HeadBucket, ListBuckets, DeleteBucket, GetBucketLocation."""

    stores: Any
    blobs: Any

    # -- shared lookups -------------------------------------------------------------------

    @property
    def store(self) -> S3Store:
        return self.stores.get(NAMESPACE_ACCOUNT, GLOBAL_REGION)

    def bucket(
        self, ctx: RequestContext, name: str, owner_header: str = "x-amz-expected-bucket-owner"
    ) -> Bucket:
        """The bucket a request names; ``ExpectedBucketOwner`` (a header) must be an
        account id, and the bucket's owner."""
        expected = ctx.request.headers.get(owner_header)
        if expected is not None and not (len(expected) == 12 and expected.isdigit()):
            raise ServiceError(
                "InvalidBucketOwnerAWSAccountID",
                f"The value of the expected bucket owner parameter must be an AWS Account ID... [{expected}]",
                400,
            )
        found = self.store.buckets.get((ctx.partition, name))
        if found is None:
            raise errors.no_such_bucket(name)
        if expected is not None and expected != found.account_id:
            raise errors.access_denied()
        return found

    def now(self, ctx: RequestContext) -> float:
        """The virtual now, at S3's whole-second resolution."""
        return float(int(ctx.clock.now() if ctx.clock else self.env.clock.now()))  # type: ignore[attr-defined]

    # -- handlers ---------------------------------------------------------------------------

    def create_bucket(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["Bucket"]
        check_bucket_name(name)
        config = params.get("CreateBucketConfiguration") or {}
        region = bucket_region(config.get("LocationConstraint"), ctx.region)
        store = self.store
        existing = store.buckets.get((ctx.partition, name))
        if existing is not None:
            if existing.account_id == ctx.account_id:
                if existing.region == "us-east-1" and region == "us-east-1":
                    # us-east-1 answers a repeated create of your own bucket with success.
                    return {"Location": f"/{name}", "BucketArn": f"arn:{ctx.partition}:s3:::{name}"}
                raise ServiceError(
                    "BucketAlreadyOwnedByYou",
                    "Your previous request to create the named bucket succeeded and you "
                    "already own it.",
                    409,
                )
            raise ServiceError(
                "BucketAlreadyExists",
                "The requested bucket name is not available. The bucket namespace is shared "
                "by all users of the system. Please select a different name and try again.",
                409,
            )
        ownership = params.get("ObjectOwnership")
        if ownership is not None and ownership not in OBJECT_OWNERSHIPS:
            raise errors.invalid_argument(
                f"Invalid x-amz-object-ownership header: {ownership}", "x-amz-object-ownership"
            )
        bucket = Bucket(name, ctx.partition, ctx.account_id, region, self.now(ctx))
        bucket.config["OwnershipControls"] = {
            "OwnershipControls": {"Rules": [{"ObjectOwnership": params.get("ObjectOwnership") or "BucketOwnerEnforced"}]}
        }
        bucket.config["PublicAccessBlock"] = {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True, "IgnorePublicAcls": True,
                "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
            }
        }
        if params.get("ObjectLockEnabledForBucket"):
            bucket.object_lock = True
            bucket.versioning = "Enabled"
            bucket.config["ObjectLockConfiguration"] = {
                "ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled"}
            }
        bucket.acl = self.acl_from_params(ctx.account_id, params)  # type: ignore[attr-defined]
        if config.get("LocationConstraint") == "EU":
            bucket.config["LocationConstraint"] = "EU"
        store.buckets[(ctx.partition, name)] = bucket
        if region == "us-east-1":
            location = f"/{name}"
        elif ctx.partition == "aws":
            # Outside us-east-1 S3 answers with the bucket's global virtual-host URL.
            location = f"http://{name}.s3.amazonaws.com/"
        else:  # partitions without a global endpoint name the region
            location = f"http://{name}.s3.{region}.{'amazonaws.com.cn' if ctx.partition == 'aws-cn' else 'amazonaws.com'}/"
        return {"Location": location, "BucketArn": f"arn:{ctx.partition}:s3:::{name}"}

    def head_bucket(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        return {
            "BucketRegion": bucket.region, "AccessPointAlias": False,
            "BucketArn": f"arn:{bucket.partition}:s3:::{bucket.name}",
            EXTRA_HEADERS: {"Content-Type": "application/xml"},  # S3 says so, body or not
        }

    def get_bucket_location(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        constraint = bucket.config.get("LocationConstraint") or bucket.region
        return {"LocationConstraint": None if constraint == "us-east-1" else constraint}

    def list_buckets(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        prefix = params.get("Prefix") or ""
        region = params.get("BucketRegion")
        limit = params.get("MaxBuckets")
        if region is not None:
            check_region_argument(region, "bucket-region")
        after = decode_token(params["ContinuationToken"]) if params.get("ContinuationToken") else ""
        mine = sorted(
            b.name
            for (partition, _), b in self.store.buckets.items()
            if partition == ctx.partition and b.account_id == ctx.account_id
            and b.name.startswith(prefix) and (region is None or b.region == region)
            and b.name > after
        )
        result: dict[str, Any] = {"Owner": owner(ctx.account_id)}
        if limit is not None:
            if limit < 1 or limit > 10000:
                raise errors.invalid_argument("Argument max-buckets must be an integer between 1 and 10000.")
            if len(mine) > limit:
                mine = mine[:limit]
                result["ContinuationToken"] = encode_token(mine[-1])
        buckets = self.store.buckets
        result["Buckets"] = [
            {
                "Name": name,
                "CreationDate": to_datetime(buckets[(ctx.partition, name)].created),
                "BucketRegion": buckets[(ctx.partition, name)].region,
                "BucketArn": f"arn:{ctx.partition}:s3:::{name}",
            }
            for name in mine
        ]
        if prefix:
            result["Prefix"] = prefix
        return result

    def delete_bucket(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        bucket = self.bucket(ctx, params["Bucket"])
        store = self.store
        if store.sorted_keys(bucket.partition, bucket.name):
            message = "The bucket you tried to delete is not empty"
            if bucket.versioning:
                message += ". You must delete all versions in the bucket."
            raise errors.bucket_error("BucketNotEmpty", message, 409, bucket.name)
        for upload_id in [u.upload_id for u in store.uploads.values()
                          if u.partition == ctx.partition and u.bucket == bucket.name]:
            upload = store.uploads.pop(upload_id)
            for part in upload.parts.values():
                self.blobs.delete(part.blob)
        store.drop_bucket_index(bucket.partition, bucket.name)
        del store.buckets[(bucket.partition, bucket.name)]

    # -- reset ------------------------------------------------------------------------------

    def drop_account(self, account_id: str) -> None:
        """Forget every bucket of one account, with its objects, uploads and files."""
        store = self.store
        owned = {key for key, b in store.buckets.items() if b.account_id == account_id}
        for row in [r for r in store.objects.keys() if (r[0], r[1]) in owned]:
            for version in store.objects[row].versions:
                self.blobs.delete(version.blob)
            store.drop_object(*row)
        for upload_id in [u.upload_id for u in store.uploads.values() if (u.partition, u.bucket) in owned]:
            for part in store.uploads.pop(upload_id).parts.values():
                self.blobs.delete(part.blob)
        for key in owned:
            store.drop_bucket_index(*key)
            del store.buckets[key]
