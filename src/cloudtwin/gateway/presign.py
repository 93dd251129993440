"""Verifying query-string (presigned) signatures: SigV4 and S3's SigV2.

A presigned URL is a bearer token: whoever holds it may make that one request until it
expires, so cloudtwin checks it as S3 does — the signature against the secret, the expiry
against the virtual clock — while header-signed requests are accepted as they come (see
:mod:`cloudtwin.gateway.signing`).

Which secret: cloudtwin's clients use dummy credentials, ``test``/``test`` by default. A key
is checked against the secrets in ``CLOUDTWIN_PRESIGN_SECRETS`` (comma-separated, default
``test``; ``*`` turns signature checks off). Keys that IAM or STS issued map to identities
whose secret the gateway does not hold, so only their expiry is checked.

Errors are S3's: ``AccessDenied`` "Request has expired", ``SignatureDoesNotMatch``,
``AuthorizationQueryParametersError``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
from datetime import datetime, timezone
from urllib.parse import quote, unquote

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.http import HttpRequest

__all__ = [
    "presign_secrets", "verify_presigned_v4", "verify_presigned_v2", "signing_key",
    "v2_string_to_sign", "v2_signature", "SIGNATURE_MISMATCH",
]

MAX_EXPIRES = 604800
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)
_V2_SUBRESOURCES = frozenset(
    """accelerate acl cors defaultObjectAcl location logging partNumber policy requestPayment
    torrent versioning versionId versions website uploads uploadId response-content-type
    response-content-language response-expires response-cache-control
    response-content-disposition response-content-encoding delete lifecycle tagging restore
    storageClass notification replication analytics metrics inventory select select-type
    object-lock""".split()
)


def presign_secrets() -> tuple[str, ...] | None:
    """The secrets a presigned signature may be made with; None: do not check signatures."""
    raw = os.environ.get("CLOUDTWIN_PRESIGN_SECRETS", "test")
    values = tuple(part.strip() for part in raw.split(",") if part.strip())
    if "*" in values:
        return None
    return values or ("test",)


def _hex_bytes(text: str) -> str:
    """S3's ``...Bytes`` error elements: the UTF-8 bytes as spaced hex pairs."""
    return " ".join(f"{b:02x}" for b in text.encode("utf-8"))


def _mismatch(access_key: str, string_to_sign: str, signature: str, canonical: str | None = None) -> ServiceError:
    """What S3 tells a caller whose signature differs: what it signed, so they can compare
    (and the server's log says where the secrets it checks against come from)."""
    logging.getLogger("cloudtwin.gateway").warning(
        "a presigned URL's signature matches none of the secrets cloudtwin checks it against "
        "(the default credentials' 'test', or CLOUDTWIN_PRESIGN_SECRETS): if it was signed with "
        "your own credentials, start cloudtwin with CLOUDTWIN_PRESIGN_SECRETS=<that secret> "
        "(comma-separated for several; '*' skips the check)"
    )
    details = {
        "AWSAccessKeyId": access_key,
        "StringToSign": string_to_sign,
        "SignatureProvided": signature,
        "StringToSignBytes": _hex_bytes(string_to_sign),
    }
    if canonical is not None:
        details["CanonicalRequest"] = canonical
        details["CanonicalRequestBytes"] = _hex_bytes(canonical)
    return ServiceError("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403, details=details)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _expired(expires_at: float, now: float, expires_param: str | None = None) -> ServiceError:
    details = {"X-Amz-Expires": expires_param} if expires_param is not None else {}
    details.update(Expires=_iso(expires_at), ServerTime=_iso(now))
    return ServiceError("AccessDenied", "Request has expired", 403, details=details)


#: ``x-amz-`` headers a presigned request may carry without signing them.
_UNSIGNED_OK = frozenset({"x-amz-content-sha256"})


def _query_error(message: str) -> ServiceError:
    return ServiceError("AuthorizationQueryParametersError", message, 400)


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _canonical_query(raw_query: str) -> str:
    pairs = []
    for item in raw_query.split("&"):
        if not item:
            continue
        key, _, value = item.partition("=")
        key, value = unquote(key), unquote(value)
        if key == "X-Amz-Signature":
            continue
        pairs.append((_encode(key), _encode(value)))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def _canonical_headers(request: HttpRequest, signed: list[str]) -> str:
    lines = []
    for name in signed:
        value = request.headers.get(name, "")
        lines.append(f"{name}:{' '.join(value.split())}\n")
    return "".join(lines)


def verify_presigned_v4(request: HttpRequest, now: float, secrets: tuple[str, ...] | None) -> None:
    """Check a SigV4 presigned request: expiry, then the signature (when ``secrets``)."""
    params = dict(request.query)
    amz_date = params.get("X-Amz-Date", "")
    expires_text = params.get("X-Amz-Expires")
    credential = params.get("X-Amz-Credential", "")
    signature = params.get("X-Amz-Signature")
    signed_headers = params.get("X-Amz-SignedHeaders")
    if not (amz_date and expires_text and credential and signature and signed_headers):
        raise _query_error(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, "
            "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
            "X-Amz-Expires parameters."
        )
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).timestamp()
        expires = int(expires_text)
    except ValueError:
        raise _query_error("X-Amz-Expires should be a number") from None
    if expires > MAX_EXPIRES:
        raise _query_error("X-Amz-Expires must be less than a week (in seconds) that is 604800")
    if expires < 0:
        raise _query_error("X-Amz-Expires must be non-negative")
    if now > signed_at + expires:
        raise _expired(signed_at + expires, now, expires_text)
    headers = [h.strip().lower() for h in signed_headers.split(";") if h.strip()]
    unsigned = [
        name for name in request.headers
        if name.startswith("x-amz-") and name not in headers and name not in _UNSIGNED_OK
    ]
    if unsigned:
        raise ServiceError(
            "AccessDenied", "There were headers present in the request which were not signed", 403,
            details={"HeadersNotSigned": ", ".join(unsigned)},
        )
    if secrets is None:
        return
    parts = credential.split("/")
    if len(parts) != 5:
        raise _query_error("Error parsing the X-Amz-Credential parameter; the Credential is mal-formed.")
    access_key, date, region, service, _ = parts
    payload = params.get("X-Amz-Content-Sha256") or request.headers.get("x-amz-content-sha256") or "UNSIGNED-PAYLOAD"
    canonical = "\n".join([
        request.method,
        request.path or "/",
        _canonical_query(request.query_string),
        _canonical_headers(request, headers),
        ";".join(headers),
        payload,
    ])  # fmt: skip
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join([
        "AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
    ])  # fmt: skip
    for secret in secrets:
        expected = hmac.new(signing_key(secret, date, region, service), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, signature):
            return
    raise _mismatch(access_key, to_sign, signature, canonical)


