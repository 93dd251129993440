"""The data-plane calls of recent requests, for ``/_cloudtwin/apigateway/requests``: the
route each request matched, what went to the integration and what came back."""

from __future__ import annotations

from collections import deque
from typing import Any

LIMIT = 500


class Journal:
    def __init__(self, limit: int = LIMIT) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)

    def add(self, entry: dict[str, Any]) -> None:
        self._entries.append(entry)

    def entries(self, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        params = params or {}
        out = list(self._entries)
        if params.get("apiId"):
            out = [e for e in out if e.get("apiId") == params["apiId"]]
        return out

    def clear(self) -> None:
        self._entries.clear()
