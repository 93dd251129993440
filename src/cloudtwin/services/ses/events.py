"""What a sent message tells those watching it: the events of its configuration set's SNS
and EventBridge event destinations (``Send``, then ``Delivery``, ``Bounce``, ``Complaint``)
and the notifications of its identity's Bounce / Complaint / Delivery topics. Published
through cloudtwin's SNS and EventBridge (the internal client) while the send request runs.

Every recipient is delivered, except the addresses of AWS's mailbox simulator
(``<kind>[+label]@simulator.amazonses.com``): ``bounce`` bounces (permanent, ``General``),
``suppressionlist`` bounces as suppressed, ``complaint`` is delivered and complains;
``success`` and ``ooto`` are delivered. Addresses on the account's suppression list (SES
v2's) bounce as ``OnAccountSuppressionList``.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.events.internal import InternalClient

log = logging.getLogger("cloudtwin.ses")

EVENT_SUBJECT = "Amazon SES Email Event Notification"
VALIDATION_MESSAGE = "Successfully validated SNS topic for Amazon SES event publishing."
SIMULATOR_DOMAIN = "simulator.amazonses.com"
#: The MTA AWS names in delivery events, and the SMTP answer of a delivered message.
REPORTING_MTA = "a0-0.smtp-out.amazonses.com"
SMTP_RESPONSE = "250 2.0.0 OK"
#: Where the request came from, and the address the (imaginary) MTA sends from.
LOCAL_IP = "127.0.0.1"
OUTGOING_IP = "54.240.0.1"
_SUPPRESSED = (
    "Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an "
    "invalid address. For more information about how to remove an address from the suppression list, see "
    "the Amazon SES Developer Guide: http://docs.aws.amazon.com/ses/latest/DeveloperGuide/remove-from-suppressionlist.html "
)

_ON_ACCOUNT_LIST = (
    "Amazon SES did not send the message to this address because it is on the suppression list for your account. "
    "For more information about removing addresses from the suppression list, see the Amazon SES Developer Guide at "
    "https://docs.aws.amazon.com/ses/latest/DeveloperGuide/sending-email-suppression-list.html"
)
#: A bounce's diagnostic code by bounce sub-type (else an SMTP ``user unknown``).
_DIAGNOSTICS = {"Suppressed": _SUPPRESSED, "OnAccountSuppressionList": _ON_ACCOUNT_LIST}


def iso_millis(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(epoch * 1000) % 1000:03d}Z"


@dataclass(slots=True)
class Outcome:
    """What became of a message's recipients."""

    delivered: list[str] = field(default_factory=list)
    #: (address, bounce sub-type)
    bounced: list[tuple[str, str]] = field(default_factory=list)
    complained: list[str] = field(default_factory=list)


def outcome(recipients: list[str], suppressed: "set[str] | frozenset[str]" = frozenset()) -> Outcome:
    """Each recipient's fate; ``suppressed``: the (lower-cased) addresses on the account's
    suppression list."""
    out = Outcome()
    for address in recipients:
        local, _, domain = address.rpartition("@")
        kind = local.partition("+")[0].lower() if domain.lower() == SIMULATOR_DOMAIN else ""
        if address.lower() in suppressed and not kind:
            out.bounced.append((address, "OnAccountSuppressionList"))
        elif kind == "bounce":
            out.bounced.append((address, "General"))
        elif kind == "suppressionlist":
            out.bounced.append((address, "Suppressed"))
        else:
            out.delivered.append(address)
            if kind == "complaint":
                out.complained.append(address)
    return out


def mail_object(sent: dict[str, Any], *, headers: bool = True, delivered: bool = False) -> dict[str, Any]:
    """The ``mail`` member of SES's events and notifications for a sent message (``sent``
    is the record ``sending.py`` keeps)."""
    mail: dict[str, Any] = {
        "timestamp": iso_millis(sent["Sent"]),
        "source": sent["Source"],
        "sourceArn": sent["SourceArn"],
        "sendingAccountId": sent["AccountId"],
        "messageId": sent["Id"],
        "destination": list(sent["Recipients"]),
    }
    if headers:
        mail |= {"headersTruncated": False, "headers": sent["Headers"], "commonHeaders": sent["CommonHeaders"]}
    tags: dict[str, list[str]] = {
        "ses:operation": [sent["Operation"]],
        "ses:configuration-set": [sent["ConfigurationSetName"]] if sent.get("ConfigurationSetName") else [],
        "ses:source-ip": [LOCAL_IP],
        "ses:from-domain": [sent["FromDomain"]] if sent.get("FromDomain") else [],
    }
    for tag in sent.get("Tags") or []:
        tags.setdefault(tag["Name"], []).append(tag["Value"])
    tags["ses:caller-identity"] = [sent["CallerIdentity"]]
    if delivered:
        tags["ses:outgoing-ip"] = [OUTGOING_IP]
    mail["tags"] = {name: values for name, values in tags.items() if values}
    return mail


def _feedback_id(sent: dict[str, Any]) -> str:
    return f"{sent['Id'][:16]}-{uuid.uuid4()}-000000"


def delivery_object(sent: dict[str, Any], recipients: list[str]) -> dict[str, Any]:
    return {
        "timestamp": iso_millis(sent["Sent"]),
        "processingTimeMillis": 0,
        "recipients": recipients,
        "smtpResponse": SMTP_RESPONSE,
        "reportingMTA": REPORTING_MTA,
    }


