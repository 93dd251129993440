"""KMS's Limit/Marker pagination: ``Truncated`` and an opaque ``NextMarker``."""

from __future__ import annotations

from typing import Any, Sequence

from cloudtwin.protocol.errors import ServiceError


def page(items: Sequence[Any], params: dict[str, Any], name: str, *, default: int = 100) -> dict[str, Any]:
    """``{name: items, "Truncated": bool, "NextMarker"?: str}`` for one page.

    The marker is the position of the next item; a marker that is not one is refused as AWS
    refuses it.
    """
    limit = params.get("Limit") or default
    start = 0
    marker = params.get("Marker")
    if marker is not None:
        try:
            start = int(marker)
        except ValueError:
            start = -1
        if start < 0 or start > len(items):
            raise ServiceError("InvalidMarkerException", "Invalid marker")
    chunk = list(items[start : start + limit])
    result: dict[str, Any] = {name: chunk, "Truncated": start + limit < len(items)}
    if result["Truncated"]:
        result["NextMarker"] = str(start + limit)
    return result
