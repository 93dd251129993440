"""IAM's ``Marker`` / ``MaxItems`` / ``IsTruncated`` pagination, one helper for every list.

The marker is an opaque token holding the offset of the next item; lists are always
returned in a stable order (creation order, or sorted), so an offset is enough.
"""

from __future__ import annotations

import base64
from typing import Any, Callable, Sequence, TypeVar

from cloudtwin.protocol.errors import ServiceError

T = TypeVar("T")

DEFAULT_MAX_ITEMS = 100


def _decode(marker: str) -> int:
    try:
        value = int(base64.urlsafe_b64decode(marker.encode() + b"==").decode())
    except (ValueError, UnicodeDecodeError):
        raise ServiceError("ValidationError", "Invalid Marker.") from None
    if value < 0:
        raise ServiceError("ValidationError", "Invalid Marker.")
    return value


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


def paginate(
    items: Sequence[T],
    params: dict[str, Any],
    key: str,
    render: Callable[[T], Any] | None = None,
) -> dict[str, Any]:
    """``{key: page, "IsTruncated": bool, "Marker"?: next}`` for one page of ``items``
    (rendering only the items on the page)."""
    start = _decode(params["Marker"]) if params.get("Marker") else 0
    limit = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    page = list(items[start : start + limit])
    if render is not None:
        page = [render(item) for item in page]
    out: dict[str, Any] = {key: page, "IsTruncated": start + limit < len(items)}
    if out["IsTruncated"]:
        out["Marker"] = _encode(start + limit)
    return out
