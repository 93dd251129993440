"""The SES store: identities (with their notification settings, DKIM, MAIL FROM and
policies), templates, configuration sets and their event destinations, receipt rule sets and
filters, and every message sent (kept for introspection and the sending statistics).

The SES v2 API (``sesv2``) works on the same resources through this service's operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudtwin.state.records import record_types
from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table


@dataclass(slots=True)
class Identity:
    name: str
    #: ``EmailAddress`` or ``Domain``.
    kind: str
    created: float
    verification_token: str | None = None
    dkim_enabled: bool = False
    dkim_tokens: list[str] = field(default_factory=list)
    #: Notification type (``Bounce``/``Complaint``/``Delivery``) -> SNS topic ARN.
    topics: dict[str, str] = field(default_factory=dict)
    #: Notification types whose notifications carry the original headers.
    headers_in: list[str] = field(default_factory=list)
    feedback_forwarding: bool = True
    mail_from_domain: str = ""
    mail_from_behavior: str = "UseDefaultValue"
    #: Policy name -> policy document.
    policies: dict[str, str] = field(default_factory=dict)
    tags: list[dict[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Template:
    name: str
    created: float
    subject: str | None = None
    text: str | None = None
    html: str | None = None


@dataclass(slots=True)
class ConfigurationSet:
    name: str
    created: float
    #: Event destinations as the API shapes them (``Name``, ``Enabled``,
    #: ``MatchingEventTypes``, ``SNSDestination``...), in creation order.
    destinations: list[dict[str, Any]] = field(default_factory=list)
    sending_enabled: bool = True
    reputation_metrics: bool = False
    tracking: dict[str, Any] | None = None
    delivery: dict[str, Any] | None = None
    tags: list[dict[str, str]] = field(default_factory=list)

    def destination(self, name: str) -> dict[str, Any] | None:
        return next((d for d in self.destinations if d["Name"] == name), None)


@dataclass(slots=True)
class RuleSet:
    name: str
    created: float
    #: Receipt rules as the API shapes them, in their order.
    rules: list[dict[str, Any]] = field(default_factory=list)

    def index(self, rule: str) -> int:
        return next((i for i, r in enumerate(self.rules) if r["Name"] == rule), -1)


class SesStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.identities: Table[str, Identity] = tables.table("identities")
        self.templates: Table[str, Template] = tables.table("templates")
        self.configuration_sets: Table[str, ConfigurationSet] = tables.table("configuration-sets")
        self.rule_sets: Table[str, RuleSet] = tables.table("receipt-rule-sets")
        self.filters: Table[str, dict[str, Any]] = tables.table("receipt-filters")
        #: Custom verification email templates, as the API shapes them.
        self.verification_templates: Table[str, dict[str, Any]] = tables.table("custom-verification-templates")
        #: Account-wide settings: ``active-rule-set``, ``sending-enabled``.
        self.settings: Table[str, Any] = tables.table("settings")
        #: Message id -> the message as sent (see ``sending.py``), in sending order.
        self.messages: Table[str, dict[str, Any]] = tables.table("messages")
        #: Message id -> (when, recipients, bounces, complaints): what the quota and
        #: statistics count (kept apart from ``messages``, which introspection may clear).
        self.sends: Table[str, tuple[float, int, int, int]] = tables.table("sends")
        #: Received message id -> what the active rule set did with it (see ``inbound.py``).
        self.received: Table[str, dict[str, Any]] = tables.table("received")


record_types(Identity, Template, ConfigurationSet, RuleSet)
