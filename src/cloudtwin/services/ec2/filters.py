"""What every Describe shares: EC2's ``Filter`` semantics, the ``MaxResults``/``NextToken``
pages, and the resources an id list names.

A filter names a field of the resource and lists values: the resource matches when any
value matches (OR), and it must match every filter (AND). Values may hold the wildcards
``*`` (any run of characters) and ``?`` (one character). Besides a kind's own fields, every
taggable kind knows ``tag:<key>``, ``tag-key`` and ``tag-value``.

A kind's fields are a dict of filter name -> a function of the resource giving the value
(or a list of values) the filter compares with; booleans compare as ``true``/``false``.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from typing import Any, Callable, Iterable

from cloudtwin.services.ec2.errors import invalid_parameter, not_found

Fields = dict[str, Callable[[dict[str, Any]], Any]]


@lru_cache(maxsize=512)
def _pattern(value: str) -> re.Pattern[str]:
    parts = []
    for ch in value:
        parts.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [_text(v) for v in value if v is not None]
    return [_text(value)]


def tag_fields(resource: dict[str, Any], name: str) -> list[str] | None:
    """The values of a tag filter on a resource, or None when ``name`` is no tag filter."""
    tags = resource.get("Tags") or resource.get("TagSet") or []
    if name.startswith("tag:"):
        key = name[4:]
        return [t["Value"] for t in tags if t["Key"] == key]
    if name == "tag-key":
        return [t["Key"] for t in tags]
    if name == "tag-value":
        return [t["Value"] for t in tags]
    return None


def matches(resource: dict[str, Any], filters: list[dict[str, Any]] | None, fields: Fields) -> bool:
    for flt in filters or ():
        name = flt.get("Name") or ""
        wanted = flt.get("Values") or []
        found = tag_fields(resource, name)
        if found is None:
            getter = fields.get(name)
            if getter is None:
                raise invalid_parameter(f"The filter '{name}' is invalid")
            found = _values(getter(resource))
        if not any(_pattern(w).match(v) for w in wanted for v in found):
            return False
    return True


def check_filters(filters: list[dict[str, Any]] | None, fields: Fields) -> None:
    """Refuse unknown filter names even when nothing is there to filter."""
    for flt in filters or ():
        name = flt.get("Name") or ""
        if not (name.startswith("tag:") or name in ("tag-key", "tag-value") or name in fields):
            raise invalid_parameter(f"The filter '{name}' is invalid")


def select(
    resources: Iterable[dict[str, Any]], filters: list[dict[str, Any]] | None, fields: Fields
) -> list[dict[str, Any]]:
    check_filters(filters, fields)
    return [r for r in resources if matches(r, filters, fields)]


def page(items: list[Any], params: dict[str, Any], minimum: int = 5, maximum: int = 1000) -> tuple[list[Any], str | None]:
    """One page of ``items`` after ``NextToken``, ``MaxResults`` long (all when not given)."""
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except ValueError:
            raise invalid_parameter(f"Invalid value '{token}' for parameter NextToken") from None
    size = params.get("MaxResults")
    if size is None:
        return items[start:], None
    if not minimum <= size <= maximum:
        raise invalid_parameter(
            f"Value ( {size} ) for parameter maxResults is invalid. Expecting a value between {minimum} and {maximum}."
        )
    end = start + size
    more = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], more


def by_ids(table: Any, ids: list[str] | None, prefix: str) -> list[dict[str, Any]]:
    """The resources of a Describe's id list (an unknown id fails the call), else all."""
    if not ids:
        return list(table.values())
    found = []
    for rid in dict.fromkeys(ids):
        resource = table.get(rid)
        if resource is None:
            raise not_found(rid, prefix)
        found.append(resource)
    return found
