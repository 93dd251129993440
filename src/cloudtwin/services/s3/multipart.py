"""Multipart uploads: create, upload part (and part copy), complete, abort, list.

Each part is a file of its own; completion writes the parts one after another into the
object's file, computing a full-object checksum on the way when the upload asked for one.
The ETag is S3's ``"<md5 of the parts' binary md5s>-<part count>"``; a COMPOSITE checksum
is the checksum of the parts' binary checksums with ``-<part count>`` appended.
Every part but the last must be at least 5 MiB.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.checksums import new_hasher
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.s3 import errors
from cloudtwin.services.s3.conditions import check_write, parse_range
from cloudtwin.services.s3.listing import url_encoder
from cloudtwin.services.s3.models import Part, Upload, to_datetime
from cloudtwin.services.s3.ssec import check_part_key
from cloudtwin.services.s3.owners import initiator, owner
from cloudtwin.services.s3.objects import (
    DEFAULT_ALGORITHM,
    FULL_OBJECT_CAPABLE,
    check_key,
    checksum_member,
    declared_algorithm,
    quoted,
)

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_NUMBER = 10000


def _part_number(number: int) -> int:
    if number < 1 or number > MAX_PART_NUMBER:
        raise errors.invalid_argument("Part number must be an integer between 1 and 10000, inclusive")
    return number


def _invalid_part(upload_id: str, number: int, etag: str) -> ServiceError:
    return ServiceError(
        "InvalidPart",
        "One or more of the specified parts could not be found.  The part may not have been "
        "uploaded, or the specified entity tag may not match the part's entity tag.",
        400,
        details={"ETag": etag.strip('"'), "PartNumber": str(number), "UploadId": upload_id},
    )


def _entity_too_small(part: Part) -> ServiceError:
    return ServiceError(
        "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", 400,
        details={
            "ETag": part.etag.strip('"'), "MinSizeAllowed": str(MIN_PART_SIZE),
            "PartNumber": str(part.number), "ProposedSize": str(part.size),
        },
    )


def _given_checksum(params: dict[str, Any]) -> tuple[str, str] | None:
    """The full-object checksum a CompleteMultipartUpload states (algorithm, value)."""
    for name, value in params.items():
        if name.startswith("Checksum") and name not in ("ChecksumType", "ChecksumAlgorithm") and value:
            return name[len("Checksum"):].lower(), value
    return None


_COPY_RANGE = re.compile(r"bytes=(\d+)-(\d+)")


def _copy_range(text: str, size: int) -> tuple[int, int]:
    """``x-amz-copy-source-range``: exactly ``bytes=first-last`` inside the source."""
    argument = "x-amz-copy-source-range"
    match = _COPY_RANGE.fullmatch(text)
    if match is None or int(match.group(1)) > int(match.group(2)):
        raise errors.invalid_argument(
            "The x-amz-copy-source-range value must be of the form bytes=first-last where first "
            "and last are the zero-based offsets of the first and last bytes to copy", argument, text,
        )
    first, last = int(match.group(1)), int(match.group(2))
    if first >= size:
        raise errors.invalid_request("The specified copy range is invalid for the source object size")
    if last >= size:
        raise errors.invalid_argument(
            f"Range specified is not valid for source object of size: {size}", argument, text
        )
    return first, last


def _after_markers(uploads: list[Upload], key_marker: str, id_marker: str) -> list[Upload]:
    """The uploads after ``key_marker`` — or, with ``id_marker``, those of the marker key
    that come after that upload, then the later keys."""
    if not id_marker:
        return [u for u in uploads if u.key > key_marker]
    same_key = [u for u in uploads if u.key == key_marker]
    ids = [u.upload_id for u in same_key]
    if id_marker not in ids:
        raise errors.invalid_argument("Invalid uploadId marker", "upload-id-marker", id_marker)
    return same_key[ids.index(id_marker) + 1:] + [u for u in uploads if u.key > key_marker]


def check_checksum_type(checksum_type: str | None) -> None:
    if checksum_type is not None and checksum_type not in ("COMPOSITE", "FULL_OBJECT"):
        raise errors.invalid_request("Value for x-amz-checksum-type header is invalid.")


class MultipartHandlers:
    store: Any
    blobs: Any
    bucket: Any
    now: Any
    notify: Any
    new_version: Any
    store_version: Any
    current_etag: Any
    current_write: Any
    source_version: Any
    checksum_fields: Any

    def upload(self, ctx: RequestContext, bucket_name: str, key: str, upload_id: str) -> Upload:
        self.bucket(ctx, bucket_name)
        upload = self.store.uploads.get(upload_id)
        if upload is None or upload.bucket != bucket_name or upload.key != key:
            raise errors.no_such_upload(upload_id)
        return upload

    def create_multipart_upload(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        key = params["Key"]
        check_key(key)
        template = self.new_version(ctx, bucket, params)
        algorithm = (params.get("ChecksumAlgorithm") or "").lower() or None
        checksum_type = params.get("ChecksumType")
        check_checksum_type(checksum_type)
        if checksum_type is not None and algorithm is None:
            raise errors.invalid_request(
                "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header."
            )
        if checksum_type == "FULL_OBJECT" and algorithm and algorithm not in FULL_OBJECT_CAPABLE:
            raise errors.invalid_request(
                f"The FULL_OBJECT checksum type cannot be used with the {algorithm} checksum algorithm."
            )
        if algorithm is not None and checksum_type is None:
            checksum_type = "FULL_OBJECT" if algorithm == "crc64nvme" else "COMPOSITE"
        # Without an algorithm the upload has none (the "null" checksum mode): its parts keep
        # whatever checksum their client sent, and the object gets S3's default CRC64NVME.
        upload_id = secrets.token_urlsafe(48)
        self.store.uploads[upload_id] = Upload(
            upload_id, ctx.partition, bucket.name, key, self.now(ctx), ctx.account_id, template,
            algorithm, checksum_type, base_write=self.current_write(ctx, bucket, key),
            started=ctx.clock.now() if ctx.clock else self.now(ctx),
        )  # fmt: skip
        result: dict[str, Any] = {"Bucket": bucket.name, "Key": key, "UploadId": upload_id, **template.sse}
        if algorithm is not None:
            result["ChecksumAlgorithm"] = algorithm.upper()
            result["ChecksumType"] = checksum_type
        return result

    async def upload_part(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        upload = self.upload(ctx, params["Bucket"], params["Key"], params["UploadId"])
        number = _part_number(params["PartNumber"])
        check_part_key(upload.template.sse, params)
        declared = declared_algorithm(ctx.request.headers)
        if declared and upload.checksum_algorithm and declared != upload.checksum_algorithm:
            raise errors.invalid_request(
                f"Checksum Type mismatch occurred, expected checksum Type: {upload.checksum_algorithm}, "
                f"actual checksum Type: {declared}"
            )
        wanted = upload.checksum_algorithm or declared
        body = ctx.request.stream if ctx.request.stream is not None else params.get("Body")
        extra = () if (wanted is None or wanted == declared) else (wanted,)
        written = await self.blobs.write_stream(body, extra, inline_max=0)  # parts: always files
        computed = dict(written.checksums)
        computed.update(getattr(body, "checksums", None) or ctx.request.checksums or {})
        upload = self.store.uploads.get(params["UploadId"])
        if upload is None:  # aborted while the body was arriving
            self.blobs.delete(written.name)
            raise errors.no_such_upload(params["UploadId"])
        part = Part(number, written.name, written.size, quoted(written.md5), self.now(ctx))
        if wanted and wanted in computed:
            part.checksums = {wanted: computed[wanted]}
        old = upload.parts.get(number)
        if old is not None:
            self.blobs.delete(old.blob)
        upload.parts[number] = part
        self.store.uploads.save(upload.upload_id)
        result: dict[str, Any] = {"ETag": part.etag, **upload.template.sse}
        result.update({checksum_member(a): v for a, v in part.checksums.items()})
        return result

    def upload_part_copy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        upload = self.upload(ctx, params["Bucket"], params["Key"], params["UploadId"])
        number = _part_number(params["PartNumber"])
        source_bucket, _, source = self.source_version(ctx, params)
        span = (0, source.size - 1)
        if params.get("CopySourceRange"):
            span = _copy_range(params["CopySourceRange"], source.size)
        length = span[1] - span[0] + 1 if source.size else 0
        written = self.blobs.write_range_copy(source.blob, span[0], length) if source.blob is not None else None
        if written is None:
            raise errors.invalid_request("The specified copy source is not supported as a byte-range copy source.")
        part = Part(number, written.name, written.size, quoted(written.md5), self.now(ctx))
        if upload.checksum_algorithm:
            part.checksums = {upload.checksum_algorithm: self.blobs.checksum(written.name, upload.checksum_algorithm)}
        else:
            part.checksums = {}
        old = upload.parts.get(number)
        if old is not None:
            self.blobs.delete(old.blob)
        upload.parts[number] = part
        self.store.uploads.save(upload.upload_id)
        copy_result: dict[str, Any] = {"ETag": part.etag, "LastModified": to_datetime(part.last_modified)}
        copy_result.update({checksum_member(a): v for a, v in part.checksums.items()})
        result: dict[str, Any] = {"CopyPartResult": copy_result, **upload.template.sse}
        if source_bucket.versioning:
            result["CopySourceVersionId"] = source.version_id
        return result

    def complete_multipart_upload(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        key = params["Key"]
        upload = self.upload(ctx, bucket.name, key, params["UploadId"])
        check_checksum_type(params.get("ChecksumType"))
        self._check_completion_conditions(ctx, bucket, upload, params)
        if params.get("ChecksumType") is not None and params["ChecksumType"] != upload.checksum_type:
            raise errors.invalid_request(
                f"The upload was created using the {upload.checksum_type or 'null'} checksum mode. "
                "The complete request must use the same checksum mode."
            )
        listed = (params.get("MultipartUpload") or {}).get("Parts") or []
        if not listed:
            raise errors.invalid_request("You must specify at least one part")
        chosen = self._chosen_parts(upload, listed)
        for part in chosen[:-1]:
            if part.size < MIN_PART_SIZE:
                raise _entity_too_small(part)
        algorithm, checksum_type = upload.checksum_algorithm, upload.checksum_type
        customer_key = "SSECustomerKeyMD5" in upload.template.sse
        if algorithm is None and not customer_key:
            # The "null" checksum mode: the object gets S3's default full-object checksum
            # (not under a customer key: S3 cannot checksum what it only holds encrypted).
            algorithm, checksum_type = DEFAULT_ALGORITHM, "FULL_OBJECT"
        full_hasher = new_hasher(algorithm) if algorithm and checksum_type == "FULL_OBJECT" else None
        blob, size = self.blobs.concat([p.blob for p in chosen], full_hasher)
        version = upload.template
        version.last_modified = self.now(ctx)
        version.blob = blob
        version.size = size
        digest = hashlib.md5(b"".join(bytes.fromhex(p.etag.strip('"')) for p in chosen), usedforsecurity=False)
        version.etag = f'"{digest.hexdigest()}-{len(chosen)}"'
        value = ""
        if full_hasher is not None:
            value = base64.b64encode(full_hasher.digest()).decode("ascii")
        elif algorithm:
            hasher = new_hasher(algorithm)
            for part in chosen:
                hasher.update(base64.b64decode(part.checksums.get(algorithm, "")))
            value = f"{base64.b64encode(hasher.digest()).decode('ascii')}-{len(chosen)}"
        given = _given_checksum(params)
        # A full-object checksum is read as one only with its type stated (else: a mismatch).
        unstated = checksum_type == "FULL_OBJECT" and params.get("ChecksumType") != "FULL_OBJECT"
        if given is not None and upload.checksum_algorithm is not None and (given[1] != value or unstated):
            self.blobs.delete(blob)
            raise ServiceError(
                "BadDigest", f"The {algorithm} you specified did not match the calculated checksum.", 400
            )
        version.checksums = {algorithm: value} if algorithm else {}
        version.checksum_type = checksum_type
        version.parts = [(p.size, p.checksums.get(algorithm) if algorithm else None) for p in chosen]
        mpu_size = params.get("MpuObjectSize")
        if mpu_size is not None and mpu_size != size:
            self.blobs.delete(blob)
            raise errors.invalid_request(
                f"The provided 'x-amz-mp-object-size' header value {mpu_size} does not match what was computed: {size}"
            )
        self.store_version(ctx, bucket, key, version)
        for part in upload.parts.values():
            self.blobs.delete(part.blob)
        del self.store.uploads[upload.upload_id]
        self.notify(ctx, bucket, "ObjectCreated:CompleteMultipartUpload", key, version)
        host = ctx.request.host or "localhost"
        result: dict[str, Any] = {
            "Location": f"http://{host}/{bucket.name}/{key}",
            "Bucket": bucket.name,
            "Key": key,
            "ETag": version.etag,
            **version.sse,
        }
        if upload.checksum_algorithm or not version.sse.get("SSEKMSKeyId"):
            # (S3 leaves the default checksum of a KMS-encrypted upload out of this answer.)
            result.update(self.checksum_fields(version))
        if bucket.versioning == "Enabled":
            result["VersionId"] = version.version_id
        return result

    def _check_completion_conditions(
        self, ctx: RequestContext, bucket: Any, upload: Upload, params: dict[str, Any]
    ) -> None:
        """``If-Match`` / ``If-None-Match`` on completion: the condition, then that nobody
        wrote the key since the upload began (409 ConditionalRequestConflict)."""
        if_match, if_none_match = params.get("IfMatch"), params.get("IfNoneMatch")
        check_write(self.current_etag(ctx, bucket, upload.key), if_match, if_none_match, upload.key)
        if (if_match or if_none_match) and self.current_write(ctx, bucket, upload.key) != upload.base_write:
            raise ServiceError(
                "ConditionalRequestConflict",
                "The conditional request cannot succeed due to a conflicting operation against this resource.",
                409,
                details={"Condition": "If-Match" if if_match else "If-None-Match", "Key": upload.key},
            )

    @staticmethod
    def _chosen_parts(upload: Upload, listed: list[dict[str, Any]]) -> list[Part]:
        """The uploaded parts a completion lists, in order, checked against what was uploaded."""
        chosen: list[Part] = []
        previous = 0
        for item in listed:
            number = item.get("PartNumber", 0)
            if number <= previous:
                raise ServiceError(
                    "InvalidPartOrder",
                    "The list of parts was not in ascending order. Parts must be ordered by part number.",
                    400,
                )
            previous = number
            etag = item.get("ETag") or ""
            part = upload.parts.get(number)
            if part is None or etag.strip('"') != part.etag.strip('"'):
                raise _invalid_part(upload.upload_id, number, etag)
            stated = {n[len("Checksum"):].lower(): v for n, v in item.items() if n.startswith("Checksum") and v}
            if stated and upload.checksum_algorithm is None:
                # An upload without a checksum algorithm has no part checksums to match.
                raise _invalid_part(upload.upload_id, number, etag)
            for algorithm, value in stated.items():
                if part.checksums.get(algorithm) != value:
                    raise _invalid_part(upload.upload_id, number, etag)
            chosen.append(part)
        return chosen

    def abort_multipart_upload(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        upload = self.upload(ctx, params["Bucket"], params["Key"], params["UploadId"])
        for part in upload.parts.values():
            self.blobs.delete(part.blob)
        del self.store.uploads[upload.upload_id]
        return {}

    def list_parts(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        upload = self.upload(ctx, params["Bucket"], params["Key"], params["UploadId"])
        marker = params.get("PartNumberMarker") or 0
        limit = params.get("MaxParts")
        limit = 1000 if limit is None else min(limit, 1000)
        numbers = sorted(n for n in upload.parts if n > marker)
        shown = numbers[:limit]
        truncated = len(numbers) > limit
        parts = []
        for number in shown:
            part = upload.parts[number]
            item: dict[str, Any] = {
                "PartNumber": number,
                "LastModified": to_datetime(part.last_modified),
                "ETag": part.etag,
                "Size": part.size,
            }
            if upload.checksum_algorithm:
                item.update({checksum_member(a): v for a, v in part.checksums.items()})
            parts.append(item)
        result: dict[str, Any] = {
            "Bucket": upload.bucket,
            "Key": upload.key,
            "UploadId": upload.upload_id,
            "PartNumberMarker": marker,
            "MaxParts": limit,
            "IsTruncated": truncated,
            "Initiator": initiator(upload.account_id),
            "Owner": owner(upload.account_id),
            "StorageClass": upload.template.storage_class,
            "NextPartNumberMarker": shown[-1] if shown else 0,
        }
        if upload.checksum_algorithm:
            result["ChecksumAlgorithm"] = upload.checksum_algorithm.upper()
            result["ChecksumType"] = upload.checksum_type
        if parts:
            result["Parts"] = parts
        return result

    def list_multipart_uploads(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        encode = url_encoder(params.get("EncodingType"))
        prefix = params.get("Prefix") or ""
        delimiter = params.get("Delimiter") or ""
        key_marker = params.get("KeyMarker") or ""
        id_marker = params.get("UploadIdMarker") or ""
        limit = params.get("MaxUploads")
        limit = 1000 if limit is None else min(limit, 1000)
        uploads = sorted(
            (u for u in self.store.uploads.values()
             if u.partition == ctx.partition and u.bucket == bucket.name and u.key.startswith(prefix)),
            key=lambda u: (u.key, u.started or u.initiated, u.upload_id),
        )  # fmt: skip
        if key_marker:
            uploads = _after_markers(uploads, key_marker, id_marker)
        entries: list[dict[str, Any]] = []
        prefixes: list[str] = []
        truncated = False
        last = None
        for upload in uploads:
            if delimiter:
                cut = upload.key.find(delimiter, len(prefix))
                if cut >= 0:
                    common = upload.key[: cut + len(delimiter)]
                    if common in prefixes or (key_marker and common <= key_marker):
                        continue  # listed already, or on a page before the marker
                    if len(entries) + len(prefixes) >= limit:
                        truncated = True
                        break
                    prefixes.append(common)
                    continue
            if len(entries) + len(prefixes) >= limit:
                truncated = True
                break
            last = upload
            entries.append({
                "UploadId": upload.upload_id,
                "Key": encode(upload.key),
                "Initiated": to_datetime(upload.initiated),
                "StorageClass": upload.template.storage_class,
                "Owner": owner(upload.account_id),
                "Initiator": initiator(upload.account_id),
                **({"ChecksumAlgorithm": upload.checksum_algorithm.upper(), "ChecksumType": upload.checksum_type}
                   if upload.checksum_algorithm else {}),
            })
        result: dict[str, Any] = {
            "Bucket": bucket.name,
            "KeyMarker": encode(key_marker),
            "UploadIdMarker": id_marker if key_marker else "",  # ignored without a key marker
            "MaxUploads": limit,
            "IsTruncated": truncated,
            # S3 names where the next page starts even on the last page (empty when none).
            "NextKeyMarker": encode(last.key) if last is not None else "",
            "NextUploadIdMarker": last.upload_id if last is not None else "",
        }
        if params.get("Prefix") is not None:
            result["Prefix"] = encode(prefix)
        if params.get("EncodingType"):
            result["EncodingType"] = params["EncodingType"]
        if delimiter:
            result["Delimiter"] = encode(delimiter)
        if entries:
            result["Uploads"] = entries
        if prefixes:
            result["CommonPrefixes"] = [{"Prefix": encode(p)} for p in prefixes]
        return result
