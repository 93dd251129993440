"""Maintenance windows and patch baselines: stored and answered as AWS answers them (no
instance is ever patched: cloudtwin has no managed instances to run them on)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ssm.filters import paginate

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

_WINDOW_FIELDS = (
    "Name", "Description", "StartDate", "EndDate", "Schedule", "ScheduleTimezone", "ScheduleOffset",
    "Duration", "Cutoff", "AllowUnassociatedTargets",
)
_WINDOW_SUMMARY = (
    "WindowId", "Name", "Description", "Enabled", "Duration", "Cutoff", "Schedule", "ScheduleTimezone",
    "ScheduleOffset", "EndDate", "StartDate",
)
#: What a window record keeps beside its answer: its tags, registered targets and tasks.
_NOT_ANSWERED = ("Tags", "RegisteredTargets", "RegisteredTasks")
_BASELINE_FIELDS = (
    "Name", "OperatingSystem", "GlobalFilters", "ApprovalRules", "ApprovedPatches",
    "ApprovedPatchesComplianceLevel", "ApprovedPatchesEnableNonSecurity", "RejectedPatches",
    "RejectedPatchesAction", "Description", "Sources", "AvailableSecurityUpdatesComplianceStatus",
)
_BASELINE_DEFAULTS = {
    "OperatingSystem": "WINDOWS",
    "ApprovedPatches": [],
    "ApprovedPatchesComplianceLevel": "UNSPECIFIED",
    "ApprovedPatchesEnableNonSecurity": False,
    "RejectedPatches": [],
    "RejectedPatchesAction": "ALLOW_AS_DEPENDENCY",
    "Sources": [],
}


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(9)[:17]


def _window_missing(window_id: str) -> ServiceError:
    return ServiceError("DoesNotExistException", f"Maintenance window {window_id} does not exist")


def _baseline_missing(baseline_id: str) -> ServiceError:
    return ServiceError("DoesNotExistException", f"Patch Baseline {baseline_id} does not exist.")


def _tags(params: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in params.get("Tags") or ()}


def _stored(table: Any, key: str, missing: Any) -> dict[str, Any]:
    record = table.get(key)
    if record is None:
        raise missing(key)
    return record


def _matches(record: dict[str, Any], filters: list[dict[str, Any]] | None, fields: dict[str, str]) -> bool:
    """DescribeMaintenanceWindows / DescribePatchBaselines filters (ANDed keys, ORed values)."""
    for f in filters or ():
        key, values = f.get("Key"), f.get("Values") or []
        if key not in fields:
            continue
        actual = record.get(fields[key])
        if key == "NAME_PREFIX":
            if not any(str(actual or "").startswith(v) for v in values):
                return False
        elif str(actual).lower() not in {v.lower() for v in values}:
            return False
    return True


class MaintenanceOperations:
    """Mixin of the SSM provider: maintenance windows and patch baselines."""

    # -- maintenance windows ------------------------------------------------------------------

    def create_maintenance_window(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        if params["Cutoff"] >= params["Duration"]:
            raise ServiceError(
                "ValidationException", "The cutoff must be less than the duration of the maintenance window."
            )
        window = {k: params[k] for k in _WINDOW_FIELDS if k in params}
        now = ctx.clock.now()
        window.update(WindowId=_new_id("mw-"), Enabled=True, CreatedDate=now, ModifiedDate=now)
        window["Tags"] = _tags(params)
        ctx.store.windows[window["WindowId"]] = window
        return {"WindowId": window["WindowId"]}

    def _window(self, ctx: "RequestContext", window_id: str) -> dict[str, Any]:
        return _stored(ctx.store.windows, window_id, _window_missing)

    def get_maintenance_window(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        window = self._window(ctx, params["WindowId"])
        return {k: v for k, v in window.items() if k not in _NOT_ANSWERED}

    def update_maintenance_window(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        window = self._window(ctx, params["WindowId"])
        if params.get("Replace"):
            # Replace: every optional field not given is cleared.
            for name in ("Description", "StartDate", "EndDate", "ScheduleTimezone", "ScheduleOffset"):
                window.pop(name, None)
        for name in (*_WINDOW_FIELDS, "Enabled"):
            if name in params:
                window[name] = params[name]
        if window["Cutoff"] >= window["Duration"]:
            raise ServiceError(
                "ValidationException", "The cutoff must be less than the duration of the maintenance window."
            )
        window["ModifiedDate"] = ctx.clock.now()
        ctx.store.windows.save(window["WindowId"])
        return {k: v for k, v in window.items() if k not in (*_NOT_ANSWERED, "CreatedDate", "ModifiedDate")}

    def delete_maintenance_window(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        ctx.store.windows.pop(params["WindowId"], None)
        return {"WindowId": params["WindowId"]}

    def describe_maintenance_windows(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        fields = {"Name": "Name", "Enabled": "Enabled"}
        found = [
            {k: w[k] for k in _WINDOW_SUMMARY if k in w}
            for w in sorted(ctx.store.windows.values(), key=lambda w: w["CreatedDate"])
            if _matches(w, params.get("Filters"), fields)
        ]
        chunk, token = paginate(found, params, default=10)
        return {"WindowIdentities": chunk, **({"NextToken": token} if token else {})}

    # -- patch baselines ----------------------------------------------------------------------

    def create_patch_baseline(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        baseline = {**_BASELINE_DEFAULTS, **{k: params[k] for k in _BASELINE_FIELDS if k in params}}
        now = ctx.clock.now()
        baseline.update(BaselineId=_new_id("pb-"), CreatedDate=now, ModifiedDate=now, PatchGroups=[])
        baseline["Tags"] = _tags(params)
        ctx.store.baselines[baseline["BaselineId"]] = baseline
        return {"BaselineId": baseline["BaselineId"]}

    def _baseline(self, ctx: "RequestContext", baseline_id: str) -> dict[str, Any]:
        return _stored(ctx.store.baselines, baseline_id, _baseline_missing)

    def get_patch_baseline(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        baseline = self._baseline(ctx, params["BaselineId"])
        return {k: v for k, v in baseline.items() if k not in ("Tags", "Default")}

    def update_patch_baseline(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        baseline = self._baseline(ctx, params["BaselineId"])
        for name in _BASELINE_FIELDS:
            if name in params and name != "OperatingSystem":
                baseline[name] = params[name]
        baseline["ModifiedDate"] = ctx.clock.now()
        ctx.store.baselines.save(baseline["BaselineId"])
        return {k: v for k, v in baseline.items() if k not in ("Tags", "Default", "PatchGroups")}

    def delete_patch_baseline(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        baseline = ctx.store.baselines.get(params["BaselineId"])
        if baseline is not None and baseline.get("Default"):
            raise ServiceError("ResourceInUseException", "Cannot delete a default patch baseline.")
        ctx.store.baselines.pop(params["BaselineId"], None)
        return {"BaselineId": params["BaselineId"]}

    def describe_patch_baselines(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        fields = {"NAME_PREFIX": "Name", "OPERATING_SYSTEM": "OperatingSystem"}
        owners = [v for f in params.get("Filters") or () if f.get("Key") == "OWNER" for v in f.get("Values") or ()]
        if owners and "Self" not in owners:
            found: list[dict[str, Any]] = []  # only the account's own baselines are kept here
        else:
            found = [
                {
                    "BaselineId": b["BaselineId"],
                    "BaselineName": b["Name"],
                    "OperatingSystem": b["OperatingSystem"],
                    "DefaultBaseline": bool(b.get("Default")),
                    **({"BaselineDescription": b["Description"]} if b.get("Description") else {}),
                }
                for b in sorted(ctx.store.baselines.values(), key=lambda b: b["CreatedDate"])
                if _matches(b, params.get("Filters"), fields)
            ]
        chunk, token = paginate(found, params, default=100)
        return {"BaselineIdentities": chunk, **({"NextToken": token} if token else {})}

    def register_default_patch_baseline(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        baseline = self._baseline(ctx, params["BaselineId"])
        for other in ctx.store.baselines.values():
            if other["OperatingSystem"] == baseline["OperatingSystem"] and other.get("Default"):
                other["Default"] = False
                ctx.store.baselines.save(other["BaselineId"])
        baseline["Default"] = True
        ctx.store.baselines.save(baseline["BaselineId"])
        return {"BaselineId": baseline["BaselineId"]}
