"""Stack sets: a stack set, its instances per account and region, and its operations.

Each instance is deployed as a stack of its own (``StackSet-<set name>-<id>``) in the target
account and region, through CloudFormation's own API (the internal client), with the set's
template and parameters and the instance's overrides; updating the set updates every
instance's stack, deleting an instance deletes its stack (unless ``RetainStacks``). An
operation is ``RUNNING`` while one of its stacks is, then ``SUCCEEDED`` or ``FAILED``."""

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


def _operation(p: "Provider", ctx: RequestContext, record: Params, action: str, params: Params,
               targets: list[Params] | None = None) -> str:  # fmt: skip
    op_id = params.get("OperationId") or str(uuid.uuid4())
    now = p.env.clock.now()
    record["operations"][op_id] = {
        "OperationId": op_id, "StackSetId": record["StackSetId"], "Action": action, "Status": "SUCCEEDED",
        "CreationTimestamp": now, "EndTimestamp": now, "OperationPreferences": params.get("OperationPreferences") or {},
        "RetainStacks": bool(params.get("RetainStacks")), "targets": targets or [],
    }  # fmt: skip
    ctx.store.stack_sets[record["StackSetName"]] = record  # type: ignore[union-attr]
    return op_id


#: Stack statuses an instance's deployment ends in when it did not succeed.
_FAILED = ("CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_FAILED",
           "UPDATE_FAILED", "DELETE_FAILED")  # fmt: skip


async def _stack_status(p: "Provider", instance: Params) -> str | None:
    if not instance.get("StackId"):
        return None
    try:
        found = await p.env.internal.call_async(
            "cloudformation", "DescribeStacks", {"StackName": instance["StackId"]},
            account_id=instance["Account"], region=instance["Region"],
        )  # fmt: skip
    except ServiceError:
        return None
    return found["Stacks"][0]["StackStatus"]


async def _refresh(p: "Provider", instance: Params) -> None:
    """An instance's status from its stack's."""
    status = await _stack_status(p, instance)
    if status is None:
        return
    if status.endswith("_IN_PROGRESS"):
        instance.update(Status="OUTDATED", StackInstanceStatus={"DetailedStatus": "RUNNING"})
    elif status in _FAILED:
        instance.update(Status="OUTDATED", StackInstanceStatus={"DetailedStatus": "FAILED"}, StatusReason=status)
    else:
        instance.update(Status="CURRENT", StackInstanceStatus={"DetailedStatus": "SUCCEEDED"})
        instance.pop("StatusReason", None)


def _parameters(record: Params, overrides: list[Params]) -> list[Params]:
    merged = {p["ParameterKey"]: p for p in record.get("Parameters") or []}
    merged.update({p["ParameterKey"]: p for p in overrides or []})
    return list(merged.values())


async def _deploy(p: "Provider", record: Params, instance: Params) -> None:
    """Create or update the instance's stack; a refusal fails the instance."""
    params: Params = {"TemplateBody": record.get("TemplateBody"), "Capabilities": record.get("Capabilities") or [],
                      "Parameters": _parameters(record, instance.get("ParameterOverrides") or [])}  # fmt: skip
    status = await _stack_status(p, instance)
    try:
        if status is None or status == "DELETE_COMPLETE":
            name = f"StackSet-{record['StackSetName']}-{uuid.uuid4()}"
            created = await p.env.internal.call_async(
                "cloudformation", "CreateStack", {"StackName": name, **params},
                account_id=instance["Account"], region=instance["Region"],
            )  # fmt: skip
            instance["StackId"] = created["StackId"]
        else:
            await p.env.internal.call_async(
                "cloudformation", "UpdateStack", {"StackName": instance["StackId"], **params},
                account_id=instance["Account"], region=instance["Region"],
            )  # fmt: skip
    except ServiceError as error:
        if error.message != "No updates are to be performed.":
            instance.update(Status="OUTDATED", StackInstanceStatus={"DetailedStatus": "FAILED"}, StatusReason=error.message)


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


