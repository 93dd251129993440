"""CORS for browser clients (the AWS SDK for JavaScript in a page, S3 uploads from forms).

AWS answers preflights per service (S3 from the bucket's CORS rules, API Gateway from the
API's settings). This is the server-wide default policy; a service may answer a preflight
itself later (S3 bucket rules).
"""

from __future__ import annotations

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
    """Which origins may call, and the headers that say so."""

    def __init__(self, origins: tuple[str, ...]) -> None:
        self.any_origin = "*" in origins
        self.origins = frozenset(origins)

    def allowed(self, origin: str) -> bool:
        return self.any_origin or origin.lower() in self.origins

    @staticmethod
    def is_preflight(method: str, headers: dict[str, str]) -> bool:
        return (
            method == "OPTIONS"
            and "origin" in headers
            and "access-control-request-method" in headers
        )

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
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Max-Age": "3000",
            "Access-Control-Expose-Headers": EXPOSED_HEADERS,
            "Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
        }
        requested = headers.get("access-control-request-headers")
        if requested:
            out["Access-Control-Allow-Headers"] = requested
        return HttpResponse(200, out, b"")

    def decorate(self, origin: str, response_headers: dict[str, str]) -> None:
        """Add the CORS headers of an actual (non-preflight) response."""
        if self.allowed(origin):
            response_headers.setdefault("Access-Control-Allow-Origin", origin)
            response_headers.setdefault("Access-Control-Allow-Credentials", "true")
            response_headers.setdefault("Access-Control-Expose-Headers", EXPOSED_HEADERS)
            response_headers.setdefault("Vary", "Origin")
