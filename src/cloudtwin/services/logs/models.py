"""CloudWatch Logs' store: log groups, their streams, and the events of each stream.

Events are rows of their own (``(group, stream, n) -> [timestamp, message, ingestion]``)
so a write costs one row however long the stream is; each stream also keeps an in-memory
list of its events in timestamp order (rebuilt from the rows after a restart) that reads
bisect into.
"""

from __future__ import annotations

import bisect
from typing import Any

from cloudtwin.state.store import Store, Tables


class LogsStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        #: group name -> {"logGroupName", "creationTime", "retentionInDays"?, "kmsKeyId"?,
        #:   "tags", "logGroupClass", "metricFilters": {}, "subscriptionFilters": {}, ...}
        self.groups: Any = tables.table("groups")
        #: (group, stream) -> {"logStreamName", "creationTime", "firstEventTimestamp"?, ...,
        #:   "storedBytes", "next": n}
        self.streams: Any = tables.table("streams")
        #: (group, stream, n) -> [timestamp, message, ingestionTime]
        self.events: Any = tables.table("events")
        #: policy name -> account-level resource policy
        self.policies: Any = tables.table("policies")
        #: name -> delivery destination / delivery source; id -> delivery (deliveries.py)
        self.delivery_destinations: Any = tables.table("delivery_destinations")
        self.delivery_sources: Any = tables.table("delivery_sources")
        self.deliveries: Any = tables.table("deliveries")
        #: name -> cross-account subscription destination (destinations.py)
        self.destinations: Any = tables.table("destinations")
        self._index: dict[tuple[str, str], list[tuple[int, int, str, int]]] | None = None
        #: query id -> query record (Logs Insights)
        self.queries: dict[str, dict[str, Any]] = {}

    # -- the per-stream index ---------------------------------------------------------------------

    def _built(self) -> dict[tuple[str, str], list[tuple[int, int, str, int]]]:
        if self._index is None:
            index: dict[tuple[str, str], list[tuple[int, int, str, int]]] = {}
            for (group, stream, n), (ts, message, ingested) in self.events.items():
                bisect.insort(index.setdefault((group, stream), []), (ts, n, message, ingested))
            self._index = index
        return self._index

    def stream_events(self, group: str, stream: str) -> list[tuple[int, int, str, int]]:
        """``(timestamp, n, message, ingestionTime)`` in timestamp order (then arrival)."""
        return self._built().get((group, stream), [])

    def add_event(self, group: str, stream: str, n: int, ts: int, message: str, ingested: int) -> None:
        index = self._built()  # before the row is written, or the row is indexed twice
        self.events[(group, stream, n)] = [ts, message, ingested]
        bisect.insort(index.setdefault((group, stream), []), (ts, n, message, ingested))

    def drop_stream(self, group: str, stream: str) -> None:
        for ts, n, _, _ in self._built().pop((group, stream), []):
            self.events.pop((group, stream, n), None)
        self.streams.pop((group, stream), None)

    def drop_events_before(self, group: str, stream: str, cutoff: int) -> int:
        events = self._built().get((group, stream), [])
        keep_from = bisect.bisect_left(events, (cutoff,))
        for ts, n, _, _ in events[:keep_from]:
            self.events.pop((group, stream, n), None)
        del events[:keep_from]
        return keep_from

    def group_streams(self, group: str) -> list[str]:
        return sorted(name for (g, name) in self.streams if g == group)
