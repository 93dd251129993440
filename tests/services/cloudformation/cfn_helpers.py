"""Small helpers of the CloudFormation tests (imported by name, as lambda_helpers is)."""

from __future__ import annotations


def outputs(stack: dict) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def statuses(cfn, name: str) -> list[tuple[str, str]]:
    """(logical id, status) of the stack's events, oldest first."""
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    return [(e["LogicalResourceId"], e["ResourceStatus"]) for e in reversed(events)]
