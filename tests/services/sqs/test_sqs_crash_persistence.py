"""End to end: a ``cloudtwin start --data-dir`` server is SIGKILLed at random moments while
it takes a stream of SendMessage calls; after every restart each acknowledged message is
there (id and body), FIFO order is intact, and nothing else is (at most the one send in
flight when the process died)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

from cloudtwin.testing.server import free_port, start_process
from botocore.exceptions import BotoCoreError, ClientError

ROUNDS = 3


def _start(port: int, data_dir: Path) -> subprocess.Popen:
    return start_process(port, "--data-dir", str(data_dir))


def _peek(port: int, queue: str) -> list[dict]:
    url = f"http://127.0.0.1:{port}/_cloudtwin/sqs/messages?queue={queue}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())["messages"]


def test_acknowledged_messages_survive_sigkill(tmp_path):
    data_dir = tmp_path / "state"
    port = free_port()
    rng = random.Random(20261121)
    client = boto3.client(
        "sqs", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=10),
    )
    acked: dict[str, dict[str, str]] = {"stream": {}, "ordered.fifo": {}}
    fifo_order: list[str] = []
    in_flight: set[str] = set()
    proc = _start(port, data_dir)
    try:
        std = client.create_queue(QueueName="stream")["QueueUrl"]
        fifo = client.create_queue(QueueName="ordered.fifo", Attributes={
            "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
        counter = 0
        for _ in range(ROUNDS):
            killer = threading.Timer(rng.uniform(0.2, 0.6), os.kill, (proc.pid, signal.SIGKILL))
            killer.start()
            while True:
                counter += 1
                body = f"message-{counter}-" + "x" * rng.randint(0, 300)
                name = "ordered.fifo" if counter % 3 == 0 else "stream"
                try:
                    if name == "stream":
                        sent = client.send_message(QueueUrl=std, MessageBody=body)
                    else:
                        sent = client.send_message(QueueUrl=fifo, MessageBody=body, MessageGroupId="g")
                except (BotoCoreError, ClientError, OSError):
                    in_flight.add(body)  # the server died under it: maybe stored, maybe not
                    break
                if "MessageId" not in sent:  # the kill cut the answer short: no acknowledgement
                    in_flight.add(body)
                    break
                acked[name][sent["MessageId"]] = body
                if name == "ordered.fifo":
                    fifo_order.append(sent["MessageId"])
            killer.join()
            proc.wait(10)
            proc = _start(port, data_dir)
            for name in acked:
                seen = _peek(port, name)
                ids = {m["MessageId"]: m["Body"] for m in seen}
                missing = set(acked[name]) - set(ids)
                assert not missing, f"{len(missing)} acknowledged messages lost in {name}"
                assert all(ids[i] == body for i, body in acked[name].items())
                extra = {ids[i] for i in set(ids) - set(acked[name])}
                assert extra <= in_flight, f"unexpected messages in {name}: {extra}"
                if name == "ordered.fifo":
                    order = [m["MessageId"] for m in seen if m["MessageId"] in acked[name]]
                    assert order == fifo_order
        assert sum(len(v) for v in acked.values()) > 20
        # Finally, through the API: everything is receivable with intact bodies and digests.
        received: dict[str, str] = {}
        while True:
            got = client.receive_message(QueueUrl=std, MaxNumberOfMessages=10, VisibilityTimeout=600)
            if "Messages" not in got:
                break
            for message in got["Messages"]:
                received[message["MessageId"]] = message["Body"]
        assert {k: v for k, v in received.items() if k in acked["stream"]} == acked["stream"]
        fifo_got = client.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
        in_order = [m["MessageId"] for m in fifo_got if m["MessageId"] in acked["ordered.fifo"]]
        assert in_order and in_order == fifo_order[: len(in_order)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_queue_state_survives_sigkill(tmp_path):
    data_dir = tmp_path / "state"
    port = free_port()
    client = boto3.client(
        "sqs", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}),
    )
    proc = _start(port, data_dir)
    try:
        url = client.create_queue(QueueName="kept", Attributes={"VisibilityTimeout": "3600"}, tags={"a": "b"})["QueueUrl"]
        fifo = client.create_queue(QueueName="kept.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        first = client.send_message(QueueUrl=fifo, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d")
        client.send_message(QueueUrl=url, MessageBody="taken")
        client.send_message(QueueUrl=url, MessageBody="waiting")
        taken = client.receive_message(QueueUrl=url)["Messages"][0]
        client.delete_message(QueueUrl=url, ReceiptHandle=client.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"])
        client.send_message(QueueUrl=url, MessageBody="after")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        proc = _start(port, data_dir)
        attrs = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attrs["VisibilityTimeout"] == "3600"
        assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]) == ("1", "1")
        assert client.list_queue_tags(QueueUrl=url)["Tags"] == {"a": "b"}
        assert client.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "after"
        client.delete_message(QueueUrl=url, ReceiptHandle=taken["ReceiptHandle"])  # the old handle still works
        assert [(m["Body"], m["State"]) for m in _peek(port, "kept")] == [("after", "inflight")]
        again = client.send_message(QueueUrl=fifo, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d")
        assert again["MessageId"] == first["MessageId"]  # the deduplication window survived
        later = client.send_message(QueueUrl=fifo, MessageBody="y", MessageGroupId="g", MessageDeduplicationId="e")
        assert later["SequenceNumber"] > first["SequenceNumber"]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
