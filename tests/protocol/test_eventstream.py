"""The event stream encoder, checked by botocore's own decoder and clients."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer
from botocore.exceptions import EventStreamError

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.eventstream import (
    EVENT_STREAM_CONTENT_TYPE,
    Byte,
    Long,
    Short,
    encode_message,
)
from cloudtwin.protocol.serializers import get_serializer
from cloudtwin.specs.catalog import ServiceCatalog

from botocore_answers import client_answered_by

RID = "eventstream-request-id"

MOMENT = datetime(2024, 3, 4, 5, 6, 7, 890000, tzinfo=timezone.utc)
ID = uuid.UUID("12345678-1234-5678-1234-567812345678")


def decode(data: bytes, split: int | None = None) -> list[Any]:
    buffer = EventStreamBuffer()
    if split is None:
        buffer.add_data(data)
    else:  # messages may arrive in any chunking
        buffer.add_data(data[:split])
        buffer.add_data(data[split:])
    return list(buffer)


def test_every_header_type_reads_back_in_botocore() -> None:
    headers = {
        "true": True,
        "false": False,
        "byte": Byte(-7),
        "short": Short(-300),
        "int": 70000,
        "big-int": 2**40,
        "long": Long(5),
        "bytes": b"\x00\xffraw",
        "string": "héllo",
        "timestamp": MOMENT,
        "uuid": ID,
    }
    data = encode_message(headers, b"the payload")
    (message,) = decode(data, split=17)
    assert message.payload == b"the payload"
    assert message.headers == {
        "true": True,
        "false": False,
        "byte": -7,
        "short": -300,
        "int": 70000,
        "big-int": 2**40,
        "long": 5,
        "bytes": b"\x00\xffraw",
        "string": "héllo",
        "timestamp": int(MOMENT.timestamp() * 1000),
        "uuid": ID.bytes,
    }
    assert message.prelude.total_length == len(data)


def test_botocore_checks_both_crcs() -> None:
    data = bytearray(encode_message({":message-type": "event"}, b"x"))
    data[-5] ^= 0xFF  # the payload: only the message CRC notices
    with pytest.raises(ChecksumMismatch):
        decode(bytes(data))
    data = bytearray(encode_message({":message-type": "event"}, b"x"))
    data[2] ^= 0x01  # the prelude
    with pytest.raises(ChecksumMismatch):
        decode(bytes(data))


def test_many_messages_in_one_buffer() -> None:
    data = b"".join(encode_message({"n": i}, str(i).encode()) for i in range(5))
    assert [m.headers["n"] for m in decode(data)] == [0, 1, 2, 3, 4]
    assert encode_message({}, b"") and decode(encode_message({}))[0].payload == b""


@pytest.fixture(scope="module")
def catalog() -> ServiceCatalog:
    return ServiceCatalog()


def test_s3_select_events_through_a_client(catalog: ServiceCatalog) -> None:
    s3 = catalog.service_model("s3")
    operation = s3.operation_model("SelectObjectContent")
    events = [
        {"Records": {"Payload": b"a,b\n"}},
        {"Stats": {"Details": {"BytesScanned": 10, "BytesProcessed": 10, "BytesReturned": 4}}},
        {"End": {}},
    ]
    response = get_serializer("rest-xml").serialize_result({"Payload": events}, operation, RID)
    assert response.headers["Content-Type"] == EVENT_STREAM_CONTENT_TYPE
    client = client_answered_by("s3", lambda request: response)
    parsed = client.select_object_content(
        Bucket="b",
        Key="k",
        Expression="select * from s3object",
        ExpressionType="SQL",
        InputSerialization={"CSV": {}},
        OutputSerialization={"CSV": {}},
    )
    assert list(parsed["Payload"]) == [
        {"Records": {"Payload": b"a,b\n"}},
        {"Stats": {"Details": {"BytesScanned": 10, "BytesProcessed": 10, "BytesReturned": 4}}},
        {"End": {}},
    ]


def _subscribe(catalog: ServiceCatalog, events: Any) -> list[Any]:
    kinesis = catalog.service_model("kinesis")
    operation = kinesis.operation_model("SubscribeToShard")
    response = get_serializer("json").serialize_result({"EventStream": events}, operation, RID)
    client = client_answered_by("kinesis", lambda request: response)
    parsed = client.subscribe_to_shard(
        ConsumerARN="arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1",
        ShardId="shardId-000000000000",
        StartingPosition={"Type": "LATEST"},
    )
    received = []
    for event in parsed["EventStream"]:
        received.append(event)
    return received


def _shard_event(n: int) -> dict:
    return {
        "SubscribeToShardEvent": {
            "Records": [
                {
                    "SequenceNumber": str(n),
                    "Data": b"data-%d" % n,
                    "PartitionKey": "pk",
                    "ApproximateArrivalTimestamp": MOMENT,
                }
            ],
            "ContinuationSequenceNumber": str(n),
            "MillisBehindLatest": 0,
        }
    }


def test_json_rpc_stream_from_an_async_source(catalog: ServiceCatalog) -> None:
    async def source():
        for n in range(3):
            await asyncio.sleep(0)
            yield _shard_event(n)

    received = _subscribe(catalog, source())
    assert [e["SubscribeToShardEvent"]["Records"][0]["Data"] for e in received] == [
        b"data-0",
        b"data-1",
        b"data-2",
    ]
    first = received[0]["SubscribeToShardEvent"]["Records"][0]
    assert first["ApproximateArrivalTimestamp"] == MOMENT


def test_modeled_exception_ends_the_stream(catalog: ServiceCatalog) -> None:
    def source():
        yield _shard_event(0)
        raise ServiceError("ResourceInUseException", "the consumer is busy")

    with pytest.raises(EventStreamError) as raised:
        _subscribe(catalog, source())
    assert raised.value.response["Error"] == {
        "Code": "ResourceInUseException",
        "Message": "the consumer is busy",
    }


def test_unmodeled_error_ends_the_stream(catalog: ServiceCatalog) -> None:
    def source():
        raise ServiceError("InternalFailure", "stream broke")
        yield  # pragma: no cover

    with pytest.raises(EventStreamError) as raised:
        _subscribe(catalog, source())
    assert raised.value.response["Error"] == {"Code": "InternalFailure", "Message": "stream broke"}
