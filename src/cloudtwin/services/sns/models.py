"""The SNS store: topics, subscriptions, platform applications and endpoints, SMS settings,
and the logs of what was delivered or "sent" (for inspection).

One store per account and region. Records are small slotted dataclasses, one row each;
compiled filter policies are runtime caches kept on the provider, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from cloudtwin.state.records import record_types
from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table

#: Deliveries and recorded messages kept per store for inspection (oldest dropped first).
LOG_LIMIT = 10_000
#: Characters of a delivery's body kept once it is settled (the whole body is kept only while
#: the delivery may still need it: pending, retrying, or on its way to a dead-letter queue).
BODY_PREVIEW = 512
#: Characters of message text the log of recorded messages (email, sms, ...) holds at most.
MESSAGE_LOG_CHARS = 64 * 2**20


@dataclass(slots=True)
class Topic:
    arn: str
    name: str
    fifo: bool
    #: User-set attributes (DisplayName, Policy, DeliveryPolicy, KmsMasterKeyId, ...).
    attributes: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    data_protection_policy: str = ""
    subscriptions_deleted: int = 0
    #: FIFO: the last sequence number handed out.
    sequence: int = 0


@dataclass(slots=True)
class Subscription:
    arn: str
    topic_arn: str
    protocol: str
    endpoint: str
    owner: str
    attributes: dict[str, str] = field(default_factory=dict)
    pending: bool = False
    token: str = ""
    authenticated_unsubscribe: bool = False
    created_at: float = 0.0
    #: The identity that subscribed (SubscriptionPrincipal).
    principal: str | None = None


@dataclass(slots=True)
class PlatformApplication:
    arn: str
    name: str
    platform: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class PlatformEndpoint:
    arn: str
    application_arn: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Delivery:
    """One message on its way to one subscription: status and attempts, for inspection."""

    id: int
    topic_arn: str
    subscription_arn: str
    protocol: str
    endpoint: str
    message_id: str
    body: str
    status: str = "pending"  # pending | retrying | delivered | failed | dead-lettered
    attempts: int = 0
    last_error: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    raw: bool = False
    body_size: int = -1  # characters in the whole body (-1: not counted yet)
    message_md5: str = ""  # MD5 of the message as delivered to the protocol (status logs)

    def __post_init__(self) -> None:
        if self.body_size < 0:
            self.body_size = len(self.body)

    def settle(self, status: str, now: float) -> None:
        """The delivery's final status: the body shrinks to a preview, nothing needs it now."""
        self.status = status
        self.updated_at = now
        if len(self.body) > BODY_PREVIEW:
            self.body = self.body[:BODY_PREVIEW]

    def to_dict(self) -> dict[str, Any]:
        size = getattr(self, "body_size", len(self.body))  # records stored before it was counted
        return {
            "id": self.id,
            "topic_arn": self.topic_arn,
            "subscription_arn": self.subscription_arn,
            "protocol": self.protocol,
            "endpoint": self.endpoint,
            "message_id": self.message_id,
            "status": self.status,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "raw": self.raw,
            "body": self.body,
            "body_size": size,
            "body_truncated": len(self.body) < size,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(slots=True)
class SentMessage:
    """A message "sent" to a protocol cloudtwin cannot reach (email, sms, application, lambda)."""

    id: int
    protocol: str
    endpoint: str
    message_id: str
    message: str
    topic_arn: str | None = None
    subscription_arn: str | None = None
    subject: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    kind: str = "Notification"  # or SubscriptionConfirmation
    timestamp: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "protocol": self.protocol,
            "endpoint": self.endpoint,
            "message_id": self.message_id,
            "message": self.message,
            "topic_arn": self.topic_arn,
            "subscription_arn": self.subscription_arn,
            "subject": self.subject,
            "attributes": self.attributes,
            "type": self.kind,
            "timestamp": self.timestamp,
        }


class SnsStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.topics: Table[str, Topic] = tables.table("topics")
        self.subscriptions: Table[str, Subscription] = tables.table("subscriptions")
        self.applications: Table[str, PlatformApplication] = tables.table("applications")
        self.endpoints: Table[str, PlatformEndpoint] = tables.table("endpoints")
        #: One row, key "attributes": the account's SMS attributes.
        self.sms: Table[str, dict[str, str]] = tables.table("sms")
        self.opted_out: Table[str, float] = tables.table("opted_out")
        #: Sandbox phone number -> "Pending" | "Verified".
        self.sandbox_numbers: Table[str, str] = tables.table("sandbox_numbers")
        #: FIFO deduplication window: (topic ARN, deduplication key) -> (expires at,
        #: message id, sequence number). Rows are added in expiry order (one window for
        #: all), so expired ones are dropped from the front.
        self.dedup: Table[tuple[str, str], tuple[float, str, str]] = tables.table("dedup")
        self.deliveries: Table[int, Delivery] = tables.table("deliveries")
        self.messages: Table[int, SentMessage] = tables.table("messages")
        self._by_topic: dict[str, list[str]] | None = None
        self._message_chars: int | None = None

    # -- indexes (rebuilt from the tables on first use) ---------------------------------------

    def topic_subscriptions(self, topic_arn: str) -> list[str]:
        """Subscription ARNs of a topic, in creation order."""
        if self._by_topic is None:
            index: dict[str, list[str]] = {}
            for sub in self.subscriptions.values():
                index.setdefault(sub.topic_arn, []).append(sub.arn)
            self._by_topic = index
        return self._by_topic.get(topic_arn, [])

    def add_subscription(self, sub: Subscription) -> None:
        self.topic_subscriptions(sub.topic_arn)  # build the index first
        self.subscriptions[sub.arn] = sub
        assert self._by_topic is not None
        self._by_topic.setdefault(sub.topic_arn, []).append(sub.arn)

    def remove_subscription(self, arn: str) -> Subscription | None:
        sub = self.subscriptions.pop(arn, None)
        if sub is not None and self._by_topic is not None:
            arns = self._by_topic.get(sub.topic_arn)
            if arns and arn in arns:
                arns.remove(arn)
        return sub

    def expire_dedup(self, now: float) -> None:
        dedup = self.dedup
        while dedup:
            first = next(iter(dedup))
            if dedup[first][0] > now:
                break
            del dedup[first]

    def log_message(self, make: Callable[[int], SentMessage]) -> SentMessage:
        """Record a message "sent" where cloudtwin cannot deliver (``make(id)`` builds it); the
        oldest records go first past LOG_LIMIT records or MESSAGE_LOG_CHARS of text."""
        messages = self.messages
        if self._message_chars is None:
            self._message_chars = sum(len(m.message) for m in messages.values())
        sent = make(next(reversed(messages.keys()), 0) + 1 if len(messages) else 1)
        while len(messages) and (
            len(messages) >= LOG_LIMIT or self._message_chars + len(sent.message) > MESSAGE_LOG_CHARS
        ):
            self._message_chars -= len(messages.pop(next(iter(messages))).message)
        messages[sent.id] = sent
        self._message_chars += len(sent.message)
        return sent

    def next_id(self, table: Table[int, Any]) -> int:
        """The next id of a log table; drops the oldest rows past LOG_LIMIT."""
        last = next(reversed(table.keys()), 0) if len(table) else 0
        while len(table) >= LOG_LIMIT:
            del table[next(iter(table))]
        return last + 1


# What the tables hold, by name (see cloudtwin.state.records).
record_types(Topic, Subscription, PlatformApplication, PlatformEndpoint, Delivery, SentMessage)
