"""RequestBody against ``receive`` callables as different ASGI servers make them: a
coroutine that answers at once, one that has to wait, and a plain awaitable (granian's)."""

from __future__ import annotations

import asyncio

import pytest

from cloudtwin.gateway.body import BodyTimeout, RequestBody

HEADERS = {"content-length": "5"}


def test_a_body_already_there_is_read_without_waiting():
    async def receive():
        return {"type": "http.request", "body": b"hello", "more_body": False}

    assert asyncio.run(RequestBody(receive, HEADERS, 5).read()) == b"hello"


def test_a_body_still_on_its_way_is_awaited():
    async def main():
        arrived = asyncio.get_running_loop().create_future()

        async def receive():
            return await arrived

        asyncio.get_running_loop().call_later(
            0.01, arrived.set_result, {"type": "http.request", "body": b"hello", "more_body": False}
        )
        return await RequestBody(receive, HEADERS, 5).read()

    assert asyncio.run(main()) == b"hello"


def test_a_plain_awaitable_from_receive_is_awaited():
    class Pending:
        def __await__(self):
            yield from asyncio.sleep(0).__await__()
            return {"type": "http.request", "body": b"hello", "more_body": False}

    assert asyncio.run(RequestBody(lambda: Pending(), HEADERS, 5).read()) == b"hello"


def test_a_client_that_stops_sending_times_out():
    async def receive():
        await asyncio.sleep(10)

    with pytest.raises(BodyTimeout):
        asyncio.run(RequestBody(receive, HEADERS, 0.05).read())
