"""ECR's maxResults/nextToken pagination: an opaque token holding the next item's position."""

from __future__ import annotations

import base64
from typing import Any, Sequence

from cloudtwin.services.ecr.errors import invalid_parameter


def _token(position: int) -> str:
    return base64.urlsafe_b64encode(f"ecr:{position}".encode()).decode()


def page(items: Sequence[Any], params: dict[str, Any], *, default: int = 100) -> tuple[list[Any], str | None]:
    """One page of ``items`` and the token of the next (None on the last)."""
    start = 0
    token = params.get("nextToken")
    if token:
        try:
            text = base64.urlsafe_b64decode(token.encode()).decode()
            if not text.startswith("ecr:"):
                raise ValueError(text)
            start = int(text[4:])
        except ValueError:
            raise invalid_parameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'must be a valid token'") from None
    size = params.get("maxResults") or default
    chunk = list(items[start : start + size])
    return chunk, (_token(start + size) if start + size < len(items) else None)


def paged(items: Sequence[Any], params: dict[str, Any], name: str, *, default: int = 100) -> dict[str, Any]:
    """``{name: page, "nextToken"?: ...}``."""
    chunk, token = page(items, params, default=default)
    out: dict[str, Any] = {name: chunk}
    if token:
        out["nextToken"] = token
    return out
