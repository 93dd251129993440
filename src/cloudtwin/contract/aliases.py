"""Generated ids the two sides disagree on, and how the proxy keeps a workload going anyway.

Both sides create their own resources, so each invents its own key ids, message ids,
ARNs... The client only sees the served side's ids and sends them back in its next
requests, which the other side has never heard of: every follow-up call would compare as
an error. So the proxy learns, from each comparison, which reference value stands for which
target value (strings at the same path that differ and look like ids), then

- rewrites the ids in the request it sends to the *non-served* side (path, query, body;
  raw and percent-encoded), and
- reads the target's answers with its ids mapped back to the reference's before diffing,
  so an id that only differs because it was generated on another side is not a mismatch
  again after its first appearance (which is reported, unless its key is ignored).

"Looks like an id": at least 8 characters, no spaces, not a timestamp, with at least 3
digits and a letter (UUIDs, hex ids, ARNs, receipt handles; not enum values or words).
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from typing import Any, Iterable
from urllib.parse import quote, quote_plus

from cloudtwin.protocol.http import HttpRequest

__all__ = ["IdAliases"]

_MIN_LENGTH = 8
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]")


class _Mapping:
    """One direction (reference -> target, or back), with its compiled replacers."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self._text: re.Pattern[str] | None = None
        self._bytes: re.Pattern[bytes] | None = None
        self._encoded: dict[str, str] = {}

    def add(self, source: str, replacement: str) -> None:
        self.values[source] = replacement
        for encode in (quote, quote_plus):
            self._encoded[encode(source, safe="")] = encode(replacement, safe="")
        self._encoded[source] = replacement
        self._text = self._bytes = None

    def _patterns(self) -> tuple[re.Pattern[str], re.Pattern[bytes]]:
        if self._text is None or self._bytes is None:
            keys = sorted(self._encoded, key=len, reverse=True)  # longest first: ARNs before ids
            self._text = re.compile("|".join(re.escape(k) for k in keys))
            self._bytes = re.compile(b"|".join(re.escape(k.encode()) for k in keys))
        return self._text, self._bytes

    def text(self, value: str) -> str:
        if not self._encoded:
            return value
        pattern, _ = self._patterns()
        return pattern.sub(lambda m: self._encoded[m.group(0)], value)

    def data(self, value: bytes) -> bytes:
        if not self._encoded or not value:
            return value
        _, pattern = self._patterns()
        return pattern.sub(lambda m: self._encoded[m.group(0).decode()].encode(), value)


class IdAliases:
    """Reference id <-> target id pairs learned so far (thread-safe)."""

    def __init__(self) -> None:
        self._to_target = _Mapping()
        self._to_reference = _Mapping()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._to_target.values)

    def learn(self, pairs: Iterable[tuple[Any, Any]]) -> None:
        """Remember (reference value, target value) pairs that look like generated ids."""
        with self._lock:
            for reference, target in pairs:
                if _id_like(reference) and _id_like(target) and reference != target:
                    if reference not in self._to_target.values and target not in self._to_reference.values:
                        self._to_target.add(reference, target)
                        self._to_reference.add(target, reference)

    def for_target(self, request: HttpRequest) -> HttpRequest:
        """``request`` with the reference's ids replaced by the target's."""
        return self._rewrite(request, self._to_target)

    def for_reference(self, request: HttpRequest) -> HttpRequest:
        return self._rewrite(request, self._to_reference)

    def as_reference(self, value: Any) -> Any:
        """A parsed target answer with the target's ids written as the reference's."""
        if not self._to_reference.values:
            return value
        if isinstance(value, str):
            return self._to_reference.text(value)
        if isinstance(value, dict):
            return {k: self.as_reference(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.as_reference(v) for v in value]
        return value

    @staticmethod
    def _rewrite(request: HttpRequest, mapping: _Mapping) -> HttpRequest:
        if not mapping.values:
            return request
        path, query, body = mapping.text(request.path), mapping.text(request.query_string), mapping.data(request.body)
        if (path, query, body) == (request.path, request.query_string, request.body):
            return request
        return replace(request, path=path, query_string=query, body=body, _query=None)


def _id_like(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) >= _MIN_LENGTH
        and sum(c.isdigit() for c in value) >= 3
        and any(c.isalpha() for c in value)
        and not any(c.isspace() for c in value)
        and not _TIMESTAMP.match(value)
    )
