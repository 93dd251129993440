"""Fan-out: a published message to every matching subscription of its topic.

::

    Publish ──▶ Dispatcher.fan_out ──┬─ filter policy (compiled once per subscription)
                                     ├─ sqs    ──▶ internal SQS GetQueueUrl + SendMessage (awaited)
                                     ├─ http(s)──▶ HttpSender task ──(fail)──▶ retry queue
                                     │                  ▲                  (virtual clock, processor)
                                     │                  └──────────────────────┘
                                     └─ email, email-json, sms, application, lambda, firehose
                                              ──▶ recorded (GET /_cloudtwin/sns/messages)

SQS deliveries are awaited inside Publish, so a message is receivable as soon as Publish
returns (AWS is asynchronous but fast; tests should not have to poll). HTTP deliveries run
as tasks on the event loop and never hold up the publisher. A delivery that fails for good
goes to the subscription's dead-letter queue (``RedrivePolicy``) when it has one. Every
attempt is logged as a :class:`~cloudtwin.services.sns.models.Delivery`.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import itertools
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudtwin.gateway.request_ids import random_uuid
from cloudtwin.protocol.documents import read_json
from cloudtwin.events.targets import lambda_allows
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sns.attributes import http_content_type, http_retry_policy, retry_delays
from cloudtwin.services.sns.delivery_status import Outcome, StatusLogWriter, feedback_group, status_event
from cloudtwin.services.sns.filter_policy import FilterPolicy, compile_policy
from cloudtwin.services.sns.models import Delivery, SentMessage, SnsStore, Subscription, Topic
from cloudtwin.services.sns.notification import (
    Notification,
    Urls,
    confirmation_document,
    notification_document,
    render,
)
from cloudtwin.services.sns.signing import Signer

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.registry import ServiceEnvironment

log = logging.getLogger("cloudtwin.sns")

RECORDED_PROTOCOLS = frozenset({"email", "email-json", "sms", "application", "lambda", "firehose"})
USER_AGENT = "Amazon Simple Notification Service Agent"
HTTP_TIMEOUT = 15.0


@dataclass(slots=True)
class HttpAttempt:
    """An HTTP(S) POST to make (again): everything needed without re-reading the store."""

    store: SnsStore
    delivery_id: int
    url: str
    body: str
    headers: dict[str, str]
    delays: list[float]
    dlq_arn: str | None = None


def queue_coordinates(queue_arn: str) -> tuple[str, str, str]:
    """(region, account, name) of an SQS queue ARN."""
    parts = queue_arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        raise ValueError(queue_arn)
    return parts[3], parts[4], parts[5]


class Dispatcher:
    """Delivers notifications; owns the runtime state of delivery (HTTP client, retries,
    compiled filter policies)."""

    def __init__(self, env: "ServiceEnvironment", signer: Signer) -> None:
        self.env = env
        self.signer = signer
        self._policies: dict[str, tuple[str, str, FilterPolicy | None]] = {}
        self._retries: list[tuple[float, int, HttpAttempt]] = []
        self._counter = itertools.count()
        self._client: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()
        #: subscribed queue ARN -> its URL (asked of SQS again when a send to it fails)
        self._queue_urls: dict[str, str] = {}
        self.status_logs = StatusLogWriter(env.internal)

    def reset(self) -> None:
        self._policies.clear()
        self._retries.clear()
        self._queue_urls.clear()
        self.status_logs.reset()

    # -- filter policies ------------------------------------------------------------------

    def policy(self, sub: Subscription) -> FilterPolicy | None:
        text = sub.attributes.get("FilterPolicy", "")
        scope = sub.attributes.get("FilterPolicyScope", "MessageAttributes")
        cached = self._policies.get(sub.arn)
        if cached is None or cached[0] != text or cached[1] != scope:
            compiled = compile_policy(text, scope) if text else None
            cached = self._policies[sub.arn] = (text, scope, compiled)
        return cached[2]

    def forget(self, subscription_arn: str) -> None:
        self._policies.pop(subscription_arn, None)

    # -- fan-out --------------------------------------------------------------------------

    async def fan_out(self, store: SnsStore, topic: Topic, note: Notification, urls: Urls) -> None:
        version = topic.attributes.get("SignatureVersion", "1")
        for arn in list(store.topic_subscriptions(topic.arn)):
            sub = store.subscriptions.get(arn)
            if sub is None or sub.pending:
                continue
            try:
                policy = self.policy(sub)
            except ServiceError:
                policy = None
            if policy is not None and not policy.matches(note.text_for(sub.protocol), note.attributes):
                continue
            try:
                await self.deliver(store, topic, sub, note, urls, version)
            except Exception:  # noqa: BLE001 - one subscription must not stop the others
                log.exception("SNS delivery to %s failed", sub.arn)

    async def deliver(
        self, store: SnsStore, topic: Topic, sub: Subscription, note: Notification, urls: Urls, version: str
    ) -> None:
        raw = sub.attributes.get("RawMessageDelivery") == "true"
        protocol = sub.protocol
        if raw:
            body = note.text_for(protocol)
        elif protocol in ("email", "sms"):
            body = note.text_for(protocol)
        else:
            body = render(notification_document(note, protocol, sub.arn, self.signer, version, urls))
        delivery = self._log(store, topic.arn, sub, note.message_id, body, raw)
        delivery.message_md5 = hashlib.md5(note.text_for(protocol).encode()).hexdigest()
        if protocol == "sqs":
            await self._deliver_sqs(store, delivery, sub, note, body, raw)
        elif protocol in ("http", "https"):
            headers = {
                "x-amz-sns-message-type": "Notification",
                "x-amz-sns-message-id": note.message_id,
                "x-amz-sns-topic-arn": topic.arn,
                "x-amz-sns-subscription-arn": sub.arn,
                "Content-Type": http_content_type(sub, topic),
            }
            if raw:
                headers["x-amz-sns-rawdelivery"] = "true"
            attempt = HttpAttempt(
                store, delivery.id, sub.endpoint, body, headers,
                retry_delays(http_retry_policy(sub, topic)), _dlq(sub),
            )
            self._spawn(self._post(attempt))
        else:
            self.record(
                store, protocol, sub.endpoint, note.message_id, body,
                topic_arn=topic.arn, subscription_arn=sub.arn, subject=note.subject,
                attributes=note.attributes if protocol != "email" else {},
            )
            if protocol == "lambda":
                await self._invoke_lambda(store, delivery, sub, body)
                return
            self._finish(store, delivery, "delivered")

    async def _invoke_lambda(self, store: SnsStore, delivery: Delivery, sub: Subscription, body: str) -> None:
        """Invoke the function asynchronously with SNS's event, once cloudtwin has Lambda;
        until then the recorded message is the delivery."""
        delivery.attempts += 1
        doc = json.loads(body)
        record = {
            "Type": doc["Type"], "MessageId": doc["MessageId"], "TopicArn": doc["TopicArn"],
            "Subject": doc.get("Subject"), "Message": doc["Message"], "Timestamp": doc["Timestamp"],
            # AWS's Lambda events say version 1 even when the topic signs with version 2
            # (SHA256): the signature is the topic's, the label is not.
            "SignatureVersion": "1", "Signature": doc["Signature"],
            "SigningCertUrl": doc["SigningCertURL"], "UnsubscribeUrl": doc["UnsubscribeURL"],
            "MessageAttributes": doc.get("MessageAttributes", {}),
        }
        event = {
            "Records": [
                {"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": sub.arn, "Sns": record}
            ]
        }
        parts = sub.endpoint.split(":")
        if not lambda_allows(self.env.internal, sub.endpoint, "sns.amazonaws.com", source_arn=sub.topic_arn,
                             source_account=sub.topic_arn.split(":")[4]):  # fmt: skip
            # AWS needs the function's resource policy to let SNS invoke it.
            self._fail(store, delivery, "AccessDenied: the function policy does not allow sns.amazonaws.com", _dlq(sub), None,
                       Outcome(403, "AccessDeniedException"))  # fmt: skip
            return
        request_id = random_uuid()
        try:
            await self.env.internal.call_async(
                "lambda", "Invoke",
                {"FunctionName": sub.endpoint, "InvocationType": "Event", "Payload": json.dumps(event).encode()},
                account_id=parts[4], region=parts[3], request_id=request_id,
            )
        except ServiceError as error:
            if error.code != "NotImplemented":
                self._fail(store, delivery, f"{error.code}: {error.message}", _dlq(sub), None,
                           Outcome(error.status_code or 400, error.code))  # fmt: skip
                return
        self._finish(store, delivery, "delivered", Outcome(202, json.dumps({"lambdaRequestId": request_id})))

    # -- sqs ------------------------------------------------------------------------------

    async def _deliver_sqs(
        self, store: SnsStore, delivery: Delivery, sub: Subscription, note: Notification, body: str, raw: bool
    ) -> None:
        delivery.attempts += 1
        request_id = random_uuid()
        try:
            sent = await self.send_to_queue(sub.endpoint, body, note.attributes if raw else None, note, request_id)
        except ServiceError as error:
            self._fail(store, delivery, f"{error.code}: {error.message}", _dlq(sub), note,
                       Outcome(error.status_code or 400, error.code))  # fmt: skip
            return
        response = json.dumps({"sqsRequestId": request_id, "sqsMessageId": sent.get("MessageId")})
        self._finish(store, delivery, "delivered", Outcome(200, response))

    async def send_to_queue(
        self, queue_arn: str, body: str, attributes: dict[str, dict[str, Any]] | None, note: Notification | None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        try:
            region, account, name = queue_coordinates(queue_arn)
        except ValueError:
            raise ServiceError("InvalidParameterException", f"Invalid queue ARN {queue_arn}") from None
        internal = self.env.internal
        params: dict[str, Any] = {"MessageBody": body}
        if attributes:
            params["MessageAttributes"] = {
                key: {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
                for key, value in attributes.items()
            }
        if name.endswith(".fifo") and note is not None:
            params["MessageGroupId"] = note.group_id or "default"
            params["MessageDeduplicationId"] = note.dedup_id or note.message_id
        known = self._queue_urls.get(queue_arn)
        if known is not None:
            try:
                return await internal.call_async(
                    "sqs", "SendMessage", {"QueueUrl": known, **params}, account_id=account, region=region,
                    request_id=request_id,
                )
            except ServiceError:  # the queue may be gone: ask for it again, as the first time
                self._queue_urls.pop(queue_arn, None)
        found = await internal.call_async(
            "sqs", "GetQueueUrl", {"QueueName": name, "QueueOwnerAWSAccountId": account},
            account_id=account, region=region,
        )
        sent = await internal.call_async(
            "sqs", "SendMessage", {"QueueUrl": found["QueueUrl"], **params}, account_id=account, region=region,
            request_id=request_id,
        )
        self._queue_urls[queue_arn] = found["QueueUrl"]
        return sent

    # -- http -----------------------------------------------------------------------------

    async def send_confirmation(
        self, store: SnsStore, topic: Topic, sub: Subscription, urls: Urls, kind: str = "SubscriptionConfirmation"
    ) -> None:
        """POST a SubscriptionConfirmation (or UnsubscribeConfirmation) to an http(s) endpoint."""
        version = topic.attributes.get("SignatureVersion", "1")
        message_id = random_uuid()
        doc = confirmation_document(
            kind, message_id, topic.arn, sub.token, self.env.clock.now(), self.signer, version, urls
        )
        body = render(doc)
        delivery = self._log(store, topic.arn, sub, message_id, body, False)
        headers = {
            "x-amz-sns-message-type": kind,
            "x-amz-sns-message-id": message_id,
            "x-amz-sns-topic-arn": topic.arn,
        }
        attempt = HttpAttempt(store, delivery.id, sub.endpoint, body, headers, retry_delays(http_retry_policy(sub, topic)))
        self._spawn(self._post(attempt))

    async def _post(self, attempt: HttpAttempt) -> None:
        store = attempt.store
        delivery = store.deliveries.get(attempt.delivery_id)
        if delivery is None:
            return
        delivery.attempts += 1
        error: str | None = None
        retriable = True
        outcome = Outcome(0, "")
        try:
            client = self._http_client()
            response = await client.post(
                attempt.url,
                content=attempt.body.encode(),
                headers={
                    "Content-Type": "text/plain; charset=UTF-8",
                    **attempt.headers,
                    "User-Agent": USER_AGENT,
                },
            )
            status = response.status_code
            outcome = Outcome(status, response.text[:1024])
            if 200 <= status < 300:
                self._finish(store, delivery, "delivered", outcome)
                return
            error = f"HTTP {status}"
            retriable = status == 429 or status >= 500
        except Exception as exc:  # noqa: BLE001 - any transport failure is a failed attempt
            error = f"{type(exc).__name__}: {exc}"
            outcome = Outcome(0, error)
        if retriable and attempt.delays:
            delay = attempt.delays.pop(0)
            delivery.status = "retrying"
            delivery.last_error = error
            delivery.updated_at = self.env.clock.now()
            store.deliveries.save(delivery.id)
            if delay <= 0:
                await self._post(attempt)
            else:
                due = self.env.clock.now() + delay
                heapq.heappush(self._retries, (due, next(self._counter), attempt))
            return
        self._fail(store, delivery, error or "failed", attempt.dlq_arn, None, outcome)

    def due_retries(self, now: float) -> dict[str, int]:
        """Tick processor: start the retries whose time has come."""
        started = 0
        while self._retries and self._retries[0][0] <= now:
            _, _, attempt = heapq.heappop(self._retries)
            self._spawn(self._post(attempt))
            started += 1
        return {"retried": started, "waiting": len(self._retries)}

    def _http_client(self) -> Any:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=False, trust_env=False)
        return self._client

    def _spawn(self, coro: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            log.warning("no event loop to deliver SNS messages on")
            return
        task = loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- outcome --------------------------------------------------------------------------

    def _fail(
        self, store: SnsStore, delivery: Delivery, error: str, dlq_arn: str | None, note: Notification | None,
        outcome: Outcome | None = None,
    ) -> None:
        delivery.last_error = error
        if outcome is not None:
            self._log_status(store, delivery, outcome, success=False)
        if dlq_arn:
            self._spawn(self._dead_letter(store, delivery, dlq_arn, note))
            return
        self._finish(store, delivery, "failed")

    async def _dead_letter(self, store: SnsStore, delivery: Delivery, dlq_arn: str, note: Notification | None) -> None:
        attributes = note.attributes if (note is not None and delivery.raw) else None
        try:
            await self.send_to_queue(dlq_arn, delivery.body, attributes, note)
        except ServiceError as error:
            delivery.last_error = f"{delivery.last_error}; dead-letter queue: {error.code}: {error.message}"
            self._finish(store, delivery, "failed")
            return
        self._finish(store, delivery, "dead-lettered")

    def _log(self, store: SnsStore, topic_arn: str, sub: Subscription, message_id: str, body: str, raw: bool) -> Delivery:
        now = self.env.clock.now()
        delivery = Delivery(
            store.next_id(store.deliveries), topic_arn, sub.arn, sub.protocol, sub.endpoint,
            message_id, body, created_at=now, updated_at=now, raw=raw,
        )
        store.deliveries[delivery.id] = delivery
        return delivery

    def _finish(self, store: SnsStore, delivery: Delivery, status: str, outcome: Outcome | None = None) -> None:
        if outcome is not None:
            self._log_status(store, delivery, outcome, success=True)
        delivery.settle(status, self.env.clock.now())
        if delivery.id in store.deliveries:
            store.deliveries.save(delivery.id)

    def _log_status(self, store: SnsStore, delivery: Delivery, outcome: Outcome, success: bool) -> None:
        """Write the delivery's status to CloudWatch Logs when its topic asks for it."""
        topic = store.topics.get(delivery.topic_arn)
        if topic is None:
            return
        group = feedback_group(delivery.topic_arn, topic.attributes, delivery.protocol, success)
        if group is None:
            return
        now = self.env.clock.now()
        event = status_event(delivery, delivery.message_md5, outcome, success, now)
        self._spawn(self._write_status(group, event, now))

    async def _write_status(self, group: str, event: str, now: float) -> None:
        try:
            await self.status_logs.write(group, event, now)
        except ServiceError as error:
            log.warning("SNS delivery status log to %s failed: %s", group, error.message)

    def record(
        self, store: SnsStore, protocol: str, endpoint: str, message_id: str, message: str, **extra: Any
    ) -> SentMessage:
        now = self.env.clock.now()
        return store.log_message(
            lambda id_: SentMessage(id_, protocol, endpoint, message_id, message, timestamp=now, **extra)
        )

    def record_email_confirmation(self, store: SnsStore, topic: Topic, sub: Subscription, urls: Urls) -> None:
        version = topic.attributes.get("SignatureVersion", "1")
        doc = confirmation_document(
            "SubscriptionConfirmation", random_uuid(), topic.arn, sub.token,
            self.env.clock.now(), self.signer, version, urls,
        )
        text = render(doc) if sub.protocol == "email-json" else doc["Message"] + "\n" + doc["SubscribeURL"]
        self.record(
            store, sub.protocol, sub.endpoint, doc["MessageId"], text, topic_arn=topic.arn,
            subscription_arn=sub.arn, kind="SubscriptionConfirmation",
            attributes={"Token": sub.token, "SubscribeURL": doc["SubscribeURL"]},
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _dlq(sub: Subscription) -> str | None:
    policy = sub.attributes.get("RedrivePolicy")
    if not policy:
        return None
    try:
        target = read_json(policy).get("deadLetterTargetArn")
    except (ValueError, AttributeError):
        return None
    return target if isinstance(target, str) else None
