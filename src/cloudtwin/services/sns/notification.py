"""What Publish hands to the fan-out: one published message, checked, and the envelopes
SNS wraps it in for each subscription.

``Notification`` is built once per Publish (or batch entry); :func:`envelope` renders the
JSON document an SQS queue (without raw delivery) or an HTTP endpoint receives, signed.
"""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sns.attributes import invalid
from cloudtwin.services.sns.signing import Signer

MAX_MESSAGE_BYTES = 262_144
MAX_SUBJECT = 100
MAX_ATTRIBUTES = 10
_NAME_BAD_CHAR = re.compile(r"[^A-Za-z0-9_\-.]")
# ``String``, ``Number`` or ``Binary``, optionally with a custom suffix (``Number.float``).
_DATA_TYPE = re.compile(r"^(?:String|Number|Binary)(?:\..+)?$", re.DOTALL)
_SUBJECT_BAD = re.compile(r"[\x00-\x1f]")


def _value_error(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message)


@dataclass(slots=True)
class Notification:
    message_id: str
    topic_arn: str
    message: str
    timestamp: float
    subject: str | None = None
    #: protocol -> message text, from MessageStructure=json ("default" is ``message``).
    per_protocol: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    group_id: str | None = None
    dedup_id: str | None = None
    sequence_number: str | None = None
    #: (signature version, message text) -> signature: the signed fields do not depend on
    #: the subscription, so one RSA signature serves every subscriber of a protocol.
    signatures: dict[tuple[str, str], str] = field(default_factory=dict)

    def text_for(self, protocol: str) -> str:
        return self.per_protocol.get(protocol, self.message)


