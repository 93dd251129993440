"""Sending: SendEmail, SendRawEmail, SendTemplatedEmail and SendBulkTemplatedEmail, the
quota and statistics they move, and the record of every message sent (read back at
``/_cloudtwin/ses/messages``). Handlers mixed into the provider.

AWS's checks, in its order: message tags, the configuration set, then the source must be
a verified identity (the address, or its domain). Recipients are not checked: cloudtwin
sends nothing anywhere, so it behaves as an account out of the sandbox would.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from email.message import Message
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ses import events, mime
from cloudtwin.services.ses.errors import configuration_set_missing, invalid_value, not_verified
from cloudtwin.services.ses.identities import address_of, identity_arn, verified_identity
from cloudtwin.services.ses.models import SesStore
from cloudtwin.services.ses.templates import get_template, render, template_data

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

Params = dict[str, Any]
MAX_24_HOUR_SEND = 200.0
MAX_SEND_RATE = 1.0
DAY = 24 * 3600
#: How long sends count in GetSendStatistics (its data points cover two weeks).
STATISTICS_SECONDS = 14 * DAY
#: How many sent messages each account and region keeps for introspection (oldest dropped).
KEPT_MESSAGES = 10_000
MAX_RECIPIENTS = 50
_TAG_NAME = re.compile(r"^[A-Za-z0-9_-]*$")
_TAG_VALUE = re.compile(r"^[A-Za-z0-9_.@-]*$")
_RECIPIENT_KEYS = ("ToAddresses", "CcAddresses", "BccAddresses")


def check_tags(tags: list[dict[str, str]] | None) -> None:
    """AWS's message tag rules, with its texts."""
    for tag in tags or []:
        name, value = tag.get("Name", ""), tag.get("Value", "")
        if not name:
            raise invalid_value("The tag name must be specified.")
        if not value:
            raise invalid_value("The tag value must be specified.")
        if len(name) > 255:
            raise invalid_value("Tag name cannot exceed 255 characters.")
        if not _TAG_NAME.match(name):
            raise invalid_value(f"Invalid tag name <{name}>: only alphanumeric ASCII characters, '_',  '-' are allowed.")
        if len(value) > 255:
            raise invalid_value("Tag value cannot exceed 255 characters.")
        if not _TAG_VALUE.match(value):
            raise invalid_value(
                f"Invalid tag value <{value}>: only alphanumeric ASCII characters, '_',  '-' , '.', '@' are allowed."
            )


def message_id(now: float) -> str:
    """An id in AWS's form: ``0100`` and the sending time in milliseconds (hex), a UUID,
    and ``-000000``."""
    return f"0100{int(now * 1000):012x}-{uuid.uuid4()}-000000"


def recipients_of(destination: dict[str, list[str]] | None) -> list[str]:
    """A destination's addresses, checked as AWS does (one at least, 50 at most, each with
    a domain)."""
    recipients = [address for key in _RECIPIENT_KEYS for address in (destination or {}).get(key) or []]
    if len(recipients) > MAX_RECIPIENTS:
        raise invalid_value(f"Recipient count exceeds {MAX_RECIPIENTS}.")
    if not recipients or any("@" not in address_of(r) for r in recipients):
        raise invalid_value("Missing final '@domain'")
    return recipients


