"""Object handlers: Put / Get / Head / Delete / DeleteObjects / Copy and the listings.

Bodies stream from the request into a file and from a file into the response; a record
(:class:`~cloudtwin.services.s3.models.Version`) holds the file's generated name, the ETag
(the MD5 of the body, quoted), content headers, user metadata and the flexible checksum.
Versioning decides what a write replaces: with versioning enabled every write is a new
version; otherwise the ``null`` version is overwritten.
"""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl, unquote

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.rest_serializer import STATUS_OVERRIDE
from cloudtwin.services.s3 import errors
from cloudtwin.services.s3.conditions import check_read, check_write, parse_range
from cloudtwin.services.s3.kms import check_key_usable, key_arn
from cloudtwin.services.s3.lifecycle import expiration_header
from cloudtwin.services.s3.models import (
    NULL_VERSION,
    Bucket,
    ObjectRecord,
    Version,
    new_version_id,
    to_datetime,
    well_formed_version_id,
)
from cloudtwin.services.s3.objectlock import (
    check_bypass_header,
    check_delete_allowed,
    lock_fields,
    lock_from_params,
)
from cloudtwin.services.s3.ssec import check_read_key, sse_c_for_write
from cloudtwin.services.s3.restore import check_readable, restore_header

#: Content headers stored with an object and returned on reads, by model member name.
CONTENT_HEADERS = (
    "ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage",
    "CacheControl", "Expires", "WebsiteRedirectLocation",
)  # fmt: skip
#: GetObject's Response* overrides, by the header member they replace.
RESPONSE_OVERRIDES = {
    "ResponseContentType": "ContentType",
    "ResponseContentEncoding": "ContentEncoding",
    "ResponseContentDisposition": "ContentDisposition",
    "ResponseContentLanguage": "ContentLanguage",
    "ResponseCacheControl": "CacheControl",
    "ResponseExpires": "Expires",
}
FLEXIBLE = ("crc32", "crc32c", "crc64nvme", "sha1", "sha256", "sha512", "md5", "xxhash64", "xxhash3", "xxhash128")
FULL_OBJECT_CAPABLE = ("crc32", "crc32c", "crc64nvme")
DEFAULT_ALGORITHM = "crc64nvme"
MAX_KEY_BYTES = 1024
#: The values S3 knows for the write headers it checks (the model's enums).
STORAGE_CLASSES = frozenset({
    "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
    "GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE",
    "FSX_OPENZFS", "FSX_ONTAP", "AWS_BACKUP_WARM", "AWS_BACKUP_LOW_COST_WARM",
})  # fmt: skip
SSE_ALGORITHMS = frozenset({"AES256", "aws:fsx", "aws:backup", "aws:kms", "aws:kms:dsse"})
DIRECTIVES = ("COPY", "REPLACE")
OBJECT_ATTRIBUTES = frozenset({"ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"})


def _argument(member: str) -> str:
    """A GetObject override's query parameter: ``ResponseCacheControl`` -> ``response-cache-control``."""
    return "-".join(part.lower() for part in re.findall("[A-Z][a-z]*", member))


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def checksum_member(algorithm: str) -> str:
    return "Checksum" + algorithm.upper()


def quoted(md5_hex: str) -> str:
    return f'"{md5_hex}"'


def check_version_id(bucket: Bucket, version_id: str) -> None:
    """A version id no version of this bucket could have: never versioned buckets know only
    ``null``."""
    if not well_formed_version_id(version_id) or (
        bucket.versioning is None and version_id != NULL_VERSION
    ):
        raise errors.invalid_version_id(version_id)


def check_key(key: str) -> None:
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise ServiceError("KeyTooLongError", "Your key is too long", 400)


def declared_algorithm(headers: dict[str, str]) -> str | None:
    """The flexible checksum the client sends (as a header or an aws-chunked trailer)."""
    for name in FLEXIBLE:
        if f"x-amz-checksum-{name}" in headers:
            return name
    trailer = headers.get("x-amz-trailer", "").strip().lower()
    if trailer.startswith("x-amz-checksum-"):
        return trailer[len("x-amz-checksum-"):]
    sdk = headers.get("x-amz-sdk-checksum-algorithm", "").strip().lower()
    return sdk or None


