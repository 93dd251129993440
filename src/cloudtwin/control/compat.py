"""What other local AWS tools answer outside AWS's own API, so their users' habits work here.

    /_localstack/health        LocalStack's health: ``{"services": {name: status}, ...}``
    /_localstack/info          LocalStack's info: version, edition, uptime...
    /_localstack/init[/STAGE]  LocalStack's init-hook readiness (cloudtwin has no hooks: done)
    POST /moto-api/reset       moto's reset: drop all state, like ``/_cloudtwin/reset``

Everything is read from cloudtwin's own state; nothing here is a second implementation
of what ``/_cloudtwin/...`` already does.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from cloudtwin import __version__
from cloudtwin.control.payload import ControlError, json_response
from cloudtwin.control.reset import reset_state
from cloudtwin.protocol.http import HttpRequest, HttpResponse

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.app import Gateway

LOCALSTACK_PREFIX = "/_localstack/"
MOTO_RESET = "/moto-api/reset"
_INIT_STAGES = ("BOOT", "START", "READY", "SHUTDOWN")


class CompatApi:
    """LocalStack's and moto's control endpoints, answered from cloudtwin's state."""

    def __init__(self, gateway: "Gateway") -> None:
        self.gateway = gateway
        self.session_id = str(uuid.uuid4())
        #: ``(method, path below /_localstack/)`` -> endpoint
        self.localstack_routes = {
            ("GET", "health"): self.health,
            ("HEAD", "health"): self.health,
            ("GET", "info"): self.info,
            ("GET", "init"): self.init,
        }

    def endpoints(self) -> list[str]:
        return sorted(LOCALSTACK_PREFIX + path for _, path in self.localstack_routes) + [
            LOCALSTACK_PREFIX + "init/<stage>",
            MOTO_RESET,
        ]

    def handle(self, request: HttpRequest) -> HttpResponse | None:
        """The answer for a LocalStack or moto path, or None when it is neither."""
        path = request.path
        if path == MOTO_RESET:
            if request.method != "POST":
                raise ControlError(405, f"method {request.method} not allowed")
            reset_state(self.gateway)
            return json_response(200, {"status": "ok"})
        if not path.startswith(LOCALSTACK_PREFIX):
            return None
        name = path[len(LOCALSTACK_PREFIX) :].strip("/")
        endpoint = self.localstack_routes.get((request.method, name))
        if endpoint is not None:
            return endpoint(request)
        stage = name.partition("init/")[2]
        if request.method == "GET" and stage:
            if stage.upper() not in _INIT_STAGES:
                raise ControlError(404, f"no init stage {stage!r}", stages=list(_INIT_STAGES))
            return json_response(200, {"completed": stage.upper() != "SHUTDOWN", "scripts": []})
        return None

    def health(self, request: HttpRequest) -> HttpResponse:
        registry = self.gateway.services
        loaded = set(registry.loaded())
        services = {
            name: "running" if name in loaded else "available" for name in registry.implemented()
        }
        return json_response(
            200, {"services": services, "edition": "community", "version": __version__}
        )

    def info(self, request: HttpRequest) -> HttpResponse:
        return json_response(
            200,
            {
                "version": f"cloudtwin {__version__}",
                "edition": "community",
                "is_license_activated": False,
                "session_id": self.session_id,
                "machine_id": "cloudtwin",
                "system": "python",
                "is_docker": False,
                "server_time_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "uptime": int(time.monotonic() - self.gateway.started_at),
            },
        )

    def init(self, request: HttpRequest) -> HttpResponse:
        completed = {stage: stage != "SHUTDOWN" for stage in _INIT_STAGES}
        return json_response(200, {"completed": completed, "scripts": []})
