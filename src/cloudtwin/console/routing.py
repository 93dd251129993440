"""``/_cloudtwin/ui/...``: which page or action a console request is for.

    GET  /_cloudtwin/ui                      dashboard
    GET  /_cloudtwin/ui/requests | clock     the request log; the clock and reset
    GET  /_cloudtwin/ui/static/<file>        the stylesheet and script (package data)
    GET  /_cloudtwin/ui/<service>[/<page>]   a service's page (generic when it has none)
    POST /_cloudtwin/ui/<service>/<action>   an action, JSON in and out (console.js)

The control surface's guards have run before (gateway.guard: Host, Origin, JSON bodies);
an action additionally insists on ``Content-Type: application/json`` even with no body, so
that no "simple" cross-site form post can act. Errors become the page with a message (or
``{"error": ...}`` for an action): never a traceback.
"""

from __future__ import annotations

import json
import logging
from importlib import resources
from typing import TYPE_CHECKING, Any

from cloudtwin.console import layout
from cloudtwin.console.pages import SERVICE_PAGES, overview
from cloudtwin.console.pages.base import Page
from cloudtwin.console.pages.generic import generic_index
from cloudtwin.console.render import flash, h
from cloudtwin.console.view import ConsoleError, View
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.http import HttpRequest, HttpResponse

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.config import Config
    from cloudtwin.control.api import ControlApi
    from cloudtwin.services.registry import ServiceRegistry

__all__ = ["Console"]

log = logging.getLogger("cloudtwin.console")

_STATIC_TYPES = {"css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8"}


class Console:
    """The web console. It sees the server through three narrow views: the settings, the
    service registry (for the internal client and the list of services) and the control API."""

    def __init__(self, config: "Config", services: "ServiceRegistry", control: "ControlApi") -> None:
        self.config = config
        self.services = services
        self.control = control

    async def handle(self, request: HttpRequest, path: str) -> HttpResponse:
        """``path``: what follows ``/_cloudtwin/ui/`` (no leading or trailing slash)."""
        try:
            if path.startswith("static/"):
                return self._static(request, path[len("static/") :])
            if request.method == "POST":
                return await self._action(request, path)
            if request.method not in ("GET", "HEAD"):
                return _json(405, {"error": f"method {request.method} not allowed"})
            return await self._page(View.from_request(self, request, None), path)
        except Exception as exc:  # noqa: BLE001 - a traceback must never reach the browser
            log.exception("console %s %s failed", request.method, path)
            return _json(500, {"error": f"internal error: {type(exc).__name__}: {exc}"})

    # -- pages ---------------------------------------------------------------------------------

    def _entries(self) -> list[tuple[str, str, str]]:
        """(family, service, title) of every implemented service, pages' families first."""
        entries = []
        for service in self.services.implemented():
            page = SERVICE_PAGES.get(service)
            entries.append((page.family, service, page.title) if page else ("More services", service, service))
        order = {"Messaging": 0, "Storage": 1, "Security": 2, "Compute": 3, "Integration": 4}
        return sorted(entries, key=lambda e: (order.get(e[0], 9), e[2].lower()))

    async def _page(self, view: View, path: str) -> HttpResponse:
        service, _, name = path.partition("/")
        implemented = self.services.implemented()
        titles = {s: t for _, s, t in self._entries()}
        active, title, href = service, None, None
        status = 200
        try:
            if not service:
                counters = {s: SERVICE_PAGES[s].count for s in implemented if s in SERVICE_PAGES}
                page = await overview.dashboard(view, counters, titles)
            elif service == "requests" and not name:
                page = await overview.requests_page(view, implemented)
            elif service == "clock" and not name:
                page = await overview.clock_page(view, implemented)
            elif service in implemented:
                title, href = titles.get(service, service), view.url(service)
                page = await self._service_page(view, service, name)
            else:
                raise ConsoleError(f"no console page {path!r}", 404)
        except ServiceError as error:
            status = _status(error)
            page = Page("Error", flash(h("{}: {}", error.code, error.message)))
        except ConsoleError as error:
            status = error.status
            page = Page("Not found" if status == 404 else "Error", flash(error.message))
        if isinstance(page, HttpResponse):
            return page
        nav = layout.navigation(view, self._entries(), active)
        return layout.render(view, page, nav, title, href, status)

    async def _service_page(self, view: View, service: str, name: str) -> Any:
        spec = SERVICE_PAGES.get(service)
        if spec is None:
            if name:
                raise ConsoleError(f"no console page {service}/{name!r}", 404)
            return await generic_index(view, service)
        if not name:
            return await spec.index(view)
        page = spec.pages.get(name)
        if page is None:
            raise ConsoleError(f"no console page {service}/{name!r}", 404)
        return await page(view)

    # -- actions -------------------------------------------------------------------------------

    async def _action(self, request: HttpRequest, path: str) -> HttpResponse:
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type != "application/json":
            return _json(415, {"error": "console actions take JSON bodies only (Content-Type: application/json)"})
        try:
            body = json.loads(request.body or b"{}")
        except ValueError as exc:
            return _json(400, {"error": f"the body is not valid JSON: {exc}"})
        if not isinstance(body, dict):
            return _json(400, {"error": "the body must be a JSON object"})
        service, _, name = path.partition("/")
        spec = SERVICE_PAGES.get(service)
        action = spec.actions.get(name) if spec is not None else None
        if action is None or service not in self.services.implemented():
            return _json(404, {"error": f"no console action {path!r}"})
        view = View.from_request(self, request, body)
        try:
            return _json(200, await action(view))
        except ServiceError as error:
            return _json(_status(error), {"error": f"{error.code}: {error.message}"})
        except ConsoleError as error:
            return _json(error.status, {"error": error.message})

    # -- static files --------------------------------------------------------------------------

    def _static(self, request: HttpRequest, name: str) -> HttpResponse:
        kind = name.rpartition(".")[2]
        if request.method not in ("GET", "HEAD") or "/" in name or name.startswith(".") or kind not in _STATIC_TYPES:
            return _json(404, {"error": f"no static file {name!r}"})
        try:
            data = resources.files("cloudtwin.console").joinpath("static", name).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return _json(404, {"error": f"no static file {name!r}"})
        headers = {"Content-Type": _STATIC_TYPES[kind], "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        return HttpResponse(200, headers, data)


def _status(error: ServiceError) -> int:
    """The status a page or action answers for a service's error: its own 4xx (a status
    the model gives is the protocol's business: 400 here), a 502 for a server fault."""
    status = error.status_code or 400
    return status if status < 500 else 502


def _json(status: int, payload: Any) -> HttpResponse:
    headers = {"Content-Type": "application/json", **layout.SECURITY_HEADERS}
    return HttpResponse(status, headers, json.dumps(payload, default=str).encode())
