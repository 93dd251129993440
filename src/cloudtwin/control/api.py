"""The ``/_cloudtwin/...`` HTTP API. JSON in, JSON out, all under one prefix.

The router here maps ``(method, path)`` to an endpoint; the endpoints live in one module
per concern and hand over their routes:

    ControlApi ── health, services, requests   (here, introspection.py)
               ├─ reset                         (reset.py)
               ├─ clock..., tick...             (clock_api.py)
               ├─ ui/...                        (cloudtwin.console: the web console)
               └─ /_localstack/..., /moto-api/reset  (compat.py: other tools' habits)

Any other path starting with ``/_`` is the control surface's too (no S3 bucket name starts
with ``_``), unless the host names a bucket (virtual-host style, where it is a key): it
gets a JSON 404 listing every endpoint rather than falling through to S3.

Bad input is a 4xx ``{"error": ...}``; an unexpected failure is a 500 with the same
shape. Nothing here ever answers with a traceback.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Callable

from cloudtwin import __version__
from cloudtwin.control.clock_api import ClockApi
from cloudtwin.control.compat import MOTO_RESET, CompatApi
from cloudtwin.control.introspection import IntrospectionApi
from cloudtwin.control.payload import ControlError, json_response
from cloudtwin.control.reset import ResetApi
from cloudtwin.protocol.http import HttpRequest, HttpResponse

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.app import Gateway

__all__ = ["PREFIX", "ControlApi", "ControlError", "json_response"]

PREFIX = "/_cloudtwin/"
#: Short names of services' introspection paths (``/_cloudtwin/cognito/codes``).
_SERVICE_ALIASES = {"cognito": "cognito-idp"}

log = logging.getLogger("cloudtwin.control")

Endpoint = Callable[[HttpRequest], HttpResponse]
PrefixEndpoint = Callable[[HttpRequest, str], HttpResponse]


class ControlApi:
    """Routes ``/_cloudtwin/<name>`` to an endpoint; one method per endpoint."""

    def __init__(self, gateway: "Gateway") -> None:
        self.gateway = gateway
        clock = ClockApi(gateway)
        self.routes: dict[tuple[str, str], Endpoint] = {
            ("GET", "health"): self.health,
            ("HEAD", "health"): self.health,
            **IntrospectionApi(gateway).routes(),
            **ResetApi(gateway).routes(),
            **clock.routes(),
        }
        #: ``(method, "tick/")`` -> endpoint taking the rest of the path.
        self.prefix_routes: dict[tuple[str, str], PrefixEndpoint] = clock.prefix_routes()
        self.compat = CompatApi(gateway)
        self._console = None

    def claims(self, request: HttpRequest) -> bool:
        """Whether a request is for the control surface rather than a service."""
        path = request.path
        if path.startswith(PREFIX):
            return True
        if path.startswith("/_"):
            # ``/_key`` on a virtual-host bucket is an object key, not ours.
            host = self.gateway.router.hosts.parse(request.headers.get("host", ""))
            return host.bucket is None and host.subdomain is None
        # ``/moto-api/reset`` could be a key in a bucket named "moto-api": moto's reset
        # comes unsigned, an S3 request never does.
        return path == MOTO_RESET and "authorization" not in request.headers

    def handle(self, request: HttpRequest) -> HttpResponse:
        """The answer; for the console (``ui/...``) an awaitable of it, which the gateway
        awaits (its pages call services, some of which are asynchronous)."""
        try:
            if not request.path.startswith(PREFIX):
                response = self.compat.handle(request)
                if response is None:
                    raise ControlError(404, f"no endpoint {request.path!r}", endpoints=self.endpoints())
                return response
            name = request.path[len(PREFIX) :].strip("/")
            return self._route(request, name)
        except ControlError as error:
            return error.response()
        except Exception as exc:  # noqa: BLE001 - a traceback must never reach the client
            log.exception("control endpoint %s %s failed", request.method, name)
            return json_response(500, {"error": f"internal error: {type(exc).__name__}: {exc}"})

    def _route(self, request: HttpRequest, name: str) -> HttpResponse:
        endpoint = self.routes.get((request.method, name))
        if endpoint is not None:
            return endpoint(request)
        if name == "ui" or name.startswith("ui/"):
            return self.console.handle(request, name[3:])  # type: ignore[return-value]  # awaited by the gateway
        service, _, rest = name.partition("/")
        service = _SERVICE_ALIASES.get(service, service)
        if rest and service in self.gateway.services.implemented():
            return self._service_route(request, service, rest)
        for (method, prefix), prefixed in self.prefix_routes.items():
            if name.startswith(prefix) and len(name) > len(prefix):
                if method == request.method:
                    return prefixed(request, name[len(prefix) :])
                raise ControlError(405, f"method {request.method} not allowed")
        known = self._own_paths()
        if name in known:
            raise ControlError(405, f"method {request.method} not allowed")
        raise ControlError(404, f"no control endpoint {name!r}", endpoints=self.endpoints())

    @property
    def console(self):  # type: ignore[no-untyped-def]
        """The web console, made on its first page (start-up pays nothing for it)."""
        if self._console is None:
            from cloudtwin.console import Console

            gw = self.gateway
            self._console = Console(gw.config, gw.services, self)
        return self._console

    def _own_paths(self) -> list[str]:
        return sorted(
            {path for _, path in self.routes} | {p + "<name>" for _, p in self.prefix_routes} | {"ui"}
        )

    def endpoints(self) -> list[str]:
        """Every control path, the services' own ones and other tools' included: what a
        404 lists. (Lists the services' endpoints by loading them: a rare, error path.)"""
        paths = [PREFIX + path for path in self._own_paths()]
        services = self.gateway.services
        for service in services.implemented():
            provider = services.provider(service)
            routes = provider.introspection() if provider is not None else {}
            paths.extend(f"{PREFIX}{service}/{path}" for _, path in sorted(routes))
        return sorted(set(paths)) + self.compat.endpoints()

    def _service_route(self, request: HttpRequest, service: str, name: str) -> HttpResponse:
        """``/_cloudtwin/<service>/<name>``: a service's own introspection endpoints.

        A provider offers them from ``introspection()``: ``{(method, name): fn}`` where
        ``fn(params: dict) -> JSON value`` takes the query/body arguments and raises
        ``ControlError`` for bad ones.
        """
        provider = self.gateway.services.provider(service)
        routes = provider.introspection() if provider is not None else {}
        endpoint = routes.get((request.method, name))
        if endpoint is None:
            known = sorted(f"{service}/{path}" for _, path in routes)
            if any(path == name for _, path in routes):
                raise ControlError(405, f"method {request.method} not allowed")
            raise ControlError(404, f"no control endpoint {service}/{name!r}", endpoints=known)
        params: dict = dict(request.query)
        if request.body.strip():
            from cloudtwin.protocol.documents import DocumentError, read_json

            try:
                body = read_json(request.body)
            except DocumentError as exc:
                raise ControlError(400, f"the body is not valid JSON: {exc.reason}") from None
            if not isinstance(body, dict):
                raise ControlError(400, "the body must be a JSON object")
            params.update(body)
        result = endpoint(params)
        if isinstance(result, HttpResponse):  # a non-JSON resource (e.g. a certificate)
            return result
        return json_response(200, result)

    def health(self, request: HttpRequest) -> HttpResponse:
        gw = self.gateway
        return json_response(
            200,
            {
                "status": "running",
                "version": __version__,
                "uptime_seconds": round(time.monotonic() - gw.started_at, 3),
                "services": {
                    "implemented": gw.services.implemented(),
                    "loaded": gw.services.loaded(),
                    "models_loaded": gw.catalog.loaded(),
                },
            },
        )
