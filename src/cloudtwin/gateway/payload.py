"""Receiving a REST request's payload: whole or streamed, aws-chunked decoded, checksummed.

Query, json and cbor bodies are small and are read whole before routing. A REST payload is
received only once the operation is known: a streaming payload (S3 PutObject, UploadPart)
is handed to the service as a stream, so an upload never sits in memory; anything else is
read whole. Either way the ``aws-chunked`` framing current SDKs send is removed, and
``Content-MD5`` / ``x-amz-checksum-*`` are verified where AWS verifies them.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.body import RequestBody
from cloudtwin.protocol.http import HttpRequest


def _needs_checksums(operation: Any, headers: dict[str, str]) -> bool:
    return (
        "content-md5" in headers
        or operation.http_checksum_required
        or bool(operation.http_checksum)
    )


def _streams(operation: Any) -> bool:
    """Whether the payload is streamed to the service: a ``streaming`` blob or an event
    stream. (botocore's ``has_streaming_input`` is true for any blob payload, such as
    Lambda's ``Invoke`` ``Payload``, which the parser reads whole.)"""
    if not operation.has_streaming_input:
        return False
    shape = operation.input_shape
    member = shape.members.get(shape.serialization.get("payload", ""))
    return member is not None and bool(
        member.serialization.get("streaming") or member.serialization.get("eventstream")
        or getattr(member, "type_name", "") != "blob"
    )


async def receive_payload(
    request: HttpRequest, operation: Any, received: RequestBody, limit: int | None = None
) -> None:
    """Set ``request.body`` or ``request.stream`` for ``operation``; a whole body longer
    than ``limit`` raises :class:`~cloudtwin.gateway.body.BodyTooLarge` unread."""
    headers = request.headers
    framing = None
    if "aws-chunked" in headers.get("content-encoding", "") or headers.get(
        "x-amz-content-sha256", ""
    ).startswith("STREAMING-"):
        from cloudtwin.protocol.chunked import ChunkedFraming

        framing = ChunkedFraming.from_headers(headers)
        if framing is not None:
            # The payload's own encoding is what is left once aws-chunked is taken off.
            from cloudtwin.protocol.chunked import strip_aws_chunked

            remaining = strip_aws_chunked(headers.get("content-encoding"))
            if remaining:
                headers["content-encoding"] = remaining
            else:
                headers.pop("content-encoding", None)
    verifier = None
    if _needs_checksums(operation, headers):
        from cloudtwin.protocol.checksums import ChecksumVerifier, plan_checksums

        plan = plan_checksums(operation, headers)
        if not plan.empty:
            verifier = ChecksumVerifier(plan)

    if _streams(operation):
        stream: Any = received.stream()
        if framing is not None:
            from cloudtwin.protocol.chunked import AwsChunkedStream

            stream = AwsChunkedStream(stream, framing, verifier=verifier)
        elif verifier is not None:
            from cloudtwin.protocol.checksums import ChecksummedStream

            stream = ChecksummedStream(stream, verifier)
        request.stream = stream
        return

    body = await received.read(limit)
    if framing is not None:
        from cloudtwin.protocol.chunked import decode_chunked

        decoded = decode_chunked(body, framing, verifier=verifier)
        body = decoded.payload
        request.checksums = decoded.checksums
    elif verifier is not None:
        verifier.update(body)
        request.checksums = verifier.finish()
    request.body = body
