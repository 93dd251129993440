"""Long polling: a waiting ReceiveMessage returns as soon as a message is receivable (sent,
made visible, or made due by the virtual clock), honours WaitTimeSeconds on real time,
and never holds up other requests."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest


def _waiting(server, count=1, timeout=15.0) -> None:
    """Block until ``count`` long polls are parked on the server (no fixed sleeps)."""
    broker = server.app.services.provider("sqs").broker
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while sum(len(w) for w in list(broker._waiters.values())) < count:
        if time.monotonic() > deadline:
            raise AssertionError("the long poll never started waiting")
        pause.wait(0.005)


@pytest.fixture
def pool():
    with ThreadPoolExecutor(max_workers=4) as executor:
        yield executor


def test_returns_as_soon_as_a_message_arrives(sqs, server, pool):
    url = sqs.create_queue(QueueName="lp")["QueueUrl"]
    started = time.monotonic()
    future = pool.submit(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=20)
    _waiting(server)
    sqs.send_message(QueueUrl=url, MessageBody="wake up")
    got = future.result(timeout=10)
    assert [m["Body"] for m in got["Messages"]] == ["wake up"]
    assert time.monotonic() - started < 10


def test_other_requests_are_not_blocked(sqs, server, pool):
    url = sqs.create_queue(QueueName="lp")["QueueUrl"]
    future = pool.submit(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=20)
    _waiting(server)
    started = time.monotonic()
    other = sqs.create_queue(QueueName="other")["QueueUrl"]
    for i in range(20):
        sqs.send_message(QueueUrl=other, MessageBody=str(i))
    assert len(sqs.list_queues()["QueueUrls"]) == 2
    # Blocked behind the long poll, these would take its 20 s; a loaded machine needs slack.
    assert time.monotonic() - started < 15
    assert not future.done()
    sqs.send_message(QueueUrl=url, MessageBody="done")
    assert future.result(timeout=10)["Messages"][0]["Body"] == "done"


def test_wakes_when_the_virtual_clock_makes_a_message_due(sqs, server, pool, control):
    control.freeze()
    url = sqs.create_queue(QueueName="lp")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=600)
    future = pool.submit(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=20)
    _waiting(server)
    started = time.monotonic()
    control.advance(600)
    assert future.result(timeout=10)["Messages"][0]["Body"] == "delayed"
    assert time.monotonic() - started < 10


def test_wakes_when_visibility_is_reset(sqs, server, pool, control):
    control.freeze()
    url = sqs.create_queue(QueueName="lp")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    future = pool.submit(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=20)
    _waiting(server)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    assert future.result(timeout=10)["Messages"][0]["Body"] == "again"


def test_wait_time_elapses_on_real_time_with_queue_default(sqs):
    url = sqs.create_queue(QueueName="lp", Attributes={"ReceiveMessageWaitTimeSeconds": "1"})["QueueUrl"]
    started = time.monotonic()
    got = sqs.receive_message(QueueUrl=url)
    elapsed = time.monotonic() - started
    assert "Messages" not in got
    assert 0.9 <= elapsed < 15  # waited the queue's second, not the 20 s maximum
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"ReceiveMessageWaitTimeSeconds": "20"})
    started = time.monotonic()
    sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)  # the request's value wins
    assert time.monotonic() - started < 15  # the queue's 20 s would have been waited out


def test_deleting_the_queue_ends_the_wait(sqs, server, pool):
    url = sqs.create_queue(QueueName="lp")["QueueUrl"]
    future = pool.submit(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=20)
    _waiting(server)
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(Exception) as exc:
        future.result(timeout=10)
    assert exc.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
