"""Receiving mail: a message handed to ``POST /_cloudtwin/ses/inbound`` goes through the
active receipt rule set as SES would run it on mail it receives — each enabled rule whose
recipient conditions match (an address, a domain, or ``.domain`` for its subdomains; none:
every recipient), its actions in order: ``AddHeader`` (for the actions after it), ``S3``
(the message stored as ``<prefix><message id>``), ``SNS`` (the content in the notification),
``Lambda`` (``Event`` or ``RequestResponse``, whose ``disposition`` may stop the rule or the
rule set), ``Bounce`` and ``Stop`` (its topic notified), each action's ``TopicArn`` notified
with AWS's ``Received`` notification. Calls go through the internal client; the actions run
after the endpoint answers (as SES receives asynchronously), their outcome is listed by
``GET /_cloudtwin/ses/inbound``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
import string
from email.message import Message
from typing import TYPE_CHECKING, Any

from cloudtwin.control.payload import ControlError
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ses import events, mime
from cloudtwin.services.ses.models import SesStore
from cloudtwin.services.ses.receipt_rules import ACTIVE

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.events.internal import InternalClient

log = logging.getLogger("cloudtwin.ses")

RECEIPT_SUBJECT = "Amazon SES Email Receipt Notification"
VERDICTS = ("spamVerdict", "virusVerdict", "spfVerdict", "dkimVerdict", "dmarcVerdict")
#: How many received messages each account and region lists.
KEPT_RECEIVED = 1000


def received_id() -> str:
    """An id like those of received mail: 40 lower-case letters and digits."""
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(40))


def matches(rule: dict[str, Any], recipient: str) -> bool:
    conditions = rule.get("Recipients") or []
    if not conditions:
        return True
    address = recipient.lower()
    domain = address.rpartition("@")[2]
    for condition in (c.lower() for c in conditions):
        if address == condition or domain == condition or (condition.startswith(".") and domain.endswith(condition)):
            return True
    return False


class Inbound:
    """One received message going through a rule set."""

    def __init__(self, internal: "InternalClient", store: SesStore, msg: Message, raw: bytes, sender: str, recipients: list[str], now: float) -> None:
        self.internal, self.store, self.msg, self.raw = internal, store, msg, raw
        self.sender, self.recipients, self.now = sender, recipients, now
        self.id = received_id()
        self.account, self.region = store.account_id, store.region
        self.log: list[dict[str, Any]] = []

    # -- what SES reports ---------------------------------------------------------------------

    def mail(self) -> dict[str, Any]:
        return {
            "timestamp": events.iso_millis(self.now), "source": self.sender, "messageId": self.id,
            "destination": list(self.recipients), "headersTruncated": False,
            "headers": mime.headers(self.msg), "commonHeaders": mime.common_headers(self.msg, self.id),
        }  # fmt: skip

    def receipt(self, recipients: list[str], action: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"timestamp": events.iso_millis(self.now), "processingTimeMillis": 0, "recipients": recipients}
        out |= {verdict: {"status": "PASS"} for verdict in VERDICTS}
        out["action"] = action
        return out

    async def notify(self, topic: str | None, recipients: list[str], action: dict[str, Any], content: str | None = None) -> None:
        if not topic:
            return
        notification: dict[str, Any] = {"notificationType": "Received", "mail": self.mail(), "receipt": self.receipt(recipients, action)}
        if content is not None:
            notification["content"] = content
        await events.publish(self.internal, topic, json.dumps(notification), RECEIPT_SUBJECT, self.account, self.region)

    async def call(self, service: str, operation: str, params: dict[str, Any], arn: str | None = None) -> dict[str, Any]:
        account, region = self.account, self.region
        parts = (arn or "").split(":")
        if len(parts) >= 6:
            region, account = parts[3] or region, parts[4] or account
        return await self.internal.call_async(service, operation, params, account_id=account, region=region)

    # -- the rule set -------------------------------------------------------------------------

    async def run(self, rules: list[dict[str, Any]]) -> None:
        for rule in rules:
            recipients = [r for r in self.recipients if matches(rule, r)]
            if not rule.get("Enabled", False) or not recipients:
                continue
            outcome = await self._rule(rule, recipients)
            if outcome == "STOP_RULE_SET":
                return

    async def _rule(self, rule: dict[str, Any], recipients: list[str]) -> str:
        for action in rule.get("Actions") or []:
            kind, spec = next(iter(action.items()))
            entry: dict[str, Any] = {"rule": rule["Name"], "action": kind.removesuffix("Action"), "outcome": "done"}
            self.log.append(entry)
            try:
                outcome = await self._action(kind, spec, recipients)
            except ServiceError as error:
                entry |= {"outcome": "failed", "error_code": error.code, "error_message": error.message}
                log.warning("SES receipt rule %s action %s failed: %s", rule["Name"], kind, error)
                continue
            if outcome in ("STOP_RULE", "STOP_RULE_SET"):
                entry["outcome"] = outcome.lower()
                return outcome
        return "CONTINUE"

    async def _action(self, kind: str, spec: dict[str, Any], recipients: list[str]) -> str:
        topic = spec.get("TopicArn")
        if kind == "AddHeaderAction":
            self.raw = f"{spec['HeaderName']}: {spec['HeaderValue']}\r\n".encode() + self.raw
            self.msg = mime.parse(self.raw)
        elif kind == "S3Action":
            key = f"{spec.get('ObjectKeyPrefix') or ''}{self.id}"
            await self.call("s3", "PutObject", {"Bucket": spec["BucketName"], "Key": key, "Body": self.raw})
            action = {"type": "S3", "bucketName": spec["BucketName"], "objectKeyPrefix": spec.get("ObjectKeyPrefix") or "", "objectKey": key}
            await self.notify(topic, recipients, ({"topicArn": topic} if topic else {}) | action)
        elif kind == "SNSAction":
            encoding = spec.get("Encoding") or "UTF-8"
            content = self.raw.decode(errors="replace") if encoding == "UTF-8" else base64.b64encode(self.raw).decode()
            await self.notify(topic, recipients, {"type": "SNS", "topicArn": topic, "encoding": encoding}, content)
        elif kind == "LambdaAction":
            invocation = spec.get("InvocationType") or "Event"
            action = {"type": "Lambda", "functionArn": spec["FunctionArn"], "invocationType": invocation}
            event = {"Records": [{"eventSource": "aws:ses", "eventVersion": "1.0",
                                  "ses": {"mail": self.mail(), "receipt": self.receipt(recipients, action)}}]}  # fmt: skip
            answer = await self.call("lambda", "Invoke", {"FunctionName": spec["FunctionArn"], "InvocationType": invocation,
                                                          "Payload": json.dumps(event).encode()}, spec["FunctionArn"])  # fmt: skip
            await self.notify(topic, recipients, ({"topicArn": topic} if topic else {}) | action)
            if invocation == "RequestResponse":
                return _disposition(answer.get("Payload"))
        elif kind == "BounceAction":
            action = {"type": "Bounce", "smtpReplyCode": spec["SmtpReplyCode"], "statusCode": spec.get("StatusCode", ""),
                      "message": spec["Message"], "sender": spec["Sender"]}  # fmt: skip
            await self.notify(topic, recipients, ({"topicArn": topic} if topic else {}) | action)
        elif kind == "StopAction":
            await self.notify(topic, recipients, {"type": "Stop", "topicArn": topic} if topic else {"type": "Stop"})
            return "STOP_RULE_SET"
        else:  # WorkMail, Amazon Connect: not run by cloudtwin
            raise ServiceError("NotImplemented", f"{kind} is not carried out by cloudtwin")
        return "CONTINUE"


def _disposition(payload: Any) -> str:
    data = payload.read() if hasattr(payload, "read") else payload
    try:
        answer = json.loads(data or b"null")
    except (TypeError, ValueError):
        return "CONTINUE"
    disposition = str(answer.get("disposition", "CONTINUE")).upper() if isinstance(answer, dict) else "CONTINUE"
    return disposition if disposition in ("STOP_RULE", "STOP_RULE_SET") else "CONTINUE"


class InboundEndpoint:
    """``POST /_cloudtwin/ses/inbound`` (receive a message) and ``GET`` (what was received)."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider
        self._tasks: set[asyncio.Task] = set()

    def _store(self, params: dict[str, Any]) -> SesStore:
        config = self.provider.env.config
        return self.provider.stores.get(params.get("account") or config.default_account, params.get("region") or config.default_region)

    def receive(self, params: dict[str, Any]) -> dict[str, Any]:
        store = self._store(params)
        if params.get("raw") is None and params.get("raw_base64") is None:
            raise ControlError(400, "give the message as 'raw' (text) or 'raw_base64'")
        try:
            raw = base64.b64decode(params["raw_base64"]) if params.get("raw_base64") is not None else str(params["raw"]).encode()
        except ValueError:
            raise ControlError(400, "'raw_base64' is not base64") from None
        msg = mime.parse(raw)
        recipients = params.get("recipients") or mime.addresses(msg, "To", "Cc")
        sender = params.get("sender") or next(iter(mime.addresses(msg, "From")), "")
        if not recipients or not isinstance(recipients, list):
            raise ControlError(400, "no recipients: give 'recipients' or a To header")
        inbound = Inbound(self.provider.env.internal, store, msg, raw, sender, [str(r) for r in recipients], self.provider.env.clock.now())
        name = store.settings.get(ACTIVE)
        rule_set = store.rule_sets.get(name) if name else None
        rules = [dict(r) for r in rule_set.rules] if rule_set is not None else []
        record = {"messageId": inbound.id, "timestamp": events.iso_millis(inbound.now), "source": sender,
                  "recipients": inbound.recipients, "ruleSet": name if rule_set is not None else None, "actions": inbound.log}  # fmt: skip
        store.received[inbound.id] = record
        while len(store.received) > KEPT_RECEIVED:
            store.received.pop(next(iter(store.received)), None)
        task = asyncio.get_running_loop().create_task(self._run(inbound, rules, store))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return record

    async def _run(self, inbound: Inbound, rules: list[dict[str, Any]], store: SesStore) -> None:
        try:
            await inbound.run(rules)
        finally:
            if inbound.id in store.received:
                store.received[inbound.id] = {**store.received[inbound.id], "actions": inbound.log, "done": True}

    def list(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"received": list(self._store(params).received.values())}
