"""SQS queues and their messages (peeked, never received); SNS topics, subscriptions and
deliveries."""

from __future__ import annotations

from typing import Any

from cloudtwin.console.pages.base import Page, ServicePage
from cloudtwin.console.render import Html, field, form, h, join, kv_table, link, section, table, when
from cloudtwin.console.view import View

# -- SQS -------------------------------------------------------------------------------------

_QUEUE_COUNTS = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed")


async def _queue_urls(view: View) -> list[str]:
    return await view.pages("sqs", "ListQueues", {}, "QueueUrls")


async def sqs_count(view: View) -> int:
    return len(await _queue_urls(view))


async def sqs_index(view: View) -> Page:
    rows = []
    for url in await _queue_urls(view):
        attrs, _ = await view.try_call("sqs", "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": list(_QUEUE_COUNTS)})
        counts = attrs.get("Attributes", {})
        rows.append({
            "queue": link(view.url("sqs/queue", url=url), url.rsplit("/", 1)[-1]),
            "visible": counts.get("ApproximateNumberOfMessages"),
            "in flight": counts.get("ApproximateNumberOfMessagesNotVisible"),
            "delayed": counts.get("ApproximateNumberOfMessagesDelayed"),
            "url": url,
        })
    create = form(
        view.url("sqs/create"),
        field("name", "Queue name", required=True, placeholder="jobs or jobs.fifo"),
        submit="Create queue",
    )
    body = section("Queues", table(rows, empty="No queues in this account and region."), id="queues")
    return Page("SQS queues", body + section("New queue", create))


