"""The server's connection protocol (cloudtwin.http_protocol): planned requests answered on
the spot, and everything around them kept as uvicorn does it — bodies that come in
pieces, pipelined requests answered in order behind one that waits, answers held until
their writes are durable (and never acknowledged when the commit fails), and the
keep-alive timeout."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import time
import urllib.request
from urllib.parse import urlparse

import boto3
import pytest
from botocore.config import Config as ClientConfig

from cloudtwin.config import Config
from cloudtwin.testing.server import ServerThread, free_port

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAPROTOCOLTEST0001/20260101/us-east-1/sqs/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)


def _request(netloc: str, target: str, params: dict, *, extra: str = "") -> bytes:
    body = json.dumps(params).encode()
    return (
        f"POST / HTTP/1.1\r\nHost: {netloc}\r\nContent-Type: application/x-amz-json-1.0\r\n"
        f"X-Amz-Target: AmazonSQS.{target}\r\nX-Amz-Date: 20260101T000000Z\r\n"
        f"Authorization: {AUTH}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


class _Reader:
    """Responses read one by one off a socket (Content-Length framed)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.data = sock, b""

    def response(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.data:
            chunk = self.sock.recv(65536)
            assert chunk, f"connection closed; read so far: {self.data!r}"
            self.data += chunk
        head, _, self.data = self.data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers["content-length"])
        while len(self.data) < length:
            chunk = self.sock.recv(65536)
            assert chunk
            self.data += chunk
        body, self.data = self.data[:length], self.data[length:]
        return int(lines[0].split()[1]), headers, body


def _connect(endpoint: str) -> tuple[socket.socket, str]:
    url = urlparse(endpoint)
    sock = socket.create_connection((url.hostname, url.port), timeout=20)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock, url.netloc


@pytest.fixture()
def queue_url(aws_client) -> str:
    return aws_client("sqs").create_queue(QueueName=f"protocol-{time.monotonic_ns()}")["QueueUrl"]


@pytest.mark.parametrize("pause", [0.05, 1.3], ids=["awaited", "read-the-asgi-way"])
def test_a_body_that_comes_apart_from_its_headers_is_read_whole(endpoint, aws_client, queue_url, pause):
    """SDKs often write the headers and the body apart; a body later than a moment is
    read the ASGI way. (The pauses are the network's, not AWS time.)"""
    sock, netloc = _connect(endpoint)
    with sock:
        data = _request(netloc, "SendMessage", {"QueueUrl": queue_url, "MessageBody": "split " * 50})
        cut = data.index(b"\r\n\r\n") + 10
        sock.sendall(data[:cut])
        time.sleep(pause)
        sock.sendall(data[cut:])
        status, _, body = _Reader(sock).response()
        # and the connection goes on serving
        sock.sendall(_request(netloc, "GetQueueAttributes", {"QueueUrl": queue_url, "AttributeNames": ["All"]}))
        assert _Reader(sock).response()[0] == 200
    assert status == 200, body
    messages = aws_client("sqs").receive_message(QueueUrl=queue_url)["Messages"]
    assert [m["Body"] for m in messages] == ["split " * 50]
    assert json.loads(body)["MessageId"] == messages[0]["MessageId"]


def test_pipelined_requests_are_answered_in_order_behind_one_that_waits(endpoint, aws_client, queue_url):
    sock, netloc = _connect(endpoint)
    with sock:
        # a long poll (it waits for a message), then two calls answered on the spot
        sock.sendall(
            _request(netloc, "ReceiveMessage", {"QueueUrl": queue_url, "WaitTimeSeconds": 10})
            + _request(netloc, "GetQueueAttributes", {"QueueUrl": queue_url, "AttributeNames": ["QueueArn"]})
            + _request(netloc, "ListQueues", {"QueueNamePrefix": "protocol-"})
        )
        aws_client("sqs").send_message(QueueUrl=queue_url, MessageBody="wake up")
        reader = _Reader(sock)
        answers = [reader.response() for _ in range(3)]
    assert [status for status, _, _ in answers] == [200, 200, 200]
    assert [m["Body"] for m in json.loads(answers[0][2])["Messages"]] == ["wake up"]
    assert "QueueArn" in json.loads(answers[1][2])["Attributes"]
    assert queue_url in json.loads(answers[2][2])["QueueUrls"]


