"""SES v2's ``PageSize``/``NextToken`` paging over what this service keeps itself (the
position of the next item is the token)."""

from __future__ import annotations

from typing import Any


def page(items: list[Any], params: dict[str, Any], *, default: int = 1000) -> tuple[list[Any], str | None]:
    start = int(params["NextToken"]) if str(params.get("NextToken") or "").isdigit() else 0
    size = params.get("PageSize") or default
    return items[start : start + size], (str(start + size) if start + size < len(items) else None)
