"""The checks every SQS batch operation makes, and per-entry failures."""

from __future__ import annotations

import re
from typing import Any, Callable

from cloudtwin.protocol.errors import ServiceError

MAX_ENTRIES = 10
_ENTRY_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def check_entries(entries: list[dict[str, Any]], entry_shape: str) -> None:
    if not entries:
        raise ServiceError("EmptyBatchRequest", f"There should be at least one {entry_shape} in the request.")
    if len(entries) > MAX_ENTRIES:
        raise ServiceError(
            "TooManyEntriesInBatchRequest",
            f"Maximum number of entries per request are {MAX_ENTRIES}. You have sent {len(entries)}.",
        )
    seen: set[str] = set()
    for entry in entries:
        entry_id = entry.get("Id", "")
        if not _ENTRY_ID.match(entry_id):
            raise ServiceError(
                "InvalidBatchEntryId",
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                "It can be at most 80 letters long.",
            )
        if entry_id in seen:
            raise ServiceError("BatchEntryIdsNotDistinct", f"Id {entry_id} repeated.")
        seen.add(entry_id)


def failure(entry_id: str, error: ServiceError) -> dict[str, Any]:
    return {
        "Id": entry_id,
        "SenderFault": error.sender_fault if error.sender_fault is not None else True,
        "Code": error.code,
        "Message": error.message,
    }


def run(entries: list[dict[str, Any]], fn: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """Apply ``fn`` to each entry: ``{"Successful": [...], "Failed": [...]}``.

    An empty ``Failed`` is left out, as SQS's JSON answers leave it out when every entry
    succeeded (``{"Successful": [...]}``)."""
    successful: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for entry in entries:
        try:
            successful.append({"Id": entry["Id"], **fn(entry)})
        except ServiceError as error:
            failed.append(failure(entry["Id"], error))
    result: dict[str, Any] = {"Successful": successful}
    if failed:
        result["Failed"] = failed
    return result
