"""HTML for the console: escaping, and the few building blocks every page is made of.

Everything a page shows can hold user data (a queue name, a message body, an object key,
a tag value), so nothing reaches the output unescaped: :class:`Html` marks markup that is
already safe, and every other value goes through :func:`html.escape` (quotes included,
so a value is safe inside an attribute too). Pages build markup with :func:`h`, which
escapes its arguments, never with string concatenation of raw values.
"""

from __future__ import annotations

import datetime as _dt
import html as _html
import json
from typing import Any, Iterable, Mapping
from urllib.parse import urlencode

__all__ = [
    "Html", "esc", "h", "join", "table", "kv_table", "link", "form", "field", "button",
    "section", "flash", "when", "size", "qs", "pretty",
]


class Html(str):
    """Markup that is safe to output as it is (made by this module from escaped parts)."""

    __slots__ = ()

    def __html__(self) -> str:  # the convention template engines share
        return self

    def __add__(self, other: Any) -> "Html":  # markup + text: the text is escaped
        return Html(str.__add__(self, esc(other)))

    def __radd__(self, other: Any) -> "Html":
        return Html(str.__add__(esc(other), self))


def esc(value: Any) -> Html:
    """``value`` as safe markup: Html passes through, None is empty, the rest is escaped."""
    if isinstance(value, Html):
        return value
    if value is None:
        return Html("")
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    return Html(_html.escape(str(value), quote=True))


def h(template: str, *args: Any, **kwargs: Any) -> Html:
    """``template.format(...)`` with every argument escaped; the template is trusted code."""
    return Html(template.format(*(esc(a) for a in args), **{k: esc(v) for k, v in kwargs.items()}))


def join(parts: Iterable[Any], sep: str = "") -> Html:
    return Html(sep.join(esc(p) for p in parts))


def qs(**params: Any) -> str:
    """A query string (``?a=1&b=2``) of the non-empty parameters, or ``""``."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


def _attributes(attrs: dict[str, Any]) -> Html:
    """Keyword arguments as attributes: ``data_args`` is ``data-args``, ``cls`` is ``class``."""
    return join(h(' {}="{}"', "class" if k == "cls" else k.replace("_", "-"), v) for k, v in attrs.items())


def link(href: str, text: Any, **attrs: Any) -> Html:
    return h('<a href="{}"{}>{}</a>', href, _attributes(attrs), text)


def when(epoch: Any) -> Html:
    """An epoch (seconds, or milliseconds past year 33658) as ISO-8601 UTC."""
    if isinstance(epoch, _dt.datetime):
        return esc(epoch.isoformat())
    try:
        value = float(epoch)
    except (TypeError, ValueError):
        return esc(epoch)
    if value > 1e12:
        value /= 1000
    try:
        moment = _dt.datetime.fromtimestamp(value, _dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return esc(epoch)
    return h('<time datetime="{0}">{0}</time>', moment.strftime("%Y-%m-%d %H:%M:%S") + "Z")


def size(count: Any) -> str:
    try:
        n = float(count)
    except (TypeError, ValueError):
        return str(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(count)  # pragma: no cover


def pretty(value: Any) -> str:
    """A value as indented JSON (bytes as text, dates as ISO-8601)."""

    def default(obj: Any) -> Any:
        if isinstance(obj, (bytes, bytearray)):
            return obj.decode("utf-8", "replace")
        if isinstance(obj, (_dt.datetime, _dt.date)):
            return obj.isoformat()
        return str(obj)

    return json.dumps(value, indent=2, sort_keys=True, default=default, ensure_ascii=False)


def cell(value: Any) -> Html:
    """A table cell's content: markup as is, structures as compact JSON, the rest escaped."""
    if isinstance(value, Html):
        return value
    if isinstance(value, bool):
        return esc("true" if value else "false")
    if isinstance(value, (dict, list, tuple)):
        text = json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)
        if len(text) > 160:
            text = text[:157] + "..."
        return h("<code>{}</code>", text)
    if isinstance(value, _dt.datetime):
        return when(value.timestamp())
    return esc(value)