def test_a_repeated_header_is_read_as_one_joined_value(endpoint, queue_url):
    """(such a request takes the ASGI way; its answer is the same)"""
    sock, netloc = _connect(endpoint)
    with sock:
        sock.sendall(_request(netloc, "GetQueueUrl", {"QueueName": queue_url.rsplit("/", 1)[1]},
                              extra="X-Custom: a\r\nX-Custom: b\r\n"))
        status, headers, body = _Reader(sock).response()
    assert status == 200 and json.loads(body)["QueueUrl"] == queue_url
    assert headers["content-type"] == "application/x-amz-json-1.0"


@pytest.fixture()
def durable_server(tmp_path):
    config = Config(port=free_port(), log_level="warning", data_dir=str(tmp_path / "state"))
    server = ServerThread(config)
    server.server.config.timeout_keep_alive = 0.3  # uvicorn's, read per connection
    server.start()
    # health answers once the warm-up is over: from then on planned requests are answered
    # on the spot (during it they take the ASGI way)
    urllib.request.urlopen(server.endpoint + "/_cloudtwin/health", timeout=30).close()
    try:
        yield server
    finally:
        server.stop()
        server.app.persistence.close()


def _sqs(endpoint: str):
    return boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=ClientConfig(retries={"total_max_attempts": 1}))


def _stored(data_dir, text: str) -> int:
    """How many rows of the data dir (its records, and its journal of the latest writes)
    hold ``text``: read by connections of this test's own."""
    found = 0
    for name, table in (("state.sqlite", "records"), ("journal.sqlite", "log")):
        db = sqlite3.connect(data_dir / name)
        try:
            found += db.execute(f"SELECT count(*) FROM {table} WHERE value LIKE ?", (f"%{text}%",)).fetchone()[0]
        finally:
            db.close()
    return found


def test_a_write_is_answered_once_it_is_committed(durable_server, tmp_path):
    """When SendMessage answers, its message is in the data dir for any other reader."""
    sqs = _sqs(durable_server.endpoint)
    url = sqs.create_queue(QueueName="durable")["QueueUrl"]
    for n in range(20):
        sent = sqs.send_message(QueueUrl=url, MessageBody=f"kept {n}")
        assert _stored(tmp_path / "state", sent["MessageId"]) >= 1
    assert not durable_server.app.persistence.pending


def test_writes_made_while_a_commit_is_made_wait_for_the_next(durable_server, tmp_path):
    """Many connections writing at once: every answer comes after its own write is
    durable."""
    sqs = _sqs(durable_server.endpoint)
    url = sqs.create_queue(QueueName="busy")["QueueUrl"]
    netloc = urlparse(durable_server.endpoint).netloc
    socks = [_connect(durable_server.endpoint)[0] for _ in range(8)]
    try:
        for round_ in range(10):
            for n, sock in enumerate(socks):
                sock.sendall(_request(netloc, "SendMessage", {"QueueUrl": url, "MessageBody": f"m{round_}-{n}"}))
            for sock in socks:
                status, _, body = _Reader(sock).response()
                assert status == 200
                assert _stored(tmp_path / "state", json.loads(body)["MessageId"]) >= 1
    finally:
        for sock in socks:
            sock.close()


def test_a_write_whose_commit_fails_is_not_acknowledged(durable_server):
    sqs = _sqs(durable_server.endpoint)
    url = sqs.create_queue(QueueName="not-durable")["QueueUrl"]
    persistence = durable_server.app.persistence
    group_commit = durable_server.app.group_commit
    original = group_commit._commit

    def failing():
        raise OSError("disk full")

    group_commit._commit = failing
    try:
        with pytest.raises(sqs.exceptions.ClientError) as caught:
            sqs.send_message(QueueUrl=url, MessageBody="lost")
    finally:
        group_commit._commit = original
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert caught.value.response["Error"]["Code"] in ("InternalFailure", "InternalError")
    # the server goes on serving, and the write that was not acknowledged is made with
    # the next commit (it was never lost from memory)
    assert sqs.get_queue_url(QueueName="not-durable")["QueueUrl"] == url
    sqs.send_message(QueueUrl=url, MessageBody="kept")
    assert not persistence.pending


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(durable_server):
    sock, netloc = _connect(durable_server.endpoint)
    with sock:
        sock.sendall(_request(netloc, "ListQueues", {}))
        reader = _Reader(sock)
        assert reader.response()[0] == 200
        started = time.monotonic()
        sock.settimeout(5)
        assert sock.recv(1) == b""  # closed by the server
        assert 0.2 <= time.monotonic() - started < 3


