"""POST Object: browser form uploads (presigned POST), with the policy document enforced.

S3's form upload has no botocore operation, so the gateway hands the request here whole
(``post_object(ctx, uri_params)``) and this module answers at the HTTP level: it reads the
``multipart/form-data`` fields, checks the signature over the base64 policy, the policy's
expiry (virtual clock) and every condition, then stores the ``file`` field as the object.
The answer is S3's: 204 by default, 200/201 with ``success_action_status``, or a 303 to
``success_action_redirect``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlencode

from cloudtwin.gateway.context import RequestContext
from cloudtwin.gateway.presign import SIGNATURE_MISMATCH, presign_secrets, signing_key
from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.http import HttpResponse
from cloudtwin.protocol.rest_xml_serializer import host_id
from cloudtwin.protocol.xml_writer import escape_text
from cloudtwin.services.s3 import errors
from cloudtwin.services.s3.objects import DEFAULT_ALGORITHM, quoted

#: Form fields no policy condition needs to cover.
_EXEMPT = frozenset({"policy", "x-amz-signature", "signature", "awsaccesskeyid", "file", "bucket"})


def _policy_error(detail: str) -> ServiceError:
    return errors.access_denied(f"Invalid according to Policy: {detail}")


def _invalid_policy(detail: str) -> ServiceError:
    return ServiceError("InvalidPolicyDocument", f"Invalid Policy: {detail}", 400)


def _render(condition: list) -> str:
    """A condition as S3 quotes it in its messages: the policy's JSON array, as written."""
    return "[" + ", ".join(json.dumps(item, ensure_ascii=False) for item in condition) + "]"


def virtual_host(host: str, bucket: str) -> str:
    """The bucket's virtual-host name (with the port) below the host a request was sent to:
    S3 answers a form upload with the object's virtual-host URL. An IP address has no
    subdomains: the bucket is named below ``s3.localhost.localstack.cloud`` then, which
    resolves to the loopback address."""
    if host.lower().startswith(f"{bucket.lower()}."):
        return host
    name, sep, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
    if not sep or not port.isdigit():
        name, sep, port = host, "", ""
    if name.startswith("[") or name.replace(".", "").isdigit():
        name = "localhost.localstack.cloud"
    if name.split(".")[0].lower() != "s3":
        name = f"s3.{name}"
    return f"{bucket}.{name}{sep}{port}"


def parse_form(content_type: str, body: bytes) -> tuple[dict[str, str], bytes | None, str]:
    """The text fields (names lower-cased), the ``file`` field's bytes and its filename."""
    boundary = None
    for item in content_type.split(";"):
        name, _, value = item.strip().partition("=")
        if name.lower() == "boundary":
            boundary = value.strip('"')
    if not boundary:
        raise errors.invalid_argument("POST requires exactly one file upload per request.")
    fields: dict[str, str] = {}
    file_data: bytes | None = None
    filename = ""
    delimiter = b"--" + boundary.encode("latin-1")
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        if content.endswith(b"\r\n"):
            content = content[:-2]
        disposition = ""
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            if key.strip().lower() == "content-disposition":
                disposition = value
        name = part_filename = None
        for piece in disposition.split(";"):
            key, _, value = piece.strip().partition("=")
            if key.lower() == "name":
                name = value.strip('"')
            elif key.lower() == "filename":
                part_filename = value.strip('"')
        if name is None:
            continue
        if name.lower() == "file":
            file_data, filename = content, part_filename or ""
            break  # S3 ignores fields after the file
        fields[name.lower()] = content.decode("utf-8")
    if file_data is None:
        raise errors.invalid_argument("POST requires exactly one file upload per request.")
    return fields, file_data, filename


def check_policy(fields: dict[str, str], bucket: str, size: int, now: float) -> None:
    """The policy's expiry and conditions (raises AccessDenied / EntityTooLarge / ...)."""
    try:
        policy = read_json(base64.b64decode(fields["policy"]))
    except (ValueError, KeyError):
        raise _invalid_policy("Invalid JSON.") from None
    if not isinstance(policy, dict):
        raise _invalid_policy("Invalid JSON.")
    try:
        _check_policy(policy, fields, bucket, size, now)
    except (TypeError, ValueError, AttributeError):
        raise _invalid_policy("Invalid Condition.") from None


