"""ReceiveMessage: which messages a receive takes (standard and FIFO), what it hands back,
and the redrive of over-received messages to the dead-letter queue."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Iterable

from cloudtwin.services.sqs.addressing import make_receipt
from cloudtwin.services.sqs.digests import md5_of_attributes
from cloudtwin.services.sqs.errors import invalid_value
from cloudtwin.services.sqs.models import Message, Queue

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.state.table import Table

MAX_VISIBILITY = 43_200


class ReceiveRequest:
    """A ReceiveMessage's checked parameters."""

    __slots__ = ("max_messages", "visibility", "wait", "system_names", "attribute_names", "attempt_id")

    def __init__(self, queue: Queue, params: dict[str, Any]) -> None:
        count = params.get("MaxNumberOfMessages")
        if count is not None and not 1 <= count <= 10:
            raise invalid_value("MaxNumberOfMessages", count, "Must be between 1 and 10, if provided.")
        self.max_messages = count or 1
        visibility = params.get("VisibilityTimeout")
        if visibility is not None and not 0 <= visibility <= MAX_VISIBILITY:
            raise invalid_value(
                "VisibilityTimeout", visibility, "Must be >= 0 and <= 43200, if provided."
            )
        self.visibility = queue.int_attribute("VisibilityTimeout") if visibility is None else visibility
        wait = params.get("WaitTimeSeconds")
        if wait is not None and not 0 <= wait <= 20:
            raise invalid_value("WaitTimeSeconds", wait, "Must be >= 0 and <= 20, if provided.")
        self.wait = queue.int_attribute("ReceiveMessageWaitTimeSeconds") if wait is None else wait
        names = set(params.get("AttributeNames") or ()) | set(params.get("MessageSystemAttributeNames") or ())
        self.system_names = frozenset(names)
        self.attribute_names = tuple(params.get("MessageAttributeNames") or ())
        self.attempt_id = params.get("ReceiveRequestAttemptId") if queue.fifo else None


def select_standard(table: "Table[str, Message]", now: float, count: int, retention: float,
                    max_receives: int | None) -> tuple[list[Message], list[Message], list[Message]]:
    """(to receive, expired, to redrive) in queue order."""
    taken: list[Message] = []
    expired: list[Message] = []
    redrive: list[Message] = []
    for message in table.values():
        if message.visible_at > now:
            continue
        if message.sent + retention <= now:
            expired.append(message)
            continue
        if max_receives is not None and message.receive_count >= max_receives:
            redrive.append(message)
            continue
        taken.append(message)
        if len(taken) >= count:
            break
    return taken, expired, redrive


def select_fifo(table: "Table[str, Message]", now: float, count: int, retention: float,
                max_receives: int | None,
                ranks: dict[str, int]) -> tuple[list[Message], list[Message], list[Message]]:
    """FIFO: each group hands out its messages in order, up to its first one that is in
    flight or delayed (a group whose first message is invisible is blocked). Groups are
    served in ``ranks`` order (a group received goes to the back), filling the receive from
    one group before starting the next."""
    stopped: set[str | None] = set()
    first_seq: dict[str | None, int] = {}
    by_group: dict[str | None, list[Message]] = {}
    expired: list[Message] = []
    redrive: list[Message] = []
    for message in table.values():
        group = message.group_id
        first_seq.setdefault(group, message.seq)
        if group in stopped:
            continue
        if message.visible_at > now:
            stopped.add(group)
            continue
        if message.sent + retention <= now:
            expired.append(message)
            continue
        if max_receives is not None and message.receive_count >= max_receives:
            redrive.append(message)
            continue
        by_group.setdefault(group, []).append(message)
    for group in [g for g in ranks if g not in first_seq]:
        del ranks[group]  # emptied: a new message starts it afresh at the back
    order = sorted(by_group, key=lambda g: max(ranks.get(g, 0), first_seq[g]))  # type: ignore[arg-type]
    taken: list[Message] = []
    for group in order:
        for message in by_group[group]:
            if len(taken) >= count:
                return taken, expired, redrive
            taken.append(message)
    return taken, expired, redrive


def mark_received(message: Message, now: float, visibility: int) -> str:
    """Start a new receive of ``message``: its new receive token (old handles go stale)."""
    token = "%016x" % random.getrandbits(64)  # unique enough, and no system call
    message.receive_count += 1
    if message.first_receive is None:
        message.first_receive = now
    message.receipt = token
    message.received_at = now
    message.visible_at = now + visibility
    return token


def _millis(epoch: float) -> str:
    return str(int(epoch * 1000))


def system_attributes(message: Message, names: frozenset[str], fifo: bool) -> dict[str, str]:
    every = "All" in names
    out: dict[str, str] = {}

    def want(name: str) -> bool:
        return every or name in names

    if want("SenderId"):
        out["SenderId"] = message.sender_id
    if want("SentTimestamp"):
        out["SentTimestamp"] = _millis(message.sent)
    if want("ApproximateReceiveCount"):
        out["ApproximateReceiveCount"] = str(message.receive_count)
    if want("ApproximateFirstReceiveTimestamp") and message.first_receive is not None:
        out["ApproximateFirstReceiveTimestamp"] = _millis(message.first_receive)
    if fifo:
        if want("SequenceNumber"):
            out["SequenceNumber"] = message.sequence_number()
        if want("MessageDeduplicationId") and message.dedup_id is not None:
            out["MessageDeduplicationId"] = message.dedup_id
    if want("MessageGroupId") and message.group_id is not None:
        out["MessageGroupId"] = message.group_id
    if want("AWSTraceHeader") and message.system_attributes and "AWSTraceHeader" in message.system_attributes:
        out["AWSTraceHeader"] = message.system_attributes["AWSTraceHeader"].get("StringValue", "")
    if want("DeadLetterQueueSourceArn") and message.dlq_source_arn:
        out["DeadLetterQueueSourceArn"] = message.dlq_source_arn
    return out


def selected_attributes(
    attributes: dict[str, dict[str, Any]] | None, names: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The message attributes a receive asked for: ``All``, ``.*``, ``prefix.*`` or names."""
    if not attributes:
        return {}
    names = tuple(names)
    if not names:
        return {}
    if "All" in names or ".*" in names:
        return dict(attributes)
    prefixes = tuple(n[:-1] for n in names if n.endswith(".*"))
    exact = set(names)
    return {
        name: value
        for name, value in attributes.items()
        if name in exact or (prefixes and name.startswith(prefixes))
    }


def render(queue: Queue, message: Message, token: str, request: ReceiveRequest) -> dict[str, Any]:
    out: dict[str, Any] = {
        "MessageId": message.id,
        "ReceiptHandle": make_receipt(queue.arn, message.id, token),
        "MD5OfBody": message.md5_body,
        "Body": message.body,
    }
    if request.system_names:
        out["Attributes"] = system_attributes(message, request.system_names, queue.fifo)
    chosen = selected_attributes(message.attributes, request.attribute_names)
    if chosen:
        out["MessageAttributes"] = chosen
        out["MD5OfMessageAttributes"] = md5_of_attributes(chosen)
    return out
