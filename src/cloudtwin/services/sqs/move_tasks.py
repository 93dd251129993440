"""Message move tasks: StartMessageMoveTask / ListMessageMoveTasks / CancelMessageMoveTask.

A task moves the receivable messages of a dead-letter queue back to their source queues
(or to ``DestinationArn``). It runs as tick work on the virtual clock, at most
``MaxNumberOfMessagesPerSecond`` messages per elapsed second (unlimited when not given,
as AWS's "system optimized" rate), and completes once the source holds nothing more to move.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sqs.errors import invalid_parameter, invalid_value
from cloudtwin.services.sqs.models import MoveTask

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.sqs.broker import Broker

_TASK_MISSING = "Task does not exist."


def _not_found(parameter: str) -> ServiceError:
    return ServiceError(
        "ResourceNotFoundException",
        f"The resource that you specified for the {parameter} parameter doesn't exist.",
    )


def _is_dead_letter_queue(broker: "Broker", arn: str) -> bool:
    for _, queue in broker.each_queue():
        policy = queue.attributes.get("RedrivePolicy")
        if policy and json.loads(policy)["deadLetterTargetArn"] == arn:
            return True
    return False


def start(broker: "Broker", params: dict[str, Any]) -> dict[str, Any]:
    source_arn = params["SourceArn"]
    found = broker.queue_by_arn(source_arn)
    if found is None:
        raise _not_found("SourceArn")
    store, source = found
    destination = params.get("DestinationArn")
    if destination is not None and broker.queue_by_arn(destination) is None:
        raise _not_found("DestinationArn")
    rate = params.get("MaxNumberOfMessagesPerSecond")
    if rate is not None and not 1 <= rate <= 500:
        raise invalid_value("MaxNumberOfMessagesPerSecond", rate, "Must be between 1 and 500.")
    if not _is_dead_letter_queue(broker, source_arn):
        raise invalid_parameter("Source queue must be configured as a Dead Letter Queue.")
    if any(t.source_arn == source_arn and t.status == "RUNNING" for t in store.move_tasks.values()):
        raise invalid_parameter(
            "There is already a task running. Only one active task is allowed for a source queue "
            "arn at a given time."
        )
    now = broker.clock.now()
    task_id = str(uuid.uuid4())
    handle = base64.b64encode(
        json.dumps({"taskId": task_id, "sourceArn": source_arn}, separators=(",", ":")).encode()
    ).decode()
    visible, _, _ = broker.counts(store, source)
    store.move_tasks[task_id] = MoveTask(
        handle=handle, task_id=task_id, source_arn=source_arn, destination_arn=destination,
        max_per_second=rate, started=now, to_move=visible, last_run=now,
    )
    return {"TaskHandle": handle}


def _read_handle(handle: str) -> tuple[str, str]:
    try:
        document = read_json(base64.b64decode(handle.encode("ascii"), validate=True))
        return document["taskId"], document["sourceArn"]
    except (ValueError, KeyError, TypeError, UnicodeError):
        raise invalid_parameter("Value for parameter TaskHandle is invalid.") from None


def cancel(broker: "Broker", params: dict[str, Any]) -> dict[str, Any]:
    task_id, source_arn = _read_handle(params["TaskHandle"])
    found = broker.queue_by_arn(source_arn)
    if found is None:
        raise ServiceError("ResourceNotFoundException", _TASK_MISSING)
    store, _ = found
    task = store.move_tasks.get(task_id)
    if task is None or task.status != "RUNNING":
        raise ServiceError("ResourceNotFoundException", _TASK_MISSING)
    task.status = "CANCELLED"
    store.move_tasks.save(task_id)
    return {"ApproximateNumberOfMessagesMoved": task.moved}


def list_tasks(broker: "Broker", params: dict[str, Any]) -> dict[str, Any]:
    source_arn = params["SourceArn"]
    found = broker.queue_by_arn(source_arn)
    if found is None:
        raise _not_found("SourceArn")
    limit = params.get("MaxResults")
    if limit is not None and not 1 <= limit <= 10:
        raise invalid_value("MaxResults", limit, "Must be between 1 and 10, if provided.")
    store, _ = found
    tasks = sorted(
        (t for t in store.move_tasks.values() if t.source_arn == source_arn),
        key=lambda t: t.started, reverse=True,
    )[: limit or 1]
    return {"Results": [_describe(t) for t in tasks]}


def _describe(task: MoveTask) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Status": task.status,
        "SourceArn": task.source_arn,
        "ApproximateNumberOfMessagesMoved": task.moved,
        "ApproximateNumberOfMessagesToMove": task.to_move,
        "StartedTimestamp": int(task.started * 1000),
    }
    if task.status == "RUNNING":
        out["TaskHandle"] = task.handle
    if task.destination_arn:
        out["DestinationArn"] = task.destination_arn
    if task.max_per_second is not None:
        out["MaxNumberOfMessagesPerSecond"] = task.max_per_second
    if task.failure_reason:
        out["FailureReason"] = task.failure_reason
    return out


def run(broker: "Broker", now: float) -> int:
    """Advance every running task; returns how many messages moved."""
    total = 0
    for _, store in broker.stores.items():
        for task_id, task in list(store.move_tasks.items()):
            if task.status != "RUNNING":
                continue
            total += _step(broker, store, task, now)
            store.move_tasks.save(task_id)
    return total


def _step(broker: "Broker", store: Any, task: MoveTask, now: float) -> int:
    found = broker.queue_by_arn(task.source_arn)
    if found is None:
        task.status, task.failure_reason = "FAILED", "AWS.SimpleQueueService.NonExistentQueue"
        return 0
    _, source = found
    if task.max_per_second is None:
        budget = None
    else:
        budget = int((now - task.last_run) * task.max_per_second)
        if budget <= 0:
            return 0
    task.last_run = now
    table = store.messages[source.name]
    moved = 0
    for message in list(table.values()):
        if budget is not None and moved >= budget:
            break
        if message.visible_at > now:
            continue
        target_arn = task.destination_arn or message.dlq_source_arn
        target = broker.queue_by_arn(target_arn) if target_arn else None
        if target is None:
            task.status = "FAILED"
            task.failure_reason = "AWS.SimpleQueueService.NonExistentQueue"
            return moved
        table.pop(message.id, None)
        broker.transfer(*target, message, now, source_arn=None)
        moved += 1
    task.moved += moved
    if not any(m.visible_at <= now for m in table.values()):
        task.status = "COMPLETED"
    return moved
