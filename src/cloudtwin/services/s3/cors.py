"""CORS preflights answered from the bucket's CORS rules, as S3 does.

The gateway hands S3 the ``OPTIONS`` requests addressed to a bucket
(:meth:`CorsHandlers.preflight`); the first rule whose origin, method and requested headers
all match answers it. No ``Origin`` is a 400; no configuration, or no matching rule, a 403.
Actual requests get the headers of the first rule allowing their origin and method (and the
headers an ``Access-Control-Request-Headers`` lists, if they carry one)
(:meth:`CorsHandlers.cors_headers`), and none without one.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from cloudtwin.protocol.http import HttpRequest, HttpResponse
from cloudtwin.protocol.rest_xml_serializer import host_id
from cloudtwin.protocol.xml_writer import escape_text
from cloudtwin.services.s3.models import Bucket

_NOT_ENABLED = "CORSResponse: CORS is not enabled for this bucket."
_NO_BUCKET = "CORSResponse: Bucket not found"
#: The ``Server`` header S3 sends.
SERVER = "AmazonS3"
_NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
    "Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers "
    "are not whitelisted by the resource's CORS spec."
)


def _matches(patterns: list[str], value: str) -> bool:
    return any(p == "*" or fnmatch.fnmatchcase(value.lower(), p.lower()) for p in patterns)


def requested_headers(request: HttpRequest) -> list[str]:
    """The header names ``Access-Control-Request-Headers`` lists, lower-cased."""
    value = request.headers.get("access-control-request-headers", "")
    return [h.strip().lower() for h in value.split(",") if h.strip()]


def matching_rule(rules: list[dict[str, Any]], origin: str, method: str, headers: list[str]) -> dict | None:
    for rule in rules:
        if not _matches(rule.get("AllowedOrigins") or [], origin):
            continue
        if method not in (rule.get("AllowedMethods") or []):
            continue
        allowed = rule.get("AllowedHeaders") or []
        if all(_matches(allowed, header) for header in headers):
            return rule
    return None


def _error(status: int, code: str, message: str, request_id: str, **details: str) -> HttpResponse:
    extra = "".join(f"<{name}>{escape_text(value)}</{name}>" for name, value in details.items())
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{escape_text(message)}</Message>{extra}"
        f"<RequestId>{request_id}</RequestId><HostId>{host_id(request_id)}</HostId></Error>"
    )
    return HttpResponse(status, {"Content-Type": "application/xml", **_ids(request_id)}, body.encode())


def _ids(request_id: str) -> dict[str, str]:
    return {"x-amz-request-id": request_id, "x-amz-id-2": host_id(request_id), "Server": SERVER}


def rule_headers(rule: dict[str, Any], origin: str) -> dict[str, str]:
    """The ``Access-Control-*`` headers a matching rule gives a response."""
    wildcard = "*" in (rule.get("AllowedOrigins") or [])
    out = {
        "Access-Control-Allow-Origin": "*" if wildcard else origin,
        "Access-Control-Allow-Methods": ", ".join(rule.get("AllowedMethods") or []),
        "Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    }
    if not wildcard:
        out["Access-Control-Allow-Credentials"] = "true"
    if rule.get("ExposeHeaders"):
        out["Access-Control-Expose-Headers"] = ", ".join(rule["ExposeHeaders"])
    if rule.get("MaxAgeSeconds") is not None:
        out["Access-Control-Max-Age"] = str(rule["MaxAgeSeconds"])
    return out


def answer_preflight(bucket: Bucket | None, request: HttpRequest, has_key: bool, request_id: str) -> HttpResponse:
    """An ``OPTIONS`` request to a bucket or object: S3 wants an ``Origin`` and an
    ``Access-Control-Request-Method``, and a bucket whose rules allow them."""
    headers = request.headers
    if "origin" not in headers:
        return _error(400, "BadRequest", "Insufficient information. Origin request header needed.", request_id)
    origin = headers["origin"]
    method = headers.get("access-control-request-method", "").strip()
    requested = requested_headers(request)
    kind = "OBJECT" if has_key else "BUCKET"
    if bucket is None:
        return _error(403, "AccessForbidden", _NO_BUCKET, request_id, Method=method or "OPTIONS", ResourceType="BUCKET")
    config = bucket.config.get("Cors")
    if not config:
        return _error(403, "AccessForbidden", _NOT_ENABLED, request_id, Method=method or "OPTIONS", ResourceType="BUCKET")
    rule = matching_rule(config.get("CORSRules") or [], origin, method, requested) if method else None
    if rule is None:
        return _error(403, "AccessForbidden", _NOT_ALLOWED, request_id, Method=method or "OPTIONS", ResourceType=kind)
    out = rule_headers(rule, origin)
    if requested:
        out["Access-Control-Allow-Headers"] = ", ".join(requested)
    return HttpResponse(200, {**out, **_ids(request_id)}, b"")


class CorsHandlers:
    store: Any

    def preflight(self, request: HttpRequest, uri_params: dict[str, str], request_id: str = "") -> HttpResponse | None:
        """The answer to an ``OPTIONS`` request for ``uri_params["Bucket"]``; None when no
        bucket is addressed (the gateway's default policy answers then)."""
        name = uri_params.get("Bucket")
        if not name:
            return None
        bucket = self.store.buckets.get(("aws", name))
        return answer_preflight(bucket, request, bool(uri_params.get("Key")), request_id)

    def cors_headers(self, request: HttpRequest, uri_params: dict[str, str]) -> dict[str, str] | None:
        """The CORS headers of an actual request to a bucket: from its first rule that
        allows the origin and method, none otherwise (S3 adds nothing without rules)."""
        name = uri_params.get("Bucket")
        if not name:
            return None
        bucket = self.store.buckets.get(("aws", name))
        config = bucket.config.get("Cors") if bucket is not None else None
        if not config:
            return {}
        # A request that names headers it means to send (Access-Control-Request-Headers) is
        # matched as a preflight would be: only a rule allowing those headers answers it.
        rule = matching_rule(
            config.get("CORSRules") or [], request.headers.get("origin", ""), request.method,
            requested_headers(request),
        )
        return rule_headers(rule, request.headers["origin"]) if rule is not None else {}
