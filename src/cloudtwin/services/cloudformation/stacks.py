"""A stack's record: its events, its resources' records, and the shapes DescribeStacks,
DescribeStackResource(s) and DescribeStackEvents answer."""

from __future__ import annotations

import json
import uuid
from typing import Any

STACK_MEMBERS = (
    "StackId", "StackName", "ChangeSetId", "Description", "Parameters", "CreationTime", "DeletionTime",
    "LastUpdatedTime", "RollbackConfiguration", "StackStatus", "StackStatusReason", "DisableRollback",
    "NotificationARNs", "TimeoutInMinutes", "Capabilities", "Outputs", "RoleARN", "Tags",
    "EnableTerminationProtection", "ParentId", "RootId", "DriftInformation",
)  # fmt: skip
IN_PROGRESS_SUFFIX = "_IN_PROGRESS"


def new_stack(account_id: str, region: str, partition: str, name: str, now: float, params: dict[str, Any]) -> dict[str, Any]:
    stack_id = f"arn:{partition}:cloudformation:{region}:{account_id}:stack/{name}/{uuid.uuid4()}"
    return {
        "StackId": stack_id,
        "StackName": name,
        "CreationTime": now,
        "StackStatus": "CREATE_IN_PROGRESS",
        "DisableRollback": bool(params.get("DisableRollback")) or params.get("OnFailure") in ("DO_NOTHING",),
        "NotificationARNs": params.get("NotificationARNs") or [],
        "Capabilities": params.get("Capabilities") or [],
        "Tags": params.get("Tags") or [],
        "RoleARN": params.get("RoleARN"),
        "TimeoutInMinutes": params.get("TimeoutInMinutes"),
        "EnableTerminationProtection": bool(params.get("EnableTerminationProtection")),
        "RollbackConfiguration": params.get("RollbackConfiguration") or {},
        "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
        "Parameters": [],
        "Outputs": [],
        "resources": {},
        "events": [],
        "values": {},
        "on_failure": params.get("OnFailure") or ("DO_NOTHING" if params.get("DisableRollback") else "ROLLBACK"),
    }


def describe(stack: dict[str, Any]) -> dict[str, Any]:
    out = {k: stack[k] for k in STACK_MEMBERS if stack.get(k) not in (None, "")}
    for key in ("Parameters", "Outputs", "Capabilities"):
        if not out.get(key):
            out.pop(key, None)
    out["Tags"] = stack.get("Tags") or []
    out["NotificationARNs"] = stack.get("NotificationARNs") or []
    if key := stack.get("RollbackConfiguration"):
        out["RollbackConfiguration"] = key
    else:
        out["RollbackConfiguration"] = {}
    out["DisableRollback"] = bool(stack.get("DisableRollback"))
    if stack.get("StackStatus") == "DELETE_COMPLETE":
        out.pop("ChangeSetId", None)  # a deleted stack answers neither (AWS's recorded answers)
        out.pop("EnableTerminationProtection", None)
    else:
        out["EnableTerminationProtection"] = bool(stack.get("EnableTerminationProtection"))
    return out


def summary(stack: dict[str, Any]) -> dict[str, Any]:
    keys = ("StackId", "StackName", "CreationTime", "LastUpdatedTime", "DeletionTime", "StackStatus",
            "StackStatusReason", "ParentId", "RootId", "DriftInformation")
    out = {k: stack[k] for k in keys if stack.get(k) not in (None, "")}
    if stack.get("Description"):
        out["TemplateDescription"] = stack["Description"]
    return out


def add_event(
    stack: dict[str, Any],
    now: float,
    logical_id: str,
    resource_type: str,
    status: str,
    *,
    physical_id: str | None = None,
    reason: str | None = None,
    properties: Any = None,
    token: str | None = None,
) -> None:
    # Events of one stack are strictly ordered in time (AWS's are; clients sort by Timestamp),
    # one millisecond apart at least.
    last = stack["events"][-1]["Timestamp"] if stack["events"] else None
    if last is not None and now < last + 0.001:
        now = round(last + 0.001, 3)
    event: dict[str, Any] = {
        "StackId": stack["StackId"],
        "EventId": f"{logical_id}-{status}-{uuid.uuid4()}" if resource_type != "AWS::CloudFormation::Stack"
        or logical_id != stack["StackName"] else str(uuid.uuid4()),
        "StackName": stack["StackName"],
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": physical_id if physical_id is not None else "",
        "ResourceType": resource_type,
        "Timestamp": now,
        "ResourceStatus": status,
    }
    if reason:
        event["ResourceStatusReason"] = reason
    if properties is not None:
        event["ResourceProperties"] = json.dumps(properties)
    if token or stack.get("token"):
        event["ClientRequestToken"] = token or stack.get("token")
    stack["events"].append(event)


def stack_event(stack: dict[str, Any], now: float, status: str, reason: str | None = None) -> None:
    stack["StackStatus"] = status
    stack["StackStatusReason"] = reason
    add_event(
        stack, now, stack["StackName"], "AWS::CloudFormation::Stack", status,
        physical_id=stack["StackId"], reason=reason,
    )  # fmt: skip


def resource_detail(stack: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    out = {
        "StackName": stack["StackName"],
        "StackId": stack["StackId"],
        "LogicalResourceId": record["LogicalResourceId"],
        "ResourceType": record["ResourceType"],
        "LastUpdatedTimestamp": record["Timestamp"],
        "ResourceStatus": record["ResourceStatus"],
        "DriftInformation": record.get("DriftInformation") or {"StackResourceDriftStatus": "NOT_CHECKED"},
    }
    if record.get("PhysicalResourceId"):
        out["PhysicalResourceId"] = record["PhysicalResourceId"]
    if record.get("ResourceStatusReason"):
        out["ResourceStatusReason"] = record["ResourceStatusReason"]
    out["Metadata"] = json.dumps(record.get("Metadata") or {})  # "{}" for none, as AWS answers
    return out


def resource_row(stack: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """DescribeStackResources' ``StackResource`` (``Timestamp`` rather than ``LastUpdatedTimestamp``)."""
    out = resource_detail(stack, record)
    out["Timestamp"] = out.pop("LastUpdatedTimestamp")
    out.pop("Metadata", None)
    return out


def resource_summary(record: dict[str, Any]) -> dict[str, Any]:
    out = {
        "LogicalResourceId": record["LogicalResourceId"],
        "ResourceType": record["ResourceType"],
        "LastUpdatedTimestamp": record["Timestamp"],
        "ResourceStatus": record["ResourceStatus"],
        "DriftInformation": record.get("DriftInformation") or {"StackResourceDriftStatus": "NOT_CHECKED"},
    }
    if record.get("PhysicalResourceId"):
        out["PhysicalResourceId"] = record["PhysicalResourceId"]
    if record.get("ResourceStatusReason"):
        out["ResourceStatusReason"] = record["ResourceStatusReason"]
    return out
