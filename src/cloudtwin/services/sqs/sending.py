"""SendMessage: AWS's checks of a message, FIFO deduplication, and the stored record.

Kept lean: this is the hottest path of the service (thousands of sends a second), so a
plain standard-queue send is a few dict reads, one MD5, one random id and one row.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from cloudtwin.gateway.request_ids import random_uuid
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sqs.digests import md5, md5_of_attributes
from cloudtwin.services.sqs.errors import invalid_parameter, invalid_value, missing_parameter
from cloudtwin.services.sqs.models import DedupEntry, Message, Queue, SqsStore

DEDUP_INTERVAL = 300.0
MAX_ATTRIBUTES = 10

# What is not #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF, spelled as
# the few ranges it is: the same set, compiled in 0.6 ms instead of 6 (the complement's
# large ranges make re build big charset tables), and searched no slower.
_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Letters and digits of any script, hyphens, underscores and periods.
_ATTRIBUTE_NAME = re.compile(r"^[\w\-.]{1,256}$")
# MessageGroupId / MessageDeduplicationId: alphanumeric and punctuation characters.
_FIFO_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_TYPE_PREFIXES = ("String", "Number", "Binary")
SYSTEM_ATTRIBUTES = frozenset({"AWSTraceHeader"})


class Sequencer:
    """Increasing message positions: never below the last one handed out, and starting from
    the virtual time in microseconds, so they keep increasing across restarts."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = 0

    def next(self, now: float) -> int:
        candidate = int(now * 1_000_000)
        self.last = candidate if candidate > self.last else self.last + 1
        return self.last

    def observe(self, seq: int) -> None:
        if seq > self.last:
            self.last = seq


def check_fifo_id(parameter: str, value: str) -> None:
    if not _FIFO_ID.match(value):
        raise invalid_value(
            parameter, value,
            f"{parameter} can only include alphanumeric and punctuation characters. 1 to 128 in length.",
        )


def check_batch_fifo_ids(queue: Queue, entries: list[dict[str, Any]]) -> None:
    """A batch to a FIFO queue is refused whole when an entry lacks its group or (without
    content-based deduplication) its deduplication id."""
    content_based = queue.attributes.get("ContentBasedDeduplication") == "true"
    for entry in entries:
        if not entry.get("MessageGroupId"):
            raise invalid_parameter("The request must contain the parameter MessageGroupId.")
        if entry.get("MessageDeduplicationId") is None and not content_based:
            raise invalid_parameter(
                "The queue should either have ContentBasedDeduplication enabled or "
                "MessageDeduplicationId provided explicitly"
            )


def check_body(body: str) -> None:
    if not body:
        raise missing_parameter("MessageBody")
    if _INVALID_CHARS.search(body) is not None:
        raise ServiceError(
            "InvalidMessageContents",
            "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to "
            "#xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
        )


def check_attributes(attributes: dict[str, dict[str, Any]], kind: str = "user") -> int:
    """Validate message attributes as AWS does; return their size in bytes."""
    if len(attributes) > MAX_ATTRIBUTES and kind == "user":
        raise invalid_parameter(
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum [{MAX_ATTRIBUTES}]."
        )
    size = 0
    for name, value in attributes.items():
        if kind == "system" and name not in SYSTEM_ATTRIBUTES:
            raise invalid_parameter(f"Message system attribute name '{name}' is invalid.")
        if not _ATTRIBUTE_NAME.match(name) or name.startswith(".") or name.endswith(".") or ".." in name:
            raise invalid_parameter(f"Message ({kind}) attribute name '{name}' is invalid.")
        lowered = name.lower()
        if kind == "user" and (lowered.startswith("aws.") or lowered.startswith("amazon.")):
            raise invalid_parameter(
                f"Message ({kind}) attribute name '{name}' is invalid. Reason: The attribute name "
                "must not start with the reserved prefixes AWS. or Amazon. (case-insensitive)."
            )
        data_type = value.get("DataType") or ""
        if not data_type:
            raise invalid_parameter(f"Message ({kind}) attribute '{name}' must contain a non-empty message attribute type.")
        base = data_type.split(".", 1)[0]
        if base not in _TYPE_PREFIXES:
            raise invalid_parameter(
                f"The type of message ({kind}) attribute '{name}' is invalid. You must use only the "
                "following supported type prefixes: Binary, Number, String."
            )
        if kind == "system" and data_type != "String":
            raise invalid_parameter(
                f"The type of message (system) attribute '{name}' is invalid. You must use only the "
                "following supported type prefixes: String."
            )
        lists = value.get("StringListValues") or value.get("BinaryListValues")
        if lists:  # reserved by AWS; kept as given, and counted in the MD5 as AWS defines it
            size += sum(len(v.encode("utf-8") if isinstance(v, str) else v) for v in lists)
        elif base == "Binary":
            blob = value.get("BinaryValue")
            if not blob:
                raise invalid_parameter(
                    f"Message ({kind}) attribute '{name}' must contain a non-empty value of type 'Binary'."
                )
            size += len(blob)
        else:
            text = value.get("StringValue")
            if text is None or text == "":
                raise invalid_parameter(
                    f"Message ({kind}) attribute '{name}' must contain a non-empty value of type '{base}'."
                )
            if base == "Number" and not _NUMBER.match(text):
                raise invalid_parameter(f"Can't cast the value of message ({kind}) attribute '{name}' to a number.")
            if _INVALID_CHARS.search(text) is not None:
                raise invalid_parameter(f"Message ({kind}) attribute '{name}' contains invalid characters.")
            size += len(text.encode("utf-8"))
        size += len(name.encode("utf-8")) + len(data_type.encode("utf-8"))
    return size


