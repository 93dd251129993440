"""Verifying header signatures (``CLOUDTWIN_VERIFY_SIGNATURES=1``): SigV4, and S3's SigV2.

Off by default: cloudtwin accepts whatever a client signs with, reading only the access
key (the account) and the credential scope (service, region). With verification on, the
signature is recomputed with the secret cloudtwin knows for the key, so that IAM
enforcement is a real boundary and an SDK's signing bugs show up as they would on AWS:

* keys IAM issued (``CreateAccessKey``) and STS session keys: their own secret — and, for
  a session, its ``X-Amz-Security-Token``;
* any other key (``test``, a 12-digit account id...): the secrets in
  ``CLOUDTWIN_PRESIGN_SECRETS`` (default ``test``), as for presigned URLs (gateway.presign;
  ``*`` there turns checks off for such keys).

SigV4's canonical request is botocore's own (``SigV4Auth`` / ``S3SigV4Auth``), fed the
headers the client says it signed. The payload hash is ``x-amz-content-sha256`` when sent
(S3 always sends it: a digest, ``UNSIGNED-PAYLOAD`` or ``STREAMING-...``, whose seed
signature is this one), else the SHA-256 of the body. Chunk signatures of aws-chunked
bodies, the clock skew AWS allows (15 minutes; cloudtwin's clock is virtual) and SigV4a
(ECDSA) signatures are not checked.

Answers are AWS's, in each protocol's envelope: ``SignatureDoesNotMatch`` (query and XML
services, 403; JSON services say ``InvalidSignatureException``, 400),
``IncompleteSignature`` and ``InvalidClientTokenId`` (``UnrecognizedClientException`` for
JSON services; S3 ``InvalidToken``).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import quote

from cloudtwin.gateway import presign
from cloudtwin.gateway.errors import json_style
from cloudtwin.gateway.identity import Identity
from cloudtwin.gateway.signing import SIGV2, SIGV4, Credentials
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.http import HttpRequest

__all__ = ["verify_header_signature", "s3_v2_resource"]

MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)


def _mismatch(route: Any) -> ServiceError:
    if route.service == "s3":
        return ServiceError("SignatureDoesNotMatch", presign.SIGNATURE_MISMATCH, 403)
    if json_style(route):
        return ServiceError("InvalidSignatureException", MISMATCH, 400)
    return ServiceError("SignatureDoesNotMatch", MISMATCH, 403)


def _incomplete(route: Any, message: str) -> ServiceError:
    if route.service == "s3":
        return ServiceError("AuthorizationHeaderMalformed", f"The authorization header is malformed; {message}", 400)
    code = "IncompleteSignatureException" if json_style(route) else "IncompleteSignature"
    return ServiceError(code, message, 400)


def _invalid_token(route: Any) -> ServiceError:
    if route.service == "s3":
        return ServiceError("InvalidToken", "The provided token is malformed or otherwise invalid.", 400)
    if json_style(route):
        return ServiceError("UnrecognizedClientException", "The security token included in the request is invalid.", 400)
    return ServiceError("InvalidClientTokenId", "The security token included in the request is invalid.", 403)


def _secrets(identity: Identity) -> tuple[str, ...] | None:
    if identity.secret is not None:
        return (identity.secret,)
    return presign.presign_secrets()


def s3_v2_resource(request: HttpRequest, bucket: str | None) -> str:
    """SigV2's canonical resource: the path, always starting with the bucket (even when the
    bucket is in the host name) and ``/<bucket>/`` for the bucket itself."""
    path = request.path or "/"
    if bucket and path == f"/{bucket}":
        return f"{path}/"
    if bucket and not path.startswith(f"/{bucket}/"):
        return f"/{quote(bucket)}{path}"
    return path


def verify_header_signature(
    request: HttpRequest,
    credentials: Credentials,
    identity: Identity,
    route: Any,
    headers: dict[str, str] | None = None,
) -> None:
    """Raise the AWS error when the ``Authorization`` header's signature is not right.
    ``headers`` are the request's headers as received (before the gateway took
    ``aws-chunked`` off ``Content-Encoding``), by default ``request.headers``."""
    if headers is not None and headers is not request.headers:
        request = HttpRequest(
            request.method, request.path, request.query_string, headers, request.body, request.stream
        )
    if identity.session_token is not None:
        if request.headers.get("x-amz-security-token") != identity.session_token:
            raise _invalid_token(route)
    secrets = _secrets(identity)
    if secrets is None:
        return
    if credentials.scheme == SIGV4:
        _verify_v4(request, credentials, secrets, route)
    elif credentials.scheme == SIGV2 and route.service == "s3":
        _verify_v2(request, credentials, secrets, route)


def _authorization_parts(value: str) -> dict[str, str]:
    _, _, rest = value.strip().partition(" ")
    parts: dict[str, str] = {}
    for item in rest.split(","):
        name, sep, text = item.strip().partition("=")
        if sep:
            parts[name.strip()] = text.strip()
    return parts


def _verify_v4(request: HttpRequest, credentials: Credentials, secrets: tuple[str, ...], route: Any) -> None:
    headers = request.headers
    authorization = headers["authorization"]
    parts = _authorization_parts(authorization)
    missing = [name for name in ("Credential", "Signature", "SignedHeaders") if not parts.get(name)]
    if missing:
        raise _incomplete(route, " ".join(
            f"Authorization header requires '{name}' parameter." for name in missing
        ) + f" Authorization={authorization}")  # fmt: skip
    timestamp = headers.get("x-amz-date") or _iso_basic(headers.get("date"))
    if not timestamp:
        raise _incomplete(
            route, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    signed = [name.strip().lower() for name in parts["SignedHeaders"].split(";") if name.strip()]
    canonical = _canonical_request(request, signed, route.service == "s3")
    scope = f"{credentials.date}/{credentials.region}/{credentials.signing_name}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", timestamp, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()]
    )
    given = parts["Signature"]
    for secret in secrets:
        key = presign.signing_key(secret, credentials.date or "", credentials.region or "", credentials.signing_name or "")
        if hmac.compare_digest(hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest(), given):
            return
    raise _mismatch(route)


def _canonical_request(request: HttpRequest, signed: list[str], s3: bool) -> str:
    """botocore's canonical request for what was received, over the headers the client
    signed (their values as received)."""
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest, HTTPHeaders

    base = S3SigV4Auth if s3 else SigV4Auth

    class Received(base):  # type: ignore[valid-type,misc]
        def headers_to_sign(self, _request: Any) -> HTTPHeaders:
            out = HTTPHeaders()
            for name in signed:
                out[name] = request.headers.get(name, "")
            return out

    headers = {}
    if "x-amz-content-sha256" in request.headers:
        headers["X-Amz-Content-SHA256"] = request.headers["x-amz-content-sha256"]
    body = request.body if request.stream is None else b""
    received = AWSRequest(
        method=request.method,
        url=f"http://{request.headers.get('host') or 'localhost'}{request.path or '/'}",
        headers=headers,
        data=body,
        params=request.query,
    )
    return Received(None, "", "").canonical_request(received)


def _iso_basic(date: str | None) -> str | None:
    if not date:
        return None
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(date).strftime("%Y%m%dT%H%M%SZ")
    except (TypeError, ValueError):
        return None


def _verify_v2(request: HttpRequest, credentials: Credentials, secrets: tuple[str, ...], route: Any) -> None:
    _, _, signature = request.headers["authorization"].strip().partition(" ")[2].rpartition(":")
    bucket = (route.uri_params or {}).get("Bucket")
    to_sign = presign.v2_string_to_sign(
        request, request.headers.get("date", ""), s3_v2_resource(request, bucket)
    )
    if not any(hmac.compare_digest(presign.v2_signature(s, to_sign), signature) for s in secrets):
        raise _mismatch(route)
