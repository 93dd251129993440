"""Static website hosting: the website endpoint of a bucket (``<bucket>.s3-website...``).

The gateway hands requests addressed to a website host to :meth:`WebsiteHandlers.website_request`.
As S3's website endpoint does: only GET and HEAD; a path ending in ``/`` (or the root)
serves the index document; a key that is a "folder" of an index document redirects to it;
routing rules redirect by key prefix and/or by the error a lookup would return; an
object's ``WebsiteRedirectLocation`` redirects; a missing object answers the error document
with 404; every other answer is S3's small HTML error page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from cloudtwin.protocol.http import HttpRequest, HttpResponse
from cloudtwin.protocol.rest_xml_serializer import host_id
from cloudtwin.protocol.timestamps import http_date
from cloudtwin.services.s3.conditions import _etag_matches
from cloudtwin.services.s3.models import Bucket, Version

_TITLES = {404: "404 Not Found", 405: "405 Method Not Allowed", 403: "403 Forbidden"}


def _items(fields: list[tuple[str, str]]) -> str:
    return "".join(f"<li>{name}: {value}</li>\n" for name, value in fields)


def error_page(
    status: int, fields: list[tuple[str, str]], request_id: str, document_error: list[tuple[str, str]] | None = None
) -> HttpResponse:
    """S3's HTML error page: the error's fields, and the error document's own failure."""
    title = _TITLES.get(status, str(status))
    body = (
        f"<html>\n<head><title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n<ul>\n"
        + _items([*fields, ("RequestId", request_id), ("HostId", host_id(request_id))])
        + "</ul>\n"
    )
    if document_error:
        body += (
            "<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n"
            + _items(document_error) + "</ul>\n"
        )
    body += "<hr/>\n</body>\n</html>\n"
    headers = {"Content-Type": "text/html; charset=utf-8", "x-amz-request-id": request_id,
               "x-amz-id-2": host_id(request_id), "Server": "AmazonS3"}
    return HttpResponse(status, headers, body.encode("utf-8"))


def _no_such_key(key: str) -> list[tuple[str, str]]:
    return [("Code", "NoSuchKey"), ("Message", "The specified key does not exist."), ("Key", key)]


def _redirect(location: str, status: int = 301) -> HttpResponse:
    return HttpResponse(status, {"Location": location, "Server": "AmazonS3"}, b"")


class WebsiteHandlers:
    store: Any
    blobs: Any

    def website_request(self, request: HttpRequest, bucket_name: str, request_id: str) -> HttpResponse:
        bucket = self.store.buckets.get(("aws", bucket_name))
        if request.method not in ("GET", "HEAD"):
            return error_page(405, [
                ("Code", "MethodNotAllowed"), ("Message", "The specified method is not allowed against this resource."),
                ("Method", request.method), ("ResourceType", "OBJECT"),
            ], request_id)
        if bucket is None:
            return error_page(404, [
                ("Code", "NoSuchBucket"), ("Message", "The specified bucket does not exist"), ("BucketName", bucket_name),
            ], request_id)
        config = bucket.config.get("Website")
        if not config:
            return error_page(404, [
                ("Code", "NoSuchWebsiteConfiguration"),
                ("Message", "The specified bucket does not have a website configuration"), ("BucketName", bucket_name),
            ], request_id)
        host = request.headers.get("host", "")
        path = unquote(request.path.split("?", 1)[0]).lstrip("/")
        everything = config.get("RedirectAllRequestsTo")
        if everything:
            scheme = everything.get("Protocol") or "http"
            return _redirect(f"{scheme}://{everything['HostName']}/{path}")
        rules = config.get("RoutingRules") or []
        rule = _matching_rule(rules, path, None)
        if rule is not None:
            return _rule_redirect(rule, path, host)
        suffix = (config.get("IndexDocument") or {}).get("Suffix", "index.html")
        key = path + suffix if (not path or path.endswith("/")) else path
        version = self._website_version(bucket, key)
        if version is None and not key.endswith(suffix) and self._website_version(bucket, f"{key}/{suffix}"):
            return _redirect(f"/{key}/", 302)  # a "folder" with an index document
        if version is None:
            rule = _matching_rule(rules, path, "404")
            if rule is not None:
                return _rule_redirect(rule, path, host)
            return self._error_document(bucket, config, key, request_id)
        return self._serve(request, version, 200)

    def _website_version(self, bucket: Bucket, key: str) -> Version | None:
        record = self.store.objects.get((bucket.partition, bucket.name, key))
        current = record.current if record else None
        return None if current is None or current.delete_marker else current

    def _serve(self, request: HttpRequest, version: Version, status: int) -> HttpResponse:
        redirect = version.headers.get("WebsiteRedirectLocation")
        if redirect:
            return _redirect(redirect)
        headers = {
            "Content-Type": version.headers.get("ContentType", "binary/octet-stream"),
            "ETag": version.etag,
            "Last-Modified": http_date(version.last_modified),
            "Server": "AmazonS3",
        }
        if_none_match = request.headers.get("if-none-match")
        if status == 200 and if_none_match and _etag_matches(if_none_match, version.etag):
            return HttpResponse(304, headers, b"")
        if request.method == "HEAD" or version.blob is None or version.size == 0:
            headers["Content-Length"] = str(version.size)
            return HttpResponse(status, headers, b"")
        headers["Content-Length"] = str(version.size)
        return HttpResponse(status, headers, self.blobs.reader(version.blob))

    def _error_document(self, bucket: Bucket, config: dict[str, Any], key: str, request_id: str) -> HttpResponse:
        document = (config.get("ErrorDocument") or {}).get("Key")
        if not document:
            return error_page(404, _no_such_key(key), request_id)
        version = self._website_version(bucket, document)
        if version is None:
            return error_page(404, _no_such_key(key), request_id, _no_such_key(document))
        return self._serve(HttpRequest("GET", "/", "", {}), version, 404)


def _matching_rule(rules: list[dict[str, Any]], key: str, error_code: str | None) -> dict[str, Any] | None:
    """The first routing rule whose condition holds: before the lookup (``error_code``
    None) only rules without an error condition apply; after a failed lookup, those whose
    error code is the lookup's."""
    for rule in rules:
        condition = rule.get("Condition") or {}
        wanted_error = condition.get("HttpErrorCodeReturnedEquals")
        if (wanted_error is None) != (error_code is None) or (wanted_error and wanted_error != error_code):
            continue
        prefix = condition.get("KeyPrefixEquals")
        if prefix is not None and not key.startswith(prefix):
            continue
        if prefix is not None and not key and error_code is None:
            continue  # the root (the index document) is no key a prefix names
        return rule
    return None


def _rule_redirect(rule: dict[str, Any], key: str, host: str) -> HttpResponse:
    redirect = rule.get("Redirect") or {}
    prefix = (rule.get("Condition") or {}).get("KeyPrefixEquals") or ""
    if redirect.get("ReplaceKeyWith") is not None:
        key = redirect["ReplaceKeyWith"]
    elif "ReplaceKeyPrefixWith" in redirect:  # an empty replacement removes the prefix
        key = (redirect["ReplaceKeyPrefixWith"] or "") + key[len(prefix):]
    scheme = redirect.get("Protocol") or "http"
    target = redirect.get("HostName") or host
    return _redirect(f"{scheme}://{target}/{key}", int(redirect.get("HttpRedirectCode") or 301))
