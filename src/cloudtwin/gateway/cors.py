"""CORS for browser clients (the AWS SDK for JavaScript in a page, S3 uploads from forms).

AWS answers preflights per service (S3 from the bucket's CORS rules, API Gateway from the
API's settings). This is the server-wide default policy; S3 answers for its buckets from
their rules. Which origins the policy trusts is what keeps an arbitrary web page from
driving the local endpoint (see gateway.guard).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from cloudtwin.protocol.http import HttpResponse

#: Headers a browser script may read from a response: the ones SDKs look at.
EXPOSED_HEADERS = ", ".join(
    [
        "ETag",
        "Content-Length",
        "Content-Range",
        "Content-Type",
        "Last-Modified",
        "Location",
        "x-amz-request-id",
        "x-amz-id-2",
        "x-amzn-RequestId",
        "x-amzn-ErrorType",
        "x-amzn-query-error",
        "x-amz-version-id",
        "x-amz-delete-marker",
        "x-amz-server-side-encryption",
        "x-amz-checksum-crc32",
        "x-amz-checksum-crc32c",
        "x-amz-checksum-crc64nvme",
        "x-amz-checksum-sha1",
        "x-amz-checksum-sha256",
        "x-amz-mp-parts-count",
        "Date",
    ]
)
ALLOWED_METHODS = "GET, HEAD, PUT, POST, DELETE, OPTIONS, PATCH"


class CorsPolicy:
    """Which origins a browser page may call from, and the headers that say so.

    By default only pages served from this machine: ``http(s)://`` origins whose host is
    ``localhost``, a ``*.localhost`` name or a loopback address (``127.0.0.0/8``,
    ``[::1]``), on any port — plus the origins listed in ``CLOUDTWIN_CORS_ORIGINS``. Those
    get their origin reflected, with credentials. ``*`` in the list is an explicit opt-in
    to any origin: such origins get ``Access-Control-Allow-Origin: *``, never credentials.
    """

    def __init__(self, origins: tuple[str, ...] = ()) -> None:
        self.any_origin = "*" in origins
        self.origins = frozenset(o.lower().rstrip("/") for o in origins if o != "*")

    def trusted(self, origin: str) -> bool:
        """A loopback or configured origin (reflected, with credentials)."""
        return is_loopback_origin(origin) or origin.lower().rstrip("/") in self.origins

    def allowed(self, origin: str) -> bool:
        return self.any_origin or self.trusted(origin)

    @staticmethod
    def is_preflight(method: str, headers: dict[str, str]) -> bool:
        return (
            method == "OPTIONS"
            and "origin" in headers
            and "access-control-request-method" in headers
        )

    def _origin_headers(self, origin: str) -> dict[str, str]:
        if self.trusted(origin):
            return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true"}
        return {"Access-Control-Allow-Origin": "*"}

    def preflight(self, headers: dict[str, str]) -> HttpResponse:
        """The answer to an ``OPTIONS`` preflight request."""
        origin = headers["origin"]
        if not self.allowed(origin):
            return HttpResponse(
                403,
                {"Content-Type": "application/xml"},
                b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessForbidden</Code>'
                b"<Message>CORSResponse: This CORS request is not allowed.</Message></Error>",
            )
        out = {
            **self._origin_headers(origin),
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Max-Age": "3000",
            "Access-Control-Expose-Headers": EXPOSED_HEADERS,
            "Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
        }
        requested = headers.get("access-control-request-headers")
        if requested:
            out["Access-Control-Allow-Headers"] = requested
        return HttpResponse(200, out, b"")

    def decorate(self, origin: str, response_headers: dict[str, str]) -> None:
        """Add the CORS headers of an actual (non-preflight) response (unless the service
        set its own, as S3 does from a bucket's rules)."""
        if "Access-Control-Allow-Origin" in response_headers or not self.allowed(origin):
            return
        response_headers.update(self._origin_headers(origin))
        response_headers.setdefault("Access-Control-Expose-Headers", EXPOSED_HEADERS)
        response_headers.setdefault("Vary", "Origin")


def is_loopback_origin(origin: str) -> bool:
    """``http(s)://localhost``, ``*.localhost``, ``127.x.y.z`` or ``[::1]``, any port."""
    try:
        parts = urlsplit(origin.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises for a malformed port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    return is_loopback_name(host)


def is_loopback_name(host: str) -> bool:
    """A host name or address that can only mean this machine."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def configured_cors_headers(cors: dict | None, origin: str | None) -> dict[str, str]:
    """The CORS response headers of a user's CORS configuration in AWS's shape
    (``AllowOrigins``, ``AllowCredentials``, ``ExposeHeaders``: Lambda function URLs and
    HTTP APIs share it) for a request from ``origin``; none when it does not match."""
    if not cors or not origin:
        return {}
    allowed = cors.get("AllowOrigins") or []
    if "*" not in allowed and origin not in allowed:
        return {}
    out = {"Access-Control-Allow-Origin": "*" if "*" in allowed and not cors.get("AllowCredentials") else origin}
    if cors.get("AllowCredentials"):
        out["Access-Control-Allow-Credentials"] = "true"
    if cors.get("ExposeHeaders"):
        out["Access-Control-Expose-Headers"] = ",".join(cors["ExposeHeaders"])
    return out
