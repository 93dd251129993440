"""CloudFormation's store: stacks (deleted ones too, as AWS lists them), change sets,
stack sets and their instances, as plain records.

A stack record (keyed by stack id) holds the ``Stack`` members DescribeStacks answers plus
lower-case working fields: ``template`` (the body as sent), ``processed`` (after
transforms), ``values`` (parameter values as supplied, for ``UsePreviousValue``),
``resources`` (logical id -> resource record), ``events`` (oldest first) and ``policy``.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.state.store import Store, Tables


class CloudFormationStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        #: stack id -> stack record
        self.stacks: Any = tables.table("stacks")
        #: change set id -> change set record
        self.change_sets: Any = tables.table("change_sets")
        #: stack set name -> stack set record (with its "instances" and "operations")
        self.stack_sets: Any = tables.table("stack_sets")

    def live(self, name_or_id: str) -> dict[str, Any] | None:
        """The stack a name or id names: by id any stack, by name only one not deleted."""
        if name_or_id in self.stacks:
            return self.stacks[name_or_id]
        for stack in self.stacks.values():
            if stack["StackName"] == name_or_id and stack["StackStatus"] != "DELETE_COMPLETE":
                return stack
        return None
