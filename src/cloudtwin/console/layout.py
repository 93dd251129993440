"""The frame around every page: header, navigation (made from the implemented services),
account and region, and the headers that keep other sites out."""

from __future__ import annotations

from typing import Iterable

from cloudtwin import __version__
from cloudtwin.console.pages.base import Page
from cloudtwin.console.render import Html, h, join, link
from cloudtwin.console.view import UI, View
from cloudtwin.protocol.http import HttpResponse

#: No inline script or style, nothing from another origin, never inside another site's frame.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def navigation(view: View, entries: Iterable[tuple[str, str, str]], active: str) -> Html:
    """``entries``: (family, service, title). Grouped by family, in the order given."""
    groups: dict[str, list[Html]] = {}
    for family, service, title in entries:
        cls = "active" if service == active else ""
        groups.setdefault(family, []).append(h('<li class="{}">{}</li>', cls, link(view.url(service), title)))
    top = join(
        h('<li class="{}">{}</li>', "active" if key == active else "", link(view.url(key), label))
        for key, label in (("", "Dashboard"), ("requests", "Requests"), ("clock", "Clock and reset"))
    )
    families = join(h("<h3>{}</h3><ul>{}</ul>", family, join(items)) for family, items in groups.items())
    return h('<nav aria-label="console"><ul>{}</ul>{}</nav>', top, families)


def scope_form(view: View) -> Html:
    return h(
        '<form class="scope" method="get" action="">'
        '<label><span>Account</span><input name="account" value="{}" size="13" pattern="[0-9]{{12}}"></label>'
        '<label><span>Region</span><input name="region" value="{}" size="12"></label>'
        '<button type="submit">Go</button></form>',
        view.account, view.region,
    )


def render(view: View, page: Page, nav: Html, service_title: str | None, service_href: str | None, status: int = 200) -> HttpResponse:
    trail_parts = [link(view.url(), "cloudtwin")]
    if service_title and service_href:
        trail_parts.append(link(service_href, service_title))
    trail_parts += [link(href, label) for label, href in page.trail]
    trail = join(h("<li>{}</li>", part) for part in trail_parts)
    document = h(
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>{title} · cloudtwin</title>"
        '<link rel="icon" href="data:,"><link rel="stylesheet" href="{ui}/static/console.css">'
        '<script src="{ui}/static/console.js" defer></script>'
        "</head><body>"
        '<header><a class="brand" href="{home}">cloudtwin</a><span class="version">{version}</span>{scope}</header>'
        '<div class="layout">{nav}<main>'
        '<ol class="trail">{trail}</ol><h1>{title}</h1><div id="flash" role="status" aria-live="polite"></div>{body}'
        "</main></div></body></html>\n",
        title=page.title, ui=UI, home=view.url(), version=__version__, scope=scope_form(view),
        nav=nav, trail=trail, body=page.body,
    )
    headers = {"Content-Type": "text/html; charset=utf-8", **SECURITY_HEADERS}
    return HttpResponse(status, headers, str(document).encode("utf-8"))



