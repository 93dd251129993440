"""Step Functions' store: state machines, their versions and aliases, activities,
executions (with their histories and, while they run, where they are) and map runs, as
plain records keyed by ARN.

An execution's history is kept one event a row (``events``, keyed ``(executionArn, id)``)
and the checkpoints of its running threads one a row (``progress``, keyed
``(executionArn, thread)``, see progress.py): each step an execution takes writes a few
small rows, however long its history already is.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.state.store import Store, Tables


class StepFunctionsStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        #: arn -> {"stateMachineArn", "name", "definition", "roleArn", "type", "creationDate", "revisionId",
        #:   "loggingConfiguration", "tracingConfiguration", "tags", "nextVersion", ...}
        self.machines: Any = tables.table("machines")
        #: version arn -> the machine's fields at publication, plus "version" and "description"
        self.versions: Any = tables.table("versions")
        #: alias arn -> {"stateMachineAliasArn", "name", "description", "routingConfiguration", ...}
        self.aliases: Any = tables.table("aliases")
        #: arn -> {"activityArn", "name", "creationDate", "encryptionConfiguration", "tags"}
        self.activities: Any = tables.table("activities")
        #: arn -> the execution record (see provider.start_execution), without its history
        self.executions: Any = tables.table("executions")
        #: (execution arn, event id) -> a history event, as GetExecutionHistory returns it
        self.events: Any = tables.table("events")
        #: (execution arn, thread) -> where a thread of a running execution is (progress.py)
        self.progress: Any = tables.table("progress")
        #: arn -> the map run record
        self.map_runs: Any = tables.table("map_runs")
        #: execution arn -> its history events in order (the rows of ``events``, gathered)
        self.histories: dict[str, list[dict[str, Any]]] = {}
        for (arn, _), event in self.events.items():
            self.histories.setdefault(arn, []).append(event)
        for events in self.histories.values():
            events.sort(key=lambda e: e["id"])
        for arn, record in self.executions.items():
            if "history" in record:  # a record of an earlier version, its history inside
                events = self.histories.setdefault(arn, record.pop("history"))
                for event in events:
                    self.events[(arn, event["id"])] = event

    def history(self, arn: str) -> list[dict[str, Any]]:
        """The events of an execution (a new, empty list for a new execution)."""
        return self.histories.setdefault(arn, [])

    def checkpoints(self, arn: str) -> dict[str, dict[str, Any]]:
        """thread -> checkpoint, of an execution that was running."""
        return {thread: point for (owner, thread), point in self.progress.items() if owner == arn}