def _stored(attributes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Only the members that carry the value (no empty list members)."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in attributes.items():
        kept = {"DataType": value["DataType"]}
        if value.get("BinaryValue") is not None:
            kept["BinaryValue"] = bytes(value["BinaryValue"])
        elif value.get("StringValue") is not None:
            kept["StringValue"] = value["StringValue"]
        elif value.get("StringListValues"):
            kept["StringListValues"] = list(value["StringListValues"])
        elif value.get("BinaryListValues"):
            kept["BinaryListValues"] = [bytes(v) for v in value["BinaryListValues"]]
        out[name] = kept
    return out


class Outcome:
    """What a send answers: the stored message, or the earlier one it deduplicated to."""

    __slots__ = ("result", "message", "body_size")

    def __init__(self, result: dict[str, Any], message: Message | None, body_size: int = 0) -> None:
        self.result = result
        self.message = message
        #: The body's length in UTF-8 bytes (SentMessageSize).
        self.body_size = body_size


def prepare(
    store: SqsStore,
    queue: Queue,
    params: dict[str, Any],
    *,
    now: float,
    sequencer: Sequencer,
    sender_id: str,
) -> Outcome:
    """Check a SendMessage (or batch entry) and build its record; the caller stores it."""
    body = params.get("MessageBody")
    if body is None:
        raise missing_parameter("MessageBody")
    check_body(body)
    qattrs = queue.attributes
    data = body.encode("utf-8")
    size = body_size = len(data)
    attributes = params.get("MessageAttributes") or None
    system = params.get("MessageSystemAttributes") or None
    if attributes:
        size += check_attributes(attributes)
    if system:
        check_attributes(system, "system")
    limit = int(qattrs["MaximumMessageSize"])
    if size > limit:
        raise invalid_parameter(
            f"One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes."
        )
    delay = params.get("DelaySeconds")
    group_id = params.get("MessageGroupId")
    dedup_id = params.get("MessageDeduplicationId")
    if delay is not None and not 0 <= delay <= 900:
        raise invalid_value("DelaySeconds", delay, "DelaySeconds must be >= 0 and <= 900.")
    if group_id is not None:
        check_fifo_id("MessageGroupId", group_id)
    if dedup_id is not None:
        check_fifo_id("MessageDeduplicationId", dedup_id)
    if queue.fifo:
        if delay:
            raise invalid_value(
                "DelaySeconds", delay, "The request include parameter that is not valid for this queue type."
            )
        delay = None  # a FIFO queue delays by its own DelaySeconds only
        if not group_id:
            raise missing_parameter("MessageGroupId")
        if dedup_id is None:
            if qattrs.get("ContentBasedDeduplication") != "true":
                raise invalid_parameter(
                    "The queue should either have ContentBasedDeduplication enabled or "
                    "MessageDeduplicationId provided explicitly"
                )
            dedup_id = hashlib.sha256(data).hexdigest()
    elif dedup_id is not None:
        raise invalid_value(
            "MessageDeduplicationId", dedup_id, "The request include parameter that is not valid for this queue type."
        )
    md5_body = md5(data).hexdigest()
    if attributes:
        stored_attributes = _stored(attributes)
        md5_attrs = md5_of_attributes(stored_attributes)
    else:
        stored_attributes = md5_attrs = None
    if system:
        stored_system = _stored(system)
        md5_system = md5_of_attributes(stored_system)
    else:
        stored_system = md5_system = None
    dedup_key = None
    if queue.fifo:
        scope = queue.dedup_scope or qattrs.get("DeduplicationScope", "queue")
        dedup_key = (queue.name, f"{group_id}\x00{dedup_id}" if scope == "messageGroup" else dedup_id)
        earlier = store.dedup.get(dedup_key)
        if earlier is not None and earlier.expires > now:
            return Outcome(_result(earlier.message_id, earlier.md5_body, earlier.md5_attributes,
                                   earlier.md5_system_attributes, earlier.sequence_number), None)
    sequencer.observe(store.loaded_max_seq)
    seq = sequencer.next(now)
    if delay is None:
        delay = int(qattrs["DelaySeconds"])
    # Positional, in the fields' order (id, body, md5_body, sent, seq, visible_at, sender_id,
    # attributes, md5_attributes, system_attributes, md5_system_attributes, group_id,
    # dedup_id): keywords cost a dataclass ~3x more on this hot path.
    message = Message(
        random_uuid(), body, md5_body, now, seq, now + delay if delay else now, sender_id,
        stored_attributes, md5_attrs, stored_system, md5_system, group_id, dedup_id,
    )  # fmt: skip
    sequence_number = message.sequence_number() if queue.fifo else None
    if dedup_key is not None:
        store.dedup[dedup_key] = DedupEntry(
            message.id, sequence_number or "", md5_body, md5_attrs, md5_system, now + DEDUP_INTERVAL
        )
    return Outcome(_result(message.id, md5_body, md5_attrs, md5_system, sequence_number), message, body_size)


def _result(
    message_id: str, md5_body: str, md5_attrs: str | None, md5_system: str | None, sequence: str | None
) -> dict[str, Any]:
    result: dict[str, Any] = {"MD5OfMessageBody": md5_body, "MessageId": message_id}
    if md5_attrs:
        result["MD5OfMessageAttributes"] = md5_attrs
    if md5_system:
        result["MD5OfMessageSystemAttributes"] = md5_system
    if sequence:
        result["SequenceNumber"] = sequence
    return result
