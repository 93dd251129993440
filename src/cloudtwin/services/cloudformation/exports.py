"""Exports (``Outputs`` with ``Export.Name``) and their imports (``Fn::ImportValue``), per
account and region: unique names, and an export in use cannot go away."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from cloudtwin.services.cloudformation.errors import DeployError

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.cloudformation.models import CloudFormationStore

LIVE_EXCLUDED = ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE")


def _live(store: "CloudFormationStore") -> Iterator[dict[str, Any]]:
    for stack in store.stacks.values():
        if stack["StackStatus"] not in LIVE_EXCLUDED:
            yield stack


def all_exports(store: "CloudFormationStore") -> list[dict[str, Any]]:
    """``ListExports``' ``Exports``."""
    found = []
    for stack in _live(store):
        for output in stack.get("Outputs") or ():
            if output.get("ExportName"):
                found.append({"ExportingStackId": stack["StackId"], "Name": output["ExportName"], "Value": output["OutputValue"]})
    return found


def value(store: "CloudFormationStore", name: str) -> Any:
    for export in all_exports(store):
        if export["Name"] == name:
            return export["Value"]
    raise DeployError(f"No export named {name} found.")


def importers(store: "CloudFormationStore", name: str) -> list[str]:
    """Names of the stacks that import ``name``."""
    return [s["StackName"] for s in _live(store) if name in (s.get("imports") or ())]


def check_new(store: "CloudFormationStore", stack: dict[str, Any], outputs: list[dict[str, Any]]) -> None:
    """An export name another stack already exports fails the operation."""
    mine = {o["ExportName"] for o in outputs if o.get("ExportName")}
    for export in all_exports(store):
        if export["Name"] in mine and export["ExportingStackId"] != stack["StackId"]:
            owner = store.stacks[export["ExportingStackId"]]["StackName"]
            raise DeployError(f"Export with name {export['Name']} is already exported by stack {owner}")


def check_removed(store: "CloudFormationStore", stack: dict[str, Any], outputs: list[dict[str, Any]] | None) -> None:
    """An export in use by another stack cannot be removed (or changed)."""
    keep = {o["ExportName"]: o["OutputValue"] for o in outputs or () if o.get("ExportName")}
    for output in stack.get("Outputs") or ():
        name = output.get("ExportName")
        if not name:
            continue
        users = [u for u in importers(store, name) if u != stack["StackName"]]
        if users and name not in keep:
            raise DeployError(f"Export {name} cannot be deleted as it is in use by {', '.join(users)}")
        if users and keep[name] != output["OutputValue"]:
            raise DeployError(f"Cannot update export {name} as it is in use by {', '.join(users)}")


def imported_names(node: Any, found: list[str] | None = None) -> list[str]:
    """The export names a resolved template imports (``Fn::ImportValue`` with a literal name)."""
    found = [] if found is None else found
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Fn::ImportValue" and isinstance(value, str):
                found.append(value)
            else:
                imported_names(value, found)
    elif isinstance(node, list):
        for item in node:
            imported_names(item, found)
    return found
