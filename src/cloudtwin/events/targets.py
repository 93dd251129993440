"""Delivering a message to a resource named by its ARN — the one target invoker that
destinations, dead-letter queues and (later) rules and schedules share.

    arn:aws:sqs:<region>:<account>:<queue>        GetQueueUrl + SendMessage
    arn:aws:sns:<region>:<account>:<topic>        Publish
    arn:aws:lambda:<region>:<account>:function:f  Invoke (InvocationType Event)

Calls go through the internal client in the target's account and region, so they meet
the same validation and errors a remote caller would. A target of a service cloudtwin
does not have (yet) raises the not-implemented ``ServiceError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError, not_implemented

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.events.internal import InternalClient


def arn_parts(arn: str) -> tuple[str, str, str, str]:
    """``(service, region, account, resource)`` of an ARN, or ValueError."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[2] or not parts[5]:
        raise ValueError(f"not an ARN: {arn!r}")
    return parts[2], parts[3], parts[4], parts[5]


class Targets:
    def __init__(self, internal: "InternalClient") -> None:
        self.internal = internal

    async def send(
        self,
        arn: str,
        body: str,
        *,
        attributes: dict[str, dict[str, Any]] | None = None,
        group_id: str | None = None,
        dedup_id: str | None = None,
        subject: str | None = None,
    ) -> dict[str, Any]:
        try:
            service, region, account, resource = arn_parts(arn)
        except ValueError:
            raise ServiceError("InvalidParameterValueException", f"Invalid target ARN {arn}") from None
        call = self.internal.call_async
        if service == "sqs":
            url = (await call(
                "sqs", "GetQueueUrl", {"QueueName": resource, "QueueOwnerAWSAccountId": account},
                account_id=account, region=region,
            ))["QueueUrl"]  # fmt: skip
            params: dict[str, Any] = {"QueueUrl": url, "MessageBody": body}
            if attributes:
                params["MessageAttributes"] = attributes
            if resource.endswith(".fifo"):
                params["MessageGroupId"] = group_id or "default"
                if dedup_id:
                    params["MessageDeduplicationId"] = dedup_id
            return await call("sqs", "SendMessage", params, account_id=account, region=region)
        if service == "sns":
            params = {"TopicArn": arn, "Message": body}
            if subject:
                params["Subject"] = subject
            if attributes:
                params["MessageAttributes"] = attributes
            if resource.endswith(".fifo"):
                params["MessageGroupId"] = group_id or "default"
                if dedup_id:
                    params["MessageDeduplicationId"] = dedup_id
            return await call("sns", "Publish", params, account_id=account, region=region)
        if service == "lambda" and resource.startswith("function:"):
            return await call(
                "lambda", "Invoke",
                {"FunctionName": arn, "InvocationType": "Event", "Payload": body.encode()},
                account_id=account, region=region,
            )  # fmt: skip
        raise not_implemented(service, "delivery to this target")
