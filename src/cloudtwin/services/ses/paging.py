"""SES's ``MaxItems``/``NextToken`` paging: the token is the next item's position."""

from __future__ import annotations

import base64
from typing import Any, Sequence

from cloudtwin.services.ses.errors import invalid_value


def page(items: Sequence[Any], token: str | None, size: int | None, *, default: int = 100) -> tuple[list[Any], str | None]:
    """One page of ``items`` from ``token`` and the token of the next (None on the last)."""
    start = 0
    if token:
        try:
            text = base64.urlsafe_b64decode(token.encode()).decode()
            if not text.startswith("ses:"):
                raise ValueError(text)
            start = int(text[4:])
        except ValueError:
            raise invalid_value("Invalid token.") from None
    size = size if size and size > 0 else default
    chunk = list(items[start : start + size])
    following = start + size
    return chunk, (base64.urlsafe_b64encode(f"ses:{following}".encode()).decode() if following < len(items) else None)