def bounce_object(sent: dict[str, Any], bounced: list[tuple[str, str]]) -> dict[str, Any]:
    sub_type = bounced[0][1]
    recipients = []
    for address, kind in bounced:
        recipient = {"emailAddress": address, "action": "failed", "status": "5.1.1"}
        recipient["diagnosticCode"] = _DIAGNOSTICS.get(kind, "smtp; 550 5.1.1 user unknown")
        recipients.append(recipient)
    return {
        "feedbackId": _feedback_id(sent),
        "bounceType": "Permanent",
        "bounceSubType": sub_type,
        "bouncedRecipients": recipients,
        "timestamp": iso_millis(sent["Sent"]),
        "reportingMTA": f"dsn; {REPORTING_MTA}",
    }


def complaint_object(sent: dict[str, Any], complained: list[str]) -> dict[str, Any]:
    return {
        "feedbackId": _feedback_id(sent),
        "complaintSubType": None,
        "complainedRecipients": [{"emailAddress": address} for address in complained],
        "timestamp": iso_millis(sent["Sent"]),
        "userAgent": "Amazon SES Mailbox Simulator",
        "complaintFeedbackType": "abuse",
        "arrivalDate": iso_millis(sent["Sent"]),
    }


def happenings(sent: dict[str, Any], result: Outcome) -> list[tuple[str, str, dict[str, Any]]]:
    """``(notification type, member, body)`` for what happened after the send: ``Delivery``,
    ``Bounce``, ``Complaint`` (each only when it concerns some recipient)."""
    out = []
    if result.delivered:
        out.append(("Delivery", "delivery", delivery_object(sent, result.delivered)))
    if result.bounced:
        out.append(("Bounce", "bounce", bounce_object(sent, result.bounced)))
    if result.complained:
        out.append(("Complaint", "complaint", complaint_object(sent, result.complained)))
    return out


async def publish(internal: "InternalClient", topic: str, message: str, subject: str | None, account: str, region: str) -> bool:
    """Publish to an SNS topic (in the topic's own region and account); False when SNS
    refuses (the topic is gone...): the send itself still succeeds, as in AWS."""
    parts = topic.split(":")
    if len(parts) >= 6:
        region, account = parts[3] or region, parts[4] or account
    params: dict[str, Any] = {"TopicArn": topic, "Message": message}
    if subject:
        params["Subject"] = subject
    try:
        await internal.call_async("sns", "Publish", params, account_id=account, region=region)
    except ServiceError as error:
        log.warning("SES could not publish to %s: %s", topic, error)
        return False
    return True


#: The detail type of each event on an EventBridge bus.
DETAIL_TYPES = {
    "Send": "Email Sent", "Delivery": "Email Delivered", "Bounce": "Email Bounced",
    "Complaint": "Email Complaint Received", "Rendering Failure": "Email Rendering Failed",
}  # fmt: skip


async def put_event(internal: "InternalClient", bus: str, kind: str, event: dict[str, Any], sent: dict[str, Any]) -> None:
    """An event destination's EventBridge bus (SES v2) receives the event as an
    ``aws.ses`` event's detail."""
    parts = bus.split(":")
    account, region = (parts[4], parts[3]) if len(parts) >= 6 else (sent["AccountId"], sent["Region"])
    partition = sent["SourceArn"].split(":")[1]
    arn = f"arn:{partition}:ses:{sent['Region']}:{sent['AccountId']}:configuration-set/{sent['ConfigurationSetName']}"
    entry = {"Source": "aws.ses", "DetailType": DETAIL_TYPES[kind], "Detail": json.dumps(event), "EventBusName": bus, "Resources": [arn]}
    try:
        await internal.call_async("events", "PutEvents", {"Entries": [entry]}, account_id=account, region=region)
    except ServiceError as error:
        log.warning("SES could not put an event on %s: %s", bus, error)


async def deliver(
    internal: "InternalClient", sent: dict[str, Any], result: Outcome, destinations: list[dict[str, Any]],
    topics: dict[str, str], headers_in: list[str],
) -> None:  # fmt: skip
    """Publish the message's events to its configuration set's SNS destinations, then the
    notifications to its identity's topics."""
    account, region = sent["AccountId"], sent["Region"]
    after = happenings(sent, result)
    events = [("Send", "send", {}), *after]
    for kind, member, body in events:
        for destination in destinations:
            if not destination.get("Enabled", False) or kind.lower() not in destination.get("MatchingEventTypes", []):
                continue
            event = {"eventType": kind, "mail": mail_object(sent, delivered=kind != "Send"), member: body}
            if topic := (destination.get("SNSDestination") or {}).get("TopicARN"):
                await publish(internal, topic, json.dumps(event), EVENT_SUBJECT, account, region)
            if bus := (destination.get("EventBridgeDestination") or {}).get("EventBusARN"):
                await put_event(internal, bus, kind, event, sent)
    for kind, member, body in after:
        if kind in topics:
            notification = {"notificationType": kind, "mail": mail_object(sent, headers=kind in headers_in, delivered=True), member: body}
            await publish(internal, topics[kind], json.dumps(notification), None, account, region)


async def rendering_failure(internal: "InternalClient", sent: dict[str, Any], destinations: list[dict[str, Any]], template: str, error: str) -> None:
    """A templated message that could not be rendered: the ``Rendering Failure`` event of the
    destinations that match ``renderingFailure``."""
    event = {"eventType": "Rendering Failure", "mail": mail_object(sent, headers=False), "failure": {"errorMessage": error, "templateName": template}}
    for destination in destinations:
        if not destination.get("Enabled", False) or "renderingFailure" not in destination.get("MatchingEventTypes", []):
            continue
        if topic := (destination.get("SNSDestination") or {}).get("TopicARN"):
            await publish(internal, topic, json.dumps(event), EVENT_SUBJECT, sent["AccountId"], sent["Region"])
        if bus := (destination.get("EventBridgeDestination") or {}).get("EventBusARN"):
            await put_event(internal, bus, "Rendering Failure", event, sent)
