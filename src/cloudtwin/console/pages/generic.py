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


def readable_operations(view: View, service: str) -> dict[str, dict[str, int]]:
    """The implemented ``List*`` / ``Describe*`` operations that need no argument but a
    page size, lists first (a page calls them all), with the arguments to call them with."""
    provider = view.console.services.provider(service)
    if provider is None:
        return {}
    try:
        model = view.console.services.env.catalog.service_model(service)
    except KeyError:
        return {}
    found = {}
    for name in model.operation_names:
        if not name.startswith(_PREFIXES) or provider.handler(name) is None:
            continue
        arguments = page_size_arguments(model.operation_model(name).input_shape)
        if arguments is not None:
            found[name] = arguments
    ordered = sorted(found, key=lambda n: (not n.startswith("List"), n))[:_MAX_OPERATIONS]
    return {name: found[name] for name in ordered}


def page_size_arguments(shape: Any) -> dict[str, int] | None:
    """The arguments an operation needs when its only required ones are page sizes
    (``MaxResults``: an integer, given its largest allowed value up to 60); None when it
    needs anything else."""
    arguments: dict[str, int] = {}
    for member in (shape.required_members if shape is not None else ()):
        member_shape = shape.members[member]
        if member_shape.type_name not in ("integer", "long"):
            return None
        arguments[member] = int(min(member_shape.metadata.get("max", 60), 60))
    return arguments


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
    for operation, arguments in readable_operations(view, service).items():
        result, error = await view.try_call(service, operation, arguments)
        content = h('<p class="flash error">{}: {}</p>', error.code, error.message) if error else _render_output(result)
        sections.append(section(operation, content))
    if not sections:
        sections.append(section("Nothing to list", h(
            '<p class="empty">{} has no list or describe operation that needs no argument; see its '
            'operations at {}.</p>', service, f"/_cloudtwin/services?service={service}")))
    services = view.control("services", service=service).get("services", [])
    summary = services[0] if services else {}
    head = h('<p class="hint">Generic page: every list/describe operation of {} that needs no argument but a page size. '
             '{} of {} operations implemented.</p>', service, summary.get("implemented_operations"), summary.get("operations"))
    return Page(service, head + join(sections))



