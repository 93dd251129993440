"""Who signed a request, and for which service and region: the credential scope, parsed.

Routing needs the *signing name* of the credential scope (``.../us-east-1/sqs/aws4_request``)
because it names the service the client meant, and the rest of the gateway needs the access
key (the account) and the region. Every way an SDK signs is read here:

- SigV4 header: ``Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, ...``
- SigV4a header: ``AWS4-ECDSA-P256-SHA256 Credential=AKID/20240101/s3/aws4_request`` — the scope
  has no region; a single concrete region in ``X-Amz-Region-Set`` is taken as the region.
- presigned SigV4/SigV4a URLs: ``X-Amz-Algorithm`` / ``X-Amz-Credential`` query parameters.
- S3's SigV2: ``Authorization: AWS AKID:signature`` and presigned
  ``?AWSAccessKeyId=AKID&Expires=...&Signature=...`` (both only ever mean S3).
- query-protocol SigV2 (SimpleDB...): ``AWSAccessKeyId`` + ``SignatureVersion=2`` in the
  query string or the form body; such a signature names no service.

This is parsing only: nothing is verified here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from cloudtwin.protocol.http import HttpRequest

__all__ = ["Credentials", "parse_credentials", "SIGV4", "SIGV4A", "SIGV2"]

SIGV4 = "AWS4-HMAC-SHA256"
SIGV4A = "AWS4-ECDSA-P256-SHA256"
SIGV2 = "sigv2"
_FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class Credentials:
    """The identity and scope a request was signed with.

    ``date`` is the scope's ``YYYYMMDD`` (None for SigV2); ``region`` is None when the
    signature does not bind one (SigV2, SigV4a with a wildcard region set);
    ``signing_name`` is the scope's service (None for query-protocol SigV2).
    ``scheme`` is :data:`SIGV4`, :data:`SIGV4A` or :data:`SIGV2`; ``presigned`` says
    whether the signature came in the query string rather than a header.
    """

    access_key_id: str
    date: str | None
    region: str | None
    signing_name: str | None
    scheme: str = SIGV4
    presigned: bool = False


def parse_credentials(request: HttpRequest) -> Credentials | None:
    """The credentials of ``request``, or None when it is unsigned (or unreadably signed)."""
    authorization = request.headers.get("authorization")
    if authorization:
        return parse_authorization(authorization, request.headers.get("x-amz-region-set"))
    query = request.query_string
    if query:
        if "X-Amz-Credential=" in query:
            return _presigned_v4(request)
        if "AWSAccessKeyId=" in query:
            return _sigv2_params(dict(request.query))
    if request.body and request.headers.get("content-type", "").startswith(_FORM):
        if b"AWSAccessKeyId=" in request.body:
            return _sigv2_params(dict(parse_qsl(request.body.decode("utf-8", "replace"))))
    return None


def parse_authorization(value: str, region_set: str | None = None) -> Credentials | None:
    """Read an ``Authorization`` header value (SigV4, SigV4a or S3's SigV2)."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm in (SIGV4, SIGV4A):
        start = rest.find("Credential=")
        if start < 0:
            return None
        start += len("Credential=")
        end = len(rest)
        for stop in (",", " "):
            found = rest.find(stop, start)
            if 0 <= found < end:
                end = found
        return _scope(rest[start:end], algorithm, region_set, presigned=False)
    if algorithm == "AWS":
        access_key, sep, _signature = rest.strip().rpartition(":")
        if sep and access_key:
            return Credentials(access_key, None, None, "s3", SIGV2)
    return None


def _presigned_v4(request: HttpRequest) -> Credentials | None:
    params = dict(request.query)
    credential = params.get("X-Amz-Credential")
    if not credential:
        return None
    algorithm = params.get("X-Amz-Algorithm", SIGV4)
    return _scope(credential, algorithm, params.get("X-Amz-Region-Set"), presigned=True)


def _scope(credential: str, algorithm: str, region_set: str | None, *, presigned: bool) -> Credentials | None:
    """``AKID/date/region/service/aws4_request`` (SigV4a: no region part).

    A client signs every request with the same scope for a day: the parsed value is kept.
    """
    key = (credential, algorithm, region_set, presigned)
    found = _SCOPES.get(key)
    if found is None:
        found = _parse_scope(credential, algorithm, region_set, presigned=presigned)
        if found is not None:
            if len(_SCOPES) >= _SCOPE_CACHE_LIMIT:
                _SCOPES.clear()
            _SCOPES[key] = found
    return found


# A pure-function memo of immutable values (not state): bounded, safe to share.
_SCOPES: dict[tuple, Credentials] = {}
_SCOPE_CACHE_LIMIT = 4096


def _parse_scope(credential: str, algorithm: str, region_set: str | None, *, presigned: bool) -> Credentials | None:
    if "%" in credential:
        credential = unquote(credential)
    parts = credential.split("/")
    if algorithm == SIGV4A:
        if len(parts) != 4 or not parts[0]:
            return None
        region = region_set.strip() if region_set else None
        if region and ("," in region or "*" in region):
            region = None
        return Credentials(parts[0], parts[1], region or None, parts[2], SIGV4A, presigned)
    if len(parts) != 5 or not parts[0]:
        return None
    return Credentials(parts[0], parts[1], parts[2] or None, parts[3] or None, SIGV4, presigned)


def _sigv2_params(params: dict[str, str]) -> Credentials | None:
    access_key = params.get("AWSAccessKeyId")
    if not access_key:
        return None
    # S3's presigned SigV2 URL carries Expires; the query-protocol SigV2 says its version.
    signing_name = "s3" if "Expires" in params and "SignatureVersion" not in params else None
    return Credentials(access_key, None, None, signing_name, SIGV2, presigned=signing_name == "s3")
