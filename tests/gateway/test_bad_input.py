"""Bad input gets an AWS-shaped 4xx, and the server keeps serving afterwards."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import xml.etree.ElementTree as ET
from urllib.parse import urlparse

import pytest

AUTH = (
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{svc}/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
)


def send(endpoint, method, path, body=b"", headers=None):
    url = urlparse(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def json_error(body: bytes) -> str:
    doc = json.loads(body)
    return doc["__type"].rsplit("#", 1)[-1]


def xml_error(body: bytes) -> str:
    root = ET.fromstring(body)
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "Code":
            return element.text
    raise AssertionError(body)


@pytest.fixture(autouse=True)
def still_serving(aws_client):
    """Each bad request leaves the server answering and what was written before intact."""
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName="written-before")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="kept")
    yield
    assert aws_client("sts").get_caller_identity()["Account"] == "000000000000"
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    assert [m["Body"] for m in got.get("Messages", [])] == ["kept"]


def test_malformed_json_body(endpoint):
    status, headers, body = send(
        endpoint, "POST", "/", b'{"QueueName": ',
        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.CreateQueue",
         "Authorization": AUTH.format(svc="sqs")},
    )
    assert 400 <= status < 500
    assert json_error(body) == "SerializationException"


def test_json_with_wrong_member_type(endpoint):
    status, _, body = send(
        endpoint, "POST", "/", b'{"TableName": 12}',
        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.DescribeTable",
         "Authorization": AUTH.format(svc="dynamodb")},
    )
    assert status == 400
    assert json_error(body) == "SerializationException"


def test_missing_required_member_is_a_validation_error(endpoint):
    status, _, body = send(
        endpoint, "POST", "/", b"{}",
        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.DescribeTable",
         "Authorization": AUTH.format(svc="dynamodb")},
    )
    assert status == 400
    doc = json.loads(body)
    assert doc["__type"].endswith("ValidationException")
    assert doc["message"] == (
        "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_unknown_json_target(endpoint):
    status, _, body = send(
        endpoint, "POST", "/", b"{}",
        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.NoSuchOperation",
         "Authorization": AUTH.format(svc="sqs")},
    )
    assert 400 <= status < 500
    assert json_error(body) == "UnknownOperationException"


def test_unknown_query_action(endpoint):
    status, _, body = send(
        endpoint, "POST", "/", b"Action=NoSuchAction&Version=2011-06-15",
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": AUTH.format(svc="sts")},
    )
    assert 400 <= status < 500
    assert xml_error(body) == "InvalidAction"


def test_malformed_xml_body(endpoint):
    status, _, body = send(
        endpoint, "PUT", "/some-bucket", b"<CreateBucketConfiguration><LocationConstraint>",
        {"Content-Type": "application/xml", "Authorization": AUTH.format(svc="s3")},
    )
    assert status == 400
    assert xml_error(body) == "MalformedXML"


def test_malformed_cbor_body(endpoint):
    status, headers, body = send(
        endpoint, "POST", "/service/AWSEventsV2/operation/ListEventBuses", b"\xff\x00\x13",
        {"Content-Type": "application/cbor", "Smithy-Protocol": "rpc-v2-cbor", "Accept": "application/cbor",
         "Authorization": AUTH.format(svc="events")},
    )
    assert 400 <= status < 500
    import cbor2

    assert cbor2.loads(body)["__type"].rsplit("#", 1)[-1] == "SerializationException"


def test_wrong_content_type_with_no_routing_hints(endpoint):
    status, headers, body = send(endpoint, "POST", "/", b"hello", {"Content-Type": "text/plain"})
    assert 400 <= status < 500
    assert body  # an AWS-shaped envelope, not an empty answer
    if headers.get("content-type", "").startswith("application/x-amz-json"):
        assert json_error(body)
    else:
        assert xml_error(body)


def test_huge_headers(endpoint):
    status, _, body = send(
        endpoint, "POST", "/", b"Action=GetCallerIdentity&Version=2011-06-15",
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": AUTH.format(svc="sts"),
         "X-Padding": "a" * 100_000},
    )
    assert status == 400
    assert xml_error(body) == "RequestHeaderSectionTooLarge"


def raw_exchange(endpoint: str, payload: bytes) -> bytes:
    url = urlparse(endpoint)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)


def test_bad_chunk_framing_gets_an_xml_400(endpoint):
    reply = raw_exchange(
        endpoint,
        b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\nAction=GetCallerIdentity\r\n0\r\n\r\n",
    )
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert xml_error(body) == "BadRequest"


def test_truncated_chunked_body_does_not_hurt_the_server(endpoint):
    # The client promises more chunks, then goes away: nobody to answer, nothing lost.
    reply = raw_exchange(
        endpoint,
        b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n10\r\nAction=GetCall",
    )
    assert b"500" not in reply.split(b"\r\n", 1)[0]


def test_truncated_aws_chunked_payload(endpoint):
    payload = b"5;chunk-signature=" + b"0" * 64 + b"\r\nhel"
    status, _, body = send(
        endpoint, "PUT", "/some-bucket", payload,
        {"Content-Encoding": "aws-chunked", "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
         "x-amz-decoded-content-length": "5", "Authorization": AUTH.format(svc="s3")},
    )
    assert status == 400
    assert xml_error(body) == "IncompleteBody"


def test_wrong_content_md5(endpoint):
    body = b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet/></Tagging>'
    status, _, reply = send(
        endpoint, "PUT", "/some-bucket?tagging", body,
        {"Content-MD5": base64.b64encode(b"0" * 16).decode(), "Authorization": AUTH.format(svc="s3")},
    )
    assert status == 400
    assert xml_error(reply) == "BadDigest"
