"""``GET /_cloudtwin/sqs/messages``: a queue's messages as tests want to see them, without
receiving them (visibility, receive counts and positions are left untouched)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from cloudtwin.control.payload import ControlError
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sqs.addressing import parse_queue_url

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.sqs.broker import Broker

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"


def _json_attributes(attributes: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in (attributes or {}).items():
        shown = dict(value)
        if isinstance(shown.get("BinaryValue"), (bytes, bytearray)):
            shown["BinaryValue"] = base64.b64encode(shown["BinaryValue"]).decode()
        if shown.get("BinaryListValues"):
            shown["BinaryListValues"] = [base64.b64encode(v).decode() for v in shown["BinaryListValues"]]
        out[name] = shown
    return out


class MessagesView:
    def __init__(self, broker: "Broker", default_account: str = DEFAULT_ACCOUNT) -> None:
        self.broker = broker
        self.default_account = default_account

    def list(self, params: dict[str, Any]) -> dict[str, Any]:
        """``?queue=<url or name>&account=&region=``."""
        unknown = sorted(set(params) - {"queue", "account", "region"})
        if unknown:
            raise ControlError(400, f"unknown parameter(s): {', '.join(unknown)}")
        target = params.get("queue")
        if not target:
            raise ControlError(400, "the 'queue' parameter (a queue URL or name) is required")
        region = params.get("region") or DEFAULT_REGION
        if "/" in target:
            try:
                account, region_in_url, name = parse_queue_url(target, region)
            except ServiceError as error:
                raise ControlError(400, error.message) from None
            region = params.get("region") or region_in_url
            account = params.get("account") or account
        else:
            name = target
            account = params.get("account") or self.default_account
        try:
            store, queue = self.broker.queue(account, region, name)
        except ServiceError:
            raise ControlError(404, f"no queue {name!r} in account {account}, region {region}") from None
        now = self.broker.clock.now()
        messages = []
        for message in store.messages[queue.name].values():
            if message.visible_at <= now:
                state = "visible"
            elif message.receive_count:
                state = "inflight"
            else:
                state = "delayed"
            item: dict[str, Any] = {
                "MessageId": message.id,
                "Body": message.body,
                "MD5OfBody": message.md5_body,
                "State": state,
                "ReceiveCount": message.receive_count,
                "SentTimestamp": int(message.sent * 1000),
                "VisibleAt": message.visible_at,
                "MessageAttributes": _json_attributes(message.attributes),
            }
            if message.system_attributes:
                item["MessageSystemAttributes"] = _json_attributes(message.system_attributes)
            if message.group_id is not None:
                item["MessageGroupId"] = message.group_id
            if message.dedup_id is not None:
                item["MessageDeduplicationId"] = message.dedup_id
            if queue.fifo:
                item["SequenceNumber"] = message.sequence_number()
            if message.dlq_source_arn:
                item["DeadLetterQueueSourceArn"] = message.dlq_source_arn
            messages.append(item)
        return {"queue": queue.name, "account": account, "region": region, "messages": messages}
