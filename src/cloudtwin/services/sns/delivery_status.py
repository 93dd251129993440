"""Delivery status logging: a topic's ``<Protocol>SuccessFeedbackRoleArn`` /
``<Protocol>FailureFeedbackRoleArn`` attributes make SNS write one CloudWatch Logs event per
delivery to ``sns/<region>/<account>/<topic>`` (successes, sampled at
``<Protocol>SuccessFeedbackSampleRate`` percent) or ``sns/<region>/<account>/<topic>/Failure``.

Each event is the JSON AWS writes::

    {"notification": {"messageMD5Sum", "messageId", "topicArn", "timestamp"},
     "delivery": {"deliveryId", "destination", "providerResponse", "dwellTimeMs",
                  "attempts" (HTTP), "statusCode"},
     "status": "SUCCESS" | "FAILURE"}

The events go through the internal client (Logs' own handlers), off the publisher's path.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from cloudtwin.protocol.errors import ServiceError

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.events.internal import InternalClient
    from cloudtwin.services.sns.models import Delivery

#: The attribute prefix of each protocol that logs its delivery status.
PREFIXES = {
    "lambda": "Lambda",
    "sqs": "SQS",
    "http": "HTTP",
    "https": "HTTP",
    "firehose": "Firehose",
    "application": "Application",
}


@dataclass(slots=True)
class Outcome:
    """What the endpoint answered: the status code and the provider's response text."""

    status_code: int
    response: str


def feedback_group(topic_arn: str, attributes: dict[str, str], protocol: str, success: bool) -> str | None:
    """The log group a delivery's status goes to, or None when the topic does not log it
    (no role for the protocol, or a success outside the sample)."""
    prefix = PREFIXES.get(protocol)
    if prefix is None:
        return None
    if not attributes.get(f"{prefix}{'Success' if success else 'Failure'}FeedbackRoleArn"):
        return None
    if success:
        try:
            rate = float(attributes.get(f"{prefix}SuccessFeedbackSampleRate") or 0)
        except ValueError:
            rate = 0.0
        if rate < 100 and random.random() * 100 >= rate:
            return None
    _, _, _, region, account, name = topic_arn.split(":", 5)
    group = f"sns/{region}/{account}/{name}"
    return group if success else group + "/Failure"


def status_event(delivery: "Delivery", message_md5: str, outcome: Outcome, success: bool, now: float) -> str:
    stamp = datetime.fromtimestamp(delivery.created_at, timezone.utc)
    details: dict[str, object] = {
        "deliveryId": str(uuid.uuid4()),
        "destination": delivery.endpoint,
        "providerResponse": outcome.response,
        "dwellTimeMs": max(0, round((now - delivery.created_at) * 1000)),
    }
    if delivery.protocol in ("http", "https"):
        details["attempts"] = delivery.attempts
    details["statusCode"] = outcome.status_code
    return json.dumps(
        {
            "notification": {
                "messageMD5Sum": message_md5,
                "messageId": delivery.message_id,
                "topicArn": delivery.topic_arn,
                "timestamp": stamp.strftime("%Y-%m-%d %H:%M:%S.") + f"{stamp.microsecond // 1000:03d}",
            },
            "delivery": details,
            "status": "SUCCESS" if success else "FAILURE",
        },
        separators=(",", ":"),
    )


class StatusLogWriter:
    """Writes status events into Logs, one stream per log group, made when first needed."""

    def __init__(self, internal: "InternalClient") -> None:
        self._internal = internal
        self._streams: dict[tuple[str, str, str], str] = {}

    async def write(self, group: str, message: str, now: float) -> None:
        _, region, account = group.split("/")[:3]
        key = (account, region, group)
        stream = self._streams.get(key)
        event = {"logEvents": [{"timestamp": int(now * 1000), "message": message}], "logGroupName": group}
        if stream is not None:
            try:
                await self._call("PutLogEvents", {**event, "logStreamName": stream}, account, region)
                return
            except ServiceError as error:
                if error.code != "ResourceNotFoundException":
                    raise
        stream = self._streams[key] = str(uuid.uuid4())
        try:
            await self._call("CreateLogGroup", {"logGroupName": group}, account, region)
        except ServiceError as error:
            if error.code != "ResourceAlreadyExistsException":
                raise
        await self._call("CreateLogStream", {"logGroupName": group, "logStreamName": stream}, account, region)
        await self._call("PutLogEvents", {**event, "logStreamName": stream}, account, region)

    def reset(self) -> None:
        self._streams.clear()

    async def _call(self, operation: str, params: dict, account: str, region: str) -> None:
        await self._internal.call_async("logs", operation, params, account_id=account, region=region)
