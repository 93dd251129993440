"""The ``/_cloudtwin/...`` HTTP API. JSON in, JSON out, all under one prefix."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any, Callable

from cloudtwin import __version__
from cloudtwin.protocol.http import HttpRequest, HttpResponse

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.app import Gateway

PREFIX = "/_cloudtwin/"


def json_response(status: int, payload: Any) -> HttpResponse:
    return HttpResponse(
        status,
        {"Content-Type": "application/json"},
        json.dumps(payload, default=str).encode(),
    )


class ControlApi:
    """Routes ``/_cloudtwin/<name>`` to a method; one method per endpoint."""

    def __init__(self, gateway: "Gateway") -> None:
        self.gateway = gateway
        self.routes: dict[tuple[str, str], Callable[[HttpRequest], HttpResponse]] = {
            ("GET", "health"): self.health,
            ("HEAD", "health"): self.health,
        }

    def handle(self, request: HttpRequest) -> HttpResponse:
        name = request.path[len(PREFIX) :].strip("/")
        endpoint = self.routes.get((request.method, name))
        if endpoint is None:
            known = sorted({path for _, path in self.routes})
            if any(path == name for path in known):
                return json_response(405, {"error": f"method {request.method} not allowed"})
            return json_response(404, {"error": f"no control endpoint {name!r}", "endpoints": known})
        return endpoint(request)

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
