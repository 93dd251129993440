"""A botocore client answered in-process by a function, for serializer tests.

The request never reaches the wire: a ``before-send`` handler hands it to ``answer`` and
gives botocore the HttpResponse it returns, so the client parses exactly what a cloudtwin
serializer wrote (streamed bodies are collected first).
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import botocore.session
from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.config import Config

from cloudtwin.protocol.http import HttpResponse


async def _collect(body: Any) -> bytes:
    return b"".join([chunk async for chunk in body])


def body_of(response: HttpResponse) -> bytes:
    """The whole body of a response, collecting a streamed one."""
    if isinstance(response.body, bytes):
        return response.body
    return asyncio.run(_collect(response.body))


class RawBody:
    """Enough of urllib3's response for botocore to read a body."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_kwargs: Any):
        yield self._body

    def read(self, *_args: Any, **_kwargs: Any) -> bytes:
        body, self._body = self._body, b""
        return body


def client_answered_by(service: str, answer: Callable[[Any], HttpResponse]):
    """A botocore client whose requests ``answer(request)`` serves, nothing on the wire."""
    session = botocore.session.Session()
    client = session.create_client(
        service,
        region_name="us-east-1",
        endpoint_url="http://localhost:4566",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 0}),
    )

    def before_send(request: Any, **_kwargs: Any) -> AWSResponse:
        response = answer(request)
        body = body_of(response)
        headers = HeadersDict(response.headers)
        return AWSResponse(request.url, response.status_code, headers, RawBody(body))

    client.meta.events.register("before-send", before_send)
    return client