async def sqs_queue(view: View) -> Page:
    url = view.need("url")
    attrs = (await view.call("sqs", "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]})).get("Attributes", {})
    peek = view.control("sqs/messages", queue=url, account=view.account, region=view.region)
    rows = []
    for message in peek.get("messages", []):
        rows.append({
            "MessageId": message.get("MessageId"),
            "State": h('<span class="state {0}">{0}</span>', message.get("State")),
            "Body": h('<pre class="body">{}</pre>', message.get("Body")),
            "Sent": when(message.get("SentTimestamp")),
            "Receives": message.get("ReceiveCount"),
            "Attributes": message.get("MessageAttributes") or "",
            "Group": message.get("MessageGroupId", ""),
        })
    fifo = url.endswith(".fifo")
    send_fields: list[Html] = [field("body", "Message body", kind="textarea", required=True)]
    if fifo:
        send_fields += [field("group", "Message group id", required=True), field("dedup", "Deduplication id")]
    else:
        send_fields.append(field("delay", "Delay (seconds)", kind="number", placeholder="0"))
    hidden = {"url": url}
    name = url.rsplit("/", 1)[-1]
    body = join([
        section(
            h("Messages ({})", len(rows)),
            h('<p class="hint">Peeked through {}: visibility and receive counts are untouched.</p>', "/_cloudtwin/sqs/messages"),
            table(rows, empty="The queue is empty.", cls="messages"),
            id="messages",
        ),
        section("Send a message", form(view.url("sqs/send"), *send_fields, hidden=hidden, submit="Send")),
        section("Attributes", kv_table(attrs)),
        section("Danger zone", form(view.url("sqs/purge"), hidden=hidden, submit="Purge queue", confirm=f"Purge every message of {name}?", cls="inline danger"),
                form(view.url("sqs/delete"), hidden=hidden, submit="Delete queue", confirm=f"Delete {name}?", cls="inline danger")),
    ])
    return Page(name, body, (("queues", view.url("sqs")),))


async def sqs_create(view: View) -> dict[str, Any]:
    name = view.need("name")
    params: dict[str, Any] = {"QueueName": name}
    if name.endswith(".fifo"):
        params["Attributes"] = {"FifoQueue": "true"}
    result = await view.call("sqs", "CreateQueue", params)
    return {"message": f"created {result['QueueUrl']}", "redirect": view.url("sqs/queue", url=result["QueueUrl"])}


async def sqs_send(view: View) -> dict[str, Any]:
    params: dict[str, Any] = {"QueueUrl": view.need("url"), "MessageBody": view.need("body")}
    if view.arg("group"):
        params["MessageGroupId"] = view.arg("group")
    if view.arg("dedup"):
        params["MessageDeduplicationId"] = view.arg("dedup")
    if view.arg("delay").strip():
        try:
            params["DelaySeconds"] = int(view.arg("delay"))
        except ValueError:
            return {"error": "the delay must be a whole number of seconds"}
    result = await view.call("sqs", "SendMessage", params)
    return {"message": f"sent {result.get('MessageId')}", "reload": True}


async def sqs_purge(view: View) -> dict[str, Any]:
    await view.call("sqs", "PurgeQueue", {"QueueUrl": view.need("url")})
    return {"message": "purged", "reload": True}


async def sqs_delete(view: View) -> dict[str, Any]:
    await view.call("sqs", "DeleteQueue", {"QueueUrl": view.need("url")})
    return {"message": "deleted", "redirect": view.url("sqs")}


SQS = ServicePage(
    "sqs", "SQS", "Messaging", sqs_index,
    pages={"queue": sqs_queue},
    actions={"create": sqs_create, "send": sqs_send, "purge": sqs_purge, "delete": sqs_delete},
    count=sqs_count,
)

# -- SNS -------------------------------------------------------------------------------------


async def _topics(view: View) -> list[str]:
    return [t["TopicArn"] for t in await view.pages("sns", "ListTopics", {}, "Topics")]


async def sns_count(view: View) -> int:
    return len(await _topics(view))


async def sns_index(view: View) -> Page:
    rows = []
    for arn in await _topics(view):
        attrs, _ = await view.try_call("sns", "GetTopicAttributes", {"TopicArn": arn})
        a = attrs.get("Attributes", {})
        rows.append({
            "topic": link(view.url("sns/topic", arn=arn), arn.rsplit(":", 1)[-1]),
            "confirmed": a.get("SubscriptionsConfirmed"),
            "pending": a.get("SubscriptionsPending"),
            "arn": arn,
        })
    create = form(view.url("sns/create"), field("name", "Topic name", required=True), submit="Create topic")
    body = section("Topics", table(rows, empty="No topics in this account and region.")) + section("New topic", create)
    return Page("SNS topics", body)


async def sns_topic(view: View) -> Page:
    arn = view.need("arn")
    attrs = (await view.call("sns", "GetTopicAttributes", {"TopicArn": arn})).get("Attributes", {})
    subs = await view.pages("sns", "ListSubscriptionsByTopic", {"TopicArn": arn}, "Subscriptions")
    deliveries = view.control("sns/deliveries", topic=arn)
    delivery_rows = [
        {
            "time": when(d.get("created_at")),
            "protocol": d.get("protocol"),
            "endpoint": d.get("endpoint"),
            "status": h('<span class="state {0}">{0}</span>', d.get("status")),
            "attempts": d.get("attempts"),
            "message": d.get("message_id"),
            "body": h('<pre class="body">{}</pre>', d.get("body")),
            "last error": d.get("last_error"),
        }
        for d in reversed(_listed(deliveries, "deliveries"))
    ]
    recorded = [
        {"time": when(m.get("timestamp")), "protocol": m.get("protocol"), "endpoint": m.get("endpoint"),
         "type": m.get("type"), "subject": m.get("subject"), "message": h('<pre class="body">{}</pre>', m.get("message"))}
        for m in reversed(_listed(view.control("sns/messages"), "messages"))
        if m.get("topic_arn") == arn
    ]
    publish = form(
        view.url("sns/publish"),
        field("subject", "Subject"),
        field("message", "Message", kind="textarea", required=True),
        field("group", "Message group id (FIFO topics)"),
        hidden={"arn": arn},
        submit="Publish",
    )
    body = join([
        section("Subscriptions", table(subs, ["Protocol", "Endpoint", "SubscriptionArn"], empty="No subscriptions.")),
        section(h("Deliveries ({})", len(delivery_rows)), table(delivery_rows, empty="Nothing delivered yet."), id="deliveries"),
        section(h("Sent to email, SMS and other unreachable endpoints ({})", len(recorded)),
                table(recorded, empty="Nothing recorded."), id="recorded"),
        section("Publish", publish),
        section("Attributes", kv_table(attrs)),
    ])
    return Page(arn.rsplit(":", 1)[-1], body, (("topics", view.url("sns")),))


def _listed(data: Any, key: str) -> list[dict[str, Any]]:
    """A control answer's list (wrapped under ``key``, or bare)."""
    if isinstance(data, dict):
        data = data.get(key, [])
    return list(data or [])


async def sns_create(view: View) -> dict[str, Any]:
    name = view.need("name")
    params: dict[str, Any] = {"Name": name}
    if name.endswith(".fifo"):
        params["Attributes"] = {"FifoTopic": "true"}
    result = await view.call("sns", "CreateTopic", params)
    return {"message": f"created {result['TopicArn']}", "redirect": view.url("sns/topic", arn=result["TopicArn"])}


async def sns_publish(view: View) -> dict[str, Any]:
    params: dict[str, Any] = {"TopicArn": view.need("arn"), "Message": view.need("message")}
    if view.arg("subject"):
        params["Subject"] = view.arg("subject")
    if view.arg("group"):
        params["MessageGroupId"] = view.arg("group")
    result = await view.call("sns", "Publish", params)
    return {"message": f"published {result.get('MessageId')}", "reload": True}


SNS = ServicePage(
    "sns", "SNS", "Messaging", sns_index,
    pages={"topic": sns_topic},
    actions={"create": sns_create, "publish": sns_publish},
    count=sns_count,
)

PAGES = (SQS, SNS)
