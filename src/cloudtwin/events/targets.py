"""Delivering a message to a resource named by its ARN — the one target invoker that
destinations, dead-letter queues and (later) rules and schedules share.

    arn:aws:sqs:<region>:<account>:<queue>        GetQueueUrl + SendMessage
    arn:aws:sns:<region>:<account>:<topic>        Publish
    arn:aws:lambda:<region>:<account>:function:f  Invoke (InvocationType Event)
    arn:aws:kinesis:<region>:<account>:stream/s   PutRecord (partition key given, or random)
    arn:aws:firehose:<region>:<account>:deliverystream/d   PutRecord

A body may be bytes (Kinesis and Firehose records carry bytes: CloudWatch Logs sends them
its gzip'd payload as is).

Calls go through the internal client in the target's account and region, so they meet
the same validation and errors a remote caller would. A target of a service cloudtwin
does not have (yet) raises the not-implemented ``ServiceError``.
"""

from __future__ import annotations

import uuid
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


def lambda_allows(internal: "InternalClient", function_arn: str, principal: str,
                  source_arn: str | None = None, source_account: str | None = None) -> bool:  # fmt: skip
    """Whether a function's resource policy lets a service principal (``s3.amazonaws.com``,
    ``sns.amazonaws.com``...) invoke it — what AWS services check before they do. False for
    a function that does not exist."""
    import fnmatch
    import json

    try:
        _, region, account, _ = arn_parts(function_arn)
        found = internal.call("lambda", "GetPolicy", {"FunctionName": function_arn}, account_id=account, region=region)
    except (ValueError, ServiceError):
        return False
    regional = principal.replace(".amazonaws.com", f".{region}.amazonaws.com")
    for statement in json.loads(found["Policy"]).get("Statement", []):
        who = statement.get("Principal")
        if who != "*" and not (isinstance(who, dict) and who.get("Service") in (principal, regional)):
            continue
        if statement.get("Effect", "Allow") != "Allow":
            continue
        if statement.get("Action") not in ("lambda:InvokeFunction", "lambda:*", "*"):
            continue
        condition = statement.get("Condition") or {}
        wanted_arn = (condition.get("ArnLike") or condition.get("ArnEquals") or {}).get("AWS:SourceArn")
        if wanted_arn and (source_arn is None or not fnmatch.fnmatchcase(source_arn, wanted_arn)):
            continue
        wanted_account = (condition.get("StringEquals") or {}).get("AWS:SourceAccount")
        if wanted_account and wanted_account != source_account:
            continue
        return True
    return False


class Targets:
    def __init__(self, internal: "InternalClient") -> None:
        self.internal = internal

    async def send(
        self,
        arn: str,
        body: str | bytes,
        *,
        attributes: dict[str, dict[str, Any]] | None = None,
        group_id: str | None = None,
        dedup_id: str | None = None,
        subject: str | None = None,
        partition_key: str | None = None,
    ) -> dict[str, Any]:
        try:
            service, region, account, resource = arn_parts(arn)
        except ValueError:
            raise ServiceError("InvalidParameterValueException", f"Invalid target ARN {arn}") from None
        call = self.internal.call_async
        data = body.encode() if isinstance(body, str) else body
        if service == "kinesis" and resource.startswith("stream/"):
            return await call(
                "kinesis", "PutRecord",
                {"StreamARN": arn, "Data": data, "PartitionKey": partition_key or str(uuid.uuid4())},
                account_id=account, region=region,
            )  # fmt: skip
        if service == "firehose" and resource.startswith("deliverystream/"):
            return await call(
                "firehose", "PutRecord",
                {"DeliveryStreamName": resource.split("/", 1)[1], "Record": {"Data": data}},
                account_id=account, region=region,
            )  # fmt: skip
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
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
