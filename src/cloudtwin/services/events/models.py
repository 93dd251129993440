"""EventBridge's store: event buses, rules (with their targets), archives and their
events, replays, connections and API destinations — all plain records.

A rule is keyed ``(bus name, rule name)``; its targets live in the rule record under
``"Targets"`` (a list, in the order they were put). A scheduled rule keeps the instant it
next falls due under ``"NextFire"`` (epoch seconds), so a restart picks up where it was.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.state.store import Store, Tables


class EventsStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        #: bus name -> {"Name", "Arn", "Description"?, "Policy"?, "CreationTime", "Tags": {}, ...}
        self.buses: Any = tables.table("buses")
        #: (bus name, rule name) -> {"Name", "Arn", "EventBusName", "State", "EventPattern"?,
        #:   "ScheduleExpression"?, "Targets": [target, ...], "Tags": {}, "NextFire"?, ...}
        self.rules: Any = tables.table("rules")
        #: archive name -> {"ArchiveName", "ArchiveArn", "EventSourceArn", "EventPattern"?,
        #:   "RetentionDays", "State", "CreationTime", "SizeBytes", "EventCount"}
        self.archives: Any = tables.table("archives")
        #: (archive name, event id) -> {"event": {...}, "size": n, "time": epoch}
        self.archived: Any = tables.table("archived")
        #: replay name -> replay record
        self.replays: Any = tables.table("replays")
        #: connection name -> connection record (auth parameters without secrets in answers)
        self.connections: Any = tables.table("connections")
        #: api destination name -> record
        self.destinations: Any = tables.table("destinations")
        #: endpoint name -> global endpoint record (stored, answered)
        self.endpoints: Any = tables.table("endpoints")

    def bus_rules(self, bus: str) -> list[dict[str, Any]]:
        return [rule for (b, _), rule in sorted(self.rules.items()) if b == bus]
