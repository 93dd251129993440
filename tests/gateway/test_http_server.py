"""The HTTP layer: keep-alive, chunked request bodies, Expect: 100-continue, CORS."""

from __future__ import annotations

import http.client
import socket
from urllib.parse import urlparse

BODY = b"Action=GetCallerIdentity&Version=2011-06-15"
HEADERS = (
    "Content-Type: application/x-www-form-urlencoded\r\n"
    "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/aws4_request, "
    "SignedHeaders=host, Signature=00\r\n"
)


def _addr(endpoint):
    url = urlparse(endpoint)
    return url.hostname, url.port


def _read_response(sock: socket.socket) -> tuple[bytes, bytes]:
    """One response (head, body) by Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
    )
    while len(rest) < length:
        rest += sock.recv(65536)
    return head, rest[:length]


def test_keep_alive_serves_many_requests_on_one_connection(endpoint):
    conn = http.client.HTTPConnection(*_addr(endpoint), timeout=10)
    headers = dict(line.split(": ", 1) for line in HEADERS.strip().split("\r\n"))
    for _ in range(5):
        conn.request("POST", "/", body=BODY, headers=headers)
        response = conn.getresponse()
        assert response.status == 200
        assert b"<Account>000000000000</Account>" in response.read()
    conn.close()


def test_chunked_request_body(endpoint):
    with socket.create_connection(_addr(endpoint), timeout=10) as sock:
        pieces = [BODY[:10], BODY[10:25], BODY[25:]]
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
            + HEADERS.encode()
            + b"\r\n"
            + chunked
        )
        head, body = _read_response(sock)
    assert head.startswith(b"HTTP/1.1 200")
    assert b"<Account>000000000000</Account>" in body


def test_expect_100_continue(endpoint):
    with socket.create_connection(_addr(endpoint), timeout=10) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
            + f"Content-Length: {len(BODY)}\r\n".encode()
            + HEADERS.encode()
            + b"\r\n"
        )
        interim = b""
        while b"\r\n\r\n" not in interim:
            interim += sock.recv(1024)
        assert interim.startswith(b"HTTP/1.1 100")
        leftover = interim.split(b"\r\n\r\n", 1)[1]
        assert leftover == b""
        sock.sendall(BODY)
        head, body = _read_response(sock)
    assert head.startswith(b"HTTP/1.1 200")
    assert b"<Account>000000000000</Account>" in body


def test_cors_preflight_and_response_headers(endpoint):
    conn = http.client.HTTPConnection(*_addr(endpoint), timeout=10)
    conn.request(
        "OPTIONS",
        "/",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,x-amz-date,content-type",
        },
    )
    response = conn.getresponse()
    response.read()
    assert response.status == 200
    assert response.getheader("Access-Control-Allow-Origin") == "http://localhost:3000"
    assert "POST" in response.getheader("Access-Control-Allow-Methods")
    assert response.getheader("Access-Control-Allow-Headers") == "authorization,x-amz-date,content-type"

    headers = dict(line.split(": ", 1) for line in HEADERS.strip().split("\r\n"))
    conn.request("POST", "/", body=BODY, headers={**headers, "Origin": "http://localhost:3000"})
    response = conn.getresponse()
    response.read()
    assert response.status == 200
    assert response.getheader("Access-Control-Allow-Origin") == "http://localhost:3000"
    assert "x-amzn-RequestId" in response.getheader("Access-Control-Expose-Headers")
    conn.close()


def test_response_header_names_keep_their_casing(endpoint):
    """AWS's header names have their casing (``Content-Type``, ``ETag``); the server sends
    them as the gateway wrote them, and still frames the body by ``Content-Length``."""
    with socket.create_connection(_addr(endpoint), timeout=10) as sock:
        sock.sendall(b"GET /no-such-bucket-casing HTTP/1.1\r\nHost: localhost\r\n\r\n")
        head, body = _read_response(sock)
    names = [line.split(b":", 1)[0] for line in head.split(b"\r\n")[1:]]
    assert b"Content-Type" in names and b"Content-Length" in names
    assert b"x-amz-request-id" in names  # AWS's own lower-case names stay lower-case
    assert b"<Code>NoSuchBucket</Code>" in body