def table(
    rows: Iterable[Mapping[str, Any]],
    columns: Iterable[str] | None = None,
    *,
    empty: str = "none",
    cls: str = "",
    headers: Mapping[str, str] | None = None,
) -> Html:
    """A table of dicts. Columns: those given, else every key in first-seen order."""
    rows = list(rows)
    if columns is None:
        seen: dict[str, None] = {}
        for row in rows:
            seen.update(dict.fromkeys(row))
        columns = list(seen)
    columns = list(columns)
    if not rows:
        return h('<p class="empty">{}</p>', empty)
    headers = headers or {}
    head = join(h("<th>{}</th>", headers.get(c, c)) for c in columns)
    body = join(
        h("<tr>{}</tr>", join(h("<td>{}</td>", cell(row.get(c))) for c in columns)) for row in rows
    )
    return h('<table class="grid {}"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', cls, head, body)


def kv_table(values: Mapping[str, Any], *, empty: str = "none") -> Html:
    if not values:
        return h('<p class="empty">{}</p>', empty)
    rows = join(h("<tr><th>{}</th><td>{}</td></tr>", k, cell(v)) for k, v in values.items())
    return h('<table class="kv"><tbody>{}</tbody></table>', rows)


def section(title: Any, *content: Any, id: str | None = None) -> Html:
    anchor = h(' id="{}"', id) if id else Html("")
    return h("<section{}><h2>{}</h2>{}</section>", anchor, title, join(content))


def flash(message: Any, kind: str = "error") -> Html:
    return h('<div class="flash {}" role="status">{}</div>', kind, message)


def field(
    name: str, label: Any, value: Any = "", *, kind: str = "text", required: bool = False,
    placeholder: str = "", options: Iterable[str] | None = None,
) -> Html:
    """A labelled input (``kind``: text, number, textarea, select, file, checkbox...)."""
    req = " required" if required else ""
    if kind == "textarea":
        control = h('<textarea name="{}" rows="4" placeholder="{}"{}>{}</textarea>', name, placeholder, Html(req), value)
    elif kind == "select":
        opts = join(
            h('<option value="{0}"{1}>{0}</option>', o, Html(" selected" if o == value else ""))
            for o in (options or ())
        )
        control = h('<select name="{}">{}</select>', name, opts)
    elif kind == "checkbox":
        control = h('<input type="checkbox" name="{}" value="1"{}>', name, Html(" checked" if value else ""))
    else:
        control = h(
            '<input type="{}" name="{}" value="{}" placeholder="{}"{}>', kind, name, value, placeholder, Html(req)
        )
    if kind == "checkbox":
        return h('<label class="check">{}<span>{}</span></label>', control, label)
    return h("<label><span>{}</span>{}</label>", label, control)


def button(text: Any, *, kind: str = "submit", cls: str = "", **attrs: Any) -> Html:
    return h('<button type="{}" class="{}"{}>{}</button>', kind, cls, _attributes(attrs), text)


def form(
    action: str, *fields: Any, submit: str = "Submit", method: str = "post", cls: str = "",
    hidden: Mapping[str, Any] | None = None, confirm: str | None = None,
) -> Html:
    """A form. ``post`` forms are sent as JSON by console.js (``data-action``) to ``action``;
    ``get`` forms are plain browser navigation (reads: filters, query and scan)."""
    hidden_inputs = join(
        h('<input type="hidden" name="{}" value="{}">', k, v) for k, v in (hidden or {}).items() if v not in (None, "")
    )
    attrs = h(' data-action="json"{}', h(' data-confirm="{}"', confirm) if confirm else Html("")) if method == "post" else Html("")
    return h(
        '<form class="form {}" method="{}" action="{}"{}>{}{}{}</form>',
        cls, "get" if method == "get" else "post", action, attrs, hidden_inputs, join(fields), button(submit),
    )