async def update_stack_set(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    for key in ("Description", "TemplateBody", "Parameters", "Capabilities", "Tags"):
        if params.get(key) is not None:
            record[key] = params[key]
    for instance in record["instances"].values():
        await _deploy(p, record, instance)
    return {"OperationId": _operation(p, ctx, record, "UPDATE", params, list(record["instances"].values()))}


def delete_stack_set(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    if record["instances"]:
        raise ServiceError("StackSetNotEmptyException", "StackSet is not empty", 409)
    del ctx.store.stack_sets[record["StackSetName"]]  # type: ignore[union-attr]
    return {}


def _targets(ctx: RequestContext, params: Params) -> list[tuple[str, str]]:
    accounts = params.get("Accounts") or (params.get("DeploymentTargets") or {}).get("Accounts") or [ctx.account_id]
    return [(account, region) for account in accounts for region in params.get("Regions") or []]


async def create_stack_instances(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    targets = []
    for account, region in _targets(ctx, params):
        instance = record["instances"].setdefault(f"{account}/{region}", {
            "StackSetId": record["StackSetId"], "Region": region, "Account": account, "Status": "OUTDATED",
            "StackInstanceStatus": {"DetailedStatus": "PENDING"}, "DriftStatus": "NOT_CHECKED",
        })  # fmt: skip
        instance["ParameterOverrides"] = params.get("ParameterOverrides") or instance.get("ParameterOverrides") or []
        await _deploy(p, record, instance)
        targets.append(instance)
    return {"OperationId": _operation(p, ctx, record, "CREATE", params, targets)}


async def delete_stack_instances(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    targets = []
    for account, region in _targets(ctx, params):
        instance = record["instances"].pop(f"{account}/{region}", None)
        if instance is None:
            continue
        if instance.get("StackId") and not params.get("RetainStacks"):
            try:
                await p.env.internal.call_async(
                    "cloudformation", "DeleteStack", {"StackName": instance["StackId"]}, account_id=account, region=region,
                )  # fmt: skip
            except ServiceError:
                pass  # its stack is gone already
        targets.append(instance)
    return {"OperationId": _operation(p, ctx, record, "DELETE", params, targets)}


_INSTANCE_KEYS = ("StackSetId", "Region", "Account", "StackId", "Status", "StatusReason", "StackInstanceStatus",
                  "DriftStatus")  # fmt: skip


async def list_stack_instances(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    for instance in record["instances"].values():
        await _refresh(p, instance)
    return {"Summaries": [{k: i[k] for k in _INSTANCE_KEYS if i.get(k) is not None} for i in record["instances"].values()]}


async def describe_stack_instance(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    found = record["instances"].get(f"{params['StackInstanceAccount']}/{params['StackInstanceRegion']}")
    if found is None:
        raise ServiceError(
            "StackInstanceNotFoundException",
            f"Stack instance for account {params['StackInstanceAccount']} and region {params['StackInstanceRegion']} "
            f"does not exist in stack set {params['StackSetName']}", 404,
        )  # fmt: skip
    await _refresh(p, found)
    return {"StackInstance": {k: v for k, v in found.items() if v is not None}}


async def describe_stack_set_operation(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    found = record["operations"].get(params["OperationId"])
    if found is None:
        raise ServiceError("OperationNotFoundException", f"Operation {params['OperationId']} not found", 404)
    statuses = [await _stack_status(p, t) for t in found.get("targets") or []]
    if any(s and s.endswith("_IN_PROGRESS") for s in statuses):
        found["Status"] = "RUNNING"
    elif any(s in _FAILED for s in statuses) or any(
        (t.get("StackInstanceStatus") or {}).get("DetailedStatus") == "FAILED" for t in found.get("targets") or []
    ):
        found["Status"] = "FAILED"
    else:
        found["Status"] = "SUCCEEDED"
    return {"StackSetOperation": {k: v for k, v in found.items() if k != "targets"}}


def list_stack_set_operations(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    keys = ("OperationId", "Action", "Status", "CreationTimestamp", "EndTimestamp")
    return {"Summaries": [{k: o[k] for k in keys} for o in record["operations"].values()]}


async def list_stack_set_operation_results(p: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = _set(ctx, params["StackSetName"])
    found = record["operations"].get(params.get("OperationId"))
    targets = (found or {}).get("targets") or list(record["instances"].values())
    out = []
    for target in targets:
        status = await _stack_status(p, target)
        failed = status in _FAILED or (target.get("StackInstanceStatus") or {}).get("DetailedStatus") == "FAILED"
        out.append({"Account": target["Account"], "Region": target["Region"], "Status": "FAILED" if failed else
                    "RUNNING" if status and status.endswith("_IN_PROGRESS") else "SUCCEEDED"})  # fmt: skip
    return {"Summaries": out}


HANDLERS: dict[str, Callable[["Provider", RequestContext, Params], Params]] = {
    name: fn for name, fn in list(globals().items())
    if callable(fn) and not name.startswith("_") and not isinstance(fn, type) and name not in ("HANDLERS",) and getattr(fn, "__module__", "") == __name__
}  # fmt: skip
