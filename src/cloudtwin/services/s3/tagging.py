"""Tags (object and bucket) and ACLs (object and bucket): stored, validated, returned."""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.s3.models import Bucket
from cloudtwin.services.s3.owners import canonical_id, owner

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
_GRANT_HEADERS = {
    "GrantFullControl": "FULL_CONTROL",
    "GrantRead": "READ",
    "GrantReadACP": "READ_ACP",
    "GrantWrite": "WRITE",
    "GrantWriteACP": "WRITE_ACP",
}


def _invalid_tag(message: str) -> ServiceError:
    return ServiceError("InvalidTag", message, 400)


def check_tags(tag_set: list[dict[str, str]], *, limit: int) -> dict[str, str]:
    tags: dict[str, str] = {}
    for tag in tag_set:
        key, value = tag.get("Key", ""), tag.get("Value", "")
        if key in tags:
            raise _invalid_tag("Cannot provide multiple Tags with the same key")
        if not key or len(key) > 128:
            raise _invalid_tag("The TagKey you have provided is invalid")
        if len(value) > 256:
            raise _invalid_tag("The TagValue you have provided is invalid")
        if key.lower().startswith("aws:"):
            raise _invalid_tag("Your TagKey cannot be prefixed with aws:")
        tags[key] = value
    if len(tags) > limit:
        if limit == 10:
            raise ServiceError("BadRequest", "Object tags cannot be greater than 10", 400)
        raise _invalid_tag("Bucket tag count cannot be greater than 50")
    return tags


def tag_set(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _grantee(spec: str) -> dict[str, str]:
    """One grantee of an ``x-amz-grant-*`` header: ``id="..."``, ``uri="..."``, ``emailAddress="..."``."""
    kind, _, value = spec.strip().partition("=")
    value = value.strip().strip('"')
    kind = kind.strip().lower()
    if kind == "uri":
        return {"Type": "Group", "URI": value}
    if kind == "emailaddress":
        return {"Type": "AmazonCustomerByEmail", "EmailAddress": value}
    return {"Type": "CanonicalUser", "ID": value}


#: The permissions an ACL's grant may give (the schema's enumeration).
PERMISSIONS = frozenset({"FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP"})


def canned_acl(account_id: str, acl: str) -> dict[str, Any]:
    me = {"Type": "CanonicalUser", **owner(account_id)}
    grants = [{"Grantee": me, "Permission": "FULL_CONTROL"}]
    if acl in ("public-read", "public-read-write"):
        grants.append({"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"})
    if acl == "public-read-write":
        grants.append({"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "WRITE"})
    if acl == "authenticated-read":
        grants.append({"Grantee": {"Type": "Group", "URI": AUTHENTICATED_USERS}, "Permission": "READ"})
    if acl == "log-delivery-write":
        grants.append({"Grantee": {"Type": "Group", "URI": LOG_DELIVERY}, "Permission": "WRITE"})
        grants.append({"Grantee": {"Type": "Group", "URI": LOG_DELIVERY}, "Permission": "READ_ACP"})
    return {"Owner": owner(account_id), "Grants": grants}


class TaggingHandlers:
    bucket: Any
    version_for_read: Any
    store: Any
    notify: Any

    def acl_from_params(self, account_id: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """The ACL a write's ``x-amz-acl`` / ``x-amz-grant-*`` headers ask for (None: private)."""
        grants = []
        for member, permission in _GRANT_HEADERS.items():
            for spec in (params.get(member) or "").split(","):
                if spec.strip():
                    grants.append({"Grantee": _grantee(spec), "Permission": permission})
        if grants:
            return {"Owner": owner(account_id), "Grants": grants}
        acl = params.get("ACL")
        if acl and acl != "private":
            return canned_acl(account_id, acl)
        return None

    # -- object tagging ---------------------------------------------------------------------

    def put_object_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        version = self.version_for_read(ctx, bucket, params["Key"], params.get("VersionId"))
        version.tags = check_tags((params.get("Tagging") or {}).get("TagSet") or [], limit=10)
        self.store.objects.save((bucket.partition, bucket.name, params["Key"]))
        self.notify(ctx, bucket, "ObjectTagging:Put", params["Key"], version)
        return {"VersionId": version.version_id} if bucket.versioning else {}

    def get_object_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        version = self.version_for_read(ctx, bucket, params["Key"], params.get("VersionId"))
        result: dict[str, Any] = {"TagSet": tag_set(version.tags)}
        if bucket.versioning:
            result["VersionId"] = version.version_id
        return result

    def delete_object_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        version = self.version_for_read(ctx, bucket, params["Key"], params.get("VersionId"))
        version.tags = {}
        self.store.objects.save((bucket.partition, bucket.name, params["Key"]))
        self.notify(ctx, bucket, "ObjectTagging:Delete", params["Key"], version)
        return {"VersionId": version.version_id} if bucket.versioning else {}

    # -- bucket tagging -----------------------------------------------------------------------

    def put_bucket_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        bucket = self.bucket(ctx, params["Bucket"])
        tags = check_tags((params.get("Tagging") or {}).get("TagSet") or [], limit=50)
        bucket.config["Tagging"] = tags
        self.store.buckets.save((bucket.partition, bucket.name))

    def get_bucket_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        tags = bucket.config.get("Tagging")
        if not tags:
            raise ServiceError("NoSuchTagSet", "The TagSet does not exist", 404)
        return {"TagSet": tag_set(tags)}

    def delete_bucket_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        bucket = self.bucket(ctx, params["Bucket"])
        bucket.config.pop("Tagging", None)
        self.store.buckets.save((bucket.partition, bucket.name))

    # -- ACLs -------------------------------------------------------------------------------

    def _acl_to_store(self, account_id: str, params: dict[str, Any]) -> dict[str, Any] | None:
        policy = params.get("AccessControlPolicy")
        if policy:
            for grant in policy.get("Grants") or []:
                if grant.get("Permission", "READ") not in PERMISSIONS:
                    raise ServiceError(
                        "MalformedACLError",
                        "The XML you provided was not well-formed or did not validate against "
                        "our published schema", 400,
                    )
            return {"Owner": policy.get("Owner") or owner(account_id), "Grants": policy.get("Grants") or []}
        return self.acl_from_params(account_id, params)

    def put_bucket_acl(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        bucket = self.bucket(ctx, params["Bucket"])
        bucket.acl = self._acl_to_store(bucket.account_id, params)
        self.store.buckets.save((bucket.partition, bucket.name))

    def get_bucket_acl(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        return bucket.acl or canned_acl(bucket.account_id, "private")

    def put_object_acl(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket: Bucket = self.bucket(ctx, params["Bucket"])
        version = self.version_for_read(ctx, bucket, params["Key"], params.get("VersionId"))
        version.acl = self._acl_to_store(bucket.account_id, params)
        self.store.objects.save((bucket.partition, bucket.name, params["Key"]))
        return {}

    def get_object_acl(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        version = self.version_for_read(ctx, bucket, params["Key"], params.get("VersionId"))
        return version.acl or canned_acl(bucket.account_id, "private")


__all__ = ["TaggingHandlers", "canonical_id", "check_tags", "tag_set", "canned_acl"]
