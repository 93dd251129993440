"""Step Functions' store: state machines, their versions and aliases, activities,
executions (with their histories) and map runs, as plain records keyed by ARN."""

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
        #: arn -> the execution record (see provider.start_execution), its "history" inside
        self.executions: Any = tables.table("executions")
        #: arn -> the map run record
        self.map_runs: Any = tables.table("map_runs")
