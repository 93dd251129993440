"""Publish and PublishBatch: the checks, FIFO sequencing and deduplication, and the
hand-over to the dispatcher.

A FIFO topic keeps a 5-minute deduplication window per topic (by
``MessageDeduplicationId``, or the SHA-256 of the message with
``ContentBasedDeduplication``): a duplicate gets the first publish's MessageId and
SequenceNumber and is not delivered again.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

from cloudtwin.gateway.request_ids import random_uuid
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sns.attributes import invalid
from cloudtwin.services.sns.models import SnsStore, Topic
from cloudtwin.services.sns.notification import (
    MAX_MESSAGE_BYTES,
    Notification,
    Urls,
    check_attributes,
    check_message,
    message_size,
)

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.sns.delivery import Dispatcher

DEDUP_WINDOW = 300.0
MAX_BATCH = 10
MAX_BATCH_ID = 80
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_GROUP_ID = re.compile(r"^[\x21-\x7e]{1,128}$")


class Publisher:
    def __init__(self, dispatcher: "Dispatcher") -> None:
        self.dispatcher = dispatcher

    def prepare(self, store: SnsStore, topic: Topic, entry: dict[str, Any], now: float) -> tuple[Notification, bool]:
        """Check one message for ``topic``; returns (notification, is_duplicate)."""
        message = entry.get("Message")
        attributes = check_attributes(entry.get("MessageAttributes"))
        per_protocol = check_message(message, entry.get("MessageStructure"), entry.get("Subject"), attributes)
        group = entry.get("MessageGroupId")
        dedup = entry.get("MessageDeduplicationId")
        note = Notification(
            random_uuid(), topic.arn, per_protocol.get("default", message), now,
            subject=entry.get("Subject"), per_protocol=per_protocol, attributes=attributes,
        )
        if not topic.fifo:
            if dedup is not None:
                raise invalid(
                    "MessageDeduplicationId Reason: The request includes MessageDeduplicationId "
                    "parameter that is not valid for this topic type"
                )
            if group is not None and not _GROUP_ID.match(group):
                raise invalid("MessageGroupId Reason: MessageGroupId is not valid")
            note.group_id = group
            return note, False
        if group is None:
            raise invalid("The MessageGroupId parameter is required for FIFO topics")
        if not _GROUP_ID.match(group):
            raise invalid("MessageGroupId Reason: MessageGroupId is not valid")
        if dedup is None:
            if topic.attributes.get("ContentBasedDeduplication") != "true":
                raise invalid(
                    "The topic should either have ContentBasedDeduplication enabled or "
                    "MessageDeduplicationId provided explicitly"
                )
            dedup = hashlib.sha256(message.encode()).hexdigest()
        elif not _GROUP_ID.match(dedup):
            raise invalid("MessageDeduplicationId Reason: MessageDeduplicationId is not valid")
        note.group_id = group
        note.dedup_id = dedup
        scoped = dedup if topic.attributes.get("FifoThroughputScope") != "MessageGroup" else f"{group}\x00{dedup}"
        key = (topic.arn, scoped)
        store.expire_dedup(now)
        seen = store.dedup.get(key)
        if seen is not None and seen[0] > now:
            note.message_id, note.sequence_number = seen[1], seen[2]
            return note, True
        store.dedup.pop(key, None)  # re-added at the end: rows stay in expiry order
        topic.sequence += 1
        note.sequence_number = f"{topic.sequence:020d}"
        store.dedup[key] = (now + DEDUP_WINDOW, note.message_id, note.sequence_number)
        return note, False

    async def publish(self, store: SnsStore, topic: Topic, params: dict[str, Any], urls: Urls, now: float) -> dict[str, Any]:
        note, duplicate = self.prepare(store, topic, params, now)
        if topic.fifo:
            store.topics.save(topic.arn)
        if not duplicate:
            await self.dispatcher.fan_out(store, topic, note, urls)
        out: dict[str, Any] = {"MessageId": note.message_id}
        if note.sequence_number is not None:
            out["SequenceNumber"] = note.sequence_number
        return out

    async def publish_batch(
        self, store: SnsStore, topic: Topic, entries: list[dict[str, Any]], urls: Urls, now: float
    ) -> dict[str, Any]:
        if not entries:
            raise ServiceError("EmptyBatchRequestException", "The batch request doesn't contain any entries.")
        if len(entries) > MAX_BATCH:
            raise ServiceError(
                "TooManyEntriesInBatchRequestException",
                "The batch request contains more entries than permissible.",
            )
        ids = [entry.get("Id", "") for entry in entries]
        if len(set(ids)) != len(ids):
            raise ServiceError(
                "BatchEntryIdsNotDistinctException", "Two or more batch entries in the request have the same Id."
            )
        for entry_id in ids:
            if len(entry_id) > MAX_BATCH_ID:
                raise ServiceError(
                    "InvalidBatchEntryIdException",
                    f"The Id of a batch entry in the batch request is too long: {entry_id}",
                )
            if not _BATCH_ID.match(entry_id):
                raise ServiceError(
                    "InvalidBatchEntryIdException",
                    f"The Id of a batch entry in the batch request contains an impermissible character: {entry_id}",
                )
        # Attributes and message structures are checked for the whole request before any
        # entry is published.
        total = 0
        for entry in entries:
            total += message_size(entry.get("Message") or "", check_attributes(entry.get("MessageAttributes")))
            if entry.get("MessageStructure") is not None and entry.get("Message"):
                check_message(entry["Message"], entry["MessageStructure"], None)
        if total > MAX_MESSAGE_BYTES:
            raise ServiceError(
                "BatchRequestTooLongException", "The length of all the messages put together is more than the limit."
            )
        if topic.fifo:
            if any(entry.get("MessageGroupId") is None for entry in entries):
                raise invalid("The MessageGroupId parameter is required for FIFO topics")
            if topic.attributes.get("ContentBasedDeduplication") != "true" and any(
                entry.get("MessageDeduplicationId") is None for entry in entries
            ):
                raise invalid(
                    "The topic should either have ContentBasedDeduplication enabled or "
                    "MessageDeduplicationId provided explicitly"
                )
        successful: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for entry in entries:
            try:
                note, duplicate = self.prepare(store, topic, entry, now)
            except ServiceError as error:
                failed.append(
                    {"Id": entry["Id"], "Code": _legacy_code(error.code), "Message": error.message, "SenderFault": True}
                )
                continue
            if not duplicate:
                await self.dispatcher.fan_out(store, topic, note, urls)
            result: dict[str, Any] = {"Id": entry["Id"], "MessageId": note.message_id}
            if note.sequence_number is not None:
                result["SequenceNumber"] = note.sequence_number
            successful.append(result)
        if topic.fifo:
            store.topics.save(topic.arn)
        return {"Successful": successful, "Failed": failed}


_LEGACY = {
    "InvalidParameterException": "InvalidParameter",
    "InvalidParameterValueException": "ParameterValueInvalid",
    "NotFoundException": "NotFound",
}


def _legacy_code(code: str) -> str:
    return _LEGACY.get(code, code.removesuffix("Exception"))