def test_a_connection_waiting_on_its_answer_is_not_closed(durable_server):
    sqs = _sqs(durable_server.endpoint)
    url = sqs.create_queue(QueueName="long-poll")["QueueUrl"]
    sock, netloc = _connect(durable_server.endpoint)
    with sock:
        started = time.monotonic()
        sock.sendall(_request(netloc, "ReceiveMessage", {"QueueUrl": url, "WaitTimeSeconds": 1}))
        status, _, body = _Reader(sock).response()  # after the wait, well past the timeout
        assert status == 200 and json.loads(body) == {}
        assert time.monotonic() - started >= 0.9
        # and the connection still serves
        sock.sendall(_request(netloc, "ListQueues", {}))
        assert _Reader(sock).response()[0] == 200


def test_response_heads_are_written_as_uvicorn_writes_them(endpoint):
    """Status line, a Date first, the gateway's header names as written, one CR LF each."""
    sock, netloc = _connect(endpoint)
    with sock:
        sock.sendall(_request(netloc, "GetQueueUrl", {"QueueName": "no-such-queue-here"}))
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk
            data += chunk
    head = data.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    assert head[0] == "HTTP/1.1 400 Bad Request"
    assert re.fullmatch(r"Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", head[1])
    assert [line.partition(": ")[0] for line in head[2:]] == [
        "x-amzn-RequestId", "Content-Type", "x-amzn-query-error", "Content-Length"
    ]


@pytest.mark.parametrize("extra", ["", "X-Amz-Region-Set: us-east-1\r\n"], ids=["direct", "asgi"])
def test_trailing_whitespace_is_not_part_of_a_header_value(endpoint, queue_url, extra):
    sock, netloc = _connect(endpoint)
    with sock:
        data = _request(netloc, "GetQueueUrl", {"QueueName": queue_url.rsplit("/", 1)[1]}, extra=extra)
        sock.sendall(data.replace(b"AmazonSQS.GetQueueUrl\r\n", b"AmazonSQS.GetQueueUrl \t\r\n"))
        status, _, body = _Reader(sock).response()
    assert status == 200, body
    assert json.loads(body)["QueueUrl"] == queue_url


def test_a_chunked_form_encoded_call_is_read_the_asgi_way(endpoint, aws_client):
    topic = aws_client("sns").create_topic(Name="protocol-chunked")["TopicArn"]
    form = f"Action=GetTopicAttributes&Version=2010-03-31&TopicArn={topic.replace(':', '%3A')}".encode()
    auth = AUTH.replace("/sqs/", "/sns/").replace(";x-amz-target", "")
    sock, netloc = _connect(endpoint)
    with sock:
        sock.sendall(
            f"POST / HTTP/1.1\r\nHost: {netloc}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"X-Amz-Date: 20260101T000000Z\r\nAuthorization: {auth}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
            + b"%x\r\n%s\r\n" % (10, form[:10]) + b"%x\r\n%s\r\n0\r\n\r\n" % (len(form) - 10, form[10:])
        )
        status, _, body = _Reader(sock).response()
    assert status == 200, body
    assert topic.encode() in body and b"<GetTopicAttributesResult>" in body


def test_a_large_answer_is_whole(endpoint, aws_client):
    ddb = aws_client("dynamodb")
    ddb.create_table(TableName="protocol-large", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    big = "x" * 200_000  # an answer well past the size copied behind its head
    ddb.put_item(TableName="protocol-large", Item={"pk": {"S": "k"}, "v": {"S": big}})
    for _ in range(2):
        assert ddb.get_item(TableName="protocol-large", Key={"pk": {"S": "k"}})["Item"]["v"]["S"] == big
