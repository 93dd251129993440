"""Stack sets: stored and answered (a stack set, its instances per account and region, and
its operations, which complete at once). Instances are recorded, not deployed."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Callable

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.cloudformation.provider import Provider

Params = dict[str, Any]


def _not_found(name: str) -> ServiceError:
    return ServiceError("StackSetNotFoundException", f"StackSet {name} not found", 404)


def _set(ctx: RequestContext, name: str) -> Params:
    store = ctx.store
    found = store.stack_sets.get(name)  # type: ignore[union-attr]
    if found is None:
        for record in store.stack_sets.values():  # type: ignore[union-attr]
            if record["StackSetId"] == name or record["StackSetARN"] == name:
                return record
        raise _not_found(name)
    return found


def _operation(p: "Provider", ctx: RequestContext, record: Params, action: str, params: Params) -> str:
    op_id = params.get("OperationId") or str(uuid.uuid4())
    now = p.env.clock.now()
    record["operations"][op_id] = {
        "OperationId": op_id, "StackSetId": record["StackSetId"], "Action": action, "Status": "SUCCEEDED",
        "CreationTimestamp": now, "EndTimestamp": now, "OperationPreferences": params.get("OperationPreferences") or {},
        "RetainStacks": bool(params.get("RetainStacks")),
    }  # fmt: skip
    ctx.store.stack_sets[record["StackSetName"]] = record  # type: ignore[union-attr]
    return op_id


def create_stack_set(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    name = params["StackSetName"]
    if name in ctx.store.stack_sets:  # type: ignore[union-attr]
        raise ServiceError("NameAlreadyExistsException", f"StackSet {name} already exists", 409)
    set_id = f"{name}:{uuid.uuid4()}"
    ctx.store.stack_sets[name] = {  # type: ignore[union-attr]
        "StackSetName": name, "StackSetId": set_id, "Description": params.get("Description"), "Status": "ACTIVE",
        "TemplateBody": params.get("TemplateBody"), "Parameters": params.get("Parameters") or [],
        "Capabilities": params.get("Capabilities") or [], "Tags": params.get("Tags") or [],
        "StackSetARN": f"arn:{ctx.partition}:cloudformation:{ctx.region}:{ctx.account_id}:stackset/{set_id}",
        "AdministrationRoleARN": params.get("AdministrationRoleARN"), "ExecutionRoleName": params.get("ExecutionRoleName"),
        "PermissionModel": params.get("PermissionModel") or "SELF_MANAGED", "instances": {}, "operations": {},
    }  # fmt: skip
    return {"StackSetId": set_id}


_SET_KEYS = ("StackSetName", "StackSetId", "Description", "Status", "TemplateBody", "Parameters", "Capabilities",
             "Tags", "StackSetARN", "AdministrationRoleARN", "ExecutionRoleName", "PermissionModel")


def describe_stack_set(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    return {"StackSet": {k: record[k] for k in _SET_KEYS if record.get(k) is not None}}


def list_stack_sets(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    wanted = params.get("Status")
    return {"Summaries": [
        {k: r[k] for k in ("StackSetName", "StackSetId", "Description", "Status", "PermissionModel") if r.get(k) is not None}
        for r in ctx.store.stack_sets.values() if not wanted or r["Status"] == wanted  # type: ignore[union-attr]
    ]}  # fmt: skip


def update_stack_set(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    for key in ("Description", "TemplateBody", "Parameters", "Capabilities", "Tags"):
        if params.get(key) is not None:
            record[key] = params[key]
    return {"OperationId": _operation(p, ctx, record, "UPDATE", params)}


def delete_stack_set(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    if record["instances"]:
        raise ServiceError("StackSetNotEmptyException", "StackSet is not empty", 409)
    del ctx.store.stack_sets[record["StackSetName"]]  # type: ignore[union-attr]
    return {}


def create_stack_instances(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    accounts = params.get("Accounts") or (params.get("DeploymentTargets") or {}).get("Accounts") or [ctx.account_id]
    for account in accounts:
        for region in params.get("Regions") or []:
            record["instances"][f"{account}/{region}"] = {
                "StackSetId": record["StackSetId"], "Region": region, "Account": account, "Status": "CURRENT",
                "StackInstanceStatus": {"DetailedStatus": "SUCCEEDED"}, "DriftStatus": "NOT_CHECKED",
                "ParameterOverrides": params.get("ParameterOverrides") or [],
            }  # fmt: skip
    return {"OperationId": _operation(p, ctx, record, "CREATE", params)}


def delete_stack_instances(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    accounts = params.get("Accounts") or (params.get("DeploymentTargets") or {}).get("Accounts") or [ctx.account_id]
    for account in accounts:
        for region in params.get("Regions") or []:
            record["instances"].pop(f"{account}/{region}", None)
    return {"OperationId": _operation(p, ctx, record, "DELETE", params)}


def list_stack_instances(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    keys = ("StackSetId", "Region", "Account", "Status", "StackInstanceStatus", "DriftStatus")
    return {"Summaries": [{k: i[k] for k in keys} for i in record["instances"].values()]}


def describe_stack_instance(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    found = record["instances"].get(f"{params['StackInstanceAccount']}/{params['StackInstanceRegion']}")
    if found is None:
        raise ServiceError("StackInstanceNotFoundException", "Stack instance not found", 404)
    return {"StackInstance": found}


def describe_stack_set_operation(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    found = record["operations"].get(params["OperationId"])
    if found is None:
        raise ServiceError("OperationNotFoundException", f"Operation {params['OperationId']} not found", 404)
    return {"StackSetOperation": found}


def list_stack_set_operations(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    keys = ("OperationId", "Action", "Status", "CreationTimestamp", "EndTimestamp")
    return {"Summaries": [{k: o[k] for k in keys} for o in record["operations"].values()]}


def list_stack_set_operation_results(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    return {"Summaries": [
        {"Account": i["Account"], "Region": i["Region"], "Status": "SUCCEEDED"} for i in record["instances"].values()
    ]}  # fmt: skip


HANDLERS: dict[str, Callable[["Provider", RequestContext, Params], Params]] = {
    name: fn for name, fn in list(globals().items())
    if callable(fn) and not name.startswith("_") and name not in ("HANDLERS",) and getattr(fn, "__module__", "") == __name__
}  # fmt: skip
