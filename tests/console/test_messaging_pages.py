"""SQS and SNS pages: messages peeked (never received), sent and purged from the page;
topics with their subscriptions and deliveries."""

from __future__ import annotations

from urllib.parse import quote


def test_a_sent_message_appears_on_its_queue_page_escaped(ui, aws_client) -> None:
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody='<script>alert("x")</script> order 42')
    index = ui("/sqs")
    assert "jobs" in index.visible()
    page = ui(f"/sqs/queue?url={quote(url, safe='')}")
    assert page.status == 200
    assert '<script>alert("x")</script> order 42' in page.visible()
    assert "<script>alert" not in page.text
    # Peeking received nothing: the message is still there, never received.
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    assert attrs == {"ApproximateNumberOfMessages": "1", "ApproximateNumberOfMessagesNotVisible": "0"}
    received = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert received[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    assert "inflight" in ui(f"/sqs/queue?url={quote(url, safe='')}").visible()


def test_send_purge_and_create_from_the_page(ui, aws_client) -> None:
    sqs = aws_client("sqs")
    created = ui("/sqs/create", method="POST", body={"name": "from-page.fifo"})
    assert created.status == 200, created.text
    url = sqs.get_queue_url(QueueName="from-page.fifo")["QueueUrl"]
    sent = ui("/sqs/send", method="POST", body={"url": url, "body": "hello", "group": "g1", "dedup": "d1"})
    assert sent.status == 200 and "sent" in sent.text
    message = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"][0]
    assert message["Body"] == "hello" and message["Attributes"]["MessageGroupId"] == "g1"
    assert ui("/sqs/purge", method="POST", body={"url": url}).status == 200
    assert "The queue is empty." in ui(f"/sqs/queue?url={quote(url, safe='')}").visible()
    missing = ui("/sqs/send", method="POST", body={"url": url})
    assert missing.status == 400 and "body" in missing.text


def test_accounts_and_regions_are_kept_apart(ui, aws_client) -> None:
    aws_client("sqs", region="eu-west-1").create_queue(QueueName="in-ireland")
    assert "in-ireland" not in ui("/sqs").visible()
    page = ui("/sqs?region=eu-west-1")
    assert "in-ireland" in page.visible()
    assert "region=eu-west-1" in page.text  # links keep the region


def test_topic_page_shows_subscriptions_and_deliveries(ui, aws_client) -> None:
    sns, sqs = aws_client("sns"), aws_client("sqs")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="disk <full>")
    assert "alerts" in ui("/sns").visible()
    page = ui(f"/sns/topic?arn={quote(topic, safe='')}")
    text = page.visible()
    assert arn in text
    assert "disk <full>" in text and "delivered" in text
    published = ui("/sns/publish", method="POST", body={"arn": topic, "message": "from the console"})
    assert published.status == 200
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert any("from the console" in b for b in bodies)


def test_topic_page_shows_what_went_to_unreachable_endpoints(ui, aws_client) -> None:
    sns = aws_client("sns")
    topic = sns.create_topic(Name="mail")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    text = ui(f"/sns/topic?arn={quote(topic, safe='')}").visible()
    assert "ops@example.com" in text and "SubscriptionConfirmation" in text
