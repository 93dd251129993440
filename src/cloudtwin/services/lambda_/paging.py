"""Lambda's list paging: ``Marker`` / ``MaxItems`` in, a page and ``NextMarker`` out."""

from __future__ import annotations

import base64

from cloudtwin.services.lambda_.errors import lambda_error

DEFAULT_PAGE = 50


def page(items: list, marker: str | None, max_items: int | None) -> tuple[list, str | None]:
    start = 0
    if marker:
        try:
            start = int(base64.b64decode(marker).decode())
        except ValueError:
            raise lambda_error("InvalidParameterValueException", "Invalid marker") from None
    size = max_items or DEFAULT_PAGE
    chosen = items[start : start + size]
    nxt = start + size
    return chosen, (base64.b64encode(str(nxt).encode()).decode() if nxt < len(items) else None)
