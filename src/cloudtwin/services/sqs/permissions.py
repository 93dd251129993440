"""AddPermission / RemovePermission: statements of the queue's Policy attribute."""

from __future__ import annotations

import json
import re
from typing import Any

from cloudtwin.services.sqs.errors import invalid_parameter, invalid_value, missing_parameter

_ACTIONS = frozenset({
    "*", "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
    "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues", "PurgeQueue",
    "ListQueueTags",
})
#: AddPermission grants to accounts only: an ARN, ``*`` or anything but 12 digits is refused.
_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")


def add(policy_text: str | None, queue_arn: str, label: str, accounts: list[str], actions: list[str]) -> str:
    if not accounts:
        raise missing_parameter("AWSAccountIds")
    if not actions:
        raise missing_parameter("Actions")
    for account in accounts:
        if not _ACCOUNT_ID.match(account):
            raise invalid_parameter(
                f"Value [{account}] for parameter PrincipalId is invalid. Reason: Unable to verify."
            )
    for action in actions:
        if action not in _ACTIONS:
            raise invalid_value("Actions", action, f"Only the queue owner is allowed to invoke this action.")
    policy = json.loads(policy_text) if policy_text else {
        "Version": "2008-10-17",
        "Id": f"{queue_arn}/SQSDefaultPolicy",
        "Statement": [],
    }
    statements = policy.setdefault("Statement", [])
    if any(s.get("Sid") == label for s in statements):
        raise invalid_value("Label", label, "Already exists.")
    principals = [f"arn:aws:iam::{a}:root" for a in accounts]
    sqs_actions = [f"SQS:{a}" for a in actions]
    statements.append({
        "Sid": label,
        "Effect": "Allow",
        "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
        "Action": sqs_actions[0] if len(sqs_actions) == 1 else sqs_actions,
        "Resource": queue_arn,
    })
    return json.dumps(policy, separators=(",", ":"))


def remove(policy_text: str | None, label: str) -> str:
    policy: dict[str, Any] = json.loads(policy_text) if policy_text else {"Statement": []}
    statements = policy.get("Statement", [])
    kept = [s for s in statements if s.get("Sid") != label]
    if len(kept) == len(statements):
        raise invalid_value("Label", label, "can't find label.")
    if not kept:
        return ""
    policy["Statement"] = kept
    return json.dumps(policy, separators=(",", ":"))
