"""``cloudtwin.Client``: the control surface (``/_cloudtwin/...``) from Python.

Standard library only, so a test suite can drive a cloudtwin server without installing
anything else::

    from cloudtwin import Client

    twin = Client("http://127.0.0.1:4566")
    twin.reset()
    twin.freeze()
    report = twin.advance(3600)      # an hour passes; due work runs before this returns
    twin.requests(service="sqs", errors=True)

Every method returns the endpoint's JSON as plain dicts and lists; an error answer
raises :class:`ControlApiError` carrying the status and the server's message.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any, TypedDict
from urllib.parse import quote, urlencode, urlsplit

from cloudtwin.config import DEFAULT_HOST, DEFAULT_PORT

__all__ = [
    "DEFAULT_ENDPOINT",
    "Client",
    "ClockState",
    "ControlApiError",
    "RequestRecord",
    "ResetResult",
    "ServiceInfo",
]

DEFAULT_ENDPOINT = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class ClockState(TypedDict, total=False):
    """``GET clock``; calls that move the clock add ``processed``: ``{processor: report}``."""

    now: float
    iso: str
    frozen: bool
    offset: float
    processed: dict[str, dict[str, Any]]


class ServiceInfo(TypedDict, total=False):
    name: str
    loaded: bool
    implemented_operations: int
    operations: int | None
    implemented: list[str]  # only when asking about one service


class ResetResult(TypedDict):
    scope: str
    services: list[str]
    account: str | None
    identities: bool
    request_log: bool
    clock: bool
    duration_ms: float


class RequestRecord(TypedDict):
    time: float
    request_id: str
    service: str | None
    operation: str | None
    account_id: str | None
    region: str | None
    status: int
    error_code: str | None
    duration_ms: float


class ControlApiError(Exception):
    """The control API answered with an error (4xx/5xx)."""

    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.body = body


class Client:
    """A small client for one cloudtwin server's control API."""

    def __init__(self, endpoint: str = DEFAULT_ENDPOINT, *, timeout: float = 30.0) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout
        host = urlsplit(self.endpoint).hostname or ""
        # A proxy from the environment must not intercept calls to a local server.
        handlers = [urllib.request.ProxyHandler({})] if host in _LOOPBACK else []
        self._opener = urllib.request.build_opener(*handlers)

    def __repr__(self) -> str:
        return f"Client({self.endpoint!r})"

    # -- server ----------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """Status, version, uptime and which services are implemented / loaded."""
        return self._call("GET", "health")

    def services(self) -> list[ServiceInfo]:
        """Every implemented service: loaded or not, how many operations it implements."""
        return self._call("GET", "services")["services"]

    def service(self, name: str) -> ServiceInfo:
        """One implemented service, with the names of its implemented operations."""
        return self._call("GET", "services", query={"service": name})["services"][0]

    def reset(self, service: str | None = None, account: str | None = None) -> ResetResult:
        """Drop state: everything (with the request log, issued keys and the clock), one
        service's, one account's, or one service's in one account."""
        body = {k: v for k, v in (("service", service), ("account", account)) if v is not None}
        return self._call("POST", "reset", body)

    def requests(
        self,
        *,
        service: str | None = None,
        operation: str | None = None,
        account: str | None = None,
        region: str | None = None,
        status: int | None = None,
        errors: bool = False,
        limit: int | None = None,
    ) -> list[RequestRecord]:
        """The recent requests the server answered, oldest first, filtered."""
        query: dict[str, Any] = {
            "service": service,
            "operation": operation,
            "account": account,
            "region": region,
            "status": status,
            "limit": limit,
            "errors": "1" if errors else None,
        }
        return self._call("GET", "requests", query=query)["requests"]

    # -- clock -----------------------------------------------------------------------------

    def clock(self) -> ClockState:
        return self._call("GET", "clock")

    def now(self) -> float:
        """The server's virtual time, epoch seconds."""
        return self.clock()["now"]

    def advance(self, seconds: float) -> ClockState:
        """Move the virtual clock forward; due work has run when this returns."""
        return self._call("POST", "clock/advance", {"seconds": seconds})

    def set_time(self, when: float | str | datetime) -> ClockState:
        """Jump the clock to epoch seconds, an ISO-8601 string or a datetime (naive = UTC)."""
        if isinstance(when, datetime):
            when = when.isoformat()
        return self._call("POST", "clock/set", {"time": when})

    def freeze(self) -> ClockState:
        return self._call("POST", "clock/freeze")

    def unfreeze(self) -> ClockState:
        return self._call("POST", "clock/unfreeze")

    # -- tick processors -------------------------------------------------------------------

    def processors(self) -> list[dict[str, Any]]:
        """The registered tick processors with their run counts and last reports."""
        return self._call("GET", "tick")["processors"]

    def tick(self, name: str | None = None) -> dict[str, Any]:
        """Run one processor now and return its report; with no name, run all of them
        and return ``{processor: report}``."""
        if name is None:
            return self._call("POST", "tick")["processed"]
        return self._call("POST", "tick/" + quote(name, safe=""))["report"]

    def wait_until_ready(self, timeout: float = 10.0) -> dict[str, Any]:
        """Poll ``health`` until the server answers (e.g. one just started elsewhere)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.health()
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)

    # -- plumbing --------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        query: dict[str, Any] | None = None,
    ) -> Any:
        url = f"{self.endpoint}/_cloudtwin/{path}"
        if query:
            pairs = {k: str(v) for k, v in query.items() if v is not None}
            if pairs:
                url += "?" + urlencode(pairs)
        if body is not None:
            data: bytes | None = json.dumps(body).encode()
        else:
            data = b"" if method == "POST" else None
        request = urllib.request.Request(url, data=data, method=method)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                payload = json.loads(raw)
                message = payload.get("error", raw.decode(errors="replace"))
            except (ValueError, AttributeError):
                payload, message = None, raw.decode(errors="replace") or error.reason
            raise ControlApiError(error.code, str(message), payload) from None
        return json.loads(raw) if raw else None
