"""Kinesis in CBOR (``application/x-amz-cbor-1.1``, what the Java and other SDKs send):
blobs as byte strings, timestamps as tag 1 holding integer epoch milliseconds, errors as
CBOR ``{"__type", "message"}``."""

import time

import cbor2
import httpx

HEADERS = {"content-type": "application/x-amz-cbor-1.1",
           "authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/kinesis/aws4_request, "
                            "SignedHeaders=host, Signature=0"}


def _post(endpoint, operation, payload):
    response = httpx.post(endpoint, content=cbor2.dumps(payload),
                          headers=dict(HEADERS, **{"x-amz-target": f"Kinesis_20131202.{operation}"}))
    return response.status_code, response.headers.get("content-type"), response.content


def test_cbor_round_trip_with_millisecond_timestamps(aws_client, endpoint):
    aws_client("kinesis").create_stream(StreamName="cb", ShardCount=1)
    status, content_type, body = _post(endpoint, "PutRecord", {"StreamName": "cb", "Data": b"\x00\xffbytes", "PartitionKey": "k"})
    assert status == 200 and content_type == "application/x-amz-cbor-1.1"
    status, _, body = _post(endpoint, "DescribeStream", {"StreamName": "cb"})
    assert status == 200
    raw = cbor2.loads(body, semantic_decoders={1: lambda value, *_: value})
    millis = raw["StreamDescription"]["StreamCreationTimestamp"]
    assert isinstance(millis, int) and abs(millis / 1000 - time.time()) < 3600
    shard = raw["StreamDescription"]["Shards"][0]["ShardId"]
    _, _, body = _post(endpoint, "GetShardIterator", {
        "StreamName": "cb", "ShardId": shard, "ShardIteratorType": "AT_TIMESTAMP",
        "Timestamp": cbor2.CBORTag(1, millis)})
    iterator = cbor2.loads(body)["ShardIterator"]
    _, _, body = _post(endpoint, "GetRecords", {"ShardIterator": iterator})
    assert [r["Data"] for r in cbor2.loads(body, semantic_decoders={1: lambda v, *_: v})["Records"]] == [b"\x00\xffbytes"]


def test_cbor_errors(endpoint):
    status, _, body = _post(endpoint, "DescribeStream", {"StreamName": "missing"})
    assert status == 400
    assert cbor2.loads(body) == {"__type": "ResourceNotFoundException",
                                 "message": "Stream missing under account 000000000000 not found."}
