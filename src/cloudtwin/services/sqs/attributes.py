"""Queue attributes: defaults, AWS's validation of CreateQueue/SetQueueAttributes input,
and the canonical string forms GetQueueAttributes returns."""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sqs.errors import (
    invalid_attribute_name,
    invalid_attribute_value,
    invalid_value,
)

#: Integer attributes and their inclusive ranges.
INT_RANGES: dict[str, tuple[int, int]] = {
    "DelaySeconds": (0, 900),
    "MaximumMessageSize": (1024, 1_048_576),
    "MessageRetentionPeriod": (60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": (0, 20),
    "VisibilityTimeout": (0, 43_200),
    "KmsDataKeyReusePeriodSeconds": (60, 86_400),
}
BOOLEANS = frozenset({"FifoQueue", "ContentBasedDeduplication", "SqsManagedSseEnabled"})
ENUMS: dict[str, frozenset[str]] = {
    "DeduplicationScope": frozenset({"messageGroup", "queue"}),
    "FifoThroughputLimit": frozenset({"perQueue", "perMessageGroupId"}),
}
FIFO_ONLY = frozenset({"ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"})
#: FIFO-only settings whose refusal on a standard queue names the FifoQueue requirement.
FIFO_SETTINGS = frozenset({"DeduplicationScope", "FifoThroughputLimit"})
SETTABLE = frozenset(
    {*INT_RANGES, *BOOLEANS, *ENUMS, "Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId"}
)
READ_ONLY = frozenset(
    {
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesDelayed",
        "ApproximateNumberOfMessagesNotVisible",
        "CreatedTimestamp",
        "LastModifiedTimestamp",
        "QueueArn",
    }
)

STANDARD_DEFAULTS = {
    "DelaySeconds": "0",
    "MaximumMessageSize": "1048576",
    "MessageRetentionPeriod": "345600",
    "ReceiveMessageWaitTimeSeconds": "0",
    "VisibilityTimeout": "30",
    "SqsManagedSseEnabled": "true",
}
FIFO_DEFAULTS = {
    **STANDARD_DEFAULTS,
    "FifoQueue": "true",
    "ContentBasedDeduplication": "false",
    "DeduplicationScope": "queue",
    "FifoThroughputLimit": "perQueue",
}
_REDRIVE_PERMISSIONS = frozenset({"allowAll", "denyAll", "byQueue"})


def defaults(fifo: bool) -> dict[str, str]:
    return dict(FIFO_DEFAULTS if fifo else STANDARD_DEFAULTS)


def normalize(attributes: dict[str, str], *, fifo: bool, creating: bool) -> dict[str, str]:
    """Validate attribute input and return it in canonical form (same keys).

    RedrivePolicy is checked for shape here; whether its target exists is the caller's.
    """
    out: dict[str, str] = {}
    for name, raw in attributes.items():
        value = "" if raw is None else str(raw)
        if name in READ_ONLY or name not in SETTABLE:
            raise invalid_attribute_name(name)
        if not fifo and name in FIFO_SETTINGS:
            raise ServiceError(
                "InvalidAttributeName", f"You can specify the {name} only when FifoQueue is set to true."
            )
        if not fifo and (name in FIFO_ONLY or name == "FifoQueue"):
            raise invalid_attribute_name(name)
        if name == "FifoQueue" and not creating and value.strip().lower() != "true":
            raise invalid_attribute_value(name, "Modifying queue type is not supported.")
        if name in INT_RANGES:
            low, high = INT_RANGES[name]
            try:
                number = int(value.strip())
            except ValueError:
                raise invalid_attribute_value(name) from None
            if not low <= number <= high:
                raise invalid_attribute_value(name)
            out[name] = str(number)
        elif name in BOOLEANS:
            lowered = value.strip().lower()
            if lowered not in ("true", "false"):
                raise invalid_attribute_value(name)
            out[name] = lowered
        elif name in ENUMS:
            if value not in ENUMS[name]:
                raise invalid_attribute_value(name)
            out[name] = value
        elif name == "Policy":
            out[name] = _policy(value)
        elif name == "RedrivePolicy":
            out[name] = redrive_policy(value)
        elif name == "RedriveAllowPolicy":
            out[name] = redrive_allow_policy(value)
        else:  # KmsMasterKeyId
            out[name] = value
    return out


def _policy(value: str) -> str:
    if value == "":
        return ""
    try:
        document = read_json(value)
    except ValueError:
        raise invalid_attribute_value("Policy") from None
    if not isinstance(document, dict):
        raise invalid_attribute_value("Policy")
    return json.dumps(document, separators=(",", ":"))


def redrive_policy(value: str) -> str:
    """The canonical JSON of a RedrivePolicy ("" clears it)."""
    if value == "":
        return ""
    try:
        document = read_json(value)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise invalid_value("RedrivePolicy", value, "Redrive policy is not a valid JSON map.")
    for key in ("deadLetterTargetArn", "maxReceiveCount"):
        if key not in document:
            raise invalid_value(
                "RedrivePolicy", value, f"Redrive policy does not contain mandatory attribute: {key}."
            )
    unknown = sorted(set(document) - {"deadLetterTargetArn", "maxReceiveCount"})
    if unknown:
        raise invalid_value(
            "RedrivePolicy", value, f"Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount]."
        )
    count = document["maxReceiveCount"]
    try:
        number = int(count)
        if isinstance(count, float) and count != number:
            raise ValueError
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 1000:
        raise invalid_value(
            "RedrivePolicy",
            value,
            f"Invalid value for maxReceiveCount: {count}, valid values are from 1 to 1000 both inclusive.",
        )
    return json.dumps(
        {"deadLetterTargetArn": str(document["deadLetterTargetArn"]), "maxReceiveCount": number},
        separators=(",", ":"),
    )


def redrive_allow_policy(value: str) -> str:
    if value == "":
        return ""
    reason = "Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format."
    try:
        document = read_json(value)
    except ValueError:
        document = None
    if not isinstance(document, dict) or document.get("redrivePermission") not in _REDRIVE_PERMISSIONS:
        raise invalid_value("RedriveAllowPolicy", value, reason)
    permission = document["redrivePermission"]
    sources = document.get("sourceQueueArns")
    if permission == "byQueue":
        if not isinstance(sources, list) or not sources or len(sources) > 10:
            raise invalid_value("RedriveAllowPolicy", value, reason)
    elif sources is not None:
        raise invalid_value("RedriveAllowPolicy", value, reason)
    if set(document) - {"redrivePermission", "sourceQueueArns"}:
        raise invalid_value("RedriveAllowPolicy", value, reason)
    return json.dumps(document, separators=(",", ":"))


def parsed_redrive(attributes: dict[str, str]) -> dict[str, Any] | None:
    text = attributes.get("RedrivePolicy")
    return json.loads(text) if text else None


def allows_source(dlq_attributes: dict[str, str], source_arn: str) -> bool:
    """Whether a dead-letter queue's RedriveAllowPolicy lets ``source_arn`` use it."""
    text = dlq_attributes.get("RedriveAllowPolicy")
    if not text:
        return True
    policy = json.loads(text)
    permission = policy.get("redrivePermission")
    if permission == "denyAll":
        return False
    if permission == "byQueue":
        return source_arn in policy.get("sourceQueueArns", [])
    return True
