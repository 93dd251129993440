"""The pages about the server rather than a service: the dashboard, the live request log,
and the virtual clock with reset. Their forms post straight to the control API
(``/_cloudtwin/clock/advance``, ``/_cloudtwin/reset``...), as JSON."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from cloudtwin.console.pages.base import Page
from cloudtwin.console.render import field, form, h, join, kv_table, link, section, table, when
from cloudtwin.console.view import View
from cloudtwin.protocol.errors import ServiceError

Counter = Callable[[View], Awaitable[int]]


async def dashboard(view: View, counters: dict[str, Counter | None], titles: dict[str, str]) -> Page:
    services = view.control("services").get("services", [])
    rows = []
    for entry in services:
        name = entry["name"]
        counter = counters.get(name)
        count: Any = ""
        if entry.get("loaded") and counter is not None:
            try:
                count = await counter(view)
            except ServiceError as error:
                count = error.code
        rows.append({
            "service": link(view.url(name), titles.get(name, name)),
            "name": name,
            "loaded": "loaded" if entry.get("loaded") else "not loaded",
            "operations": f"{entry.get('implemented_operations', '?')} / {entry.get('operations', '?')}",
            "resources": count,
        })
    clock = view.control("clock")
    log = view.control("requests", limit=1)
    errors = view.control("requests", errors=1, limit=1)
    body = join([
        section("Services", h('<p class="hint">Resources in account {}, region {} (S3: every bucket); a service is loaded on its first call.</p>',
                                view.account, view.region), table(rows, cls="services")),
        section("Server", kv_table({
            "virtual clock": link(view.url("clock"), clock.get("iso")),
            "frozen": clock.get("frozen"),
            "requests logged": link(view.url("requests"), log.get("total")),
            "errors logged": link(view.url("requests", errors="1"), errors.get("count")),
        })),
    ])
    return Page("Dashboard", body)


async def requests_page(view: View, services: list[str]) -> Page:
    service, status, operation = view.arg("service"), view.arg("status"), view.arg("operation")
    errors = view.arg("errors") in ("1", "true", "on")
    limit = view.arg("limit") or "200"
    found = view.control("requests", service=service, status=status, operation=operation, errors="1" if errors else "", limit=limit)
    rows = [
        {
            "time": when(r.get("time")), "service": r.get("service"), "operation": r.get("operation"),
            "status": h('<span class="status s{}">{}</span>', str(r.get("status"))[:1], r.get("status")),
            "error": r.get("error_code"), "ms": r.get("duration_ms"), "account": r.get("account_id"),
            "region": r.get("region"), "request id": r.get("request_id"),
        }
        for r in reversed(found.get("requests", []))
    ]
    filters = form(
        view.url("requests"),
        field("service", "Service", service, kind="select", options=("", *services)),
        field("operation", "Operation", operation),
        field("status", "Status", status, kind="number", placeholder="400"),
        field("errors", "Errors only", errors, kind="checkbox"),
        field("limit", "Last", limit, kind="number"),
        method="get", submit="Filter", cls="filters", hidden=view.scope(),
    )
    live = h('<label class="live"><input type="checkbox" data-autorefresh="2000"> {}</label>', "refresh every 2 s")
    body = section(h("Requests ({} shown of {})", len(rows), found.get("total")), filters, live,
                   table(rows, empty="No requests match.", cls="requests"), id="requests")
    return Page("Request log", body)


async def clock_page(view: View, services: list[str]) -> Page:
    clock = view.control("clock")
    processors = [
        {**p, "last_run": when(p["last_run"]) if p.get("last_run") else ""} for p in view.control("tick").get("processors", [])
    ]
    state = {
        "now": h('<span id="clock-iso">{}</span>', clock.get("iso")),
        "epoch": clock.get("now"),
        "frozen": clock.get("frozen"),
        "offset (s ahead of real time)": clock.get("offset"),
    }
    controls = join([
        form("/_cloudtwin/clock/advance", field("seconds", "Advance by (seconds)", "60", kind="number", required=True),
             submit="Advance", cls="inline clock-advance"),
        form("/_cloudtwin/clock/set", field("time", "Set to (epoch, ISO-8601 or now)", required=True, placeholder="2030-01-01T00:00:00Z"),
             submit="Set", cls="inline clock-set"),
        form("/_cloudtwin/clock/unfreeze" if clock.get("frozen") else "/_cloudtwin/clock/freeze",
             submit="Unfreeze" if clock.get("frozen") else "Freeze", cls="inline clock-freeze"),
        form("/_cloudtwin/clock/reset", submit="Back to real time", cls="inline clock-reset"),
    ])
    reset = join([
        form("/_cloudtwin/reset", submit="Reset everything", confirm="Drop all state of every service?", cls="inline danger"),
        form("/_cloudtwin/reset", field("service", "Service", kind="select", options=services), submit="Reset one service",
             confirm="Drop this service's state?", cls="inline"),
    ])
    body = join([
        section("Virtual clock", kv_table(state), controls, id="clock"),
        section("Tick processors", table(processors, empty="No processors registered yet.")),
        section("Reset", h('<p class="hint">{}</p>', "Reset drops state (and puts the clock back to real time); it cannot be undone."), reset),
    ])
    return Page("Clock and reset", body)



