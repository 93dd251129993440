"""The recent-request log behind ``/_cloudtwin/requests``: bounded, cheap to append to."""

from __future__ import annotations

import time
from collections import deque
from typing import Iterable, NamedTuple


class RequestRecord(NamedTuple):
    """One served request (a tuple: appending one costs next to nothing)."""

    time: float
    request_id: str
    service: str | None
    operation: str | None
    account_id: str | None
    region: str | None
    status: int
    error_code: str | None
    duration_ms: float

    def to_dict(self) -> dict:
        return self._asdict()


class RequestLog:
    """The last ``capacity`` requests, oldest dropped first."""

    def __init__(self, capacity: int = 10_000) -> None:
        #: Rows in :class:`RequestRecord`'s field order (plain tuples from the gateway).
        self._records: deque[tuple] = deque(maxlen=capacity)
        #: Add a row: the gateway's per-request call, a bound C method (no Python frame).
        self.append_row = self._records.append

    def append(self, record: RequestRecord) -> None:
        self._records.append(record)

    def record(self, **fields: object) -> None:
        self._records.append(RequestRecord(time=time.time(), **fields))  # type: ignore[arg-type]

    def query(
        self,
        *,
        service: str | None = None,
        operation: str | None = None,
        account_id: str | None = None,
        region: str | None = None,
        status: int | None = None,
        errors_only: bool = False,
        limit: int | None = None,
    ) -> list[RequestRecord]:
        """Matching records, newest last."""
        found: Iterable[RequestRecord] = map(RequestRecord._make, self._records)
        out = [
            r
            for r in found
            if (service is None or r.service == service)
            and (operation is None or r.operation == operation)
            and (account_id is None or r.account_id == account_id)
            and (region is None or r.region == region)
            and (status is None or r.status == status)
            and (not errors_only or r.status >= 400)
        ]
        return out[-limit:] if limit else out

    def clear(self) -> None:
        self._records.clear()

    def __len__(self) -> int:
        return len(self._records)
