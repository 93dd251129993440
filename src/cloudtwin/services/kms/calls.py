"""The record of every KMS call, for tests to inspect (``GET /_cloudtwin/kms/calls``).

AWS shows key use in CloudTrail; cloudtwin keeps the same facts in memory: which key,
which operation, which encryption context, who called, and whether another service called
on the caller's behalf (``self.env.internal``). Runtime-only: not persisted.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from cloudtwin.control.payload import ControlError

_FILTERS = ("operation", "account", "region", "caller")


class CallLog:
    def __init__(self, limit: int = 10_000) -> None:
        self._calls: deque[dict[str, Any]] = deque(maxlen=limit)

    def append(self, entry: dict[str, Any]) -> None:
        self._calls.append(entry)

    def clear(self, account_id: str | None = None) -> None:
        if account_id is None:
            self._calls.clear()
        else:
            kept = [c for c in self._calls if c["account"] != account_id]
            self._calls.clear()
            self._calls.extend(kept)

    def query(self, params: dict[str, Any]) -> dict[str, Any]:
        """Filters: ``operation``, ``account``, ``region``, ``caller``, ``key`` (id, ARN or
        alias as recorded), ``internal`` (1/0), ``errors`` (1: failed calls only), ``limit``."""
        calls: list[dict[str, Any]] = list(self._calls)
        for name in _FILTERS:
            value = params.get(name)
            if value:
                calls = [c for c in calls if c[name] == value]
        key = params.get("key")
        if key:
            calls = [
                c for c in calls
                if key in (c["key_id"], c["key_arn"], c["key_ref"])
            ]
        internal = params.get("internal")
        if internal not in (None, ""):
            wanted = str(internal).lower() in ("1", "true", "yes")
            calls = [c for c in calls if c["internal"] == wanted]
        if str(params.get("errors", "")).lower() in ("1", "true", "yes"):
            calls = [c for c in calls if c["error_code"]]
        limit = params.get("limit")
        if limit not in (None, ""):
            try:
                count = int(limit)
            except (TypeError, ValueError):
                raise ControlError(400, f"limit must be an integer, not {limit!r}") from None
            if count < 0:
                raise ControlError(400, "limit must be >= 0")
            calls = calls[-count:] if count else []
        return {"calls": calls}
