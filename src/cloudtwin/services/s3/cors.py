"""CORS preflights answered from the bucket's CORS rules, as S3 does.

The gateway hands S3 the ``OPTIONS`` preflights addressed to a bucket
(:meth:`CorsHandlers.preflight`); the first rule whose origin, method and requested headers
all match answers it. No configuration, or no matching rule, is a 403. Actual requests
from a browser get the headers of the rule that allows them (:meth:`CorsHandlers.cors_headers`).
"""

from __future__ import annotations

import fnmatch
from typing import Any

from cloudtwin.protocol.http import HttpRequest, HttpResponse
from cloudtwin.services.s3.models import Bucket

_FORBIDDEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessForbidden</Code>'
    "<Message>{message}</Message><Method>{method}</Method><ResourceType>{kind}</ResourceType>"
    "</Error>"
)
_NOT_ENABLED = "CORSResponse: CORS is not enabled for this bucket."
_NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
    "Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers "
    "are not whitelisted by the resource's CORS spec."
)


def _matches(patterns: list[str], value: str) -> bool:
    return any(p == "*" or fnmatch.fnmatchcase(value.lower(), p.lower()) for p in patterns)


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


def _forbidden(message: str, method: str, kind: str) -> HttpResponse:
    body = _FORBIDDEN.format(message=message, method=method, kind=kind).encode()
    return HttpResponse(403, {"Content-Type": "application/xml"}, body)


def answer_preflight(bucket: Bucket, request: HttpRequest, has_key: bool) -> HttpResponse:
    headers = request.headers
    origin = headers["origin"]
    method = headers["access-control-request-method"].strip()
    requested = [h.strip().lower() for h in headers.get("access-control-request-headers", "").split(",") if h.strip()]
    kind = "OBJECT" if has_key else "BUCKET"
    config = bucket.config.get("Cors")
    if not config:
        return _forbidden(_NOT_ENABLED, method, kind)
    rule = matching_rule(config.get("CORSRules") or [], origin, method, requested)
    if rule is None:
        return _forbidden(_NOT_ALLOWED, method, kind)
    out = actual_headers(rule, origin)
    if requested:
        out["Access-Control-Allow-Headers"] = ", ".join(requested)
    return HttpResponse(200, out, b"")


def actual_headers(rule: dict[str, Any], origin: str) -> dict[str, str]:
    """What S3 adds to an actual response a rule allows."""
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


class CorsHandlers:
    store: Any

    def preflight(self, request: HttpRequest, uri_params: dict[str, str], partition: str = "aws") -> HttpResponse | None:
        """The answer to a preflight for ``uri_params["Bucket"]``; None when there is no such
        bucket (the gateway's default policy answers then)."""
        name = uri_params.get("Bucket")
        bucket = self.store.buckets.get((partition, name)) if name else None
        if bucket is None:
            return None
        return answer_preflight(bucket, request, bool(uri_params.get("Key")))

    def cors_headers(self, request: HttpRequest, uri_params: dict[str, str], origin: str, partition: str = "aws") -> dict[str, str] | None:
        """The CORS headers of an actual (non-preflight) request from ``origin`` to a bucket:
        those of the first rule allowing the origin and method; ``{}`` when the bucket has
        CORS rules and none does (S3 then serves the request without CORS headers); None
        when there is no such bucket or it has no CORS configuration."""
        name = uri_params.get("Bucket")
        bucket = self.store.buckets.get((partition, name)) if name else None
        config = bucket.config.get("Cors") if bucket is not None else None
        if not config:
            return None
        rule = matching_rule(config.get("CORSRules") or [], origin, request.method, [])
        return actual_headers(rule, origin) if rule is not None else {}
