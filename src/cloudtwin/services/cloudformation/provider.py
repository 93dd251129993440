"""AWS CloudFormation: stacks deployed onto cloudtwin's own services through the resource
handlers each service owns (:mod:`cloudtwin.deployment`).

The provider is thin: templates are read in :mod:`template` and :mod:`transforms`, planned in
:mod:`plan` (parameters, conditions, ordering), deployed by :mod:`engine`/:mod:`deployer`;
change sets in :mod:`changesets`, stack sets in :mod:`stacksets`, exports in :mod:`exports`.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from cloudtwin.deployment import schemas
from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudformation import changesets, drift, exports, plan as plans, sources, stacksets
from cloudtwin.services.cloudformation import stacks as shapes
from cloudtwin.services.cloudformation import template as templates
from cloudtwin.services.cloudformation import stack_policy, transforms
from cloudtwin.services.cloudformation.engine import Engine
from cloudtwin.services.cloudformation.errors import stack_not_found, validation
from cloudtwin.services.cloudformation.models import CloudFormationStore
from cloudtwin.services.provider import ServiceProvider

Params = dict[str, Any]
UPDATABLE = frozenset({
    "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_COMPLETE", "UPDATE_FAILED", "CREATE_FAILED", "UPDATE_ROLLBACK_FAILED",
})  # fmt: skip
NAMED_IAM = {
    "AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName", "AWS::IAM::InstanceProfile": "InstanceProfileName",
}  # fmt: skip


def _page(items: list, params: Params, limit: int = 100) -> tuple[list, Params]:
    start = int(params["NextToken"]) if str(params.get("NextToken") or "").isdigit() else 0
    limit = params.get("MaxResults") or limit
    extra: Params = {}
    if start + limit < len(items):
        extra["NextToken"] = str(start + limit)
    return items[start : start + limit], extra


class Provider(ServiceProvider):
    service_name = "cloudformation"
    store_class = CloudFormationStore

    def __init__(self, env) -> None:
        super().__init__(env)
        self.engine = Engine(env)

    def introspection(self) -> dict:
        return {("GET", "types"): self._introspect_types, ("GET", "stacks"): self._introspect_stacks}

    def _introspect_types(self, params: dict[str, Any]) -> Any:
        return {"types": self.engine.supported()}

    def _introspect_stacks(self, params: dict[str, Any]) -> Any:
        found = []
        for (account_id, region), store in self.stores.items():  # type: ignore[union-attr]
            for stack in store.stacks.values():
                found.append({
                    "AccountId": account_id, "Region": region, "StackName": stack["StackName"],
                    "StackId": stack["StackId"], "StackStatus": stack["StackStatus"],
                    "Resources": [
                        {"LogicalResourceId": r["LogicalResourceId"], "ResourceType": r["ResourceType"],
                         "PhysicalResourceId": r.get("PhysicalResourceId"), "ResourceStatus": r["ResourceStatus"]}
                        for r in stack["resources"].values()
                    ],
                })  # fmt: skip
        return {"stacks": found}

    # -- helpers -------------------------------------------------------------------------------------

    def _store(self, ctx: RequestContext) -> CloudFormationStore:
        return ctx.store  # type: ignore[return-value]

    def _stack(self, ctx: RequestContext, name: str | None) -> Params:
        stack = self._store(ctx).live(name or "") if name else None
        if stack is None:
            raise stack_not_found(name or "")
        return stack

    def _ssm(self, ctx: RequestContext):
        def read(name: str) -> str:
            try:
                found = self.env.internal.call("ssm", "GetParameter", {"Name": name}, account_id=ctx.account_id, region=ctx.region)
            except ServiceError:
                raise validation(f"Parameters: [ssm:{name}] cannot be found.") from None
            return found["Parameter"]["Value"]

        return read

    async def process(self, ctx: RequestContext, stack: Params, body: str, given: list[Params] | None) -> Params:
        """The template after its transforms (macros run now; ``TransformFailed`` when one fails)."""
        template = templates.parse(body)
        store = self._store(ctx)
        return await transforms.apply(
            template, account_id=ctx.account_id, region=ctx.region, partition=ctx.partition,
            stack_name=stack["StackName"], parameters=given, macros=store.macros.get,
            run_macro=self._macro_runner(ctx), include=self._includer(ctx), ssm=self._ssm(ctx),
        )  # fmt: skip

    def plan(self, ctx: RequestContext, stack: Params, body: str, processed: Params, given: list[Params] | None,
             previous: dict[str, str] | None) -> plans.Plan:  # fmt: skip
        pseudo = plans.pseudo_parameters(stack, ctx.account_id, ctx.region, ctx.partition)
        return plans.make(body, processed, given or [], previous, pseudo, self._ssm(ctx))

    async def prepare(
        self, ctx: RequestContext, stack: Params, body: str, given: list[Params] | None, previous: dict[str, str] | None
    ) -> plans.Plan:
        """Read, transform and plan a template for ``stack`` (template errors are the caller's)."""
        processed = await self.process(ctx, stack, body, given)
        return self.plan(ctx, stack, body, processed, given, previous)

    def _macro_runner(self, ctx: RequestContext):
        async def run(name: str, registration: Params, event: Params) -> Any:
            try:
                answer = await self.env.internal.call_async(
                    "lambda", "Invoke", {"FunctionName": registration["FunctionName"], "Payload": json.dumps(event).encode()},
                    account_id=ctx.account_id, region=ctx.region,
                )  # fmt: skip
            except ServiceError:
                return None
            if answer.get("FunctionError"):
                return None
            try:
                return json.loads(answer.get("Payload") or b"null")
            except ValueError:
                return None

        return run

    def _includer(self, ctx: RequestContext):
        async def include(location: str) -> Any:
            where = templates.s3_location(location)
            if where is not None:
                try:
                    await self.env.internal.call_async(
                        "s3", "HeadObject", {"Bucket": where[0], "Key": where[1]}, account_id=ctx.account_id, region=ctx.region
                    )  # fmt: skip
                except ServiceError as error:
                    missing = f"S3 bucket [{where[0]}]" if error.code in ("NoSuchBucket",) or not self._bucket_exists(ctx, where[0]) else f"S3 object [{where[1]}]"
                    raise transforms.TransformFailed(f"Transform AWS::Include failed with: {missing} does not exist.") from None
            return templates.parse(await sources.read_url(ctx, self.env.internal, location, s3_scheme=True))

        return include

    def _bucket_exists(self, ctx: RequestContext, bucket: str) -> bool:
        try:
            self.env.internal.call("s3", "HeadBucket", {"Bucket": bucket}, account_id=ctx.account_id, region=ctx.region)
        except ServiceError:
            return False
        return True

    def _failed_transform(self, ctx: RequestContext, stack: Params, reason: str, updating: bool) -> None:
        """A macro failed: the operation starts and rolls back at once, as AWS reports it."""
        now = self.env.clock.now()
        if updating:
            for status in ("UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"):
                shapes.stack_event(stack, now, status, reason + ". Rollback requested by user." if status == "UPDATE_ROLLBACK_IN_PROGRESS" else ("User Initiated" if status == "UPDATE_IN_PROGRESS" else None))
        else:
            shapes.stack_event(stack, now, "CREATE_IN_PROGRESS", "User Initiated")
            shapes.stack_event(stack, now, "ROLLBACK_IN_PROGRESS", reason + ". Rollback requested by user.")
            shapes.stack_event(stack, now, "ROLLBACK_COMPLETE")
        self._store(ctx).stacks[stack["StackId"]] = stack

    @staticmethod
    def check_capabilities(plan: plans.Plan, given: list[str] | None, *, change_set: bool = False) -> None:
        given = given or []
        needed = None
        for resource in plan.template.get("Resources", {}).values():
            kind = resource.get("Type", "")
            if kind in NAMED_IAM and (resource.get("Properties") or {}).get(NAMED_IAM[kind]):
                needed = "CAPABILITY_NAMED_IAM"
            elif kind.startswith("AWS::IAM::") and needed is None:
                needed = "CAPABILITY_IAM"
        if needed == "CAPABILITY_IAM" and "CAPABILITY_NAMED_IAM" in given:
            return
        if needed and needed not in given:
            raise ServiceError("InsufficientCapabilitiesException", f"Requires capabilities : [{needed}]", 400)

    @staticmethod
    def _keep(stack: Params, plan: plans.Plan) -> None:
        stack["template"] = plan.body
        stack["processed"] = plan.template
        stack["values"] = plan.raw
        stack["Parameters"] = plan.listed
        description = plan.template.get("Description")
        if description is not None:
            stack["Description"] = description
        else:
            stack.pop("Description", None)

    # -- stacks --------------------------------------------------------------------------------------

    async def create_stack(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        name = params["StackName"]
        if store.live(name) is not None:
            raise ServiceError("AlreadyExistsException", f"Stack [{name}] already exists", 400)
        if params.get("DisableRollback") and params.get("OnFailure"):
            raise validation("You cannot specify both DisableRollback and OnFailure.")
        stack = shapes.new_stack(ctx.account_id, ctx.region, ctx.partition, name, self.env.clock.now(), params)
        body = await sources.body(ctx, self.env.internal, params)
        template = templates.parse(body)
        if transforms.declared(template) and "CAPABILITY_AUTO_EXPAND" not in (params.get("Capabilities") or []):
            raise ServiceError(
                "InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_AUTO_EXPAND]", 400
            )  # fmt: skip
        try:
            processed = await self.process(ctx, stack, body, params.get("Parameters"))
        except transforms.TransformFailed as failure:
            stack["template"] = body
            stack["host"] = ctx.request.headers.get("host")
            self._failed_transform(ctx, stack, str(failure), updating=False)
            return {"StackId": stack["StackId"]}
        plan = self.plan(ctx, stack, body, processed, params.get("Parameters"), None)
        self.check_capabilities(plan, params.get("Capabilities"))
        self._keep(stack, plan)
        stack["host"] = ctx.request.headers.get("host")
        stack["token"] = params.get("ClientRequestToken")
        stack["policy"] = await self._policy_text(ctx, params)
        shapes.stack_event(stack, self.env.clock.now(), "CREATE_IN_PROGRESS", "User Initiated")
        store.stacks[stack["StackId"]] = stack
        self.engine.start(stack["StackId"], self.engine.create(store, stack, plan, ctx.partition), ctx.identity)
        return {"StackId": stack["StackId"]}

    async def update_stack(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        stack = self._stack(ctx, params["StackName"])
        self._check_updatable(stack)
        body = await sources.body(ctx, self.env.internal, params, stack)
        policy = await self._policy_text(ctx, params)
        during = await self._policy_text(ctx, params, "StackPolicyDuringUpdate")
        given = params.get("Parameters")
        try:
            plan = await self.prepare(ctx, stack, body, given, stack.get("values"))
        except transforms.TransformFailed as failure:
            self._failed_transform(ctx, stack, str(failure), updating=True)
            return {"StackId": stack["StackId"]}
        self.check_capabilities(plan, params.get("Capabilities") or stack.get("Capabilities"))
        if body == stack.get("template") and plan.raw == stack.get("values") and "Tags" not in params:
            raise validation("No updates are to be performed.")
        if policy is not None:
            stack["policy"] = policy
        stack.pop("ChangeSetId", None)  # a direct update is no change set's: DescribeStacks drops it
        self.start_update(ctx, store, stack, plan, {**params, "policy_during_update": during})
        return {"StackId": stack["StackId"]}

    def start_update(self, ctx: RequestContext, store: CloudFormationStore, stack: Params, plan: plans.Plan, params: Params) -> None:
        previous = {k: stack.get(k) for k in ("template", "processed", "values", "Parameters", "Outputs", "Description", "imports")}
        self._keep(stack, plan)
        for key in ("Capabilities", "NotificationARNs", "Tags", "RoleARN"):
            if params.get(key) is not None:
                stack[key] = params[key]
        if "DisableRollback" in params:
            stack["DisableRollback"] = bool(params["DisableRollback"])
        stack["token"] = params.get("ClientRequestToken")
        shapes.stack_event(stack, self.env.clock.now(), "UPDATE_IN_PROGRESS", "User Initiated")
        stack["LastUpdatedTime"] = self.env.clock.now()
        store.stacks[stack["StackId"]] = stack
        policy = params.get("policy_during_update") or stack.get("policy")
        self.engine.start(
            stack["StackId"],
            self.engine.update(store, stack, plan, ctx.partition, previous, stack_policy.parse(policy) if policy else None),
            ctx.identity,
        )  # fmt: skip

    @staticmethod
    def _check_updatable(stack: Params) -> None:
        if stack["StackStatus"] not in UPDATABLE:
            raise validation(f"Stack:{stack['StackId']} is in {stack['StackStatus']} state and can not be updated.")

    def delete_stack(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        stack = store.live(params["StackName"])
        if stack is None:
            if params["StackName"].startswith("arn:"):
                raise stack_not_found(params["StackName"])
            return {}
        if stack["StackStatus"] == "DELETE_COMPLETE" or stack["StackStatus"] == "DELETE_IN_PROGRESS":
            return {}
        if stack.get("EnableTerminationProtection"):
            raise validation(
                f"Stack [{stack['StackName']}] cannot be deleted while TerminationProtection is enabled"
            )
        if stack["StackStatus"] == "REVIEW_IN_PROGRESS":
            stack["DeletionTime"] = self.env.clock.now()
            shapes.stack_event(stack, self.env.clock.now(), "DELETE_COMPLETE")
            store.stacks[stack["StackId"]] = stack
            return {}
        stack["token"] = params.get("ClientRequestToken")
        shapes.stack_event(stack, self.env.clock.now(), "DELETE_IN_PROGRESS", "User Initiated")
        store.stacks[stack["StackId"]] = stack
        self.engine.start(
            stack["StackId"], self.engine.delete(store, stack, ctx.partition, params.get("RetainResources")), ctx.identity
        )
        return {}

    async def describe_stacks(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        name = params.get("StackName")
        if name:
            stack = self._stack(ctx, name)
            await self.engine.settle([stack["StackId"]])
            return {"Stacks": [shapes.describe(stack)]}
        await self.engine.settle()
        found = [shapes.describe(s) for s in store.stacks.values() if s["StackStatus"] != "DELETE_COMPLETE"]
        page, extra = _page(found, params)
        return {"Stacks": page, **extra}

    async def list_stacks(self, ctx: RequestContext, params: Params) -> Params:
        await self.engine.settle()
        wanted = params.get("StackStatusFilter") or []
        found = [
            shapes.summary(s) for s in reversed(list(self._store(ctx).stacks.values()))
            if not wanted or s["StackStatus"] in wanted
        ]  # fmt: skip
        return {"StackSummaries": found}

    async def describe_stack_events(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._store(ctx).live(params.get("StackName") or "")
        if stack is None:
            raise validation(f"Stack [{params.get('StackName')}] does not exist")
        await self.engine.settle([stack["StackId"]])
        return {"StackEvents": list(reversed(stack["events"]))}

    async def describe_stack_resource(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._store(ctx).live(params["StackName"])
        if stack is None:
            raise validation(f"Stack '{params['StackName']}' does not exist")
        await self.engine.settle([stack["StackId"]])
        record = stack["resources"].get(params["LogicalResourceId"])
        if record is None:
            raise validation(f"Resource {params['LogicalResourceId']} does not exist for stack {params['StackName']}")
        return {"StackResourceDetail": shapes.resource_detail(stack, record)}

    async def describe_stack_resources(self, ctx: RequestContext, params: Params) -> Params:
        if params.get("StackName"):
            stack = self._stack(ctx, params["StackName"])
        elif params.get("PhysicalResourceId"):
            stack = next(
                (s for s in self._store(ctx).stacks.values() if s["StackStatus"] != "DELETE_COMPLETE" and any(
                    r.get("PhysicalResourceId") == params["PhysicalResourceId"] for r in s["resources"].values()
                )), None,
            )  # fmt: skip
            if stack is None:
                raise validation(f"Stack for {params['PhysicalResourceId']} does not exist")
        else:
            raise validation("Either StackName or PhysicalResourceId must be specified.")
        await self.engine.settle([stack["StackId"]])
        rows = [
            shapes.resource_row(stack, r) for r in stack["resources"].values()
            if not params.get("LogicalResourceId") or r["LogicalResourceId"] == params["LogicalResourceId"]
        ]  # fmt: skip
        return {"StackResources": rows}

    async def list_stack_resources(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._stack(ctx, params["StackName"])
        await self.engine.settle([stack["StackId"]])
        rows = [shapes.resource_summary(r) for r in stack["resources"].values()]
        page, extra = _page(rows, params)
        return {"StackResourceSummaries": page, **extra}

    def get_template(self, ctx: RequestContext, params: Params) -> Params:
        if not params.get("StackName") and not params.get("ChangeSetName"):
            raise validation("StackName is required if ChangeSetName is not specified.")
        if params.get("ChangeSetName") and not params.get("StackName") and not params["ChangeSetName"].startswith("arn:"):
            raise validation("StackName is a required parameter.")
        if params.get("ChangeSetName"):
            change_set = changesets.find(self._store(ctx), params["ChangeSetName"], params.get("StackName"))
            body, processed = change_set["template"], change_set["processed"]
        else:
            stack = self._stack(ctx, params.get("StackName"))
            body, processed = stack.get("template", ""), stack.get("processed")
        stages = ["Original", "Processed"]
        if params.get("TemplateStage") == "Processed":
            template = templates.parse(body)
            body = body if template == processed else json.dumps(processed)
        return {"TemplateBody": body, "StagesAvailable": stages}

    async def get_template_summary(self, ctx: RequestContext, params: Params) -> Params:
        if params.get("StackName"):
            stack = self._stack(ctx, params["StackName"])
            body = stack["template"]
        else:
            body = await sources.body(ctx, self.env.internal, params)
        template = templates.parse(body)
        templates.check(template)
        declared = transforms.declared(template)
        processed = template
        if declared:
            try:
                processed = await self.process(ctx, {"StackName": "summary"}, body, None)
            except transforms.TransformFailed as failure:
                raise validation(str(failure)) from None
        types: list[str] = []
        identifiers: dict[str, list[str]] = {}
        for logical_id, resource in (processed.get("Resources") or {}).items():
            kind = resource.get("Type")
            if kind not in types:
                types.append(kind)
            identifiers.setdefault(kind, []).append(logical_id)
        summaries = []
        for kind, ids in identifiers.items():
            entry: Params = {"ResourceType": kind, "LogicalResourceIds": ids}
            primary = (schemas.schema(kind) or {}).get("primaryIdentifier")
            if primary:
                entry["ResourceIdentifiers"] = primary
            summaries.append(entry)
        out: Params = {
            "Parameters": _parameter_declarations(template),
            "ResourceTypes": types,
            "Version": str(template.get("AWSTemplateFormatVersion", "2010-09-09")),
            "ResourceIdentifierSummaries": summaries,
        }
        if template.get("Description") is not None:
            out["Description"] = template["Description"]
        if template.get("Metadata") is not None:
            out["Metadata"] = str(template["Metadata"])  # AWS answers the map in this (non-JSON) form
        if declared:
            out["DeclaredTransforms"] = declared
        capabilities = _capabilities(processed, declared)
        if capabilities:
            out["Capabilities"] = capabilities
            out["CapabilitiesReason"] = "The following resource(s) require capabilities: [" + ", ".join(
                sorted({r.get("Type") for r in processed.get("Resources", {}).values() if r.get("Type", "").startswith("AWS::IAM::")})
            ) + "]"
        return out

    async def validate_template(self, ctx: RequestContext, params: Params) -> Params:
        body = await sources.body(ctx, self.env.internal, params)
        template = templates.parse(body)
        templates.check(template)
        declared = transforms.declared(template)
        if not declared:
            from cloudtwin.services.cloudformation import graph
            from cloudtwin.services.cloudformation.intrinsics import check_functions

            check_functions(template.get("Resources"))
            graph.dependencies(template)
        out: Params = {"Parameters": [
            {k: v for k, v in p.items() if k in ("ParameterKey", "DefaultValue", "NoEcho", "Description")}
            for p in _parameter_declarations(template)
        ]}  # fmt: skip
        if template.get("Description") is not None:
            out["Description"] = template["Description"]
        capabilities = _capabilities(template, declared)
        if capabilities:
            out["Capabilities"] = capabilities
            out["CapabilitiesReason"] = "The following resource(s) require capabilities: [" + ", ".join(
                sorted({r.get("Type") for r in template.get("Resources", {}).values() if r.get("Type", "").startswith("AWS::IAM::")})
            ) + "]"
        if declared:
            out["DeclaredTransforms"] = declared
        return out

    def update_termination_protection(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._stack(ctx, params["StackName"])
        stack["EnableTerminationProtection"] = bool(params["EnableTerminationProtection"])
        self._store(ctx).stacks[stack["StackId"]] = stack
        return {"StackId": stack["StackId"]}

    async def _policy_text(self, ctx: RequestContext, params: Params, prefix: str = "StackPolicy") -> str | None:
        """A stack policy given as ``<prefix>Body`` or ``<prefix>URL`` (checked), or None."""
        body, url = params.get(f"{prefix}Body"), params.get(f"{prefix}URL")
        if body is not None and url:
            raise validation(f"You cannot specify both {prefix}URL and {prefix}Body")
        if url:
            body = await sources.read_url(ctx, self.env.internal, url)
        if body is not None:
            stack_policy.parse(body)
        return body

    async def set_stack_policy(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._stack(ctx, params["StackName"])
        policy = await self._policy_text(ctx, params)
        if policy is not None:
            stack["policy"] = policy
        self._store(ctx).stacks[stack["StackId"]] = stack
        return {}

    def get_stack_policy(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._stack(ctx, params["StackName"])
        return {"StackPolicyBody": stack["policy"]} if stack.get("policy") else {}

    def list_exports(self, ctx: RequestContext, params: Params) -> Params:
        page, extra = _page(exports.all_exports(self._store(ctx)), params)
        return {"Exports": page, **extra}

    def list_imports(self, ctx: RequestContext, params: Params) -> Params:
        name = params["ExportName"]
        if not any(e["Name"] == name for e in exports.all_exports(self._store(ctx))):
            raise validation(f"Export '{name}' does not exist.")
        return {"Imports": exports.importers(self._store(ctx), name)}

    def cancel_update_stack(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._stack(ctx, params["StackName"])
        if stack["StackStatus"] != "UPDATE_IN_PROGRESS":
            raise validation(f"CancelUpdateStack cannot be called from current stack status {stack['StackStatus']}.")
        return {}

    def continue_update_rollback(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._stack(ctx, params["StackName"])
        if stack["StackStatus"] != "UPDATE_ROLLBACK_FAILED":
            raise validation(
                f"Stack {stack['StackName']} is in {stack['StackStatus']} state and can not continue update rollback."
            )
        shapes.stack_event(stack, self.env.clock.now(), "UPDATE_ROLLBACK_COMPLETE")
        self._store(ctx).stacks[stack["StackId"]] = stack
        return {}

    def rollback_stack(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._stack(ctx, params["StackName"])
        if stack["StackStatus"] not in ("CREATE_FAILED", "UPDATE_FAILED"):
            raise validation(f"Stack {stack['StackName']} is in {stack['StackStatus']} state and can not be rolled back.")
        return {"StackId": stack["StackId"]}

    def signal_resource(self, ctx: RequestContext, params: Params) -> Params:
        """A signal for a resource's ``CreationPolicy`` (kept on the resource's record)."""
        stack = self._stack(ctx, params["StackName"])
        record = stack["resources"].get(params["LogicalResourceId"])
        if record is None:
            raise validation(f"Resource {params['LogicalResourceId']} does not exist for stack {stack['StackName']}")
        record.setdefault("signals", []).append({"UniqueId": params["UniqueId"], "Status": params["Status"]})
        self._store(ctx).stacks[stack["StackId"]] = stack
        return {}

    def describe_account_limits(self, ctx: RequestContext, params: Params) -> Params:
        return {"AccountLimits": [{"Name": "StackLimit", "Value": 2000}, {"Name": "StackOutputsLimit", "Value": 200}]}

    def estimate_template_cost(self, ctx: RequestContext, params: Params) -> Params:
        return {"Url": "https://calculator.aws/#/"}

    # -- drift (stored) ------------------------------------------------------------------------------

    async def detect_stack_drift(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._stack(ctx, params["StackName"])
        await self.engine.settle([stack["StackId"]])
        return {"StackDriftDetectionId": await drift.detect(self.engine, self._store(ctx), stack, ctx.partition)}

    def describe_stack_drift_detection_status(self, ctx: RequestContext, params: Params) -> Params:
        for stack in self._store(ctx).stacks.values():
            found = stack.get("drift")
            if found and found["id"] == params["StackDriftDetectionId"]:
                return {
                    "StackId": stack["StackId"], "StackDriftDetectionId": found["id"],
                    "StackDriftStatus": found.get("status", "IN_SYNC"), "DetectionStatus": "DETECTION_COMPLETE",
                    "DriftedStackResourceCount": found.get("count", 0), "Timestamp": found["time"],
                }  # fmt: skip
        raise validation(f"Drift detection {params['StackDriftDetectionId']} does not exist")

    def describe_stack_resource_drifts(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._stack(ctx, params["StackName"])
        wanted = params.get("StackResourceDriftStatusFilters") or []
        found = [r for r in (stack.get("drift") or {}).get("results", []) if not wanted or r["StackResourceDriftStatus"] in wanted]
        page, extra = _page(found, params)
        return {"StackResourceDrifts": page, **extra}

    async def detect_stack_resource_drift(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._stack(ctx, params["StackName"])
        await self.engine.settle([stack["StackId"]])
        record = stack["resources"].get(params["LogicalResourceId"])
        if record is None or not record.get("PhysicalResourceId"):
            raise validation(f"Resource {params['LogicalResourceId']} does not exist for stack {params['StackName']}")
        found = await drift.resource_drift(self.engine, self._store(ctx), stack, record, ctx.partition)
        record["DriftInformation"] = {"StackResourceDriftStatus": found["StackResourceDriftStatus"],
                                      "LastCheckTimestamp": found["Timestamp"]}  # fmt: skip
        return {"StackResourceDrift": found}

    # -- change sets ---------------------------------------------------------------------------------

    async def create_change_set(self, ctx: RequestContext, params: Params) -> Params:
        return await changesets.create(self, ctx, params)

    def describe_change_set(self, ctx: RequestContext, params: Params) -> Params:
        return changesets.describe(self, ctx, params)

    def execute_change_set(self, ctx: RequestContext, params: Params) -> Params:
        return changesets.execute(self, ctx, params)

    def delete_change_set(self, ctx: RequestContext, params: Params) -> Params:
        return changesets.delete(self, ctx, params)

    def list_change_sets(self, ctx: RequestContext, params: Params) -> Params:
        return changesets.list_for_stack(self, ctx, params)

    # -- types ---------------------------------------------------------------------------------------

    def describe_type(self, ctx: RequestContext, params: Params) -> Params:
        name = params.get("TypeName")
        if not name and params.get("Arn"):
            name = params["Arn"].rsplit("/", 1)[-1].replace("-", "::")
        found = schemas.schema(name or "")
        if found is None or self.engine.handler(name or "") is None:
            raise ServiceError("TypeNotFoundException", f"The type '{name}' cannot be found.", 404)
        return {
            "Arn": f"arn:{ctx.partition}:cloudformation:{ctx.region}::type/resource/{name.replace('::', '-')}",
            "Type": "RESOURCE", "TypeName": name, "DefaultVersionId": "00000001", "IsDefaultVersion": True,
            "Description": found.get("description", ""), "Schema": json.dumps(_schema_document(name, found)),
            "ProvisioningType": "FULLY_MUTABLE", "DeprecatedStatus": "LIVE", "Visibility": "PUBLIC",
            "SourceUrl": "", "TimeCreated": 0.0, "LastUpdated": 0.0, "IsActivated": True,
        }  # fmt: skip

    def list_types(self, ctx: RequestContext, params: Params) -> Params:
        summaries = [
            {"Type": "RESOURCE", "TypeName": name, "DefaultVersionId": "00000001",
             "TypeArn": f"arn:{ctx.partition}:cloudformation:{ctx.region}::type/resource/{name.replace('::', '-')}",
             "Description": (schemas.schema(name) or {}).get("description", "")}
            for name in self.engine.supported()
        ]  # fmt: skip
        page, extra = _page(summaries, params)
        return {"TypeSummaries": page, **extra}



def _parameter_declarations(template: Params) -> list[Params]:
    found = []
    for key, d in (template.get("Parameters") or {}).items():
        entry: Params = {"ParameterKey": key, "ParameterType": str(d.get("Type", "String")),
                         "NoEcho": str(d.get("NoEcho", "false")).lower() == "true"}  # fmt: skip
        if "Default" in d:
            entry["DefaultValue"] = str(d["Default"])
        if "Description" in d:
            entry["Description"] = d["Description"]
        constraints = d.get("AllowedValues")
        entry["ParameterConstraints"] = {"AllowedValues": [str(v) for v in constraints]} if constraints else {}
        found.append(entry)
    return found


def _capabilities(template: Params, declared: list[str]) -> list[str]:
    needed = []
    for resource in (template.get("Resources") or {}).values():
        kind = resource.get("Type", "") if isinstance(resource, dict) else ""
        if kind in NAMED_IAM and (resource.get("Properties") or {}).get(NAMED_IAM[kind]):
            needed = ["CAPABILITY_NAMED_IAM"]
        elif kind.startswith("AWS::IAM::") and not needed:
            needed = ["CAPABILITY_IAM"]
    if declared:
        needed.append("CAPABILITY_AUTO_EXPAND")
    return needed


def _schema_document(name: str, found: Params) -> Params:
    def pointers(names: list[str]) -> list[str]:
        return ["/properties/" + n.replace(".", "/") for n in names]

    return {
        "typeName": name, "description": found.get("description", ""),
        "properties": {p: {} for p in found.get("properties", ())},
        "required": found.get("required", []), "readOnlyProperties": pointers(found.get("readOnly", [])),
        "createOnlyProperties": pointers(found.get("createOnly", [])),
        "writeOnlyProperties": pointers(found.get("writeOnly", [])),
        "primaryIdentifier": pointers(found.get("primaryIdentifier", [])), "additionalProperties": False,
    }  # fmt: skip


def _stack_set_operation(fn: Any) -> Any:
    if inspect.iscoroutinefunction(fn):
        async def operation(self: Provider, ctx: RequestContext, params: Params) -> Params:
            return await fn(self, ctx, params)
    else:
        def operation(self: Provider, ctx: RequestContext, params: Params) -> Params:  # type: ignore[misc]
            return fn(self, ctx, params)

    operation.__name__ = fn.__name__
    operation.__doc__ = fn.__doc__
    return operation


# Stack sets (instances deployed as stacks in their accounts and regions): stacksets.py.
for _name, _fn in stacksets.HANDLERS.items():
    setattr(Provider, _name, _stack_set_operation(_fn))
