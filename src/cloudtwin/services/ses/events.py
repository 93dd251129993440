"""What a sent message tells the SNS topics watching it: the ``Send`` and ``Delivery``
events of its configuration set's SNS event destinations, and the ``Delivery`` notification
of its identity's notification topic. Published through cloudtwin's SNS (the internal
client), in the sender's account and region, while the send request runs."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.events.internal import InternalClient

log = logging.getLogger("cloudtwin.ses")

EVENT_SUBJECT = "Amazon SES Email Event Notification"
VALIDATION_MESSAGE = "Successfully validated SNS topic for Amazon SES event publishing."
#: The MTA AWS names in delivery events, and the SMTP answer of a delivered message.
REPORTING_MTA = "a0-0.smtp-out.amazonses.com"
SMTP_RESPONSE = "250 2.0.0 OK"
LOCAL_IP = "127.0.0.1"


def iso_millis(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(epoch * 1000) % 1000:03d}Z"


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
        tags["ses:outgoing-ip"] = [LOCAL_IP]
    mail["tags"] = {name: values for name, values in tags.items() if values}
    return mail


def delivery_object(sent: dict[str, Any]) -> dict[str, Any]:
    return {
        "timestamp": iso_millis(sent["Sent"]),
        "processingTimeMillis": 0,
        "recipients": list(sent["Recipients"]),
        "smtpResponse": SMTP_RESPONSE,
        "reportingMTA": REPORTING_MTA,
    }


def configuration_set_events(sent: dict[str, Any], destinations: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """``(topic ARN, event)`` for each enabled SNS event destination matching each event a
    delivered message makes (``send``, then ``delivery``)."""
    out = []
    for kind, member, body in (("send", "send", {}), ("delivery", "delivery", delivery_object(sent))):
        for destination in destinations:
            topic = (destination.get("SNSDestination") or {}).get("TopicARN")
            if not topic or not destination.get("Enabled", False) or kind not in destination.get("MatchingEventTypes", []):
                continue
            event = {"eventType": kind.capitalize(), "mail": mail_object(sent, delivered=kind == "delivery"), member: body}
            out.append((topic, event))
    return out


def identity_notification(sent: dict[str, Any], headers: bool) -> dict[str, Any]:
    """The ``Delivery`` notification an identity's notification topic receives."""
    return {"notificationType": "Delivery", "mail": mail_object(sent, headers=headers, delivered=True), "delivery": delivery_object(sent)}


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


async def deliver(internal: "InternalClient", sent: dict[str, Any], destinations: list[dict[str, Any]], identity_topic: str | None, headers_in: bool) -> None:
    account, region = sent["AccountId"], sent["Region"]
    for topic, event in configuration_set_events(sent, destinations):
        await publish(internal, topic, json.dumps(event), EVENT_SUBJECT, account, region)
    if identity_topic:
        await publish(internal, identity_topic, json.dumps(identity_notification(sent, headers_in)), None, account, region)
