"""A maintenance window's registered targets and tasks, and patch baselines' patch groups:
stored and answered as AWS answers them (nothing runs: cloudtwin has no managed instances)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ssm.filters import paginate

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

_TARGET_FIELDS = ("ResourceType", "Targets", "OwnerInformation", "Name", "Description")
_TASK_FIELDS = (
    "Targets", "TaskArn", "ServiceRoleArn", "TaskType", "TaskParameters", "TaskInvocationParameters", "Priority",
    "MaxConcurrency", "MaxErrors", "LoggingInfo", "Name", "Description", "CutoffBehavior", "AlarmConfiguration",
)
#: What DescribeMaintenanceWindowTasks lists of a task (its ``TaskType`` is ``Type`` there).
_TASK_SUMMARY = (
    "WindowId", "WindowTaskId", "TaskArn", "Type", "Targets", "TaskParameters", "Priority", "LoggingInfo",
    "ServiceRoleArn", "MaxConcurrency", "MaxErrors", "Name", "Description", "CutoffBehavior", "AlarmConfiguration",
)


def _missing(kind: str, window_id: str, item_id: str) -> ServiceError:
    return ServiceError("DoesNotExistException", f"Maintenance window {kind} {item_id} does not exist in window {window_id}")


def _filtered(records: list[dict[str, Any]], filters: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """ANDed filter keys, ORed values (a key is a field of the record)."""
    for f in filters or ():
        key, values = f.get("Key"), set(f.get("Values") or [])
        records = [r for r in records if str(r.get(key)) in values]
    return records


class WindowTaskOperations:
    """Mixin of the SSM provider: a window's targets and tasks, baselines' patch groups."""

    # ``_window`` and ``_baseline`` come from MaintenanceOperations (the provider has both).

    # -- targets ---------------------------------------------------------------------------------

    def register_target_with_maintenance_window(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        window = self._window(  # type: ignore[attr-defined]
            ctx, params["WindowId"])
        target = {k: params[k] for k in _TARGET_FIELDS if k in params}
        target.update(WindowId=window["WindowId"], WindowTargetId=str(uuid.uuid4()))
        window.setdefault("RegisteredTargets", {})[target["WindowTargetId"]] = target
        ctx.store.windows.save(window["WindowId"])
        return {"WindowTargetId": target["WindowTargetId"]}

    def _target(self, ctx: "RequestContext", params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        window = self._window(  # type: ignore[attr-defined]
            ctx, params["WindowId"])
        target = window.get("RegisteredTargets", {}).get(params["WindowTargetId"])
        if target is None:
            raise _missing("target", params["WindowId"], params["WindowTargetId"])
        return window, target

    def update_maintenance_window_target(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        window, target = self._target(ctx, params)
        if params.get("Replace"):
            for name in ("OwnerInformation", "Name", "Description"):
                target.pop(name, None)
        target.update({k: params[k] for k in _TARGET_FIELDS if k in params and k != "ResourceType"})
        ctx.store.windows.save(window["WindowId"])
        return {k: v for k, v in target.items() if k != "ResourceType"}

    def deregister_target_from_maintenance_window(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        window, target = self._target(ctx, params)
        del window["RegisteredTargets"][target["WindowTargetId"]]
        ctx.store.windows.save(window["WindowId"])
        return {"WindowId": window["WindowId"], "WindowTargetId": target["WindowTargetId"]}

    def describe_maintenance_window_targets(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        window = self._window(  # type: ignore[attr-defined]
            ctx, params["WindowId"])
        found = _filtered(list(window.get("RegisteredTargets", {}).values()), params.get("Filters"))
        chunk, token = paginate(found, params, default=10)
        return {"Targets": chunk, **({"NextToken": token} if token else {})}

    # -- tasks -----------------------------------------------------------------------------------

    def register_task_with_maintenance_window(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        window = self._window(  # type: ignore[attr-defined]
            ctx, params["WindowId"])
        task = {k: params[k] for k in _TASK_FIELDS if k in params}
        task.update(WindowId=window["WindowId"], WindowTaskId=str(uuid.uuid4()))
        task.setdefault("Priority", 1)
        task.setdefault("CutoffBehavior", "CONTINUE_TASK")
        window.setdefault("RegisteredTasks", {})[task["WindowTaskId"]] = task
        ctx.store.windows.save(window["WindowId"])
        return {"WindowTaskId": task["WindowTaskId"]}

    def _task(self, ctx: "RequestContext", params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        window = self._window(  # type: ignore[attr-defined]
            ctx, params["WindowId"])
        task = window.get("RegisteredTasks", {}).get(params["WindowTaskId"])
        if task is None:
            raise _missing("task", params["WindowId"], params["WindowTaskId"])
        return window, task

    def get_maintenance_window_task(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        return dict(self._task(ctx, params)[1])

    def update_maintenance_window_task(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        window, task = self._task(ctx, params)
        if params.get("Replace"):
            for name in ("Targets", "ServiceRoleArn", "TaskParameters", "TaskInvocationParameters", "MaxConcurrency",
                         "MaxErrors", "LoggingInfo", "Name", "Description", "AlarmConfiguration"):
                task.pop(name, None)
        task.update({k: params[k] for k in _TASK_FIELDS if k in params and k != "TaskType"})
        ctx.store.windows.save(window["WindowId"])
        return {k: v for k, v in task.items() if k != "TaskType"}

    def deregister_task_from_maintenance_window(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        window, task = self._task(ctx, params)
        del window["RegisteredTasks"][task["WindowTaskId"]]
        ctx.store.windows.save(window["WindowId"])
        return {"WindowId": window["WindowId"], "WindowTaskId": task["WindowTaskId"]}

    def describe_maintenance_window_tasks(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        window = self._window(  # type: ignore[attr-defined]
            ctx, params["WindowId"])
        listed = [
            {k: v for k, v in {**t, "Type": t.get("TaskType")}.items() if k in _TASK_SUMMARY}
            for t in window.get("RegisteredTasks", {}).values()
        ]
        found = _filtered(listed, params.get("Filters"))
        chunk, token = paginate(found, params, default=10)
        return {"Tasks": chunk, **({"NextToken": token} if token else {})}

    # -- patch groups ----------------------------------------------------------------------------

    def register_patch_baseline_for_patch_group(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        baseline = self._baseline(  # type: ignore[attr-defined]
            ctx, params["BaselineId"])
        group = params["PatchGroup"]
        for other in ctx.store.baselines.values():
            if other["OperatingSystem"] == baseline["OperatingSystem"] and group in other.get("PatchGroups", []):
                raise ServiceError(
                    "AlreadyExistsException",
                    f"Patch Group baseline already has a baseline registered for OperatingSystem "
                    f"{baseline['OperatingSystem']}.",
                )
        baseline.setdefault("PatchGroups", []).append(group)
        ctx.store.baselines.save(baseline["BaselineId"])
        return {"BaselineId": baseline["BaselineId"], "PatchGroup": group}

    def deregister_patch_baseline_for_patch_group(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        baseline = self._baseline(  # type: ignore[attr-defined]
            ctx, params["BaselineId"])
        group = params["PatchGroup"]
        if group not in baseline.get("PatchGroups", []):
            raise ServiceError("DoesNotExistException", f"Patch Baseline {baseline['BaselineId']} is not registered for {group}.")
        baseline["PatchGroups"].remove(group)
        ctx.store.baselines.save(baseline["BaselineId"])
        return {"BaselineId": baseline["BaselineId"], "PatchGroup": group}
