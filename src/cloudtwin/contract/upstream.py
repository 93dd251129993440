"""The two sides of the contract proxy: where a request is forwarded, and what came back.

:class:`Endpoint` forwards a request unchanged (its own signature and all) to any URL: a
cloudtwin, another emulator. :class:`AwsEndpoint` forwards to the real AWS endpoint of the
request's service and region, re-signed with SigV4 by botocore's signer and the caller's own
credential chain (the client signed for the proxy with whatever it had; AWS needs a real
signature for its own host). Both are blocking (stdlib ``http.client``): the proxy calls
them in worker threads, the two sides at once.
"""

from __future__ import annotations

import http.client
import ssl
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.protocol.http import HttpRequest

__all__ = ["Answer", "Endpoint", "AwsEndpoint", "Upstream"]

#: Headers that belong to one connection, never forwarded either way.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "expect", "host", "content-length",
})
#: What a new SigV4 signature replaces.
_SIGNATURE_HEADERS = frozenset({
    "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
})


@dataclass(slots=True)
class Answer:
    """One side's response; ``error`` says why there is none (unreachable, timed out)."""

    status: int | None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None or self.status is None

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def to_record(self) -> dict[str, Any]:
        import base64

        return {
            "status": self.status,
            "headers": [list(h) for h in self.headers],
            "body": base64.b64encode(self.body).decode("ascii"),
            "error": self.error,
        }

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> "Answer":
        import base64

        return cls(
            data.get("status"),
            [(k, v) for k, v in data.get("headers", [])],
            base64.b64decode(data.get("body", "")),
            data.get("error"),
        )


class Upstream:
    """Something a request can be forwarded to."""

    label = "upstream"

    def send(self, request: "HttpRequest", service: str | None, signing_name: str | None, region: str | None) -> Answer:
        raise NotImplementedError


def _exchange(url: str, method: str, target: str, headers: dict[str, str], body: bytes, timeout: float) -> Answer:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, parts.port or 443, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(host, parts.port or 80, timeout=timeout)
    try:
        send_body = body if body or method not in ("GET", "HEAD", "DELETE") else None
        conn.request(method, target, body=send_body, headers=headers)
        response = conn.getresponse()
        data = response.read() if method != "HEAD" else b""
        return Answer(response.status, list(response.getheaders()), data)
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, error=f"{type(exc).__name__}: {exc}".rstrip(": "))
    finally:
        conn.close()


def _request_target(base_path: str, request: "HttpRequest") -> str:
    path = base_path.rstrip("/") + request.path
    return f"{path}?{request.query_string}" if request.query_string else path


class Endpoint(Upstream):
    """Any endpoint URL: the request goes exactly as the client sent it.

    The client's ``Host`` is kept by default, so both sides build the URLs they return
    (queue URLs, S3 locations) from the proxy's address: they compare equal, and the
    client's follow-up calls keep going through the proxy.
    """

    def __init__(self, url: str, timeout: float = 60.0, *, preserve_host: bool = True) -> None:
        self.url = url.rstrip("/")
        self.label = self.url
        self.timeout = timeout
        self.preserve_host = preserve_host
        self._base_path = urlsplit(self.url).path

    def send(self, request: "HttpRequest", service: str | None = None, signing_name: str | None = None,
             region: str | None = None) -> Answer:
        headers = {k: v for k, v in request.headers.items() if k not in HOP_BY_HOP}
        if self.preserve_host and "host" in request.headers:
            headers["Host"] = request.headers["host"]
        return _exchange(self.url, request.method, _request_target(self._base_path, request), headers,
                         request.body, self.timeout)


class AwsEndpoint(Upstream):
    """Real AWS: the service's regional endpoint, re-signed with the caller's credentials."""

    label = "aws"

    def __init__(self, region: str | None = None, session: Any = None, timeout: float = 60.0) -> None:
        import botocore.session

        self.session = session or botocore.session.get_session()
        self.region = region or self.session.get_config_variable("region") or "us-east-1"
        self.timeout = timeout
        self._endpoints: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def endpoint_url(self, service: str, region: str) -> str:
        """The real endpoint of a service in a region, as botocore resolves it (cached)."""
        key = (service, region)
        url = self._endpoints.get(key)
        if url is None:
            with self._lock:
                client = self.session.create_client(
                    service, region_name=region, aws_access_key_id="x", aws_secret_access_key="x"
                )
                url = self._endpoints[key] = client.meta.endpoint_url
        return url

    def send(self, request: "HttpRequest", service: str | None, signing_name: str | None,
             region: str | None) -> Answer:
        if service is None:
            return Answer(None, error="the request matches no AWS service, so it has no AWS endpoint")
        try:
            url, target, headers = self.signed(request, service, signing_name, region)
        except LookupError as exc:
            return Answer(None, error=str(exc))
        return _exchange(url, request.method, target, headers, request.body, self.timeout)

    def signed(self, request: "HttpRequest", service: str, signing_name: str | None,
               region: str | None) -> tuple[str, str, dict[str, str]]:
        """(endpoint URL, request target, headers with a fresh SigV4 signature)."""
        from botocore.auth import S3SigV4Auth, SigV4Auth
        from botocore.awsrequest import AWSRequest

        region = region or self.region
        credentials = self.session.get_credentials()
        if credentials is None:
            raise LookupError("no AWS credentials found in the credential chain")
        url = self.endpoint_url(service, region)
        parts = urlsplit(url)
        target = _request_target(parts.path, request)
        headers = {
            k: v for k, v in request.headers.items() if k not in HOP_BY_HOP and k not in _SIGNATURE_HEADERS
        }
        aws_request = AWSRequest(method=request.method, url=f"{parts.scheme}://{parts.netloc}{target}",
                                 data=request.body, headers=headers)
        content_sha = request.headers.get("x-amz-content-sha256", "")
        if content_sha == "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
            # an aws-chunked body with a trailing checksum: forwarded as is, signed as such
            aws_request.context["checksum"] = {"request_algorithm": {"in": "trailer"}}
        elif content_sha.startswith("STREAMING-"):
            raise LookupError(
                f"cannot re-sign a {content_sha} body (its chunks are signed with the caller's key)"
            )
        name = signing_name or service
        signer_class = S3SigV4Auth if name == "s3" else SigV4Auth
        signer_class(credentials.get_frozen_credentials(), name, region).add_auth(aws_request)
        return url, target, dict(aws_request.headers.items())
