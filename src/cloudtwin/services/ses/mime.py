"""The MIME side of a message: composing what SendEmail and templates describe, reading what
SendRawEmail carries, and the header lists SES's events report."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses
from typing import Any

#: Header names in SES's ``commonHeaders`` (address lists).
_ADDRESS_HEADERS = {"from": "From", "to": "To", "cc": "Cc", "bcc": "Bcc", "replyTo": "Reply-To"}


def compose(
    subject: str | None,
    text: str | None,
    html: str | None,
    *,
    source: str | None = None,
    destination: dict[str, list[str]] | None = None,
    reply_to: list[str] | None = None,
) -> EmailMessage:
    """The message SES sends for a Subject/Text/Html content (multipart/alternative when it
    has both parts)."""
    msg = EmailMessage(policy=policy.SMTP)
    if source:
        msg["From"] = source
    for header, key in (("To", "ToAddresses"), ("Cc", "CcAddresses")):
        if destination and destination.get(key):
            msg[header] = ", ".join(destination[key])
    if reply_to:
        msg["Reply-To"] = ", ".join(reply_to)
    msg["Subject"] = subject or ""
    msg["MIME-Version"] = "1.0"
    if text is not None:
        msg.set_content(text)
    if html is not None:
        if text is not None:
            msg.add_alternative(html, subtype="html")
        else:
            msg.set_content(html, subtype="html")
    if text is None and html is None:
        msg.set_content("")
    return msg


def parse(data: bytes) -> Message:
    return message_from_bytes(data, policy=policy.default)


def finished(msg: EmailMessage) -> Message:
    """``msg`` as sent: serialized (its boundaries chosen) and read back."""
    return parse(msg.as_bytes())


def headers(msg: Message) -> list[dict[str, str]]:
    """``[{"name": ..., "value": ...}]`` in the message's order, unfolded."""
    return [{"name": name, "value": re.sub(r"\r?\n", "", str(value))} for name, value in msg.items()]


def common_headers(msg: Message, message_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, header in _ADDRESS_HEADERS.items():
        values = msg.get_all(header)
        if values:
            out[key] = [str(v) for v in values]
    out["messageId"] = message_id
    if msg.get("Date"):
        out["date"] = str(msg["Date"])
    if msg.get("Subject") is not None:
        out["subject"] = str(msg["Subject"])
    return out


def addresses(msg: Message, *names: str) -> list[str]:
    """The bare addresses in the message's ``names`` headers."""
    values = [str(v) for name in names for v in (msg.get_all(name) or [])]
    return [address for _, address in getaddresses(values) if address]


def text_parts(msg: Message) -> tuple[str | None, str | None]:
    """The message's (text, html) bodies, where it has them."""
    text = html = None
    for part in msg.walk() if msg.is_multipart() else [msg]:
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        try:
            content = part.get_content()
        except (LookupError, ValueError, AttributeError):
            continue
        if not isinstance(content, str):
            continue
        if kind == "text/plain" and text is None:
            text = content
        elif kind == "text/html" and html is None:
            html = content
    return text, html
