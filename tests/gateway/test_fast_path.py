"""The planned fast path (gateway.fast_path) answers exactly as the general chain does.

A header the fast path leaves to the general chain but that changes nothing for a SigV4
request (``X-Amz-Region-Set``, read only for SigV4a) sends the same request the general
way: both answers must be the same bytes, request id, date and message ids aside.
"""

from __future__ import annotations

import json
import re
import socket
from urllib.parse import urlparse

import boto3
import pytest
from botocore.exceptions import ClientError

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAFASTPATHTEST0001/20260101/us-east-1/sqs/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)
_VARYING = re.compile(
    rb"(Date: [^\r]+|x-amzn-RequestId: [0-9a-f-]+|\"MessageId\":\"[0-9a-f-]+\")"
)


def _exchange(endpoint: str, target: str, body: bytes, *, general: bool) -> bytes:
    """The raw response (head and body) to one awsJson SQS request."""
    url = urlparse(endpoint)
    head = (
        f"POST / HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/x-amz-json-1.0\r\n"
        f"X-Amz-Target: AmazonSQS.{target}\r\nX-Amz-Date: 20260101T000000Z\r\n"
        f"Authorization: {AUTH}\r\nContent-Length: {len(body)}\r\n"
        + ("X-Amz-Region-Set: us-east-1\r\n" if general else "")
        + ("Expect: 100-continue\r\n" if len(body) > 65536 else "")
        + "\r\n"
    )
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        if len(body) > 65536:  # the body only once the server asks for it
            sock.sendall(head.encode())
            data = sock.recv(65536)
            if data.startswith(b"HTTP/1.1 100 "):
                sock.sendall(body)
                data = data.partition(b"\r\n\r\n")[2]
        else:
            sock.sendall(head.encode() + body)
            data = b""
        return _response(sock, data)


def _response(sock: socket.socket, data: bytes = b"") -> bytes:
    """One whole response (head and body) read off ``sock``, ``data`` its start."""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    response_head, _, rest = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", response_head).group(1))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk
        rest += chunk
    return response_head + b"\r\n\r\n" + rest


def _both_ways(exchange, varying: re.Pattern) -> bytes:
    """``exchange(general=...)`` the short way and the general way: the same answer, what
    varies per request aside; the short way's answer."""
    fast = exchange(general=False)
    assert varying.sub(b"-", fast) == varying.sub(b"-", exchange(general=True))
    return fast


def _same_both_ways(endpoint: str, target: str, body: bytes) -> bytes:
    return _both_ways(lambda general: _exchange(endpoint, target, body, general=general), _VARYING)


def _planned(server, target: str) -> bool:
    plans = server.app.fast_paths._plans
    return any(key[2] == f"AmazonSQS.{target}" and plan is not None for key, plan in plans.items())


def test_a_planned_call_answers_the_same_bytes_as_the_general_chain(endpoint, server, aws_client):
    url = aws_client("sqs").create_queue(QueueName="fast-path")["QueueUrl"]
    body = json.dumps({"QueueUrl": url, "MessageBody": "hello"}).encode()
    answer = _same_both_ways(endpoint, "SendMessage", body)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert _planned(server, "SendMessage")
    # the header names, their casing and order as the general chain writes them
    names = [line.split(b":", 1)[0] for line in answer.split(b"\r\n\r\n")[0].split(b"\r\n")[1:]]
    assert names == [b"Date", b"x-amzn-RequestId", b"Content-Type", b"Content-Length"]


def test_errors_are_the_same_both_ways(endpoint, server, aws_client):
    missing = json.dumps({"QueueUrl": endpoint + "/000000000000/no-such-queue", "MessageBody": "x"}).encode()
    answer = _same_both_ways(endpoint, "SendMessage", missing)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"QueueDoesNotExist" in answer
    invalid = json.dumps({"QueueName": "x" * 81}).encode()
    assert _same_both_ways(endpoint, "CreateQueue", invalid).startswith(b"HTTP/1.1 400 ")
    malformed = _same_both_ways(endpoint, "CreateQueue", b"{not json")
    assert malformed.startswith(b"HTTP/1.1 400 ")
    assert _planned(server, "CreateQueue")