def _check_policy(policy: dict, fields: dict[str, str], bucket: str, size: int, now: float) -> None:
    expiration = policy.get("expiration")
    if not expiration or not isinstance(expiration, str):
        raise _invalid_policy("Policy missing expiration.")
    try:
        expires = datetime.fromisoformat(expiration.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise _invalid_policy(f"Invalid 'expiration' value: '{expiration}'") from None
    if now > expires:
        raise _policy_error("Policy expired.")
    values = dict(fields, bucket=bucket)
    covered: set[str] = set()
    for condition in policy.get("conditions") or []:
        if isinstance(condition, dict):
            if len(condition) != 1:
                raise _invalid_policy("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
            for written, expected in condition.items():
                name = written.lower()
                covered.add(name)
                if values.get(name) != expected:
                    raise _policy_error(f"Policy Condition failed: {_render(['eq', '$' + written, expected])}")
            continue
        if not isinstance(condition, list) or len(condition) != 3:
            raise _invalid_policy("Invalid Condition.")
        operator = str(condition[0]).lower()
        if operator == "content-length-range":
            try:
                low, high = int(condition[1]), int(condition[2])
            except (TypeError, ValueError):
                raise _policy_error(f"Policy Condition failed: {_render(condition)}") from None
            if size > high:
                raise ServiceError(
                    "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400,
                    details={"ProposedSize": str(size), "MaxSizeAllowed": str(high)},
                )
            if size < low:
                raise ServiceError(
                    "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", 400,
                    details={"ProposedSize": str(size), "MinSizeAllowed": str(low)},
                )
            continue
        field = str(condition[1])
        # A field is named with a leading "$"; a condition without it names no field.
        name = field[1:].lower() if field.startswith("$") else None
        if name is not None:
            covered.add(name)
        actual = values.get(name, "") if name is not None else None
        expected = str(condition[2])
        if operator == "eq":
            ok = actual == expected
        elif operator == "starts-with":
            items = (actual.split(",") if name == "content-type" else [actual]) if actual is not None else []
            ok = bool(items) and all(item.strip().startswith(expected) for item in items)
        else:
            raise _invalid_policy(f"Invalid Condition: unknown operator {operator}.")
        if not ok:
            raise _policy_error(f"Policy Condition failed: {_render(condition)}")
    extra = [
        name for name in fields
        if name not in covered and name not in _EXEMPT and not name.startswith("x-ignore-")
        and name not in ("x-amz-credential", "x-amz-algorithm", "x-amz-date", "x-amz-security-token")
    ]  # fmt: skip
    if extra:
        raise _policy_error(f"Extra input fields: {', '.join(extra)}")


def check_signature(fields: dict[str, str], secrets: tuple[str, ...] | None) -> None:
    if secrets is None:
        return
    policy = fields.get("policy", "").encode()
    if "x-amz-signature" not in fields and "signature" not in fields:
        name = "X-Amz-Signature" if "x-amz-credential" in fields or "x-amz-algorithm" in fields else "Signature"
        raise errors.invalid_argument(
            f"Bucket POST must contain a field named '{name}'.  If it is specified, please check the "
            "order of the fields.", name, "",
        )
    if "x-amz-signature" in fields:
        parts = fields.get("x-amz-credential", "").split("/")
        if len(parts) != 5:
            raise errors.invalid_argument("Invalid according to Policy: Credential is malformed.")
        _, date, region, service, _ = parts
        for secret in secrets:
            expected = hmac.new(signing_key(secret, date, region, service), policy, hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, fields["x-amz-signature"]):
                return
    elif "signature" in fields:
        for secret in secrets:
            expected = base64.b64encode(hmac.new(secret.encode(), policy, hashlib.sha1).digest()).decode()
            if hmac.compare_digest(expected, fields["signature"]):
                return
    raise ServiceError("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403)


class PostHandlers:
    env: Any
    bucket: Any
    blobs: Any
    now: Any
    new_version: Any
    store_version: Any
    notify: Any

    def _form_secrets(self, fields: dict[str, str]) -> tuple[str, ...] | None:
        """The secrets the form's signature may be made with: those of the key it names
        when IAM or STS issued it, the default credentials' otherwise (see gateway.presign);
        None when the key's secret is not known here (only the policy is checked then)."""
        credential = fields.get("x-amz-credential")
        access_key = credential.split("/", 1)[0] if credential else fields.get("awsaccesskeyid")
        identity = self.env.identities.resolve(access_key or None)
        secrets = presign_secrets()
        if secrets is not None and identity.secret is not None:
            return (identity.secret,)
        return secrets if identity.is_root else None

    async def post_object(self, ctx: RequestContext, uri_params: dict[str, str]) -> HttpResponse:
        bucket = self.bucket(ctx, uri_params.get("Bucket", ""))
        if not ctx.request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            raise errors.precondition_failed("Bucket POST must be of the enclosure-type multipart/form-data")
        fields, data, filename = parse_form(ctx.request.headers.get("content-type", ""), ctx.request.body)
        if "key" not in fields:
            raise errors.invalid_argument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.")
        if "policy" in fields:
            check_signature(fields, self._form_secrets(fields))
            check_policy(fields, bucket.name, len(data or b""), ctx.clock.now() if ctx.clock else self.now(ctx))
        key = fields["key"].replace("${filename}", filename)
        params: dict[str, Any] = {
            "Metadata": {k[len("x-amz-meta-"):]: v for k, v in fields.items() if k.startswith("x-amz-meta-")},
        }
        for field, member in (
            ("content-type", "ContentType"), ("cache-control", "CacheControl"),
            ("content-disposition", "ContentDisposition"), ("content-encoding", "ContentEncoding"),
            ("acl", "ACL"), ("x-amz-storage-class", "StorageClass"),
            ("x-amz-server-side-encryption", "ServerSideEncryption"),
        ):  # fmt: skip
            if field in fields:
                params[member] = fields[field]
        if "expires" in fields:
            try:
                params["Expires"] = parsedate_to_datetime(fields["expires"])
            except (TypeError, ValueError):
                pass  # not an HTTP date: S3 keeps no Expires header then
        version = self.new_version(ctx, bucket, params)
        written = await self.blobs.write_stream(data, (DEFAULT_ALGORITHM,))
        version.blob, version.size, version.etag = written.name, written.size, quoted(written.md5)
        version.checksums = dict(written.checksums)
        version.checksum_type = "FULL_OBJECT"
        self.store_version(ctx, bucket, key, version)
        self.notify(ctx, bucket, "ObjectCreated:Post", key, version)
        location = f"http://{virtual_host(ctx.request.host or 'localhost', bucket.name)}/{quote(key)}"
        headers = {
            "x-amz-request-id": ctx.request_id,
            "x-amz-id-2": host_id(ctx.request_id),
            "ETag": version.etag,
            "Location": location,
        }
        if bucket.versioning == "Enabled":
            headers["x-amz-version-id"] = version.version_id
        for algorithm, value in version.checksums.items():
            headers[f"x-amz-checksum-{algorithm}"] = value
            headers["x-amz-checksum-type"] = version.checksum_type or "FULL_OBJECT"
        redirect = fields.get("success_action_redirect") or fields.get("redirect")
        if redirect:
            query = urlencode({"bucket": bucket.name, "key": key, "etag": version.etag})
            headers["Location"] = f"{redirect}{'&' if '?' in redirect else '?'}{query}"
            return HttpResponse(303, headers, b"")
        status = fields.get("success_action_status", "204")
        if status == "201":
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse>'
                f"<Location>{escape_text(location)}</Location><Bucket>{escape_text(bucket.name)}</Bucket>"
                f"<Key>{escape_text(key)}</Key><ETag>{escape_text(version.etag)}</ETag></PostResponse>"
            )
            headers["Content-Type"] = "application/xml"
            return HttpResponse(201, headers, body.encode())
        return HttpResponse(200 if status == "200" else 204, headers, b"")
