"""awsJson parsing beyond the shared vectors: real SDK requests and malformed input."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest
from sdk_wire import catalog, sent

from cloudtwin.protocol.errors import ProtocolError
from cloudtwin.protocol.http import HttpRequest
from cloudtwin.protocol.parsers import get_parser

UTC = timezone.utc


def parse(service: str, operation: str, body: bytes):
    model = catalog().service_model(service).operation_model(operation)
    return get_parser("json").parse(HttpRequest("POST", "/", body=body), model)


def test_dynamodb_put_item_from_botocore():
    item = {
        "pk": {"S": "user#1"},
        "n": {"N": "12.5"},
        "b": {"B": b"\x00\x01\x02"},
        "bs": {"BS": [b"a", b"b"]},
        "ns": {"NS": ["1", "2"]},
        "m": {"M": {"nested": {"L": [{"BOOL": True}, {"NULL": True}]}}},
    }
    params = {
        "TableName": "t",
        "Item": item,
        "ConditionExpression": "attribute_not_exists(pk)",
        "ReturnValues": "ALL_OLD",
    }
    request, operation = sent("dynamodb", "PutItem", params)
    assert get_parser("json").parse(request, operation) == params


def test_kinesis_blob_and_timestamps_from_botocore():
    params = {"StreamName": "s", "Data": b"\xffdata", "PartitionKey": "p"}
    request, operation = sent("kinesis", "PutRecord", params)
    assert get_parser("json").parse(request, operation) == params
    when = datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)
    params = {"StreamName": "s", "ShardId": "0", "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": when}
    request, operation = sent("kinesis", "GetShardIterator", params)
    assert get_parser("json").parse(request, operation) == params


def test_empty_body_and_nulls_mean_absent():
    assert parse("sqs", "ListQueues", b"") == {}
    assert parse("sqs", "ListQueues", b"  \n") == {}
    assert parse("sqs", "ListQueues", b'{"QueueNamePrefix": null, "MaxResults": 5}') == {"MaxResults": 5}


def test_numbers_are_typed_by_the_model():
    parsed = parse(
        "cloudwatch",
        "PutMetricData",
        b'{"Namespace": "n", "MetricData": [{"MetricName": "m", "Value": 3, "StorageResolution": 60.0,'
        b' "Timestamp": "2024-01-01T00:00:00Z", "Values": ["NaN", "Infinity", 1]}]}',
    )
    datum = parsed["MetricData"][0]
    assert datum["Value"] == 3.0 and type(datum["Value"]) is float
    assert datum["StorageResolution"] == 60 and type(datum["StorageResolution"]) is int
    assert datum["Timestamp"] == datetime(2024, 1, 1, tzinfo=UTC)
    assert math.isnan(datum["Values"][0]) and datum["Values"][1:] == [math.inf, 1.0]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be an object"),
        (b'"text"', "must be an object"),
        (b'{"QueueName": 5}', "Expected a string but found a number (at 'QueueName')"),
        (b'{"QueueName": "q", "Attributes": []}', "Expected an object but found an array (at 'Attributes')"),
        (b'{"QueueName": "q", "Attributes": {"DelaySeconds": true}}', "(at 'Attributes.DelaySeconds')"),
        (b'{"QueueName": "q", "tags": {"a": 1}}', "Expected a string"),
        (b'\xff\xfe\x00', "not valid JSON"),
        (b'{"QueueName": "q\xed\xa0\x80"}', "invalid UTF-8 at byte 16"),
        (b'{"QueueName": "q\xc0\xaf"}', "invalid UTF-8"),
        (b'{"QueueName": "q\\ud800"}', "escapes a lone surrogate"),
        (b'{"QueueName": "q", "tags": {"\\uDC00": "v"}}', "escapes a lone surrogate"),
    ],
)
def test_malformed_bodies_are_serialization_exceptions(body, message):
    # (invalid UTF-8 and lone surrogates would otherwise reach services as text that cannot
    # be encoded again: a DynamoDB item's size, a persisted record... 500s the fuzzer found)
    with pytest.raises(ProtocolError) as caught:
        parse("sqs", "CreateQueue", body)
    assert (caught.value.code, caught.value.status_code) == ("SerializationException", 400)
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("service", "operation", "body"),
    [
        ("sqs", "ReceiveMessage", b'{"QueueUrl": "q", "MaxNumberOfMessages": "10"}'),
        ("sqs", "ReceiveMessage", b'{"QueueUrl": "q", "MaxNumberOfMessages": 1.5}'),
        ("sqs", "ReceiveMessage", b'{"QueueUrl": "q", "MaxNumberOfMessages": true}'),
        ("kinesis", "PutRecord", b'{"StreamName": "s", "PartitionKey": "p", "Data": "!!not base64"}'),
        ("kinesis", "PutRecord", b'{"StreamName": "s", "PartitionKey": "p", "Data": 12}'),
        ("kinesis", "GetShardIterator", b'{"StreamName": "s", "ShardId": "0", "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": "soon"}'),
        ("kinesis", "GetShardIterator", b'{"StreamName": "s", "ShardId": "0", "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": [1]}'),
        ("dynamodb", "PutItem", b'{"TableName": "t", "Item": {"a": {"BOOL": "yes"}}}'),
        ("cloudwatch", "PutMetricData", b'{"Namespace": "n", "MetricData": [{"MetricName": "m", "Value": "many"}]}'),
    ],
)
def test_wrong_types_are_serialization_exceptions(service, operation, body):
    with pytest.raises(ProtocolError) as caught:
        parse(service, operation, body)
    assert (caught.value.code, caught.value.status_code) == ("SerializationException", 400)


def test_deeply_nested_garbage_is_refused_not_crashed():
    body = b'{"TableName": "t", "Item": {"a": {"M": ' * 1 + b"[" * 100000 + b"]" * 100000 + b"}}}"
    with pytest.raises(ProtocolError) as caught:
        parse("dynamodb", "PutItem", body)
    assert caught.value.code == "SerializationException"


def test_surrogate_pairs_and_non_ascii_text_still_parse():
    parsed = parse("sqs", "CreateQueue", '{"QueueName": "q", "tags": {"k": "\\ud83d\\ude00 \u00e9"}}'.encode())
    assert parsed["tags"] == {"k": "\U0001f600 \u00e9"}
