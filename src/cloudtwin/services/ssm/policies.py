"""Parameter policies (advanced tier): Expiration, ExpirationNotification,
NoChangeNotification. Stored as AWS shows them; an Expiration deletes the parameter when
its time comes on the virtual clock."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError

_TYPES = {"Expiration", "ExpirationNotification", "NoChangeNotification"}
_MAX = 10


def parse(text: str) -> tuple[list[dict[str, Any]], float | None]:
    """(policies as ParameterInlinePolicy entries, expiry epoch or None)."""
    try:
        items = read_json(text)
    except ValueError:
        raise ServiceError("InvalidPolicyTypeException", "Policies must be a valid JSON array.") from None
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise ServiceError("InvalidPolicyTypeException", "Policies must be a valid JSON array.")
    if len(items) > _MAX:
        raise ServiceError(
            "PoliciesLimitExceededException", f"You can attach a maximum of {_MAX} policies to a parameter."
        )
    policies: list[dict[str, Any]] = []
    expires = None
    for item in items:
        kind = item.get("Type") if isinstance(item, dict) else None
        if kind not in _TYPES:
            raise ServiceError("InvalidPolicyTypeException", f"The policy type {kind} is not supported.")
        attributes = item.get("Attributes") or {}
        if kind == "Expiration":
            stamp = attributes.get("Timestamp")
            try:
                moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
            except ValueError:
                raise ServiceError(
                    "InvalidPolicyAttributeException",
                    "The Timestamp attribute of an Expiration policy must be an ISO 8601 time.",
                ) from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            expires = moment.timestamp()
        elif not str(attributes.get("Before" if kind == "ExpirationNotification" else "After", "")).isdigit():
            raise ServiceError(
                "InvalidPolicyAttributeException", f"The attributes of the {kind} policy are not valid."
            )
        policies.append(
            {"PolicyText": json.dumps(item, separators=(",", ":")), "PolicyType": kind, "PolicyStatus": "Pending"}
        )
    return policies, expires
