"""Change sets: what an update (or a create) would do — ``Changes`` with replacement
information from the resource schemas' create-only properties — then executed as a stack
operation. ``aws cloudformation deploy`` and SAM deploy through them."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from cloudtwin.deployment import schemas
from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudformation import sources, stacks as shapes
from cloudtwin.services.cloudformation.errors import DeployError, change_set_not_found, validation
from cloudtwin.services.cloudformation.intrinsics import KNOWN_AFTER_APPLY, PreviewScope as _Preview
from cloudtwin.services.cloudformation.plan import Plan
from cloudtwin.services.cloudformation.transforms import TransformFailed

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.cloudformation.models import CloudFormationStore
    from cloudtwin.services.cloudformation.provider import Provider

Params = dict[str, Any]
NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set."


def find(store: "CloudFormationStore", name: str, stack_name: str | None) -> Params:
    if name in store.change_sets:
        return store.change_sets[name]
    if name.startswith("arn:"):
        raise change_set_not_found(name)
    if not stack_name:
        raise validation("StackName must be specified if ChangeSetName is not specified as an ARN.")
    stack = store.live(stack_name)
    if stack is None:
        raise change_set_not_found(name)
    for change_set in reversed(list(store.change_sets.values())):
        if change_set["ChangeSetName"] == name and change_set["StackId"] == stack["StackId"]:
            return change_set
    raise change_set_not_found(name)


def _known(value: Any) -> Any:
    """A value with an unknown part is unknown as a whole."""
    if isinstance(value, str) and KNOWN_AFTER_APPLY in value:
        return KNOWN_AFTER_APPLY
    if isinstance(value, dict):
        return {k: _known(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_known(v) for v in value]
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def changes(stack: Params, plan: Plan, import_value: Any, warnings: list[str] | None = None) -> list[Params]:
    """The change set's ``Changes``; each resource change keeps its property values under
    ``_before``/``_after`` (shown with ``IncludePropertyValues``)."""
    records = {k: r for k, r in stack["resources"].items() if r.get("PhysicalResourceId") and r["ResourceStatus"] != "DELETE_COMPLETE"}
    unknown: set[str] = set()
    #: what later resources see of earlier ones: a resource modified in place shows its new properties
    view = dict(records)
    current_id = [""]

    def imported(name: str) -> Any:
        try:
            return import_value(name)
        except DeployError:
            if warnings is not None:  # worded without the "found." a deployment's error ends with
                warnings.append(f"ChangeSet creation failed for resource [{current_id[0]}] because: No export named {name}")
            return KNOWN_AFTER_APPLY

    scope = _Preview(
        unknown, template=plan.template, parameters=plan.values, pseudo=plan.pseudo,
        conditions=plan.conditions, resources=view, import_value=imported,
    )  # fmt: skip
    found: list[Params] = []
    for logical_id in plan.order:
        definition = plan.template["Resources"][logical_id]
        current = records.get(logical_id)
        current_id[0] = logical_id
        try:
            properties = _known(scope.resolve(definition.get("Properties") or {}))
        except (DeployError, ServiceError):
            properties = None
        if current is None:
            unknown.add(logical_id)
            change = _change("Add", logical_id, definition["Type"])
            change["_after"] = properties if properties is not None else {}
            found.append(change)
            continue
        previous = current.get("properties") or {}
        if properties == previous and definition.get("Metadata") == current.get("Metadata"):
            continue
        if properties is None:
            names = sorted(set(definition.get("Properties") or {}) | set(previous))
            changed = [n for n in names if (definition.get("Properties") or {}).get(n) != previous.get(n)] or names
        else:
            changed = sorted(n for n in set(properties) | set(previous) if properties.get(n) != previous.get(n))
        create_only = schemas.create_only(definition["Type"])
        replaced = [n for n in changed if n in create_only]
        change = _change("Modify", logical_id, definition["Type"], current["PhysicalResourceId"])
        dynamic = properties is None or any((properties or {}).get(n) == KNOWN_AFTER_APPLY for n in replaced)
        change["Replacement"] = "Conditional" if replaced and dynamic else "True" if replaced else "False"
        if replaced:
            change["PolicyAction"] = "ReplaceAndDelete"
        if replaced:
            unknown.add(logical_id)
        elif properties is not None:
            view[logical_id] = dict(current, properties=properties)
        change["Scope"] = ["Properties"] if changed else ["Metadata"]
        change["_before"], change["_after"] = previous, properties if properties is not None else {}
        details = []
        for n in changed:
            before, after = previous.get(n), (properties or {}).get(n)
            target: Params = {"Attribute": "Properties", "Name": n, "RequiresRecreation": "Always" if n in create_only else "Never"}
            extra: Params = {"Path": f"/Properties/{n}", "AttributeChangeType": "Add" if n not in previous else
                             "Remove" if properties is not None and n not in properties else "Modify"}  # fmt: skip
            if before is not None:
                extra["BeforeValue"] = _text(before)
            if after is not None:
                extra["AfterValue"] = _text(after)
            written = ((stack.get("processed") or {}).get("Resources", {}).get(logical_id, {}).get("Properties") or {}).get(n)
            causes = _causes(definition.get("Properties", {}).get(n), written, plan, stack, unknown, view, records)
            if causes is None:  # the template's own text for the property changed
                details.append({
                    "Target": target, "_values": extra,
                    "Evaluation": "Static" if properties is not None and after != KNOWN_AFTER_APPLY else "Dynamic",
                    "ChangeSource": "DirectModification",
                })  # fmt: skip
                continue
            # the same text evaluates differently: what caused it, as AWS words it — a parameter
            # (and the dynamic modification it brings), a replaced resource (the modification
            # shown only with property values), a resource modified in place (known only then)
            direct = {"Target": target, "_values": extra, "Evaluation": "Dynamic", "ChangeSource": "DirectModification"}
            by_kind = {kind: [(source, entity) for source, entity, k in causes if k == kind]
                       for kind in ("parameter", "replaced", "modified")}  # fmt: skip
            if by_kind["parameter"]:
                details += [_caused(target, extra, "Static", s_, e) for s_, e in by_kind["parameter"]] + [direct]
            elif by_kind["replaced"]:
                details += [dict(direct, _with_values_only=True)]
                details += [_caused(target, extra, "Static", s_, e) for s_, e in by_kind["replaced"]]
            elif not by_kind["modified"]:
                details.append(direct)
            details += [_caused(target, extra, "Dynamic", s_, e) for s_, e in by_kind["modified"]]
        change["Details"] = details
        found.append(change)
    for logical_id, record in records.items():
        if logical_id not in plan.graph:
            change = _change("Remove", logical_id, record["ResourceType"], record["PhysicalResourceId"])
            change["_before"] = record.get("properties") or {}
            found.append(change)
    return [{"Type": "Resource", "ResourceChange": c} for c in found]


def _caused(target: Params, extra: Params, evaluation: str, source: str, entity: str) -> Params:
    return {"Target": target, "_values": extra, "Evaluation": evaluation, "ChangeSource": source, "CausingEntity": entity}


def _causes(
    expression: Any, written: Any, plan: Plan, stack: Params, unknown: set[str], view: Params, records: Params
) -> list[tuple[str, str, str]] | None:
    """What made a property whose template text did not change evaluate differently: the
    parameters (``ParameterReference``), resources (``ResourceReference``) and resource
    attributes (``ResourceAttribute``) it reads that changed. None when its text changed."""
    if expression != written or expression is None:
        return None
    found: list[tuple[str, str, str]] = []
    previous = stack.get("values") or {}

    def change_of(name: str) -> str | None:
        if name in unknown:
            return "replaced"
        return "modified" if view.get(name) is not records.get(name) else None

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if len(node) == 1 and "Ref" in node and isinstance(node["Ref"], str):
                name = node["Ref"]
                if name in plan.raw and plan.raw.get(name) != previous.get(name):
                    found.append(("ParameterReference", name, "parameter"))
                elif name in records and (kind := change_of(name)):
                    found.append(("ResourceReference", name, kind))
                return
            if len(node) == 1 and "Fn::GetAtt" in node:
                arg = node["Fn::GetAtt"]
                parts = arg.split(".", 1) if isinstance(arg, str) else list(arg)
                if parts and parts[0] in records and (kind := change_of(parts[0])):
                    found.append(("ResourceAttribute", ".".join(str(p) for p in parts), kind))
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(expression)
    return found


def render(changes_: list[Params], with_values: bool) -> list[Params]:
    """``Changes`` as DescribeChangeSet answers them (property values only when asked)."""
    out = []
    for item in changes_:
        change = {k: v for k, v in item["ResourceChange"].items() if not k.startswith("_")}
        change["Details"] = []
        for detail in item["ResourceChange"].get("Details") or ():
            if detail.get("_with_values_only") and not with_values:
                continue
            shown = {k: v for k, v in detail.items() if not k.startswith("_")}
            if with_values:
                shown["Target"] = dict(detail["Target"], **detail.get("_values", {}))
            change["Details"].append(shown)
        if with_values:
            if "_before" in item["ResourceChange"]:
                change["BeforeContext"] = json.dumps({"Properties": item["ResourceChange"]["_before"]})
            if "_after" in item["ResourceChange"]:
                change["AfterContext"] = json.dumps({"Properties": item["ResourceChange"]["_after"]})
        out.append({"Type": "Resource", "ResourceChange": change})
    return out


def _change(action: str, logical_id: str, kind: str, physical_id: str | None = None) -> Params:
    change: Params = {"Action": action, "LogicalResourceId": logical_id, "ResourceType": kind, "Scope": [], "Details": []}
    if physical_id:
        change["PhysicalResourceId"] = physical_id
    if action == "Remove":
        change["PolicyAction"] = "Delete"
    return change


async def create(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    store: CloudFormationStore = ctx.store  # type: ignore[assignment]
    name, stack_name = params["ChangeSetName"], params["StackName"]
    kind = params.get("ChangeSetType") or "UPDATE"
    stack = store.live(stack_name)
    now = provider.env.clock.now()
    if kind == "CREATE":
        if stack is not None and stack["StackStatus"] != "REVIEW_IN_PROGRESS":
            raise validation(f"Stack [{stack_name}] already exists and cannot be created again with the changeSet [{name}].")
        if stack is None:
            stack = shapes.new_stack(ctx.account_id, ctx.region, ctx.partition, stack_name, now, params)
            stack["StackStatus"] = "REVIEW_IN_PROGRESS"
            # the change set's tags, capabilities and notifications reach the stack when it is executed
            stack.update(Tags=[], Capabilities=[], NotificationARNs=[])
            stack["host"] = ctx.request.headers.get("host")
            shapes.stack_event(stack, now, "REVIEW_IN_PROGRESS", "User Initiated")
            fresh = True
        else:
            fresh = False
    else:
        if stack is None:
            raise validation(f"Stack [{stack_name}] does not exist")
        if stack["StackStatus"] == "REVIEW_IN_PROGRESS" or stack["StackStatus"].endswith("_IN_PROGRESS"):
            raise validation(f"Stack:{stack['StackId']} is in {stack['StackStatus']} state and can not be updated.")
        fresh = False
    for existing in store.change_sets.values():
        if existing["ChangeSetName"] == name and existing["StackId"] == stack["StackId"] and not existing.get("executed"):
            raise ServiceError("AlreadyExistsException", f"ChangeSet [{name}] already exists", 400)
    body = await sources.body(ctx, provider.env.internal, params, stack if kind != "CREATE" else None)
    previous = stack.get("values") if kind != "CREATE" else None
    try:
        processed = await provider.process(ctx, stack, body, params.get("Parameters"))
    except TransformFailed as failure:
        if fresh:
            store.stacks[stack["StackId"]] = stack
        return _failed(store, ctx, stack, name, kind, body, params, str(failure))
    plan = provider.plan(ctx, stack, body, processed, params.get("Parameters"), previous)
    provider.check_capabilities(plan, params.get("Capabilities"), change_set=True)
    if fresh:
        store.stacks[stack["StackId"]] = stack
    from cloudtwin.services.cloudformation import exports

    warnings: list[str] = []
    found = changes(stack, plan, lambda n: exports.value(store, n), warnings)
    change_set_id = f"arn:{ctx.partition}:cloudformation:{ctx.region}:{ctx.account_id}:changeSet/{name}/{uuid.uuid4()}"
    record: Params = {
        "ChangeSetName": name, "ChangeSetId": change_set_id, "StackId": stack["StackId"], "StackName": stack["StackName"],
        "Description": params.get("Description"), "Parameters": plan.listed, "CreationTime": now,
        "ExecutionStatus": "AVAILABLE", "Status": "CREATE_COMPLETE", "NotificationARNs": params.get("NotificationARNs") or [],
        "RollbackConfiguration": params.get("RollbackConfiguration") or {}, "Capabilities": params.get("Capabilities") or [],
        "Tags": params.get("Tags"), "Changes": found, "IncludeNestedStacks": bool(params.get("IncludeNestedStacks")),
        "type": kind, "template": body, "processed": plan.template, "given": params.get("Parameters") or [],
        "previous": previous, "params": {k: params.get(k) for k in ("Capabilities", "Tags", "NotificationARNs", "RoleARN", "DisableRollback")},
    }  # fmt: skip
    if params.get("OnStackFailure"):
        record["OnStackFailure"] = params["OnStackFailure"]
    if warnings:
        record["warning"] = "[WARN] --include-property-values option can return incomplete ChangeSet data because: " + warnings[0]
    # the template's own Metadata changes nothing a change set could apply
    same_template = _without_metadata(plan.template) == _without_metadata(stack.get("processed")) or body == stack.get("template")
    if kind != "CREATE" and not found and same_template and plan.raw == (stack.get("values") or {}):
        record.update(Status="FAILED", ExecutionStatus="UNAVAILABLE", StatusReason=NO_CHANGES)
    store.change_sets[change_set_id] = record
    return {"Id": change_set_id, "StackId": stack["StackId"]}


def _without_metadata(template: Params | None) -> Params:
    return {k: v for k, v in (template or {}).items() if k != "Metadata"}


def _failed(store: "CloudFormationStore", ctx: RequestContext, stack: Params, name: str, kind: str, body: str,
            params: Params, reason: str) -> Params:  # fmt: skip
    change_set_id = f"arn:{ctx.partition}:cloudformation:{ctx.region}:{ctx.account_id}:changeSet/{name}/{uuid.uuid4()}"
    store.change_sets[change_set_id] = {
        "ChangeSetName": name, "ChangeSetId": change_set_id, "StackId": stack["StackId"], "StackName": stack["StackName"],
        "Description": params.get("Description"), "CreationTime": stack.get("CreationTime"), "ExecutionStatus": "UNAVAILABLE",
        "Status": "FAILED", "StatusReason": reason, "Changes": [], "type": kind, "template": body, "processed": {},
        "given": params.get("Parameters") or [], "previous": None, "params": {},
    }  # fmt: skip
    return {"Id": change_set_id, "StackId": stack["StackId"]}


MEMBERS = (
    "ChangeSetName", "ChangeSetId", "StackId", "StackName", "Description", "Parameters", "CreationTime",
    "ExecutionStatus", "Status", "StatusReason", "NotificationARNs", "RollbackConfiguration", "Capabilities",
    "Tags", "Changes", "IncludeNestedStacks", "OnStackFailure",
)  # fmt: skip


def describe(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    record = find(ctx.store, params["ChangeSetName"], params.get("StackName"))  # type: ignore[arg-type]
    out = {k: record[k] for k in MEMBERS if record.get(k) not in (None, "")}
    out["NotificationARNs"] = record.get("NotificationARNs") or []
    out["RollbackConfiguration"] = record.get("RollbackConfiguration") or {}
    out["Changes"] = render(record.get("Changes") or [], bool(params.get("IncludePropertyValues")))
    if params.get("IncludePropertyValues") and record.get("warning") and not out.get("StatusReason"):
        out["StatusReason"] = record["warning"]
    out["Capabilities"] = record.get("Capabilities") or []
    out["IncludeNestedStacks"] = bool(record.get("IncludeNestedStacks"))
    if not out.get("Parameters"):
        out.pop("Parameters", None)
    return out


def execute(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    store: CloudFormationStore = ctx.store  # type: ignore[assignment]
    record = find(store, params["ChangeSetName"], params.get("StackName"))
    if record["ExecutionStatus"] != "AVAILABLE":
        raise ServiceError(
            "InvalidChangeSetStatus",
            f"ChangeSet [{record['ChangeSetId']}] cannot be executed in its current status of [{record['Status']}]", 400,
        )  # fmt: skip
    stack = store.stacks[record["StackId"]]
    plan = provider.plan(ctx, stack, record["template"], record["processed"], record["given"], record["previous"])
    record["ExecutionStatus"] = "EXECUTE_COMPLETE"
    record["executed"] = True
    store.change_sets[record["ChangeSetId"]] = record
    # executing a change set deletes the stack's other change sets, as AWS does
    for other in list(store.change_sets.values()):
        if other["StackId"] == stack["StackId"] and other is not record and not other.get("executed"):
            del store.change_sets[other["ChangeSetId"]]
    stack["ChangeSetId"] = record["ChangeSetId"]
    options = {k: v for k, v in (record.get("params") or {}).items() if v is not None}
    if "DisableRollback" in params:
        options["DisableRollback"] = params["DisableRollback"]
    if record["type"] == "CREATE":
        provider._keep(stack, plan)
        for key in ("Capabilities", "Tags", "NotificationARNs", "RoleARN"):
            if options.get(key) is not None:
                stack[key] = options[key]
        if options.get("DisableRollback") or record.get("OnStackFailure") == "DO_NOTHING":
            stack["DisableRollback"] = True
            stack["on_failure"] = "DO_NOTHING"
        elif record.get("OnStackFailure") == "DELETE":
            stack["on_failure"] = "DELETE"
        stack["LastUpdatedTime"] = provider.env.clock.now()
        shapes.stack_event(stack, provider.env.clock.now(), "CREATE_IN_PROGRESS", "User Initiated")
        store.stacks[stack["StackId"]] = stack
        provider.engine.start(stack["StackId"], provider.engine.create(store, stack, plan, ctx.partition), ctx.identity)
    else:
        provider._check_updatable(stack)
        provider.start_update(ctx, store, stack, plan, options)
    return {}


def delete(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    store: CloudFormationStore = ctx.store  # type: ignore[assignment]
    stack_name = params.get("StackName")
    if stack_name and not params["ChangeSetName"].startswith("arn:") and store.live(stack_name) is None:
        raise validation(f"Stack [{stack_name}] does not exist")  # DeleteChangeSet names the stack
    record = find(store, params["ChangeSetName"], params.get("StackName"))
    if record["ExecutionStatus"] == "EXECUTE_IN_PROGRESS":
        raise ServiceError("InvalidChangeSetStatus", f"Cannot delete ChangeSet in status {record['ExecutionStatus']}", 400)
    del store.change_sets[record["ChangeSetId"]]
    return {}


def list_for_stack(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    store: CloudFormationStore = ctx.store  # type: ignore[assignment]
    stack = store.live(params["StackName"])
    if stack is None:
        raise validation(f"Stack [{params['StackName']}] does not exist")
    keys = ("StackId", "StackName", "ChangeSetId", "ChangeSetName", "ExecutionStatus", "Status", "StatusReason",
            "CreationTime", "Description", "IncludeNestedStacks")
    found = [
        {k: c[k] for k in keys if c.get(k) not in (None, "")}
        for c in store.change_sets.values() if c["StackId"] == stack["StackId"] and not c.get("executed")
    ]  # fmt: skip
    return {"Summaries": found}
