"""SNS -> HTTP: the confirmation handshake, notifications, raw delivery and the retry
policy, against a real HTTP server on loopback. Retries wait on the virtual clock."""

from __future__ import annotations

import json
import queue
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from test_sns_sqs_delivery import verify_signature


class Endpoint:
    """A tiny HTTP endpoint: records every POST, answers with queued statuses (200 by default)."""

    def __init__(self) -> None:
        self.requests: "queue.Queue[tuple[dict[str, str], str]]" = queue.Queue()
        self.statuses: "queue.Queue[int]" = queue.Queue()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                try:
                    status = owner.statuses.get_nowait()
                except queue.Empty:
                    status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                owner.requests.put(({k.lower(): v for k, v in self.headers.items()}, body))

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def next(self, timeout: float = 10.0) -> tuple[dict[str, str], str]:
        return self.requests.get(timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    endpoint = Endpoint()
    yield endpoint
    endpoint.close()


@pytest.fixture
def sns(aws_client):
    return aws_client("sns")


def deliveries(cloudtwin, subscription):
    with urllib.request.urlopen(
        f"{cloudtwin.endpoint}/_cloudtwin/sns/deliveries?subscription={subscription}"
    ) as response:
        return json.loads(response.read())["deliveries"]


def eventually(check, timeout: float = 10.0):
    """Wait for background delivery work (an HTTP round trip) to be recorded."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def confirmed_subscription(sns, hook, topic, **attributes):
    """Subscribe the hook and confirm through the SubscribeURL, as a real endpoint would."""
    out = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=hook.url, Attributes=attributes)
    assert out["SubscriptionArn"] == "pending confirmation"
    headers, body = hook.next()
    doc = json.loads(body)
    assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    with urllib.request.urlopen(doc["SubscribeURL"]) as response:
        xml = response.read().decode()
    arn = xml.split("<SubscriptionArn>")[1].split("</SubscriptionArn>")[0]
    return arn


def test_confirmation_handshake(sns, hook, endpoint, cloudtwin):
    topic = sns.create_topic(Name="web")["TopicArn"]
    out = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=hook.url)
    assert out["SubscriptionArn"] == "pending confirmation"
    headers, body = hook.next()
    doc = json.loads(body)
    assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert headers["x-amz-sns-topic-arn"] == topic
    assert headers["x-amz-sns-message-id"] == doc["MessageId"]
    assert headers["content-type"] == "text/plain; charset=UTF-8"
    assert headers["user-agent"] == "Amazon Simple Notification Service Agent"
    assert doc["Type"] == "SubscriptionConfirmation"
    assert doc["TopicArn"] == topic
    assert doc["SubscribeURL"].startswith(endpoint + "/?Action=ConfirmSubscription&TopicArn=")
    assert doc["Token"] in doc["SubscribeURL"]
    verify_signature(doc)

    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [s["SubscriptionArn"] for s in listed] == ["PendingConfirmation"]
    attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert (attrs["SubscriptionsPending"], attrs["SubscriptionsConfirmed"]) == ("0", "0")  # counted later
    cloudtwin.client.advance(60)
    attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert (attrs["SubscriptionsPending"], attrs["SubscriptionsConfirmed"]) == ("1", "0")

    arn = sns.confirm_subscription(TopicArn=topic, Token=doc["Token"])["SubscriptionArn"]
    assert arn.startswith(topic + ":")
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [s["SubscriptionArn"] for s in listed] == [arn]
    sub_attrs = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert sub_attrs["PendingConfirmation"] == "false"
    assert json.loads(sub_attrs["EffectiveDeliveryPolicy"])["healthyRetryPolicy"]["numRetries"] == 3


def test_pending_subscription_receives_nothing_then_notifications(sns, hook):
    topic = sns.create_topic(Name="web-notify")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=hook.url)
    _, body = hook.next()
    sns.publish(TopicArn=topic, Message="before confirmation")
    assert hook.requests.empty()
    with urllib.request.urlopen(json.loads(body)["SubscribeURL"]) as response:
        assert response.status == 200
    sns.publish(TopicArn=topic, Message="after", Subject="s")
    headers, body = hook.next()
    doc = json.loads(body)
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-subscription-arn"].startswith(topic + ":")
    assert doc["Message"] == "after"
    assert doc["Subject"] == "s"
    verify_signature(doc)


def test_raw_http_delivery(sns, hook):
    topic = sns.create_topic(Name="web-raw")["TopicArn"]
    arn = confirmed_subscription(sns, hook, topic)
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="RawMessageDelivery", AttributeValue="true")
    sns.publish(TopicArn=topic, Message="just the body")
    headers, body = hook.next()
    assert body == "just the body"
    assert headers["x-amz-sns-rawdelivery"] == "true"
    sns.set_subscription_attributes(
        SubscriptionArn=arn, AttributeName="DeliveryPolicy",
        AttributeValue=json.dumps({"requestPolicy": {"headerContentType": "application/json"}}),
    )
    sns.publish(TopicArn=topic, Message='{"a": 1}')
    headers, body = hook.next()
    assert (headers["content-type"], body) == ("application/json", '{"a": 1}')


def test_retry_after_server_error_waits_for_the_clock(sns, hook, cloudtwin):
    topic = sns.create_topic(Name="web-retry")["TopicArn"]
    arn = confirmed_subscription(sns, hook, topic)
    hook.statuses.put(500)
    message_id = sns.publish(TopicArn=topic, Message="retry me")["MessageId"]
    hook.next()  # the failed attempt
    failed = eventually(lambda: [d for d in deliveries(cloudtwin, arn) if d["status"] == "retrying"])
    assert failed[0]["message_id"] == message_id
    assert failed[0]["attempts"] == 1
    assert failed[0]["last_error"] == "HTTP 500"
    cloudtwin.client.advance(20)  # the default policy: 3 retries, 20 s apart
    _, body = hook.next()
    assert json.loads(body)["Message"] == "retry me"
    done = eventually(
        lambda: [d for d in deliveries(cloudtwin, arn) if d["message_id"] == message_id and d["status"] == "delivered"]
    )
    assert done[0]["attempts"] == 2


def test_client_error_is_not_retried_and_exhausted_retries_dead_letter(sns, aws_client, hook, cloudtwin):
    sqs = aws_client("sqs")
    dlq_url = sqs.create_queue(QueueName="http-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name="web-dlq")["TopicArn"]
    arn = confirmed_subscription(
        sns, hook, topic,
        DeliveryPolicy=json.dumps({"healthyRetryPolicy": {"numRetries": 1, "minDelayTarget": 5, "maxDelayTarget": 5}}),
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn}),
    )
    hook.statuses.put(503)
    hook.statuses.put(503)
    sns.publish(TopicArn=topic, Message="doomed")
    hook.next()
    eventually(lambda: [d for d in deliveries(cloudtwin, arn) if d["status"] == "retrying"])
    cloudtwin.client.advance(5)
    hook.next()
    final = eventually(lambda: [d for d in deliveries(cloudtwin, arn) if d["status"] == "dead-lettered"])
    assert final[0]["attempts"] == 2
    (message,) = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=5)["Messages"]
    assert json.loads(message["Body"])["Message"] == "doomed"

    hook.statuses.put(404)
    sns.publish(TopicArn=topic, Message="gone")
    hook.next()
    lost = eventually(
        lambda: [
            d for d in deliveries(cloudtwin, arn)
            if d["last_error"] == "HTTP 404" and d["status"] in ("dead-lettered", "failed")
        ]
    )
    assert lost[0]["attempts"] == 1
    assert lost[0]["status"] == "dead-lettered"


def test_unsubscribe_sends_unsubscribe_confirmation(sns, hook):
    topic = sns.create_topic(Name="web-unsub")["TopicArn"]
    arn = confirmed_subscription(sns, hook, topic)
    sns.unsubscribe(SubscriptionArn=arn)
    headers, body = hook.next()
    assert headers["x-amz-sns-message-type"] == "UnsubscribeConfirmation"
    verify_signature(json.loads(body))
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
