"""The stack operations (create, update, delete) as AWS's status machine runs them, on top of
the per-resource work in :mod:`deployer`, and the tasks they run as."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Coroutine

from cloudtwin.deployment.discovery import handlers as discover
from cloudtwin.deployment.handler import ResourceHandler
from cloudtwin.services.cloudformation import exports
from cloudtwin.services.cloudformation.deployer import CUSTOM, Deployment
from cloudtwin.services.cloudformation.errors import DeployError
from cloudtwin.services.cloudformation.intrinsics import NO_VALUE, _text
from cloudtwin.services.cloudformation.signals import Signals

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.cloudformation.models import CloudFormationStore
    from cloudtwin.services.cloudformation.plan import Plan
    from cloudtwin.services.registry import ServiceEnvironment

log = logging.getLogger("cloudtwin.cloudformation")

#: How long (real seconds) DescribeStacks lets a running operation finish before it answers,
#: so that waiters see the end state on their first poll. Operations waiting for a signal
#: from outside (wait conditions, custom resources answered later) are not waited for.
SETTLE_SECONDS = 20.0


class Engine:
    def __init__(self, env: "ServiceEnvironment") -> None:
        self.env = env
        self._handlers: dict[str, type[ResourceHandler]] | None = None
        self.tasks: dict[str, asyncio.Task] = {}
        #: stack ids whose operation waits for a signal from outside
        self.waiting: set[str] = set()
        self.signals = Signals(env)
        #: stack id -> the identity that started its last operation (resources are made as it)
        self.callers: dict[str, Any] = {}

    # -- handlers -------------------------------------------------------------------------------------

    def handlers(self) -> dict[str, type[ResourceHandler]]:
        if self._handlers is None:
            self._handlers = discover()
        return self._handlers

    def handler(self, type_name: str) -> type[ResourceHandler] | None:
        found = self.handlers().get(type_name)
        if found is None and type_name.startswith("Custom::"):
            found = self.handlers().get(CUSTOM)
        return found

    def supported(self) -> list[str]:
        return sorted(self.handlers())

    # -- tasks ----------------------------------------------------------------------------------------

    def start(self, stack_id: str, operation: Coroutine[Any, Any, None], caller: Any = None) -> None:
        """Run an operation in the background (on the server's loop), or to its end when
        there is no loop (a script calling the provider directly); ``caller`` is the identity
        the services see."""
        if caller is not None:
            self.callers[stack_id] = caller
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(operation)
            return
        task = loop.create_task(operation)
        self.tasks[stack_id] = task
        task.add_done_callback(lambda t, sid=stack_id: self._finished(sid, t))

    def _finished(self, stack_id: str, task: asyncio.Task) -> None:
        if self.tasks.get(stack_id) is task:
            del self.tasks[stack_id]
        if not task.cancelled() and task.exception() is not None:
            log.error("stack operation failed", exc_info=task.exception())

    async def finish(self, stack_id: str) -> None:
        """Wait (without bound) for a stack's running operation (a nested stack's parent)."""
        task = self.tasks.get(stack_id)
        if task is not None:
            await asyncio.wait([task])

    async def settle(self, stack_ids: list[str] | None = None) -> None:
        """Let running operations finish (bounded), unless they wait for an outside signal
        (checked as they go: an operation may start waiting after this call began)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_SECONDS
        while True:
            running = [
                t for sid, t in list(self.tasks.items())
                if (stack_ids is None or sid in stack_ids) and sid not in self.waiting
            ]  # fmt: skip
            left = deadline - loop.time()
            if not running or left <= 0:
                return
            await asyncio.wait(running, timeout=min(left, 0.05))

    # -- outputs --------------------------------------------------------------------------------------

    @staticmethod
    def outputs(plan: "Plan", deployment: Deployment) -> list[dict[str, Any]]:
        scope = plan.scope(deployment.stack["resources"], deployment.import_value)
        found = []
        for key, output in (plan.template.get("Outputs") or {}).items():
            condition = output.get("Condition")
            if condition is not None and not plan.conditions.get(condition):
                continue
            value = scope.resolve(output.get("Value"))
            if value is NO_VALUE:
                continue
            entry: dict[str, Any] = {
                "OutputKey": key,
                "OutputValue": ",".join(_text(v) for v in value) if isinstance(value, list) else _text(value),
            }
            if output.get("Description") is not None:
                entry["Description"] = _text(scope.resolve(output["Description"]))
            export = output.get("Export")
            if isinstance(export, dict) and "Name" in export:
                entry["ExportName"] = _text(scope.resolve(export["Name"]))
            found.append(entry)
        return found

    def _finish_outputs(self, store: "CloudFormationStore", plan: "Plan", d: Deployment, updating: bool) -> None:
        outputs = self.outputs(plan, d)
        exports.check_new(store, d.stack, outputs)
        if updating:
            exports.check_removed(store, d.stack, outputs)
        d.stack["Outputs"] = outputs
        d.stack["imports"] = sorted(set(exports.imported_names(_resolved_imports(plan, d))))

    # -- create ---------------------------------------------------------------------------------------

    async def create(self, store: "CloudFormationStore", stack: dict[str, Any], plan: "Plan", partition: str) -> None:
        d = Deployment(self, store, stack, partition)
        ok = await d.apply(plan, updating=False)
        reason = None
        if ok:
            try:
                self._finish_outputs(store, plan, d, updating=False)
            except DeployError as error:
                ok, reason = False, str(error)
        if ok:
            d.status("CREATE_COMPLETE")
            return
        reason = reason or f"The following resource(s) failed to create: [{', '.join(sorted(d.failed))}]. "
        if stack.get("on_failure") == "DO_NOTHING":
            d.status("CREATE_FAILED", reason)
            return
        d.status("ROLLBACK_IN_PROGRESS", reason + ("Rollback requested by user." if d.failed else ""))
        await d.undo()
        stack["Outputs"] = []
        stack.pop("ChangeSetId", None)
        stack["DeletionTime"] = d.now()
        d.status("ROLLBACK_COMPLETE")
        if stack.get("on_failure") == "DELETE":
            d.status("DELETE_IN_PROGRESS")
            stack["DeletionTime"] = d.now()
            d.status("DELETE_COMPLETE")

    # -- update ---------------------------------------------------------------------------------------

    async def update(
        self, store: "CloudFormationStore", stack: dict[str, Any], plan: "Plan", partition: str, previous: dict[str, Any],
        policy: dict[str, Any] | None = None,
    ) -> None:
        d = Deployment(self, store, stack, partition)
        d.policy = policy if policy and policy.get("Statement") else None
        ok = d.removals_allowed(plan) and await d.apply(plan, updating=True)
        reason = None
        if ok:
            try:
                self._finish_outputs(store, plan, d, updating=True)
            except DeployError as error:
                ok, reason = False, str(error)
        if ok:
            removed = [r for name, r in stack["resources"].items() if name not in plan.graph]
            d.status("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
            for old in d.replaced:
                await d.remove(old, honour_policy=True, policy_key="UpdateReplacePolicy")
            await d.remove_all(removed)
            for record in removed:
                stack["resources"].pop(record["LogicalResourceId"], None)
            d.status("UPDATE_COMPLETE")
            return
        reason = reason or f"The following resource(s) failed to update: [{', '.join(sorted(d.failed))}]. "
        if stack.get("DisableRollback"):
            d.status("UPDATE_FAILED", reason)
            return
        d.status("UPDATE_ROLLBACK_IN_PROGRESS", reason)
        later = await d.undo(defer_deletes=True)
        stack.update(previous)
        d.status("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        for record in later:
            await d.remove(record)
        d.status("UPDATE_ROLLBACK_COMPLETE")

    # -- delete ---------------------------------------------------------------------------------------

    async def delete(self, store: "CloudFormationStore", stack: dict[str, Any], partition: str, retain: list[str] | None = None) -> None:
        d = Deployment(self, store, stack, partition)
        try:
            exports.check_removed(store, stack, None)
        except DeployError as error:
            d.status("DELETE_FAILED", str(error))
            return
        records = [r for r in stack["resources"].values() if r["ResourceStatus"] != "DELETE_COMPLETE"]
        for record in records:
            if record["LogicalResourceId"] in (retain or ()):
                record["DeletionPolicy"] = "Retain"
        failed = await d.remove_all(records)
        if failed:
            d.status("DELETE_FAILED", f"The following resource(s) failed to delete: [{', '.join(sorted(failed))}]. ")
            return
        stack["DeletionTime"] = d.now()
        d.status("DELETE_COMPLETE")


def _resolved_imports(plan: "Plan", d: Deployment) -> Any:
    """The template's ``Fn::ImportValue`` calls with their names resolved."""
    scope = plan.scope(d.stack["resources"], d.import_value)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if len(node) == 1 and "Fn::ImportValue" in node:
                try:
                    return {"Fn::ImportValue": scope.resolve(node["Fn::ImportValue"])}
                except Exception:  # noqa: BLE001 - a name that does not resolve imports nothing
                    return None
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk({"Resources": plan.resources, "Outputs": plan.template.get("Outputs")})