def test_a_body_over_the_limit_is_refused_in_the_service_s_words(endpoint, aws_client):
    url = aws_client("sqs").create_queue(QueueName="fast-path-big")["QueueUrl"]
    body = json.dumps({"QueueUrl": url, "MessageBody": "x" * (4 * 1024 * 1024)}).encode()
    answer = _same_both_ways(endpoint, "SendMessage", body)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"application/x-amz-json-1.0" in answer
    assert b"RequestEntityTooLarge" in answer


def test_session_credentials_expire_on_the_fast_path(aws_client, endpoint, cloudtwin):
    creds = aws_client("sts").get_session_token(DurationSeconds=900)["Credentials"]
    sqs = boto3.client(
        "sqs", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )  # fmt: skip
    sqs.list_queues()
    sqs.list_queues()  # planned by now: the identity is still resolved per request
    cloudtwin.client.advance(900)
    with pytest.raises(ClientError) as err:
        sqs.list_queues()
    assert err.value.response["Error"]["Code"] == "ExpiredTokenException"
    assert err.value.response["Error"]["Message"] == "The security token included in the request is expired"


_VARYING_XML = re.compile(
    rb"(Date: [^\r]+|x-amzn-RequestId: [0-9a-f-]+|<RequestId>[0-9a-f-]+</RequestId>|<MessageId>[0-9a-f-]+</MessageId>)"
)


def _form_exchange(endpoint: str, service: str, form: str, *, general: bool) -> bytes:
    """The raw response to one form-encoded (query protocol) call signed for ``service``."""
    url = urlparse(endpoint)
    body = form.encode()
    auth = AUTH.replace("/sqs/", f"/{service}/").replace(";x-amz-target", "")
    head = (
        f"POST / HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
        f"X-Amz-Date: 20260101T000000Z\r\nAuthorization: {auth}\r\nContent-Length: {len(body)}\r\n"
        + ("X-Amz-Region-Set: us-east-1\r\n" if general else "")
        + "\r\n"
    ).encode()
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(head + body)
        return _response(sock)


def _form_same_both_ways(endpoint: str, service: str, form: str) -> bytes:
    return _both_ways(lambda general: _form_exchange(endpoint, service, form, general=general), _VARYING_XML)


def _planned_form(server, action: str) -> bool:
    return any(key[3] == action.encode() and plan is not None
               for key, plan in server.app.fast_paths._plans.items() if len(key) == 5)


def test_a_form_encoded_call_is_planned_by_its_action_and_answers_the_same(endpoint, server, aws_client):
    from urllib.parse import quote

    topic = aws_client("sns").create_topic(Name="fast-path-form")["TopicArn"]
    for _ in range(2):  # planned the first time, answered from the plan the second
        answer = _form_same_both_ways(
            endpoint, "sns", f"Action=Publish&Version=2010-03-31&TopicArn={quote(topic, safe='')}&Message=hi%20there"
        )
        assert answer.startswith(b"HTTP/1.1 200 ") and b"<PublishResponse" in answer
    assert _planned_form(server, "Publish")
    identity = _form_same_both_ways(endpoint, "sts", "Action=GetCallerIdentity&Version=2011-06-15")
    assert b"<GetCallerIdentityResult>" in identity
    # errors, in the protocol's words, the same both ways
    missing = _form_same_both_ways(endpoint, "sns", "Action=Publish&Version=2010-03-31&Message=no-topic")
    assert missing.startswith(b"HTTP/1.1 400 ") and b"<Code>" in missing
    unknown = _form_same_both_ways(endpoint, "sns", "Action=NoSuchAction&Version=2010-03-31")
    assert unknown.startswith(b"HTTP/1.1 400 ") and b"InvalidAction" in unknown
    # an Action written twice, or percent-encoded, is left to the general chain's reading
    twice = _form_same_both_ways(endpoint, "sts", "Action=GetCallerIdentity&Action=GetCallerIdentity&Version=2011-06-15")
    assert twice.startswith(b"HTTP/1.1 200 ")
    encoded = _form_same_both_ways(endpoint, "sts", "Action=GetCaller%49dentity&Version=2011-06-15")
    assert encoded.startswith(b"HTTP/1.1 200 ")

