"""Amazon Simple Email Service (the v1 ``email`` API; ``sesv2`` works on the same
resources through it): the provider (the handlers live in feature modules).

Identities, their notification topics, DKIM, MAIL FROM and policies are
:mod:`identities`; templates :mod:`templates`; sending, the quota and statistics
:mod:`sending` (the events it publishes to SNS :mod:`events`); configuration sets and event
destinations :mod:`configuration_sets`; receipt rules and filters :mod:`receipt_rules`;
custom verification emails :mod:`verification`.
Every message sent is kept, and read back at ``/_cloudtwin/ses/messages``; mail is
received (through the active receipt rule set) at ``/_cloudtwin/ses/inbound``
(:mod:`inbound`).
"""

from __future__ import annotations

from typing import Any

from cloudtwin.protocol.http import HttpResponse
from cloudtwin.services.provider import ServiceProvider
from cloudtwin.services.ses.configuration_sets import ConfigurationSetOperations
from cloudtwin.services.ses.identities import IdentityOperations, address_of
from cloudtwin.services.ses.models import SesStore
from cloudtwin.services.ses.receipt_rules import ReceiptRuleOperations
from cloudtwin.services.ses.sending import SendingOperations
from cloudtwin.services.ses.templates import TemplateOperations
from cloudtwin.services.ses.verification import VerificationOperations

#: What the introspection endpoint leaves out of a kept message (internal bookkeeping).
_PRIVATE = ("Sent", "Headers", "CommonHeaders", "SourceArn", "FromDomain", "CallerIdentity", "Operation")


class Provider(
    IdentityOperations,
    TemplateOperations,
    SendingOperations,
    ConfigurationSetOperations,
    ReceiptRuleOperations,
    VerificationOperations,
    ServiceProvider,
):
    service_name = "ses"
    store_class = SesStore

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        from cloudtwin.services.ses.inbound import InboundEndpoint

        self.inbound = InboundEndpoint(self)

    def introspection(self) -> dict:
        return {
            ("GET", "messages"): self._messages,
            ("DELETE", "messages"): self._clear_messages,
            ("POST", "inbound"): self.inbound.receive,
            ("GET", "inbound"): self.inbound.list,
        }

    def _selected(self, params: dict[str, Any]) -> list[tuple[SesStore, str, dict[str, Any]]]:
        """The kept messages ``?id=`` and ``?email=`` (the sender's address) select."""
        out = []
        for _, store in self.stores.items():  # type: ignore[union-attr]
            for mid, sent in store.messages.items():
                if params.get("id") and mid != params["id"]:
                    continue
                if params.get("email") and address_of(sent["Source"]).lower() != str(params["email"]).lower():
                    continue
                out.append((store, mid, sent))
        return out

    def _messages(self, params: dict[str, Any]) -> Any:
        selected = sorted(self._selected(params), key=lambda item: item[2]["Sent"])
        return {"messages": [{k: v for k, v in sent.items() if k not in _PRIVATE} for _, _, sent in selected]}

    def _clear_messages(self, params: dict[str, Any]) -> HttpResponse:
        for store, mid, _ in self._selected(params):
            store.messages.pop(mid, None)
        self.env.persistence.commit()
        return HttpResponse(204, {}, b"")
