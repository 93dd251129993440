"""The page of a service without a page of its own: every list or describe operation that
needs no argument, called through the service's API and shown as tables.

So a service that lands in the registry is browsable in the console the day it lands,
before anyone writes its page.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.console.pages.base import Page
from cloudtwin.console.render import Html, h, join, kv_table, section, table
from cloudtwin.console.view import View

#: At most this many operations are called for one page.
_MAX_OPERATIONS = 12
_PREFIXES = ("List", "Describe")


def readable_operations(view: View, service: str) -> list[str]:
    """The implemented ``List*`` / ``Describe*`` operations that take no required argument,
    lists first (a page calls them all)."""
    provider = view.console.services.provider(service)
    if provider is None:
        return []
    try:
        model = view.console.services.env.catalog.service_model(service)
    except KeyError:
        return []
    found = []
    for name in model.operation_names:
        if not name.startswith(_PREFIXES) or provider.handler(name) is None:
            continue
        shape = model.operation_model(name).input_shape
        if shape is not None and shape.required_members:
            continue
        found.append(name)
    found.sort(key=lambda n: (not n.startswith("List"), n))
    return found[:_MAX_OPERATIONS]


def _render_output(result: dict[str, Any]) -> Html:
    parts: list[Html] = []
    scalars = {}
    for member, value in result.items():
        if member in ("NextToken", "nextToken", "Marker", "NextMarker", "ResponseMetadata"):
            continue
        if isinstance(value, list):
            rows = [v if isinstance(v, dict) else {member: v} for v in value]
            parts.append(h("<h3>{} ({})</h3>", member, len(value)) + table(rows, empty="none"))
        elif isinstance(value, dict):
            parts.append(h("<h3>{}</h3>", member) + kv_table(value))
        else:
            scalars[member] = value
    if scalars:
        parts.insert(0, kv_table(scalars))
    return join(parts) if parts else h('<p class="empty">{}</p>', "empty answer")


async def generic_index(view: View, service: str) -> Page:
    sections = []
    for operation in readable_operations(view, service):
        result, error = await view.try_call(service, operation)
        content = h('<p class="flash error">{}: {}</p>', error.code, error.message) if error else _render_output(result)
        sections.append(section(operation, content))
    if not sections:
        sections.append(section("Nothing to list", h(
            '<p class="empty">{} has no list or describe operation without arguments; see its '
            'operations at {}.</p>', service, f"/_cloudtwin/services?service={service}")))
    services = view.control("services", service=service).get("services", [])
    summary = services[0] if services else {}
    head = h('<p class="hint">Generic page: every list/describe operation of {} that takes no argument. '
             '{} of {} operations implemented.</p>', service, summary.get("implemented_operations"), summary.get("operations"))
    return Page(service, head + join(sections))



