"""The server layer's response writes (cloudtwin.server): one write per response where
the length is known, header names as written, and what uvicorn needs to see in them."""

from __future__ import annotations

import re

from cloudtwin.http_protocol import HeadHeldTransport
from cloudtwin.response_head import CasedHeaders, cased_name

HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"


class _Recorder:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


def test_a_head_leaves_with_the_first_piece_of_its_body():
    transport = _Recorder()
    held = HeadHeldTransport(transport)
    held.write(HEAD)
    assert transport.writes == []
    held.write(b"{}")
    assert transport.writes == [HEAD + b"{}"]
    held.write(b"more")
    assert transport.writes == [HEAD + b"{}", b"more"]


def test_100_continue_and_chunked_heads_are_not_held():
    transport = _Recorder()
    held = HeadHeldTransport(transport)
    held.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    chunked = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n"
    held.write(chunked)
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n", chunked]


def test_closing_sends_a_held_head_first():
    transport = _Recorder()
    held = HeadHeldTransport(transport)
    held.write(HEAD)
    held.close()
    assert transport.writes == [HEAD] and transport.closed


def test_a_large_first_piece_is_not_copied_behind_the_head():
    transport = _Recorder()
    held = HeadHeldTransport(transport)
    held.write(HEAD)
    big = b"x" * (1024 * 1024)
    held.write(big)
    assert transport.writes == [HEAD, big]


def test_cased_names_compare_as_uvicorn_needs():
    # uvicorn writes name.lower() and compares it with the framing headers' names
    assert cased_name(b"Content-Type").lower() == b"Content-Type"
    assert cased_name(b"Content-Type").lower() != b"content-length"
    assert cased_name(b"Content-Length").lower() == b"content-length"
    assert bytes(cased_name(b"Content-Length").lower()) == b"Content-Length"
    assert cased_name(b"Connection").lower() == b"connection"
    assert cased_name(b"x-amz-id-2") == b"x-amz-id-2"



def test_response_headers_keep_their_names_and_get_a_date_first():
    headers = CasedHeaders()
    out = headers({"x-amzn-RequestId": "r", "Content-Type": "application/json", "Content-Length": "2"})
    assert [bytes(name) for name, _ in out] == [b"Date", b"x-amzn-RequestId", b"Content-Type", b"Content-Length"]
    assert out[0][1].endswith(b" GMT")
    assert [value for _, value in out[1:]] == [b"r", b"application/json", b"2"]
    assert out[2][0] is headers({"Content-Type": "text/plain"})[1][0]  # each name made once
    own = headers({"ETag": '"x"', "date": "Thu, 01 Jan 2026 00:00:00 GMT"})
    assert [(bytes(n), v) for n, v in own] == [(b"ETag", b'"x"'), (b"date", b"Thu, 01 Jan 2026 00:00:00 GMT")]


def _uvicorn_head(status: int, pairs: list) -> bytes:
    """The head uvicorn's httptools protocol writes for these header pairs (its send())."""
    from uvicorn.protocols.http.httptools_impl import STATUS_LINE

    return STATUS_LINE[status] + b"".join(name.lower() + b": " + value + b"\r\n" for name, value in pairs) + b"\r\n"


def _dated(head: bytes) -> bytes:
    return re.sub(rb"\r\nDate: [^\r]+ GMT\r\n", b"\r\nDate: -\r\n", head)


def test_a_whole_head_is_the_one_uvicorn_writes():
    headers = CasedHeaders()
    for status, given in (
        (200, {"x-amzn-RequestId": "r", "Content-Type": "application/x-amz-json-1.0", "Content-Length": "2"}),
        (400, {"x-amzn-RequestId": "r", "x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender",
               "Content-Length": 17}),
        (304, {"ETag": '"x"', "date": "Thu, 01 Jan 2026 00:00:00 GMT", "Last-Modified": "Thu, 01 Jan 2026"}),
        (599, {"X-Odd": "a\tb"}),  # a status HTTP does not name; a tab is a valid value
    ):
        for _ in range(2):  # (the second time from the layout remembered)
            assert _dated(headers.head(status, given)) == _dated(_uvicorn_head(status, headers(given)))


def test_a_head_uvicorn_would_refuse_is_refused():
    headers = CasedHeaders()
    for bad in ({"X-Bad": "line\r\nInjected: yes"}, {"X-Bad": "nul\x00"}, {"Bad Name": "v"}, {"": "v"},
                {"X-{Braces}": "v"}):
        try:
            headers.head(200, bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was written")