def check_write_values(params: dict[str, Any]) -> None:
    """The header values of a write (PutObject, CopyObject, CreateMultipartUpload) S3 checks
    before anything else: an unknown storage class, encryption or checksum algorithm is
    refused, not stored."""
    storage_class = params.get("StorageClass")
    if storage_class is not None and storage_class not in STORAGE_CLASSES:
        raise ServiceError(
            "InvalidStorageClass", "The storage class you specified is not valid", 400,
            details={"StorageClassRequested": storage_class},
        )
    sse = params.get("ServerSideEncryption")
    if sse is not None and sse not in SSE_ALGORITHMS:
        raise errors.invalid_argument("The encryption method specified is not supported")
    algorithm = params.get("ChecksumAlgorithm")
    if algorithm is not None and algorithm.lower() not in FLEXIBLE:
        raise errors.invalid_request("Value for x-amz-checksum-algorithm header is invalid.")


def parse_tagging(text: str | None) -> dict[str, str]:
    """The ``x-amz-tagging`` header: URL-encoded ``k=v&k2=v2``."""
    if not text:
        return {}
    tags = dict(parse_qsl(text, keep_blank_values=True))
    if len(tags) > 10:
        raise errors.invalid_argument("Object tags cannot be greater than 10")
    return tags


def parse_copy_source(source: str) -> tuple[str, str, str | None]:
    """``bucket/key[?versionId=...]`` (optionally with a leading slash, URL-encoded)."""
    path, _, query = source.partition("?")
    scheme, sep, rest = path.partition("://")
    if sep and scheme in ("http", "https"):
        path = "/" + rest.partition("/")[2]  # a path-style URL of the source: S3 takes its path
    path = unquote(path).lstrip("/")
    bucket, _, key = path.partition("/")
    version_id = None
    if query:
        version_id = dict(parse_qsl(query)).get("versionId")
    if not bucket or not key:
        raise errors.invalid_argument("Invalid copy source object key", "x-amz-copy-source", "x-amz-copy-source")
    return bucket, key, version_id


