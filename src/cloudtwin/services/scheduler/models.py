"""EventBridge Scheduler's store: schedule groups and schedules, as plain records.

A schedule is keyed ``(group name, schedule name)`` and keeps the instant it next runs
under ``"NextFire"`` (epoch seconds, None when it has no more runs).
"""

from __future__ import annotations

from typing import Any

from cloudtwin.state.store import Store, Tables


class SchedulerStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        #: group name -> {"Name", "Arn", "State", "CreationDate", "LastModificationDate", "Tags": {}}
        self.groups: Any = tables.table("groups")
        #: (group, name) -> {"Name", "GroupName", "Arn", "ScheduleExpression", "Target", "State",
        #:   "FlexibleTimeWindow", "ActionAfterCompletion", "NextFire", "Anchor", ...}
        self.schedules: Any = tables.table("schedules")