def iso_timestamp(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def message_size(message: str, attributes: dict[str, dict[str, Any]]) -> int:
    """What counts against the 256 KiB limit: the message, and each attribute's name,
    data type and value."""
    size = len(message.encode())
    for name, attribute in attributes.items():
        value = attribute.get("StringValue")
        if value is None:
            value = attribute.get("BinaryValue") or b""
        size += len(name.encode()) + len(attribute.get("DataType", "").encode())
        size += len(value.encode() if isinstance(value, str) else value)
    return size


def check_message(
    message: str, structure: str | None, subject: str | None, attributes: dict[str, dict[str, Any]] | None = None
) -> dict[str, str]:
    """Checks a Publish's text; returns the per-protocol messages (``{}`` unless json)."""
    if message is None or message == "":
        raise invalid("Empty message")
    if message_size(message, attributes or {}) > MAX_MESSAGE_BYTES:
        raise invalid("Message too long")
    if subject is not None:
        if subject == "" or len(subject) > MAX_SUBJECT or _SUBJECT_BAD.search(subject) or not subject.isascii():
            raise invalid("Subject")
    if structure is None:
        return {}
    if structure != "json":
        raise invalid("MessageStructure")
    try:
        document = read_json(message)
    except ValueError:
        raise invalid("Message Structure - JSON message body failed to parse") from None
    if not isinstance(document, dict):
        raise invalid("Message Structure - JSON message body failed to parse")
    if "default" not in document:
        raise invalid("Message Structure - No default entry in JSON message body")
    out: dict[str, str] = {}
    for key, value in document.items():
        if not isinstance(value, str):
            raise invalid("Message Structure - JSON message body failed to parse")
        out[key] = value
    return out


def _check_attribute_name(name: str) -> None:
    if len(name.encode()) > 256:
        raise _value_error("Length of message attribute name must be less than 256 bytes.")
    bad = _NAME_BAD_CHAR.search(name)
    if bad is not None:
        raise _value_error(
            f"Invalid non-alphanumeric character '#x{ord(bad.group()):X}' was found in the message "
            "attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots."
        )
    if name.startswith("."):
        raise _value_error("Invalid message attribute name starting with character '.' was found.")
    if name.endswith("."):
        raise _value_error("Invalid message attribute name ending with character '.' was found.")
    if ".." in name:
        raise _value_error("Message attribute name can not have successive '.' character.")
    if name.startswith(("AWS.", "Amazon.")):
        raise _value_error(f"Invalid attribute name: {name}")


def check_attributes(attributes: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Checks MessageAttributes as SNS does; returns them unchanged."""
    if not attributes:
        return {}
    if len(attributes) > MAX_ATTRIBUTES:
        raise _value_error(f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum [{MAX_ATTRIBUTES}].")
    for name, attribute in attributes.items():
        _check_attribute_name(name)
        kind = attribute.get("DataType", "")
        if not _DATA_TYPE.match(kind):
            raise _value_error(
                f"The message attribute '{name}' has an invalid message attribute type, "
                "the set of supported type prefixes is Binary, Number, and String."
            )
        base = kind.split(".", 1)[0]
        string, binary = attribute.get("StringValue"), attribute.get("BinaryValue")
        if base == "Binary":
            if binary is None and string is not None:
                raise _value_error(f"The message attribute '{name}' with type 'Binary' must use field 'Binary'.")
            if not binary:
                raise _value_error(
                    f"The message attribute '{name}' must contain non-empty message attribute "
                    "value for message attribute type 'Binary'."
                )
            continue
        if string is None and binary is not None:
            raise _value_error(f"The message attribute '{name}' with type '{base}' must use field 'String'.")
        if string is None or string == "":
            raise _value_error(
                f"The message attribute '{name}' must contain non-empty message attribute "
                f"value for message attribute type '{base}'."
            )
        value = string
        if base == "Number":
            try:
                number = float(value)
            except ValueError:
                raise _value_error(f"Could not cast message attribute '{name}' value to number.") from None
            if not math.isfinite(number) or abs(number) > 1e126:
                raise _value_error(f"Could not cast message attribute '{name}' value to number.")
        if kind == "String.Array":
            try:
                items = read_json(value)
            except ValueError:
                items = None
            if not isinstance(items, list) or any(isinstance(i, (dict, list)) for i in items):
                raise _value_error(
                    f"The message attribute '{name}' has an invalid value. "
                    "The value must be a JSON array of strings, numbers, true, false, or null."
                )
    return attributes


def envelope_attributes(attributes: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """MessageAttributes as the JSON envelope carries them: ``{"Type", "Value"}``."""
    out: dict[str, dict[str, str]] = {}
    for name, attribute in attributes.items():
        kind = attribute.get("DataType", "String")
        if kind.startswith("Binary"):
            raw = attribute.get("BinaryValue") or b""
            value = base64.b64encode(raw if isinstance(raw, bytes) else raw.encode()).decode()
        else:
            value = attribute.get("StringValue", "")
        out[name] = {"Type": kind, "Value": value}
    return out


@dataclass(frozen=True, slots=True)
class Urls:
    """Where the server is reachable, for the URLs messages carry."""

    base: str  # e.g. "http://localhost:4566"
    cert_path: str  # "/_cloudtwin/sns/SimpleNotificationService-<id>.pem"

    # AWS writes the ARNs into these URLs as they are, colons included (not percent-encoded).

    def unsubscribe(self, subscription_arn: str) -> str:
        return f"{self.base}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}"

    def subscribe(self, topic_arn: str, token: str) -> str:
        return f"{self.base}/?Action=ConfirmSubscription&TopicArn={topic_arn}&Token={token}"

    @property
    def certificate(self) -> str:
        return self.base + self.cert_path


def notification_document(
    note: Notification, protocol: str, subscription_arn: str, signer: Signer, version: str, urls: Urls
) -> dict[str, Any]:
    """The signed JSON envelope of a notification, as a dict in AWS's key order."""
    doc: dict[str, Any] = {"Type": "Notification", "MessageId": note.message_id}
    if note.sequence_number is not None:
        doc["SequenceNumber"] = note.sequence_number
    doc["TopicArn"] = note.topic_arn
    if note.subject is not None:
        doc["Subject"] = note.subject
    doc["Message"] = note.text_for(protocol)
    doc["Timestamp"] = iso_timestamp(note.timestamp)
    if note.sequence_number is not None:
        # A FIFO topic's notifications (to SQS, the only protocol it delivers to) are unsigned.
        doc["UnsubscribeURL"] = urls.unsubscribe(subscription_arn)
        if note.attributes:
            doc["MessageAttributes"] = envelope_attributes(note.attributes)
        return doc
    doc["SignatureVersion"] = version
    key = (version, doc["Message"])
    signature = note.signatures.get(key)
    if signature is None:
        signature = note.signatures[key] = signer.sign(doc, version)
    doc["Signature"] = signature
    doc["SigningCertURL"] = urls.certificate
    doc["UnsubscribeURL"] = urls.unsubscribe(subscription_arn)
    if note.attributes:
        doc["MessageAttributes"] = envelope_attributes(note.attributes)
    return doc


def confirmation_document(
    kind: str, message_id: str, topic_arn: str, token: str, timestamp: float,
    signer: Signer, version: str, urls: Urls,
) -> dict[str, Any]:
    """A SubscriptionConfirmation / UnsubscribeConfirmation message, signed."""
    if kind == "SubscriptionConfirmation":
        text = (
            f"You have chosen to subscribe to the topic {topic_arn}.\n"
            "To confirm the subscription, visit the SubscribeURL included in this message."
        )
    else:
        text = (
            f"You have chosen to deactivate subscription to the topic {topic_arn}.\n"
            "To cancel this operation and restore the subscription, visit the SubscribeURL "
            "included in this message."
        )
    doc: dict[str, Any] = {
        "Type": kind,
        "MessageId": message_id,
        "Token": token,
        "TopicArn": topic_arn,
        "Message": text,
        "SubscribeURL": urls.subscribe(topic_arn, token),
        "Timestamp": iso_timestamp(timestamp),
        "SignatureVersion": version,
    }
    doc["Signature"] = signer.sign(doc, version)
    doc["SigningCertURL"] = urls.certificate
    return doc


def render(document: dict[str, Any]) -> str:
    """JSON as SNS writes it: one ``"key" : value`` per line, two-space indent, and each
    message attribute compact on its own line (``"name" : {"Type":"String","Value":"v"}``)."""
    lines = []
    for key, value in document.items():
        if key == "MessageAttributes":
            inner = ",\n".join(
                f"    {_str(name)} : {_dump_compact(attr)}"
                for name, attr in value.items()
            )
            lines.append(f'  "MessageAttributes" : {{\n{inner}\n  }}')
        else:
            lines.append(f"  {_str(key)} : {_str(value) if type(value) is str else _dump(value)}")
    return "{\n" + ",\n".join(lines) + "\n}"


#: One encoder for every field (``json.dumps`` with options builds a new one per call);
#: a string straight through the C function the encoder would call for it.
_dump = json.JSONEncoder(ensure_ascii=False).encode
_str = json.encoder.encode_basestring
_dump_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