class ObjectHandlers:
    """Reads and writes of single objects, and the listings."""

    store: Any
    blobs: Any
    bucket: Any
    now: Any
    notify: Any

    # -- shared -----------------------------------------------------------------------------

    def record(self, ctx: RequestContext, bucket: Bucket, key: str) -> ObjectRecord | None:
        return self.store.objects.get((bucket.partition, bucket.name, key))

    def current_write(self, ctx: RequestContext, bucket: Bucket, key: str) -> str | None:
        """The ``write_id`` of the key's newest version (a delete marker too), None if none."""
        record = self.record(ctx, bucket, key)
        return record.current.write_id if record and record.current else None

    def current_etag(self, ctx: RequestContext, bucket: Bucket, key: str) -> str | None:
        record = self.record(ctx, bucket, key)
        current = record.current if record else None
        if current is None or current.delete_marker:
            return None
        return current.etag

    def version_for_read(
        self, ctx: RequestContext, bucket: Bucket, key: str, version_id: str | None,
        method: str = "GET", *, marker_is_missing: bool = True,
    ) -> Version:
        """The version a request addresses, raising what S3 raises when there is none.

        A delete marker addressed by its id refuses ``method`` (405); the current version
        being a delete marker reads as a missing key, except for the sub-resources
        (tagging, ACL writes) that refuse the method there too (``marker_is_missing``).
        """
        record = self.record(ctx, bucket, key)
        if version_id is None:
            current = record.current if record else None
            if current is None:
                raise errors.no_such_key(key)
            if current.delete_marker:
                if not marker_is_missing:
                    raise errors.method_not_allowed(method, current.version_id)
                raise errors.no_such_key(
                    key, delete_marker=current.version_id if bucket.versioning else None
                )
            return current
        found = record.find(version_id) if record else None
        if found is None:
            check_version_id(bucket, version_id)
            raise errors.no_such_version(key, version_id)
        if found.delete_marker:
            raise errors.method_not_allowed(method, found.version_id)
        return found

    def store_version(self, ctx: RequestContext, bucket: Bucket, key: str, version: Version) -> Version:
        """Add ``version`` as the key's newest, replacing the ``null`` version unless
        versioning is enabled; frees the bodies nobody refers to any more."""
        record = self.record(ctx, bucket, key) or ObjectRecord()
        version.write_id = secrets.token_hex(8)
        if bucket.versioning == "Enabled":
            version.version_id = new_version_id()
        else:
            version.version_id = NULL_VERSION
            kept = []
            for old in record.versions:
                if old.version_id == NULL_VERSION:
                    self.blobs.delete(old.blob)
                else:
                    kept.append(old)
            record.versions = kept
        record.versions.insert(0, version)
        self.store.put_object(bucket.partition, bucket.name, key, record)
        return version

    def new_version(self, ctx: RequestContext, bucket: Bucket, params: dict[str, Any]) -> Version:
        """A version's attributes from a write's parameters (body not yet attached)."""
        check_write_values(params)
        headers = {name: params[name] for name in CONTENT_HEADERS if params.get(name) is not None}
        headers.setdefault("ContentType", "binary/octet-stream")
        version = Version(NULL_VERSION, self.now(ctx), headers=headers)
        version.metadata = {k.lower(): v for k, v in (params.get("Metadata") or {}).items()}
        version.tags = parse_tagging(params.get("Tagging"))
        version.storage_class = params.get("StorageClass") or "STANDARD"
        version.acl = self.acl_from_params(ctx.account_id, params)  # type: ignore[attr-defined]
        version.sse = self.sse_from_params(bucket, params)
        lock_from_params(bucket, version, params, self.bucket_lock_default(bucket, ctx))  # type: ignore[attr-defined]
        return version

    def sse_from_params(self, bucket: Bucket, params: dict[str, Any]) -> dict[str, Any]:
        """The encryption a write asks for, or the bucket's default; KMS keys as ARNs."""
        sse: dict[str, Any] = {}
        algorithm = params.get("ServerSideEncryption")
        key_id = params.get("SSEKMSKeyId")
        bucket_key = params.get("BucketKeyEnabled")
        if algorithm is None:
            default = (bucket.config.get("Encryption") or {}).get("ServerSideEncryptionConfiguration")
            rules = (default or {}).get("Rules") or []
            by_default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
            algorithm = by_default.get("SSEAlgorithm", "AES256")
            key_id = key_id or by_default.get("KMSMasterKeyID")
        if bucket_key is None:  # the bucket's setting, for whichever KMS key the write uses
            default = (bucket.config.get("Encryption") or {}).get("ServerSideEncryptionConfiguration")
            rules = (default or {}).get("Rules") or []
            bucket_key = bool(rules and rules[0].get("BucketKeyEnabled"))
        sse["ServerSideEncryption"] = algorithm
        if algorithm.startswith("aws:kms"):
            sse["SSEKMSKeyId"] = key_arn(self.env.internal, bucket, key_id)  # type: ignore[attr-defined]
        elif key_id:
            sse["SSEKMSKeyId"] = key_id
        if bucket_key and algorithm.startswith("aws:kms"):
            sse["BucketKeyEnabled"] = True
        customer = sse_c_for_write(params)
        if customer is not None:
            sse = customer
        return sse

    @staticmethod
    def checksum_fields(version: Version) -> dict[str, Any]:
        out: dict[str, Any] = {checksum_member(a): v for a, v in version.checksums.items()}
        if out and version.checksum_type:
            out["ChecksumType"] = version.checksum_type
        return out

    def object_headers(self, version: Version, bucket: Bucket) -> dict[str, Any]:
        """What GetObject and HeadObject say about a version, body aside."""
        out: dict[str, Any] = dict(version.headers)
        out.update(
            LastModified=to_datetime(version.last_modified),
            ETag=version.etag,
            ContentLength=version.size,
            AcceptRanges="bytes",
        )
        if version.metadata:
            out["Metadata"] = version.metadata
        if bucket.versioning:
            out["VersionId"] = version.version_id
        if version.storage_class != "STANDARD":
            out["StorageClass"] = version.storage_class
        if version.tags:
            out["TagCount"] = len(version.tags)
        out.update(version.sse)
        out.update(lock_fields(version))
        return out

    # -- PutObject ----------------------------------------------------------------------------

    async def put_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        key = params["Key"]
        check_key(key)
        check_write(self.current_etag(ctx, bucket, key), params.get("IfMatch"), params.get("IfNoneMatch"), key)
        version = self.new_version(ctx, bucket, params)
        headers = ctx.request.headers
        declared = declared_algorithm(headers)
        body = ctx.request.stream if ctx.request.stream is not None else params.get("Body")
        written = await self.blobs.write_stream(body, () if declared else (DEFAULT_ALGORITHM,))
        try:
            computed = dict(written.checksums)
            computed.update(getattr(body, "checksums", None) or ctx.request.checksums or {})
            computed.pop("content-md5", None)
            algorithm = declared if declared in computed else (DEFAULT_ALGORITHM if not declared else None)
            if declared and declared not in computed:
                # Declared but not computable here (no awscrt for xxhash): keep the header's.
                value = headers.get(f"x-amz-checksum-{declared}")
                if value:
                    computed[declared] = value
                    algorithm = declared
            # Conditional writes are evaluated again once the body is in: a concurrent
            # writer may have created the key meanwhile.
            check_write(self.current_etag(ctx, bucket, key), params.get("IfMatch"), params.get("IfNoneMatch"), key)
        except BaseException:
            self.blobs.delete(written.name)
            raise
        version.blob = written.name
        version.size = written.size
        version.etag = quoted(written.md5)
        if algorithm and algorithm in computed:
            version.checksums = {algorithm: computed[algorithm]}
            version.checksum_type = "FULL_OBJECT"
        self.store_version(ctx, bucket, key, version)
        self.notify(ctx, bucket, "ObjectCreated:Put", key, version)
        result: dict[str, Any] = {"ETag": version.etag, **version.sse, **self.checksum_fields(version)}
        if bucket.versioning == "Enabled":
            result["VersionId"] = version.version_id
        expiration = expiration_header(bucket, key, version)
        if expiration:
            result["Expiration"] = expiration
        return result

    # -- GetObject / HeadObject -----------------------------------------------------------------

    def _read(self, ctx: RequestContext, params: dict[str, Any], *, head: bool) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        key = params["Key"]
        version = self.version_for_read(ctx, bucket, key, params.get("VersionId"), "HEAD" if head else "GET")
        check_read_key(version.sse, params)
        if version.sse.get("SSEKMSKeyId"):
            check_key_usable(self.env.internal, bucket, version.sse["SSEKMSKeyId"])  # type: ignore[attr-defined]
        check_read(
            version.etag, version.last_modified, params.get("IfMatch"), params.get("IfNoneMatch"),
            params.get("IfModifiedSince"), params.get("IfUnmodifiedSince"), now=self.now(ctx),
        )  # fmt: skip
        now = ctx.clock.now() if ctx.clock else self.now(ctx)
        if not head:
            check_readable(version, now)
        result = self.object_headers(version, bucket)
        expiration = expiration_header(bucket, key, version)
        if expiration:
            result["Expiration"] = expiration
        restore = restore_header(version, now)
        if restore:
            result["Restore"] = restore
        part_number = params.get("PartNumber")
        if part_number is not None:
            if params.get("Range"):
                raise errors.invalid_request("Cannot specify both Range header and partNumber query parameter")
            span = self._part_span(version, part_number)
            whole = version.parts is None
        else:
            span = parse_range(params.get("Range"), version.size)
            whole = span is None
        if span is not None:
            start, end = span
            result["ContentLength"] = end - start + 1
            result["ContentRange"] = f"bytes {start}-{end}/{version.size}"
            result[STATUS_OVERRIDE] = 206
        if part_number is not None and version.parts is not None:
            result["PartsCount"] = len(version.parts)
        if params.get("ChecksumMode") == "ENABLED":
            if whole:
                result.update(self.checksum_fields(version))
            elif part_number is not None and version.parts[part_number - 1][1] and (
                version.checksum_type == "COMPOSITE" or len(version.parts) == 1
            ):  # a part of a FULL_OBJECT checksum has no checksum of its own to show
                algorithm = next(iter(version.checksums), None)
                if algorithm:
                    result[checksum_member(algorithm)] = version.parts[part_number - 1][1]
                    result["ChecksumType"] = version.checksum_type
        if not head:
            # Checked in the order of the query parameters' names, as S3 reports the first.
            for override, member in sorted(RESPONSE_OVERRIDES.items(), key=lambda item: _argument(item[0])):
                value = params.get(override)
                if value is None:
                    continue
                if isinstance(value, str) and not _latin1(value):
                    raise errors.invalid_argument(
                        "Header value cannot be represented using ISO-8859-1.", _argument(override), value
                    )
                result[member] = value
            if version.size == 0:
                result["Body"] = b""
            elif span is None:
                result["Body"] = self.blobs.reader(version.blob)
            else:
                result["Body"] = self.blobs.reader(version.blob, span[0], span[1] - span[0] + 1)
        return result

    @staticmethod
    def _part_span(version: Version, part_number: int) -> tuple[int, int] | None:
        """The bytes of part ``part_number`` (a single-part object is its own part 1)."""
        parts = version.parts or [(version.size, None)]
        if part_number < 1 or part_number > len(parts):
            raise ServiceError(
                "InvalidPartNumber", "The requested partnumber is not satisfiable", 416,
                details={"ActualPartCount": str(len(parts)), "PartNumberRequested": str(part_number)},
            )
        if version.size == 0:
            return None
        start = sum(size for size, _ in parts[: part_number - 1])
        size = parts[part_number - 1][0]
        return start, start + size - 1

    def get_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._read(ctx, params, head=False)

    def head_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._read(ctx, params, head=True)

    # -- DeleteObject / DeleteObjects ----------------------------------------------------------

    def remove(
        self, ctx: RequestContext, bucket: Bucket, key: str, version_id: str | None,
        bypass_governance: bool = False,
    ) -> dict[str, Any]:
        """Delete a key (a delete marker when versioned) or one version of it."""
        store = self.store
        record = self.record(ctx, bucket, key)
        if version_id is not None:
            found = record.find(version_id) if record is not None else None
            if found is None:
                check_version_id(bucket, version_id)
                return {"VersionId": version_id}
            check_delete_allowed(found, bypass_governance, self.now(ctx))
            record.forget(found)
            self.blobs.delete(found.blob)
            if record.versions:
                store.put_object(bucket.partition, bucket.name, key, record)
            else:
                store.drop_object(bucket.partition, bucket.name, key)
            result: dict[str, Any] = {"VersionId": version_id}
            if found.delete_marker:
                result["DeleteMarker"] = True
            self.notify(ctx, bucket, "ObjectRemoved:Delete", key, found)
            return result
        if not bucket.versioning:
            gone = Version(NULL_VERSION, self.now(ctx), delete_marker=True)
            if record is not None:
                for version in record.versions:
                    check_delete_allowed(version, bypass_governance, self.now(ctx))
                for version in record.versions:
                    self.blobs.delete(version.blob)
                store.drop_object(bucket.partition, bucket.name, key)
                gone = record.versions[0]
            # S3 announces the delete of a key that was not there as well.
            self.notify(ctx, bucket, "ObjectRemoved:Delete", key, gone)
            return {}
        marker = Version(NULL_VERSION, self.now(ctx), delete_marker=True)
        self.store_version(ctx, bucket, key, marker)
        self.notify(ctx, bucket, "ObjectRemoved:DeleteMarkerCreated", key, marker)
        return {"DeleteMarker": True, "VersionId": marker.version_id}

    def delete_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        key = params["Key"]
        check_bypass_header(bucket, params)
        if params.get("IfMatch") is not None:
            etag = self.current_etag(ctx, bucket, key)
            if etag is None:
                raise errors.no_such_key(key)
            check_write(etag, params["IfMatch"], None, key)
        return self.remove(
            ctx, bucket, key, params.get("VersionId"), bool(params.get("BypassGovernanceRetention"))
        )

    def delete_objects(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        check_bypass_header(bucket, params)
        request = params.get("Delete") or {}
        objects = request.get("Objects") or []
        if not objects or len(objects) > 1000:
            raise errors.malformed_xml()
        quiet = bool(request.get("Quiet"))
        deleted, failed = [], []
        for item in objects:
            key = item.get("Key", "")
            try:
                outcome = self.remove(
                    ctx, bucket, key, item.get("VersionId"),
                    bool(params.get("BypassGovernanceRetention")),
                )
            except ServiceError as error:
                if error.code == "InvalidArgument" and item.get("VersionId"):
                    # In a batch, an id no version can have is reported as a missing version.
                    error = errors.no_such_version(key, item["VersionId"])
                failed.append({"Key": key, "VersionId": item.get("VersionId"),
                               "Code": error.code, "Message": error.message})
                continue
            if quiet:
                continue
            entry: dict[str, Any] = {"Key": key}
            if item.get("VersionId"):
                entry["VersionId"] = item["VersionId"]
            if outcome.get("DeleteMarker"):
                # The marker made, or the marker removed when its own version was named.
                entry["DeleteMarker"] = True
                entry["DeleteMarkerVersionId"] = item.get("VersionId") or outcome["VersionId"]
            deleted.append(entry)
        result: dict[str, Any] = {}
        if deleted:
            result["Deleted"] = deleted
        if failed:
            result["Errors"] = [{k: v for k, v in e.items() if v is not None} for e in failed]
        return result

    # -- CopyObject -----------------------------------------------------------------------------

    def source_version(self, ctx: RequestContext, params: dict[str, Any]) -> tuple[Bucket, str, Version]:
        """The object a CopySource names, with the copy-source conditions checked."""
        source_bucket_name, source_key, source_version_id = parse_copy_source(params["CopySource"])
        source_bucket = self.bucket(ctx, source_bucket_name, "x-amz-source-expected-bucket-owner")
        try:
            source = self.version_for_read(ctx, source_bucket, source_key, source_version_id, "GET")
        except ServiceError as error:
            if error.code == "MethodNotAllowed":
                raise errors.invalid_request(
                    "The source of a copy request may not specifically refer to a delete marker by version id."
                ) from None
            raise
        check_read_key(source.sse, params, "CopySource")
        check_readable(source, ctx.clock.now() if ctx.clock else self.now(ctx))
        check_read(
            source.etag, source.last_modified,
            params.get("CopySourceIfMatch"), params.get("CopySourceIfNoneMatch"),
            params.get("CopySourceIfModifiedSince"), params.get("CopySourceIfUnmodifiedSince"),
            copy_source=True, now=self.now(ctx),
        )  # fmt: skip
        return source_bucket, source_key, source

    def copy_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        key = params["Key"]
        check_key(key)
        source_bucket, source_key, source = self.source_version(ctx, params)
        directive = params.get("MetadataDirective") or "COPY"
        if directive not in DIRECTIVES:
            raise errors.invalid_argument("Unknown metadata directive.")
        tagging_directive = params.get("TaggingDirective") or "COPY"
        if tagging_directive not in DIRECTIVES:
            raise errors.invalid_argument("Unknown tagging directive.")
        same = source_bucket.name == bucket.name and source_key == key
        # The copy's encryption changes when asked, when the bucket has a default of its own,
        # or when the source's differs from the default the copy gets.
        encryption_changes = bool(bucket.config.get("Encryption")) or (
            self.sse_from_params(bucket, params) != source.sse
        )
        if same and directive == "COPY" and not encryption_changes and not any(
            params.get(name) for name in (
                "StorageClass", "WebsiteRedirectLocation", "ServerSideEncryption", "SSEKMSKeyId",
                "SSECustomerAlgorithm",
            )
        ):  # fmt: skip
            raise errors.invalid_request(
                "This copy request is illegal because it is trying to copy an object to itself "
                "without changing the object's metadata, storage class, website redirect "
                "location or encryption attributes."
            )
        check_write(self.current_etag(ctx, bucket, key), params.get("IfMatch"), params.get("IfNoneMatch"), key)
        version = self.new_version(ctx, bucket, params)
        if directive == "COPY":
            version.headers = dict(source.headers)
            version.metadata = dict(source.metadata)
            if params.get("WebsiteRedirectLocation"):
                version.headers["WebsiteRedirectLocation"] = params["WebsiteRedirectLocation"]
        if tagging_directive == "COPY":
            version.tags = dict(source.tags)
        version.blob = self.blobs.copy(source.blob) if source.blob is not None else None
        version.size = source.size
        version.etag = source.etag
        if source.parts:
            # A copy is one object of one part: its ETag is the MD5 of the whole body.
            digest = base64.b64decode(self.blobs.checksum(version.blob, "md5"))
            version.etag = quoted(digest.hex())
        algorithm = (params.get("ChecksumAlgorithm") or "").lower()
        if not algorithm and source.checksum_type == "COMPOSITE":
            algorithm = next(iter(source.checksums), "")
        if algorithm and (algorithm not in source.checksums or source.checksum_type == "COMPOSITE"):
            version.checksums = {algorithm: self.blobs.checksum(version.blob, algorithm)}
            version.checksum_type = "FULL_OBJECT"
        else:
            version.checksums = dict(source.checksums)
            version.checksum_type = source.checksum_type
        self.store_version(ctx, bucket, key, version)
        self.notify(ctx, bucket, "ObjectCreated:Copy", key, version)
        copy_result: dict[str, Any] = {
            "ETag": version.etag,
            "LastModified": to_datetime(version.last_modified),
            **self.checksum_fields(version),
        }
        result: dict[str, Any] = {"CopyObjectResult": copy_result, **version.sse}
        if source_bucket.versioning and source.version_id != NULL_VERSION:
            result["CopySourceVersionId"] = source.version_id
        if bucket.versioning:  # a copy into a suspended bucket names its "null" version
            result["VersionId"] = version.version_id
        return result

    # -- GetObjectAttributes ------------------------------------------------------------------

    @staticmethod
    def _object_parts(version: Version, params: dict[str, Any]) -> dict[str, Any]:
        """``ObjectParts``: the part count, and the parts themselves only for an object
        whose checksum is made of its parts' (COMPOSITE): the others keep no part list."""
        parts = version.parts or []
        if version.checksum_type != "COMPOSITE":
            return {"TotalPartsCount": len(parts)}
        marker = params.get("PartNumberMarker") or 0
        limit = params.get("MaxParts") or 1000
        numbered = [(n + 1, p) for n, p in enumerate(parts) if n + 1 > marker]
        shown = numbered[:limit]
        algorithm = next(iter(version.checksums), None)
        parts_out = []
        for number, (size, checksum) in shown:
            part: dict[str, Any] = {"PartNumber": number, "Size": size}
            if checksum and algorithm:
                part[checksum_member(algorithm)] = checksum
            parts_out.append(part)
        return {
            "TotalPartsCount": len(parts),
            "PartNumberMarker": marker,
            "NextPartNumberMarker": shown[-1][0] if shown else 0,
            "MaxParts": limit,
            "IsTruncated": len(numbered) > limit,
            "Parts": parts_out,
        }

    def get_object_attributes(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        version = self.version_for_read(ctx, bucket, params["Key"], params.get("VersionId"))
        check_read_key(version.sse, params)
        wanted = set(params.get("ObjectAttributes") or [])
        if not wanted <= OBJECT_ATTRIBUTES:
            raise errors.invalid_argument("Invalid attribute name specified.")
        result: dict[str, Any] = {"LastModified": to_datetime(version.last_modified)}
        if bucket.versioning:
            result["VersionId"] = version.version_id
        # In S3's order, whatever order the request lists them in.
        if "ETag" in wanted:
            result["ETag"] = version.etag.strip('"')
        if "Checksum" in wanted and version.checksums:
            result["Checksum"] = self.checksum_fields(version)
        if "ObjectParts" in wanted and version.parts:
            result["ObjectParts"] = self._object_parts(version, params)
        if "StorageClass" in wanted:
            result["StorageClass"] = version.storage_class
        if "ObjectSize" in wanted:
            result["ObjectSize"] = version.size
        return result