class SendingOperations:
    # -- the shared path of every send --------------------------------------------------------

    def _check(self, ctx: "RequestContext", params: Params, source: str, tags: list[dict[str, str]] | None) -> Any:
        """The checks before any send; returns the configuration set (or None)."""
        store: SesStore = ctx.store
        check_tags(tags)
        config = None
        if params.get("ConfigurationSetName"):
            config = store.configuration_sets.get(params["ConfigurationSetName"])
            if config is None:
                raise configuration_set_missing(params["ConfigurationSetName"])
        if store.settings.get("sending-enabled") is False:
            raise ServiceError("AccountSendingPausedException", "Email sending is disabled for this account.")
        if config is not None and not config.sending_enabled:
            raise ServiceError(
                "ConfigurationSetSendingPausedException",
                f"Email sending is disabled for configuration set {config.name}.",
            )
        address = address_of(source)
        if "@" not in address:
            raise invalid_value("Missing final '@domain'")
        if verified_identity(store, address) is None:
            raise not_verified([address], ctx.region)
        return config

    async def _deliver(
        self, ctx: "RequestContext", operation: str, source: str, recipients: list[str], msg: Message,
        tags: list[dict[str, str]] | None, config: Any, record: Params,
    ) -> str:  # fmt: skip
        """Keep the message, count it, and publish its events; returns its id."""
        store: SesStore = ctx.store
        sent = self._record(ctx, operation, source, recipients, msg, tags, config, record)
        mid, now = sent["Id"], sent["Sent"]
        # Both tables are in sending order (message ids begin with the sending time).
        store.messages[mid] = sent
        while len(store.messages) > KEPT_MESSAGES:
            store.messages.pop(next(iter(store.messages)), None)
        result = events.outcome(recipients, await self._suppressed(ctx))
        store.sends[mid] = (now, len(recipients), len(result.bounced), len(result.complained))
        while (oldest := next(iter(store.sends))) != mid and store.sends[oldest][0] < now - STATISTICS_SECONDS:
            store.sends.pop(oldest, None)
        identity = verified_identity(store, address_of(source))
        destinations = list(config.destinations) if config is not None else []
        topics = dict(identity.topics) if identity is not None else {}
        headers_in = list(identity.headers_in) if identity is not None else []
        await events.deliver(self.env.internal, sent, result, destinations, topics, headers_in)  # type: ignore[attr-defined]
        return mid

    def _record(
        self, ctx: "RequestContext", operation: str, source: str, recipients: list[str], msg: Message,
        tags: list[dict[str, str]] | None, config: Any, record: Params,
    ) -> Params:  # fmt: skip
        """What is kept of a message (and its events tell)."""
        now = ctx.clock.now()
        mid = message_id(now)
        address = address_of(source)
        identity = verified_identity(ctx.store, address)
        caller = ctx.identity.arn.rsplit("/", 1)[-1] if "/" in ctx.identity.arn else "root"
        return {
            "Id": mid,
            "Region": ctx.region,
            "AccountId": ctx.account_id,
            "Timestamp": events.iso_millis(now),
            "Sent": now,
            "Operation": operation,
            "Source": source,
            "SourceArn": identity_arn(ctx, identity.name if identity else address),
            "FromDomain": address.rpartition("@")[2] if msg.get("From") else "",
            "CallerIdentity": caller,
            "Recipients": recipients,
            "Headers": mime.headers(msg),
            "CommonHeaders": mime.common_headers(msg, mid),
            "Tags": list(tags or []),
            "ConfigurationSetName": config.name if config is not None else None,
            **record,
        }

    async def _suppressed(self, ctx: "RequestContext") -> set[str]:
        """The addresses on the account's suppression list (kept by SES v2)."""
        found: set[str] = set()
        params: Params = {}
        while True:
            try:
                page = await self.env.internal.call_async(  # type: ignore[attr-defined]
                    "sesv2", "ListSuppressedDestinations", params, account_id=ctx.account_id, region=ctx.region
                )
            except ServiceError:
                return found
            found.update(entry["EmailAddress"].lower() for entry in page.get("SuppressedDestinationSummaries", []))
            if not page.get("NextToken"):
                return found
            params = {"NextToken": page["NextToken"]}

    # -- the operations -----------------------------------------------------------------------

    async def send_email(self, ctx: "RequestContext", params: Params) -> Params:
        config = self._check(ctx, params, params["Source"], params.get("Tags"))
        message = params["Message"]
        subject = (message.get("Subject") or {}).get("Data")
        body = message.get("Body") or {}
        text, html = (body.get("Text") or {}).get("Data"), (body.get("Html") or {}).get("Data")
        return {"MessageId": await self._compose_and_send(ctx, "SendEmail", params, config, subject, text, html, {})}

    async def _compose_and_send(
        self, ctx: "RequestContext", operation: str, params: Params, config: Any,
        subject: str | None, text: str | None, html: str | None, extra: Params, destination: Params | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> str:  # fmt: skip
        destination = destination if destination is not None else params.get("Destination") or {}
        recipients = recipients_of(destination)
        msg = mime.finished(
            mime.compose(subject, text, html, source=params["Source"], destination=destination, reply_to=params.get("ReplyToAddresses"))
        )
        record = {
            "Destination": {k: list(v) for k, v in destination.items() if v},
            "Subject": subject,
            "Body": {"text_part": text, "html_part": html},
            **extra,
        }
        return await self._deliver(ctx, operation, params["Source"], recipients, msg, tags if tags is not None else params.get("Tags"), config, record)

    async def send_raw_email(self, ctx: "RequestContext", params: Params) -> Params:
        data = params["RawMessage"]["Data"]
        msg = mime.parse(data if isinstance(data, bytes) else str(data).encode())
        source = params.get("Source") or str(msg.get("From") or "")
        if not source:
            raise invalid_value("Missing required header 'From'.")
        config = self._check(ctx, params, source, params.get("Tags"))
        recipients = list(params.get("Destinations") or []) or mime.addresses(msg, "To", "Cc", "Bcc")
        if not recipients:
            raise invalid_value("Missing required header 'To'.")
        if len(recipients) > MAX_RECIPIENTS:
            raise invalid_value(f"Recipient count exceeds {MAX_RECIPIENTS}.")
        text, html = mime.text_parts(msg)
        record = {
            "RawData": data.decode(errors="replace") if isinstance(data, bytes) else str(data),
            "Destination": {"ToAddresses": recipients},
            "Subject": str(msg["Subject"]) if msg.get("Subject") is not None else None,
            "Body": {"text_part": text, "html_part": html},
        }
        mid = await self._deliver(ctx, "SendRawEmail", source, recipients, msg, params.get("Tags"), config, record)
        return {"MessageId": mid}

    async def _templated(
        self, ctx: "RequestContext", operation: str, params: Params, config: Any, data: str,
        destination: Params | None = None, tags: list[dict[str, str]] | None = None,
    ) -> str:  # fmt: skip
        """Render the template and send; a template that cannot be rendered with the data is
        accepted all the same, not sent, and reported as a ``Rendering Failure`` event (as
        AWS does, having already answered)."""
        template = get_template(ctx.store, params["Template"])
        values = template_data(data, template.name)
        extra = {"Template": template.name, "TemplateData": data}
        try:
            subject = render(template.subject, values, template.name, strict=True)
            text = render(template.text, values, template.name, strict=True)
            html = render(template.html, values, template.name, strict=True, escape=True)
        except ServiceError as error:
            if error.code not in ("MissingRenderingAttributeException", "InvalidTemplateException"):
                raise
            return await self._rendering_failure(ctx, operation, params, config, destination, tags, extra | {"RenderingFailure": error.message})
        return await self._compose_and_send(ctx, operation, params, config, subject, text, html, extra, destination, tags)

    async def _rendering_failure(
        self, ctx: "RequestContext", operation: str, params: Params, config: Any, destination: Params | None,
        tags: list[dict[str, str]] | None, record: Params,
    ) -> str:  # fmt: skip
        destination = destination if destination is not None else params.get("Destination") or {}
        msg = mime.finished(mime.compose(None, None, None, source=params["Source"], destination=destination))
        tags = tags if tags is not None else params.get("Tags")
        sent = self._record(ctx, operation, params["Source"], recipients_of(destination), msg, tags, config, {"Destination": destination, **record})
        ctx.store.messages[sent["Id"]] = sent
        destinations = list(config.destinations) if config is not None else []
        await events.rendering_failure(self.env.internal, sent, destinations, record["Template"], record["RenderingFailure"])  # type: ignore[attr-defined]
        return sent["Id"]

    async def send_templated_email(self, ctx: "RequestContext", params: Params) -> Params:
        config = self._check(ctx, params, params["Source"], params.get("Tags"))
        return {"MessageId": await self._templated(ctx, "SendTemplatedEmail", params, config, params["TemplateData"])}

    async def send_bulk_templated_email(self, ctx: "RequestContext", params: Params) -> Params:
        default_tags = params.get("DefaultTags") or []
        config = self._check(ctx, params, params["Source"], default_tags)
        get_template(ctx.store, params["Template"])
        status = []
        for entry in params["Destinations"]:
            tags = {t["Name"]: t for t in default_tags} | {t["Name"]: t for t in entry.get("ReplacementTags") or []}
            check_tags(list(tags.values()))
            data = entry.get("ReplacementTemplateData") or params.get("DefaultTemplateData") or "{}"
            mid = await self._templated(ctx, "SendBulkTemplatedEmail", params, config, data, entry["Destination"], list(tags.values()))
            status.append({"Status": "Success", "MessageId": mid})
        return {"Status": status}

    # -- quota and statistics -----------------------------------------------------------------

    def get_send_quota(self, ctx: "RequestContext", params: Params) -> Params:
        now = ctx.clock.now()
        sent = sum(counts[1] for counts in ctx.store.sends.values() if counts[0] > now - DAY)
        return {"Max24HourSend": MAX_24_HOUR_SEND, "MaxSendRate": MAX_SEND_RATE, "SentLast24Hours": float(sent)}

    def get_send_statistics(self, ctx: "RequestContext", params: Params) -> Params:
        now = ctx.clock.now()
        buckets: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for when, attempts, bounces, complaints in ctx.store.sends.values():
            if when > now - STATISTICS_SECONDS:
                bucket = buckets[int(when // 900) * 900]
                bucket[0] += attempts
                bucket[1] += bounces
                bucket[2] += complaints
        return {
            "SendDataPoints": [
                {
                    "Timestamp": datetime.fromtimestamp(start, timezone.utc),
                    "DeliveryAttempts": attempts, "Bounces": bounces, "Complaints": complaints, "Rejects": 0,
                }  # fmt: skip
                for start, (attempts, bounces, complaints) in sorted(buckets.items())
            ]
        }

    def get_account_sending_enabled(self, ctx: "RequestContext", params: Params) -> Params:
        return {"Enabled": ctx.store.settings.get("sending-enabled", True)}

    def update_account_sending_enabled(self, ctx: "RequestContext", params: Params) -> Params:
        ctx.store.settings["sending-enabled"] = bool(params.get("Enabled", False))
        return {}
