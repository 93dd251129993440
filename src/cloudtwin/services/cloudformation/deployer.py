"""The deployment engine: CloudFormation's status machine for one stack operation.

A create or update walks the resources in dependency order, independent ones concurrently,
through the handlers the services own (:mod:`cloudtwin.deployment`). A changed create-only
property (from the published resource schemas) or a handler's ``UpdateNeedsReplacement``
creates a replacement; the old resource is deleted in the clean-up phase, as AWS does. A
failure rolls the stack back (undoing what the operation did, newest first) unless rollback
is disabled. Deletion walks the resources in reverse order and honours ``DeletionPolicy``.

Each operation runs as a task on the server's event loop; the API call that started it has
already answered ``*_IN_PROGRESS``. Nothing here sleeps: a resource waits only for its
handler (or an external signal, e.g. a wait condition).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import uuid
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from cloudtwin.deployment import schemas
from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudformation import dynamic_refs, exports, stack_policy
from cloudtwin.services.cloudformation.errors import DeployError
from cloudtwin.services.cloudformation.plan import Plan
from cloudtwin.services.cloudformation.stacks import add_event, stack_event

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.cloudformation.engine import Engine
    from cloudtwin.services.cloudformation.models import CloudFormationStore

log = logging.getLogger("cloudtwin.cloudformation")

CUSTOM = "AWS::CloudFormation::CustomResource"


def handler_reason(error: BaseException) -> str:
    """The ``ResourceStatusReason`` of a failed handler, worded as CloudFormation's resource
    providers word it."""
    if isinstance(error, DeployError):
        return str(error)
    if isinstance(error, ServiceError):
        code = error.code
        if "NotFound" in code or "NoSuch" in code or "DoesNotExist" in code:
            kind = "NotFound"
        elif "AlreadyExist" in code or code.endswith("Exists"):
            kind = "AlreadyExists"
        elif (error.status_code or 400) >= 500:
            kind = "GeneralServiceException"
        else:
            kind = "InvalidRequest"
        message = error.message or code
        return (
            f'Resource handler returned message: "{message} (Service: {error.code})" '
            f"(RequestToken: {uuid.uuid4()}, HandlerErrorCode: {kind})"
        )
    return f"Internal Failure: {error}"


class Deployment:
    """One operation (create, update, delete) on one stack."""

    def __init__(self, engine: "Engine", store: "CloudFormationStore", stack: dict[str, Any], partition: str) -> None:
        self.engine = engine
        self.store = store
        self.stack = stack
        self.account_id = store.account_id
        self.region = store.region
        self.partition = partition
        #: what this operation did, for a rollback: (action, logical id, record before, record after)
        self.journal: list[tuple[str, str, dict[str, Any] | None, dict[str, Any]]] = []
        #: old records a replacement leaves for the clean-up phase
        self.replaced: list[dict[str, Any]] = []
        self.failed: list[str] = []
        #: the stack policy an update obeys (None: every update allowed)
        self.policy: dict[str, Any] | None = None

    # -- bookkeeping ----------------------------------------------------------------------------

    def now(self) -> float:
        return self.engine.env.clock.now()

    def save(self) -> None:
        self.store.stacks[self.stack["StackId"]] = self.stack

    def status(self, status: str, reason: str | None = None) -> None:
        stack_event(self.stack, self.now(), status, reason)
        if status.startswith(("UPDATE", "ROLLBACK")) or status.startswith("UPDATE_ROLLBACK"):
            self.stack["LastUpdatedTime"] = self.now()
        self.save()

    def event(self, record: dict[str, Any], status: str, reason: str | None = None, properties: Any = None) -> None:
        record["ResourceStatus"] = status
        record["ResourceStatusReason"] = reason
        record["Timestamp"] = self.now()
        add_event(
            self.stack, self.now(), record["LogicalResourceId"], record["ResourceType"], status,
            physical_id=record.get("PhysicalResourceId") or "", reason=reason, properties=properties,
        )  # fmt: skip
        self.save()

    def import_value(self, name: str) -> Any:
        return exports.value(self.store, name)

    def request(self, record: dict[str, Any], properties: dict[str, Any], previous: dict[str, Any] | None = None) -> ResourceRequest:
        return ResourceRequest(
            logical_id=record["LogicalResourceId"],
            resource_type=record["ResourceType"],
            properties=properties,
            stack_name=self.stack["StackName"],
            stack_id=self.stack["StackId"],
            account_id=self.account_id,
            region=self.region,
            internal=self.engine.env.internal,
            clock=self.engine.env.clock,
            physical_id=record.get("PhysicalResourceId"),
            previous_properties=previous,
            attributes=dict(record.get("Attributes") or {}),
            stack_tags=self.stack_tags(),
            deployment=self,
            headers={"host": self.stack["host"]} if self.stack.get("host") else None,
            caller=self.engine.callers.get(self.stack["StackId"]),
        )

    def stack_tags(self) -> list[dict[str, str]]:
        return [
            {"Key": "aws:cloudformation:stack-name", "Value": self.stack["StackName"]},
            {"Key": "aws:cloudformation:stack-id", "Value": self.stack["StackId"]},
        ]

    async def _invoke(self, record: dict[str, Any], action: str, request: ResourceRequest) -> Any:
        handler_class = self.engine.handler(record["ResourceType"])
        if handler_class is None:
            raise DeployError(
                f"Resource type {record['ResourceType']} is not supported by cloudtwin "
                f"(no resource handler implements {action} for it)"
            )
        handler: ResourceHandler = handler_class()
        result = getattr(handler, action)(request)
        if inspect.isawaitable(result):
            result = await result
        return result

    # -- walking the graph -----------------------------------------------------------------------

    @staticmethod
    async def walk(names: list[str], deps: dict[str, set[str]], step: Callable[[str], Awaitable[bool]]) -> list[str]:
        """Run ``step`` for every name once its dependencies (among ``names``) succeeded,
        independent ones concurrently; after a failure start nothing new. The failed names."""
        wanted = set(names)
        pending = list(names)
        done: set[str] = set()
        running: dict[asyncio.Future, str] = {}
        failed: list[str] = []
        while pending or running:
            if not failed:
                for name in [n for n in pending if (deps.get(n, set()) & wanted) <= done]:
                    pending.remove(name)
                    running[asyncio.ensure_future(step(name))] = name
            if not running:
                break
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                name = running.pop(task)
                if task.result():
                    done.add(name)
                else:
                    failed.append(name)
        return failed

    # -- create and update -------------------------------------------------------------------------

    async def apply(self, plan: Plan, updating: bool) -> bool:
        """Bring the stack's resources to the plan's; True when every resource succeeded."""
        records = self.stack["resources"]
        scope = plan.scope(records, self.import_value)
        definitions = plan.resources

        async def step(logical_id: str) -> bool:
            definition = definitions[logical_id]
            current = records.get(logical_id)
            try:
                properties = scope.resolve(definition.get("Properties") or {})
                properties = await dynamic_refs.resolve(properties, self)
            except (DeployError, ServiceError) as error:
                record = current or self._new_record(logical_id, definition, plan)
                records[logical_id] = record
                status = "UPDATE_FAILED" if current else "CREATE_FAILED"
                self.event(record, status, getattr(error, "message", None) or str(error))
                return False
            try:
                if current is None or current.get("ResourceStatus") in ("DELETE_COMPLETE",) or not current.get("PhysicalResourceId"):
                    await self._create(logical_id, definition, plan, properties)
                elif current["ResourceType"] != definition["Type"]:
                    raise DeployError(
                        f"Update of resource type is not permitted. The new template modifies resource type of "
                        f"resource [{logical_id}]."
                    )
                elif properties != current.get("properties") or definition.get("Metadata") != current.get("Metadata"):
                    await self._update(logical_id, definition, plan, properties, current)
                else:
                    current["deps"] = sorted(plan.graph.get(logical_id, ()))
                return True
            except Exception as error:  # noqa: BLE001 - every failure is the resource's status
                if not isinstance(error, (DeployError, ServiceError)):
                    log.exception("resource %s failed", logical_id)
                record = records[logical_id]
                status = "UPDATE_FAILED" if record["ResourceStatus"].startswith("UPDATE") else "CREATE_FAILED"
                self.event(record, status, handler_reason(error))
                return False

        self.failed = await self.walk(plan.order, plan.graph, step)
        return not self.failed

    def _new_record(self, logical_id: str, definition: dict[str, Any], plan: Plan) -> dict[str, Any]:
        return {
            "LogicalResourceId": logical_id,
            "ResourceType": definition["Type"],
            "PhysicalResourceId": None,
            "ResourceStatus": "CREATE_IN_PROGRESS",
            "Timestamp": self.now(),
            "properties": {},
            "Attributes": {},
            "Metadata": definition.get("Metadata"),
            "DeletionPolicy": _policy(plan, definition, "DeletionPolicy"),
            "UpdateReplacePolicy": _policy(plan, definition, "UpdateReplacePolicy"),
            "deps": sorted(plan.graph.get(logical_id, ())),
        }

    async def _create(self, logical_id: str, definition: dict[str, Any], plan: Plan, properties: dict[str, Any]) -> None:
        records = self.stack["resources"]
        before = records.get(logical_id)
        record = self._new_record(logical_id, definition, plan)
        records[logical_id] = record
        self.event(record, "CREATE_IN_PROGRESS", properties=properties)
        outcome: Outcome = await self._invoke(record, "create", self.request(record, properties))
        self._take(record, outcome, properties)
        self.journal.append(("create", logical_id, before, record))
        self.event(record, "CREATE_IN_PROGRESS", "Resource creation Initiated", properties=properties)
        self.event(record, "CREATE_COMPLETE", properties=properties)

    def _take(self, record: dict[str, Any], outcome: Outcome, properties: dict[str, Any]) -> None:
        record["PhysicalResourceId"] = outcome.physical_id
        attributes = dict(outcome.attributes or {})
        ref = attributes.pop("Ref", None) if "Ref" in attributes else None
        if ref is not None:
            record["Ref"] = ref
        else:
            record.pop("Ref", None)
        record["Attributes"] = attributes
        record["properties"] = properties

    async def _update(
        self, logical_id: str, definition: dict[str, Any], plan: Plan, properties: dict[str, Any], current: dict[str, Any]
    ) -> None:
        records = self.stack["resources"]
        before = dict(current)
        record = dict(current)
        record.update(
            Metadata=definition.get("Metadata"), DeletionPolicy=_policy(plan, definition, "DeletionPolicy"),
            UpdateReplacePolicy=_policy(plan, definition, "UpdateReplacePolicy"), deps=sorted(plan.graph.get(logical_id, ())),
        )  # fmt: skip
        records[logical_id] = record
        previous = current.get("properties") or {}
        create_only = schemas.create_only(record["ResourceType"])
        replace = any(previous.get(name) != properties.get(name) for name in create_only)
        self.event(record, "UPDATE_IN_PROGRESS", properties=properties)
        if not replace:
            if (reason := self._refused(record, "Update:Modify")) is not None:
                raise DeployError(reason)
            try:
                outcome = await self._invoke(record, "update", self.request(record, properties, previous))
            except UpdateNeedsReplacement:
                replace = True
            else:
                if outcome is None:
                    outcome = Outcome(record["PhysicalResourceId"], record.get("Attributes") or {})
                self._take(record, outcome, properties)
                self.journal.append(("update", logical_id, before, record))
                self.event(record, "UPDATE_COMPLETE", properties=properties)
                return
        if (reason := self._refused(record, "Update:Replace")) is not None:
            raise DeployError(reason)
        self.event(
            record, "UPDATE_IN_PROGRESS",
            "Requested update requires the creation of a new physical resource; hence creating one.",
            properties=properties,
        )  # fmt: skip
        fresh = dict(record, PhysicalResourceId=None, Attributes={})
        outcome = await self._invoke(fresh, "create", self.request(fresh, properties))
        self._take(record, outcome, properties)
        self.journal.append(("replace", logical_id, before, record))
        self.replaced.append(before)
        self.event(record, "UPDATE_IN_PROGRESS", "Resource creation Initiated", properties=properties)
        self.event(record, "UPDATE_COMPLETE", properties=properties)

    # -- stack policy ---------------------------------------------------------------------------------

    def _refused(self, record: dict[str, Any], action: str) -> str | None:
        return stack_policy.refusal(self.policy, record["LogicalResourceId"], record["ResourceType"], action)

    def removals_allowed(self, plan: Plan) -> bool:
        """Before an update starts: the resources it would remove, checked against the policy
        (a refused one fails the update)."""
        if self.policy is None:
            return True
        for logical_id, record in self.stack["resources"].items():
            if logical_id in plan.graph or not record.get("PhysicalResourceId"):
                continue
            reason = self._refused(record, "Update:Delete")
            if reason is not None:
                self.event(record, "UPDATE_FAILED", reason)
                self.failed.append(logical_id)
        return not self.failed

    # -- undoing (rollback) ---------------------------------------------------------------------------

    async def undo(self, *, defer_deletes: bool = False) -> list[dict[str, Any]]:
        """Reverse what this operation did, newest first. With ``defer_deletes`` (an update's
        rollback) resources this operation created are not deleted here but returned, for the
        clean-up phase, as AWS deletes them."""
        records = self.stack["resources"]
        later: list[dict[str, Any]] = []
        for action, logical_id, before, after in reversed(self.journal):
            if action == "create":
                if defer_deletes:
                    later.append(after)
                    if before is None:
                        records.pop(logical_id, None)
                    else:
                        records[logical_id] = before
                else:
                    await self.remove(after)
            elif action == "update":
                record = records[logical_id]
                self.event(record, "UPDATE_IN_PROGRESS")
                try:
                    outcome = await self._invoke(
                        before, "update", self.request(before, before.get("properties") or {}, after.get("properties"))
                    )
                except Exception as error:  # noqa: BLE001
                    self.event(record, "UPDATE_FAILED", handler_reason(error))
                    continue
                restored = dict(before)
                if outcome is not None:
                    self._take(restored, outcome, before.get("properties") or {})
                records[logical_id] = restored
                self.event(restored, "UPDATE_COMPLETE")
            elif action == "replace":
                restored = dict(before)
                records[logical_id] = restored
                self.event(restored, "UPDATE_COMPLETE")
                self.replaced = [r for r in self.replaced if r is not before]
                later.append(after)
        for name in self.failed:
            record = records.get(name)
            if record is None or record.get("PhysicalResourceId"):
                continue
            if defer_deletes:
                records.pop(name, None)
            elif record["ResourceStatus"] == "CREATE_FAILED":
                # a resource that failed before it existed still gets its DELETE_COMPLETE
                self.event(record, "DELETE_COMPLETE")
        return later

    # -- deletion ---------------------------------------------------------------------------------------

    async def remove(self, record: dict[str, Any], *, honour_policy: bool = False, policy_key: str = "DeletionPolicy") -> bool:
        """Delete one resource (DELETE_IN_PROGRESS -> DELETE_COMPLETE, or DELETE_SKIPPED for
        a retained one); False when the handler failed."""
        if honour_policy and record.get(policy_key) in ("Retain", "RetainExceptOnCreate", "Snapshot"):
            if record.get(policy_key) != "Snapshot" or self.engine.handler(record["ResourceType"]) is None:
                self.event(record, "DELETE_SKIPPED")
                return True
        if not record.get("PhysicalResourceId"):
            self.event(record, "DELETE_COMPLETE")
            return True
        self.event(record, "DELETE_IN_PROGRESS")
        try:
            await self._invoke(record, "delete", self.request(record, record.get("properties") or {}))
        except ServiceError as error:
            if not _gone(error):
                self.event(record, "DELETE_FAILED", handler_reason(error))
                return False
        except Exception as error:  # noqa: BLE001
            if not isinstance(error, DeployError):
                log.exception("deleting %s failed", record["LogicalResourceId"])
            self.event(record, "DELETE_FAILED", handler_reason(error))
            return False
        self.event(record, "DELETE_COMPLETE")
        return True

    async def remove_all(self, records: list[dict[str, Any]], *, honour_policy: bool = True, policy_key: str = "DeletionPolicy") -> list[str]:
        """Delete records, each after the resources that depend on it."""
        by_name = {r["LogicalResourceId"]: r for r in records}
        dependents: dict[str, set[str]] = {name: set() for name in by_name}
        for record in records:
            for dep in record.get("deps") or ():
                if dep in dependents:
                    dependents[dep].add(record["LogicalResourceId"])

        async def step(name: str) -> bool:
            return await self.remove(by_name[name], honour_policy=honour_policy, policy_key=policy_key)

        return await self.walk(list(reversed(list(by_name))), dependents, step)


def _policy(plan: Plan, definition: dict[str, Any], key: str) -> Any:
    """``DeletionPolicy``/``UpdateReplacePolicy`` (``Fn::If`` on a condition may choose it)."""
    value = definition.get(key)
    return plan.scope({}).resolve(value) if isinstance(value, dict) else value


def _gone(error: ServiceError) -> bool:
    code = error.code
    return "NotFound" in code or "NoSuch" in code or "NonExistent" in code or code == "QueueDoesNotExist"
