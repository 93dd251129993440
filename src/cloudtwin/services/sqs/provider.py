"""Amazon Simple Queue Service: the operation handlers (thin: they check and delegate).

The queue engine is :mod:`broker` (receive, visibility, redrive, long polling); sends are
checked and built in :mod:`sending`, queue attributes in :mod:`attributes`, FIFO
selection in :mod:`receiving`, move tasks in :mod:`move_tasks`.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.provider import ServiceProvider
from cloudtwin.services.sqs import attributes as attrs
from cloudtwin.services.sqs import batch, move_tasks, permissions, sending
from cloudtwin.services.sqs.addressing import (
    addressed_queue_url, parse_queue_arn, parse_queue_url, queue_arn, queue_url,
)
from cloudtwin.services.sqs.broker import Broker
from cloudtwin.services.sqs.errors import invalid_attribute_name, invalid_parameter, invalid_value
from cloudtwin.services.sqs.introspection import MessagesView
from cloudtwin.services.sqs.models import Queue, SqsStore
from cloudtwin.services.sqs.receiving import ReceiveRequest

_STANDARD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_FIFO_NAME = re.compile(r"^[A-Za-z0-9_-]{1,75}\.fifo$")
PURGE_INTERVAL = 60.0
DELETED_NAME_HOLD = 60.0
MAX_TAGS = 50
MAX_BATCH_BYTES = 1_048_576
#: Queue URLs whose parse is remembered (the memo starts over when full).
MAX_ADDRESSES = 4096


class Provider(ServiceProvider):
    service_name = "sqs"
    store_class = SqsStore

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.broker = Broker(self.stores, env.clock)  # type: ignore[arg-type]
        self._gauged_minute: float | None = None
        #: (queue URL, caller's region, caller's account) -> parse_queue_url's answer.
        self._addresses: dict[tuple[str, str, str], tuple[str, str, str]] = {}
        env.processors.register("sqs", self._tick, replace=True)

    def _tick(self, now: float) -> dict[str, int]:
        report = self.broker.expire(now)
        report["moved"] = move_tasks.run(self.broker, now)
        minute = now // 60
        if minute != self._gauged_minute:
            self._gauged_minute = minute
            self._gauges(now)
        return report

    # -- the AWS/SQS metrics AWS publishes ----------------------------------------------------

    def _metric(self, queue: Queue, name: str, value: float, unit: str = "Count") -> None:
        self.env.metrics.record(
            queue.account_id, queue.region, "AWS/SQS", name, (("QueueName", queue.name),), value, unit,
            self.env.clock.now(),
        )  # fmt: skip

    def _gauges(self, now: float) -> None:
        """Once a minute, as AWS does: the approximate counts of every queue."""
        for _, store in self.stores.items():  # type: ignore[union-attr]
            for queue in list(store.queues.values()):
                visible, inflight, delayed = self.broker.counts(store, queue)
                self._metric(queue, "ApproximateNumberOfMessagesVisible", float(visible))
                self._metric(queue, "ApproximateNumberOfMessagesNotVisible", float(inflight))
                self._metric(queue, "ApproximateNumberOfMessagesDelayed", float(delayed))
                oldest = min((m.sent for m in store.messages[queue.name].values()), default=None)
                self._metric(queue, "ApproximateAgeOfOldestMessage", max(0.0, now - oldest) if oldest else 0.0, "Seconds")

    def reset(self, account_id: str | None = None) -> None:
        super().reset(account_id)
        self.broker.reset()

    def introspection(self) -> dict:
        return {("GET", "messages"): MessagesView(self.broker, self.env.config.default_account).list}

    def complete_params(self, request: Any, operation: Any, params: dict[str, Any]) -> None:
        """A request sent to a queue's URL acts on that queue; actions that take no queue
        are not valid there."""
        if request.path == "/":  # the endpoint (most requests): addressed_queue_url's first test
            return
        url = addressed_queue_url(request)
        if url is None:
            return
        shape = operation.input_shape
        if shape is None or "QueueUrl" not in shape.members:
            raise ServiceError(
                "InvalidAction", f"The action {operation.name} is not valid for this endpoint.", 400
            )
        params.setdefault("QueueUrl", url)

    # -- helpers ----------------------------------------------------------------------------

    def _queue(self, ctx: RequestContext, url: str) -> tuple[SqsStore, Queue]:
        key = (url, ctx.region, ctx.account_id)
        address = self._addresses.get(key)
        if address is None:
            address = parse_queue_url(url, ctx.region, ctx.account_id)
            if len(self._addresses) >= MAX_ADDRESSES:
                self._addresses.clear()
            self._addresses[key] = address
        return self.broker.queue(*address)

    def _check_redrive(self, queue_arn_: str, fifo: bool, policy: str, given: object) -> None:
        """The dead-letter target of a (canonical) RedrivePolicy exists, is of the same queue
        type and lets this queue use it; errors quote the value as the caller sent it."""
        if not policy:
            return
        target_arn = json.loads(policy)["deadLetterTargetArn"]
        found = self.broker.queue_by_arn(target_arn) if parse_queue_arn(target_arn) else None
        if found is None:
            raise ServiceError(
                "QueueDoesNotExist",
                f"Value {given} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.",
            )
        _, dlq = found
        if dlq.fifo != fifo:
            raise invalid_value(
                "RedrivePolicy", given,
                "Dead-letter queue must be same type of queue as the source.",
            )
        if not attrs.allows_source(dlq.attributes, queue_arn_):
            raise invalid_value(
                "RedrivePolicy", given,
                f"Queue {dlq.arn} does not allow {queue_arn_} to use it as a dead-letter queue.",
            )

    # -- queues -----------------------------------------------------------------------------

    def create_queue(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["QueueName"]
        given = params.get("Attributes") or {}
        fifo_flag = str(given.get("FifoQueue", "")).strip().lower()
        fifo = name.endswith(".fifo")
        if fifo_flag == "true" or fifo:
            if not _FIFO_NAME.match(name) or fifo_flag != "true":
                raise invalid_parameter(
                    "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                    "underscores, must end with .fifo suffix and be 1 to 80 in length."
                )
            fifo = True
        elif not _STANDARD_NAME.match(name):
            raise invalid_parameter(
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
            )
        normalized = attrs.normalize(given, fifo=fifo, creating=True)
        if not fifo:
            normalized.pop("FifoQueue", None)
        store: SqsStore = ctx.store
        existing = store.queues.get(name)
        if existing is not None:
            for key, value in normalized.items():
                if existing.attributes.get(key, "") != value:
                    raise ServiceError(
                        "QueueNameExists",
                        f"A queue already exists with the same name and a different value for attribute {key}",
                    )
            return {"QueueUrl": queue_url(ctx, ctx.account_id, name)}
        now = self.env.clock.now()
        deleted_at = store.deleted.get(name)
        if deleted_at is not None:
            if now - deleted_at < DELETED_NAME_HOLD:
                raise ServiceError(
                    "QueueDeletedRecently",
                    "You must wait 60 seconds after deleting a queue before you can create "
                    "another with the same name.",
                )
            del store.deleted[name]
        arn = queue_arn(ctx.partition, ctx.region, ctx.account_id, name)
        self._check_redrive(arn, fifo, normalized.get("RedrivePolicy", ""), given.get("RedrivePolicy"))
        tags = params.get("tags") or {}
        if len(tags) > MAX_TAGS:
            raise invalid_parameter(f"Too many tags added for queue {name}.")
        values = attrs.defaults(fifo)
        values.update({k: v for k, v in normalized.items() if v != ""})
        if "KmsMasterKeyId" in values:
            values.setdefault("KmsDataKeyReusePeriodSeconds", "300")
            if "SqsManagedSseEnabled" not in normalized:
                values["SqsManagedSseEnabled"] = "false"
        store.add_queue(Queue(
            name=name, account_id=ctx.account_id, region=ctx.region, arn=arn, fifo=fifo,
            attributes=values, created=now, modified=now, tags=dict(tags),
            dedup_scope=values.get("DeduplicationScope"),
        ))
        return {"QueueUrl": queue_url(ctx, ctx.account_id, name)}

    def get_queue_url(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        account_id = params.get("QueueOwnerAWSAccountId") or ctx.account_id
        name = params["QueueName"]
        self.broker.queue(account_id, ctx.region, name)
        return {"QueueUrl": queue_url(ctx, account_id, name)}

    def delete_queue(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, queue = self._queue(ctx, params["QueueUrl"])
        store.drop_queue(queue.name, self.env.clock.now())
        self.broker.retention_changed(queue)
        self.broker.notify(queue)
        return None

    def list_queues(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store: SqsStore = ctx.store
        prefix = params.get("QueueNamePrefix") or ""
        names = sorted(n for n in store.queues if n.startswith(prefix))
        return self._page(ctx, names, params, "QueueUrls")

    def _page(self, ctx: RequestContext, names: list[str], params: dict[str, Any], key: str) -> dict[str, Any]:
        limit = params.get("MaxResults")
        if limit is not None and not 1 <= limit <= 1000:
            raise invalid_value("MaxResults", limit, "MaxResults must be an integer between 1 and 1000.")
        token = params.get("NextToken")
        if token:
            try:
                after = base64.b64decode(token.encode(), validate=True).decode()
            except (ValueError, UnicodeError):
                raise invalid_parameter("Invalid NextToken value.") from None
            names = [n for n in names if n > after]
        page = names[: limit or 1000]
        out: dict[str, Any] = {key: [queue_url(ctx, ctx.account_id, n) for n in page]}
        if limit is not None and len(names) > len(page):
            out["NextToken"] = base64.b64encode(page[-1].encode()).decode()
        if not out[key] and key == "QueueUrls":
            del out[key]
        return out

    def list_dead_letter_source_queues(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, queue = self._queue(ctx, params["QueueUrl"])
        names = sorted(
            name for name, q in store.queues.items()
            if (policy := attrs.parsed_redrive(q.attributes)) and policy["deadLetterTargetArn"] == queue.arn
        )
        return self._page(ctx, names, params, "queueUrls")

    def get_queue_attributes(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, queue = self._queue(ctx, params["QueueUrl"])
        wanted = params.get("AttributeNames") or []
        if not wanted:
            return {}
        every = "All" in wanted
        for name in wanted:
            if name != "All" and name not in attrs.SETTABLE and name not in attrs.READ_ONLY:
                raise invalid_attribute_name(name)
            if not queue.fifo and name in attrs.FIFO_ONLY | {"FifoQueue"}:
                raise invalid_attribute_name(name)
        values: dict[str, str] = {k: v for k, v in queue.attributes.items() if v != ""}
        if "KmsMasterKeyId" not in values:  # the data key period shows only with a KMS key
            values.pop("KmsDataKeyReusePeriodSeconds", None)
        visible, inflight, delayed = self.broker.counts(store, queue)
        values.update({
            "ApproximateNumberOfMessages": str(visible),
            "ApproximateNumberOfMessagesNotVisible": str(inflight),
            "ApproximateNumberOfMessagesDelayed": str(delayed),
            "CreatedTimestamp": str(int(queue.created)),
            "LastModifiedTimestamp": str(int(queue.modified)),
            "QueueArn": queue.arn,
        })
        if every:
            return {"Attributes": values}
        chosen = {n: values[n] for n in wanted if n in values}
        return {"Attributes": chosen} if chosen else {}

    def set_queue_attributes(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, queue = self._queue(ctx, params["QueueUrl"])
        given = params.get("Attributes") or {}
        normalized = attrs.normalize(given, fifo=queue.fifo, creating=False)
        if "RedrivePolicy" in normalized:
            self._check_redrive(queue.arn, queue.fifo, normalized["RedrivePolicy"], given["RedrivePolicy"])
        for key, value in normalized.items():
            if value == "" and key in ("Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId"):
                queue.attributes.pop(key, None)
            else:
                queue.attributes[key] = value
        if normalized.get("KmsMasterKeyId"):
            queue.attributes.setdefault("KmsDataKeyReusePeriodSeconds", "300")
            if "SqsManagedSseEnabled" not in normalized:  # KMS encryption replaces SQS's own
                queue.attributes["SqsManagedSseEnabled"] = "false"
        queue.modified = self.env.clock.now()
        store.queues.save(queue.name)
        if "MessageRetentionPeriod" in normalized:
            self.broker.retention_changed(queue)
        return None

    def purge_queue(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, queue = self._queue(ctx, params["QueueUrl"])
        now = self.env.clock.now()
        if queue.last_purge is not None and now - queue.last_purge < PURGE_INTERVAL:
            raise ServiceError(
                "PurgeQueueInProgress",
                f"Only one PurgeQueue operation on {queue.name} is allowed every 60 seconds.",
            )
        queue.last_purge = now
        store.queues.save(queue.name)
        self.broker.purge(store, queue)
        return None

    # -- tags and permissions ---------------------------------------------------------------

    def tag_queue(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, queue = self._queue(ctx, params["QueueUrl"])
        tags = params.get("Tags") or {}
        if not tags:
            raise invalid_parameter("The request must contain the parameter Tags.")
        merged = {**queue.tags, **tags}
        if len(merged) > MAX_TAGS:
            raise invalid_parameter(f"Too many tags added for queue {queue.name}.")
        queue.tags = merged
        store.queues.save(queue.name)
        return None

    def untag_queue(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, queue = self._queue(ctx, params["QueueUrl"])
        keys = params.get("TagKeys") or []
        if not keys:
            raise invalid_parameter("Tag keys must be between 1 and 128 characters in length.")
        for key in keys:
            queue.tags.pop(key, None)
        store.queues.save(queue.name)
        return None

    def list_queue_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        _, queue = self._queue(ctx, params["QueueUrl"])
        return {"Tags": dict(queue.tags)} if queue.tags else {}

    def add_permission(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, queue = self._queue(ctx, params["QueueUrl"])
        queue.attributes["Policy"] = permissions.add(
            queue.attributes.get("Policy"), queue.arn, params["Label"],
            params.get("AWSAccountIds") or [], params.get("Actions") or [],
        )
        store.queues.save(queue.name)
        return None

    def remove_permission(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, queue = self._queue(ctx, params["QueueUrl"])
        policy = permissions.remove(queue.attributes.get("Policy"), params["Label"])
        if policy:
            queue.attributes["Policy"] = policy
        else:
            queue.attributes.pop("Policy", None)
        store.queues.save(queue.name)
        return None

    # -- messages ---------------------------------------------------------------------------

    def _send_one(self, ctx: RequestContext, store: SqsStore, queue: Queue, entry: dict[str, Any]) -> dict[str, Any]:
        outcome = sending.prepare(
            store, queue, entry, now=self.env.clock.now(), sequencer=self.broker.sequencer,
            sender_id=ctx.identity.user_id,
        )
        message = outcome.message
        if message is not None:
            trace = ctx.request.headers.get("x-amzn-trace-id") if ctx.request is not None else None
            if trace and not (message.system_attributes or {}).get("AWSTraceHeader"):
                # An X-Ray trace header on the request becomes the message's AWSTraceHeader
                # (the response's digests cover only what the caller sent).
                message.system_attributes = {
                    **(message.system_attributes or {}),
                    "AWSTraceHeader": {"DataType": "String", "StringValue": trace},
                }
            self.broker.enqueue(store, queue, message)
            self.env.metrics.record_each(
                queue.account_id, queue.region, "AWS/SQS", (("QueueName", queue.name),),
                (
                    ("NumberOfMessagesSent", 1.0, "Count"),
                    ("SentMessageSize", float(outcome.body_size), "Bytes"),
                ),
                message.sent,
            )  # fmt: skip
        return outcome.result

    def send_message(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, queue = self._queue(ctx, params["QueueUrl"])
        return self._send_one(ctx, store, queue, params)

    def send_message_batch(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, queue = self._queue(ctx, params["QueueUrl"])
        entries = params.get("Entries") or []
        batch.check_entries(entries, "SendMessageBatchRequestEntry")
        if queue.fifo:
            sending.check_batch_fifo_ids(queue, entries)
        total = sum(
            len(e.get("MessageBody", "").encode("utf-8")) + _attributes_size(e.get("MessageAttributes"))
            for e in entries
        )
        limit = MAX_BATCH_BYTES
        if total > limit:
            raise ServiceError(
                "BatchRequestTooLong",
                f"Batch requests cannot be longer than {limit} bytes. You have sent {total} bytes.",
            )
        return batch.run(entries, lambda e: self._send_one(ctx, store, queue, e))

    def receive_message(self, ctx: RequestContext, params: dict[str, Any]) -> Any:
        store, queue = self._queue(ctx, params["QueueUrl"])
        request = ReceiveRequest(queue, params)
        messages = self.broker.receive_now(store, queue, request)
        if messages:
            self._metric(queue, "NumberOfMessagesReceived", float(len(messages)))
            return {"Messages": messages}
        if request.wait <= 0:
            self._metric(queue, "NumberOfEmptyReceives", 1.0)
            return {}
        return self._received(queue, self.broker.receive_waiting(queue.account_id, queue.region, queue.name, request))

    async def _received(self, queue: Queue, waiting: Any) -> dict[str, Any]:
        result = await waiting
        got = len(result.get("Messages") or [])
        self._metric(queue, "NumberOfMessagesReceived" if got else "NumberOfEmptyReceives", float(got or 1))
        return result

    def delete_message(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, queue = self._queue(ctx, params["QueueUrl"])
        self.broker.delete(store, queue, params["ReceiptHandle"])
        self._metric(queue, "NumberOfMessagesDeleted", 1.0)
        return None

    def delete_message_batch(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, queue = self._queue(ctx, params["QueueUrl"])
        entries = params.get("Entries") or []
        batch.check_entries(entries, "DeleteMessageBatchRequestEntry")

        def one(entry: dict[str, Any]) -> dict[str, Any]:
            self.broker.delete(store, queue, entry["ReceiptHandle"])
            self._metric(queue, "NumberOfMessagesDeleted", 1.0)
            return {}

        return batch.run(entries, one)

    def change_message_visibility(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, queue = self._queue(ctx, params["QueueUrl"])
        self.broker.change_visibility(store, queue, params["ReceiptHandle"], params["VisibilityTimeout"])
        return None

    def change_message_visibility_batch(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, queue = self._queue(ctx, params["QueueUrl"])
        entries = params.get("Entries") or []
        batch.check_entries(entries, "ChangeMessageVisibilityBatchRequestEntry")

        def one(entry: dict[str, Any]) -> dict[str, Any]:
            timeout = entry.get("VisibilityTimeout")
            self.broker.change_visibility(
                store, queue, entry["ReceiptHandle"], queue.int_attribute("VisibilityTimeout") if timeout is None else timeout
            )
            return {}

        return batch.run(entries, one)

    # -- message move tasks -----------------------------------------------------------------

    def start_message_move_task(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return move_tasks.start(self.broker, params)

    def list_message_move_tasks(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return move_tasks.list_tasks(self.broker, params)

    def cancel_message_move_task(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return move_tasks.cancel(self.broker, params)


def _attributes_size(attributes: dict[str, dict[str, Any]] | None) -> int:
    if not attributes:
        return 0
    size = 0
    for name, value in attributes.items():
        size += len(name) + len(value.get("DataType", ""))
        if value.get("StringValue") is not None:
            size += len(value["StringValue"].encode("utf-8"))
        elif value.get("BinaryValue") is not None:
            size += len(value["BinaryValue"])
    return size
