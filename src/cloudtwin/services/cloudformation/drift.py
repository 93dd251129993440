"""Drift detection: a stack's resources as the template made them, compared with what the
services hold now (read through each type's handler, ``ResourceHandler.read``).

A resource whose type cannot be read is ``NOT_CHECKED``; one the service no longer has is
``DELETED``; otherwise every template property the read answers is compared (write-only
properties never are), leaf by leaf, into ``PropertyDifferences`` (``/Path/To/Leaf``,
``NOT_EQUAL``/``ADD``/``REMOVE``) and the resource is ``MODIFIED`` or ``IN_SYNC``. Numbers and
booleans compare by their text, as CloudFormation's comparison does (``30`` equals ``"30"``).
"""

from __future__ import annotations

import inspect
import json
import uuid
from typing import TYPE_CHECKING, Any

from cloudtwin.deployment import schemas
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudformation.deployer import Deployment, _gone

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.cloudformation.engine import Engine
    from cloudtwin.services.cloudformation.models import CloudFormationStore

Params = dict[str, Any]
DRIFTED = ("MODIFIED", "DELETED")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _compare(expected: Any, actual: Any, path: str, out: list[Params]) -> Any:
    """Record the differences below ``path``; the actual value as shown (an equal scalar in
    the template's own form)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        shown = {}
        for key in list(expected) + [k for k in actual if k not in expected]:
            where = f"{path}/{key}"
            if key not in actual:
                out.append({"PropertyPath": where, "ExpectedValue": _text(expected[key]), "ActualValue": "null",
                            "DifferenceType": "REMOVE"})  # fmt: skip
            elif key not in expected:
                out.append({"PropertyPath": where, "ExpectedValue": "null", "ActualValue": _text(actual[key]),
                            "DifferenceType": "ADD"})  # fmt: skip
                shown[key] = actual[key]
            else:
                shown[key] = _compare(expected[key], actual[key], where, out)
        return shown
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [_compare(e, a, f"{path}/{i}", out) for i, (e, a) in enumerate(zip(expected, actual))]
    if _text(expected) == _text(actual):
        return expected
    out.append({"PropertyPath": path, "ExpectedValue": _text(expected), "ActualValue": _text(actual),
                "DifferenceType": "NOT_EQUAL"})  # fmt: skip
    return actual


async def resource_drift(engine: "Engine", store: "CloudFormationStore", stack: Params, record: Params, partition: str) -> Params:
    """One resource's ``StackResourceDrift``."""
    write_only = {p.split(".")[0] for p in (schemas.schema(record["ResourceType"]) or {}).get("writeOnly", ())}
    expected = {k: v for k, v in (record.get("properties") or {}).items() if k not in write_only}
    drift: Params = {
        "StackId": stack["StackId"], "LogicalResourceId": record["LogicalResourceId"],
        "PhysicalResourceId": record.get("PhysicalResourceId"), "ResourceType": record["ResourceType"],
        "ExpectedProperties": json.dumps(expected), "Timestamp": engine.env.clock.now(),
    }  # fmt: skip
    handler_class = engine.handler(record["ResourceType"])
    if handler_class is None or not handler_class.readable:
        drift["StackResourceDriftStatus"] = "NOT_CHECKED"
        return drift
    deployment = Deployment(engine, store, stack, partition)
    try:
        live = handler_class().read(deployment.request(record, record.get("properties") or {}))
        if inspect.isawaitable(live):
            live = await live
    except ServiceError as error:
        if not _gone(error):
            raise
        drift.update(StackResourceDriftStatus="DELETED", PropertyDifferences=[])
        return drift
    differences: list[Params] = []
    actual = {}
    for key, value in expected.items():
        if key in live:
            actual[key] = _compare(value, live[key], f"/{key}", differences)
        else:  # not something the read answers: as the template has it
            actual[key] = value
    drift.update(
        ActualProperties=json.dumps(actual), PropertyDifferences=differences,
        StackResourceDriftStatus="MODIFIED" if differences else "IN_SYNC",
    )  # fmt: skip
    return drift


async def detect(engine: "Engine", store: "CloudFormationStore", stack: Params, partition: str) -> str:
    """Check every resource of the stack; the detection's id (its results are kept on the stack)."""
    now = engine.env.clock.now()
    results = []
    for record in stack["resources"].values():
        if not record.get("PhysicalResourceId") or record.get("ResourceStatus") == "DELETE_COMPLETE":
            continue
        found = await resource_drift(engine, store, stack, record, partition)
        record["DriftInformation"] = {"StackResourceDriftStatus": found["StackResourceDriftStatus"], "LastCheckTimestamp": now}
        results.append(found)
    drifted = sum(1 for r in results if r["StackResourceDriftStatus"] in DRIFTED)
    status = "DRIFTED" if drifted else "IN_SYNC"
    detection = str(uuid.uuid4())
    stack["drift"] = {"id": detection, "time": now, "status": status, "count": drifted, "results": results}
    stack["DriftInformation"] = {"StackDriftStatus": status, "LastCheckTimestamp": now}
    store.stacks[stack["StackId"]] = stack
    return detection
