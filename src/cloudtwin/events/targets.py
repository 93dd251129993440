"""Delivering a message to a resource named by its ARN — the one target invoker that
destinations, dead-letter queues and (later) rules and schedules share.

    arn:aws:sqs:<region>:<account>:<queue>        GetQueueUrl + SendMessage
    arn:aws:sns:<region>:<account>:<topic>        Publish
    arn:aws:lambda:<region>:<account>:function:f  Invoke (InvocationType Event)
    arn:aws:events:<region>:<account>:event-bus/b PutEvents (the event itself, or ``body`` as
                                                  the detail of a ``source``/``detail_type`` event)
    arn:aws:logs:<region>:<account>:log-group:g   CreateLogStream (once) + PutLogEvents
    arn:aws:states:...:stateMachine:m             StartExecution
    arn:aws:kinesis:<region>:<account>:stream/s   PutRecord (partition key given, or random)
    arn:aws:firehose:<region>:<account>:deliverystream/d   PutRecord

A body may be bytes (Kinesis and Firehose records carry bytes: CloudWatch Logs sends them
its gzip'd payload as is).

Calls go through the internal client in the target's account and region, so they meet
the same validation and errors a remote caller would. A target of a service cloudtwin
does not have (yet) raises the not-implemented ``ServiceError``.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError, not_implemented

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.events.internal import InternalClient


#: Errors that retrying cannot fix (AWS sends the event to the dead-letter queue at once),
#: by the ERROR_CODE AWS reports for them.
NOT_RETRIED = {
    "ResourceNotFoundException": "RESOURCE_NOT_FOUND",
    "QueueDoesNotExist": "RESOURCE_NOT_FOUND",
    "AWS.SimpleQueueService.NonExistentQueue": "RESOURCE_NOT_FOUND",
    "NotFound": "RESOURCE_NOT_FOUND",
    "NotFoundException": "RESOURCE_NOT_FOUND",
    "AccessDenied": "NO_PERMISSIONS",
    "AccessDeniedException": "NO_PERMISSIONS",
    "AuthorizationError": "NO_PERMISSIONS",
    "KMSAccessDeniedException": "NO_PERMISSIONS",
}
THROTTLED = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestThrottled"})


def failure(error: ServiceError) -> tuple[bool, str]:
    """``(retriable, error code as AWS reports it)`` of a failed delivery: throttling and
    server-side errors (a service that does not answer) are retried; a missing target, a
    missing permission or a request the target refuses are not."""
    if error.code in NOT_RETRIED:
        return False, NOT_RETRIED[error.code]
    if error.code in THROTTLED:
        return True, "THROTTLING"
    if (error.status_code or 400) >= 500:
        return True, "INTERNAL_ERROR"
    return False, "SDK_CLIENT_ERROR"


def backoff(attempt: int, cap: float = 300.0) -> float:
    """Seconds before retry ``attempt`` (1, 2, 4 … capped): AWS's exponential back-off,
    without its jitter so that tests are deterministic."""
    return min(2.0 ** (attempt - 1), cap)


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
        source: str | None = None,
        detail_type: str | None = None,
        resources: list[str] | None = None,
        log_stream: str | None = None,
        timestamp_ms: int | None = None,
        partition_key: str | None = None,
        trace_header: str | None = None,
        event_id: str | None = None,
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
            params = _message({"QueueUrl": url, "MessageBody": body}, resource, attributes, group_id, dedup_id)
            if trace_header:
                params["MessageSystemAttributes"] = {
                    "AWSTraceHeader": {"DataType": "String", "StringValue": trace_header}}
            return await call("sqs", "SendMessage", params, account_id=account, region=region)
        if service == "sns":
            params = _message({"TopicArn": arn, "Message": body}, resource, attributes, group_id, dedup_id)
            if subject:
                params["Subject"] = subject
            return await call("sns", "Publish", params, account_id=account, region=region)
        if service == "lambda" and resource.startswith("function:"):
            return await call(
                "lambda", "Invoke",
                {"FunctionName": arn, "InvocationType": "Event", "Payload": body.encode()},
                account_id=account, region=region,
                headers={"x-amzn-trace-id": trace_header} if trace_header else None,
            )  # fmt: skip
        if service == "events" and resource.startswith("event-bus/"):
            entry = _bus_entry(body, arn, source, detail_type, resources)
            result = await call("events", "PutEvents", {"Entries": [entry]}, account_id=account, region=region)
            failed = (result.get("Entries") or [{}])[0]
            if failed.get("ErrorCode"):
                raise ServiceError(failed["ErrorCode"], failed.get("ErrorMessage", ""))
            return result
        if service == "logs" and resource.startswith("log-group:"):
            group = resource.split(":", 1)[1].removesuffix(":*")
            stream = log_stream or "cloudtwin"
            try:
                await call("logs", "CreateLogStream", {"logGroupName": group, "logStreamName": stream},
                           account_id=account, region=region)
            except ServiceError as error:
                if error.code != "ResourceAlreadyExistsException":
                    raise
            event = {"timestamp": timestamp_ms or 0, "message": body}
            return await call("logs", "PutLogEvents",
                              {"logGroupName": group, "logStreamName": stream, "logEvents": [event]},
                              account_id=account, region=region)
        if service == "states":
            params = {"stateMachineArn": arn, "input": body}
            if event_id:  # EventBridge names the execution after the event
                params["name"] = f"{event_id}_{uuid.uuid4()}"
            return await call("stepfunctions", "StartExecution", params, account_id=account, region=region)
        raise not_implemented(service, "delivery to this target")


def _message(params: dict[str, Any], resource: str, attributes: dict | None, group_id: str | None,
             dedup_id: str | None) -> dict[str, Any]:  # fmt: skip
    """SQS's and SNS's shared message members: attributes, and FIFO's group and dedup ids."""
    if attributes:
        params["MessageAttributes"] = attributes
    if resource.endswith(".fifo"):
        params["MessageGroupId"] = group_id or "default"
        if dedup_id:
            params["MessageDeduplicationId"] = dedup_id
    return params


def _bus_entry(body: str, arn: str, source: str | None, detail_type: str | None,
               resources: list[str] | None) -> dict[str, Any]:
    """The PutEvents entry for a bus target: an event passed on as it is, or ``body`` as the
    detail of a new event of ``source`` and ``detail_type``."""
    if source is None or detail_type is None:
        try:
            event = json.loads(body)
        except ValueError:
            event = None
        if isinstance(event, dict) and "source" in event and "detail-type" in event:
            entry = {"Source": event["source"], "DetailType": event["detail-type"],
                     "Detail": json.dumps(event.get("detail", {})), "EventBusName": arn}
            if event.get("resources"):
                entry["Resources"] = event["resources"]
            if event.get("time"):
                try:
                    entry["Time"] = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
                except (TypeError, ValueError):
                    pass
            return entry
        raise ServiceError("InvalidParameterValueException", "The event bus target needs an event")
    entry = {"Source": source, "DetailType": detail_type, "Detail": body, "EventBusName": arn}
    if resources:
        entry["Resources"] = resources
    return entry
