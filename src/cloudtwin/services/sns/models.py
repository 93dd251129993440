"""The SNS store: topics, subscriptions, platform applications and endpoints, SMS settings,
and the logs of what was delivered or "sent" (for inspection).

One store per account and region. Records are small slotted dataclasses, one row each;
compiled filter policies are runtime caches kept on the provider, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table

#: Deliveries and recorded messages kept per store for inspection (oldest dropped first).
LOG_LIMIT = 10_000


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

    def to_dict(self) -> dict[str, Any]:
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

    def next_id(self, table: Table[int, Any]) -> int:
        """The next id of a log table; drops the oldest rows past LOG_LIMIT."""
        last = next(reversed(table.keys()), 0) if len(table) else 0
        while len(table) >= LOG_LIMIT:
            del table[next(iter(table))]
        return last + 1