def verify_presigned_v2(
    request: HttpRequest, now: float, secrets: tuple[str, ...] | None, resource_path: str
) -> None:
    """Check S3's SigV2 presigned request (``AWSAccessKeyId``, ``Expires``, ``Signature``).

    ``resource_path`` is ``/<bucket>/<key>`` as percent-encoded on the wire, whatever the
    addressing style (the SigV2 canonical resource always names the bucket)."""
    params = dict(request.query)
    try:
        expires = int(params.get("Expires", ""))
    except ValueError:
        raise ServiceError("AccessDenied", "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters", 403) from None
    if now > expires:
        raise _expired(expires, now)
    if secrets is None:
        return
    signature = params.get("Signature", "")
    to_sign = v2_string_to_sign(request, str(expires), resource_path)
    if not any(hmac.compare_digest(v2_signature(secret, to_sign), signature) for secret in secrets):
        raise _mismatch(params.get("AWSAccessKeyId", ""), to_sign.decode("utf-8"), signature)


def v2_string_to_sign(request: HttpRequest, when: str, resource_path: str) -> bytes:
    """S3's SigV2 string to sign; ``when`` is ``Expires`` (presigned) or the Date header
    (empty when ``x-amz-date`` is sent, which is then among the ``x-amz-*`` lines)."""
    subresources = []
    for item in request.query_string.split("&"):
        key, sep, value = item.partition("=")
        if key in _V2_SUBRESOURCES:
            subresources.append((key, unquote(value) if sep else None))
    subresources.sort(key=lambda pair: pair[0])
    resource = resource_path
    if subresources:
        resource += "?" + "&".join(k if v is None else f"{k}={v}" for k, v in subresources)
    amz = sorted(
        (name, ",".join(v.strip() for v in value.split(",")))
        for name, value in request.headers.items() if name.startswith("x-amz-")
    )  # fmt: skip
    lines = [
        request.method,
        request.headers.get("content-md5", ""),
        request.headers.get("content-type", ""),
        when,
        *(f"{k}:{v}" for k, v in amz),
        resource,
    ]
    return "\n".join(lines).encode("utf-8")


def v2_signature(secret: str, to_sign: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), to_sign, hashlib.sha1).digest()).decode()


def verify_presigned(request: HttpRequest, scheme: str, bucket: str | None, identity, now: float) -> None:
    """A presigned S3 URL: expiry on the virtual clock, and the signature with the key's
    own secret where IAM/STS issued it (``identity``: the key's, from the gateway's
    registry); ``scheme`` is the credentials' (``sigv2`` or SigV4)."""
    from cloudtwin.gateway.verification import s3_v2_resource

    secrets = presign_secrets()  # None: CLOUDTWIN_PRESIGN_SECRETS=* (no checks)
    if secrets is not None and identity.secret is not None:
        secrets = (identity.secret,)
    elif not identity.is_root:
        secrets = None
    if scheme == "sigv2":
        # A SigV2 presigned URL carries the x-amz-* headers it signed (metadata...) in its
        # query string; S3 reads them as the request's headers.
        for key, value in request.query:
            if key.startswith("x-amz-") and key not in request.headers:
                request.headers[key] = value
        verify_presigned_v2(request, now, secrets, s3_v2_resource(request, bucket))
    elif scheme == "AWS4-HMAC-SHA256":
        verify_presigned_v4(request, now, secrets)
