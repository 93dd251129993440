"""Kinesis records: hashing, every iterator type, expiry, GetRecords limits and bad input."""

import hashlib
import json
import urllib.request
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError


def _err(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def _stream(kinesis, name="ks", shards=1):
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    return kinesis.describe_stream(StreamName=name)["StreamDescription"]


def _iter(kinesis, kind, shard="shardId-000000000000", name="ks", **kw):
    return kinesis.get_shard_iterator(StreamName=name, ShardId=shard, ShardIteratorType=kind, **kw)["ShardIterator"]


def _data(records):
    return [r["Data"] for r in records]


def test_partition_keys_hash_with_md5_to_the_shard_covering_them(aws_client):
    kinesis = aws_client("kinesis")
    shards = _stream(kinesis, shards=4)["Shards"]
    for key in ("alpha", "beta", "gamma", "delta", "epsilon"):
        digest = int(hashlib.md5(key.encode()).hexdigest(), 16)
        expected = next(s["ShardId"] for s in shards
                        if int(s["HashKeyRange"]["StartingHashKey"]) <= digest <= int(s["HashKeyRange"]["EndingHashKey"]))
        assert kinesis.put_record(StreamName="ks", Data=b"x", PartitionKey=key)["ShardId"] == expected
    out = kinesis.put_record(StreamName="ks", Data=b"x", PartitionKey="any", ExplicitHashKey=str(2**128 - 1))
    assert out["ShardId"] == shards[-1]["ShardId"]


def test_sequence_numbers_increase_and_every_iterator_type_reads_its_records(aws_client):
    kinesis = aws_client("kinesis")
    _stream(kinesis)
    latest = _iter(kinesis, "LATEST")
    seqs = [kinesis.put_record(StreamName="ks", Data=b"r%d" % i, PartitionKey="k")["SequenceNumber"] for i in range(4)]
    assert [int(s) for s in seqs] == sorted(int(s) for s in seqs) and all(len(s) == 56 for s in seqs)
    assert _data(kinesis.get_records(ShardIterator=_iter(kinesis, "TRIM_HORIZON"))["Records"]) == [b"r0", b"r1", b"r2", b"r3"]
    assert _data(kinesis.get_records(ShardIterator=latest)["Records"]) == [b"r0", b"r1", b"r2", b"r3"]
    assert _data(kinesis.get_records(ShardIterator=_iter(kinesis, "LATEST"))["Records"]) == []
    at = _iter(kinesis, "AT_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[2])
    assert _data(kinesis.get_records(ShardIterator=at)["Records"]) == [b"r2", b"r3"]
    after = _iter(kinesis, "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[2])
    assert _data(kinesis.get_records(ShardIterator=after)["Records"]) == [b"r3"]
    old = _iter(kinesis, "AT_TIMESTAMP", Timestamp=datetime(2015, 1, 1, tzinfo=timezone.utc))
    assert len(kinesis.get_records(ShardIterator=old)["Records"]) == 4
    future = _iter(kinesis, "AT_TIMESTAMP", Timestamp=datetime(2100, 1, 1, tzinfo=timezone.utc))
    assert kinesis.get_records(ShardIterator=future)["Records"] == []


def test_get_records_limit_next_iterator_and_millis_behind(aws_client, cloudtwin):
    kinesis = aws_client("kinesis")
    _stream(kinesis)
    cloudtwin.client.freeze()
    try:
        kinesis.put_records(StreamName="ks", Records=[{"Data": b"%d" % i, "PartitionKey": "k"} for i in range(5)])
        cloudtwin.client.advance(10)
        first = kinesis.get_records(ShardIterator=_iter(kinesis, "TRIM_HORIZON"), Limit=2)
        assert _data(first["Records"]) == [b"0", b"1"]
        assert first["MillisBehindLatest"] == 10_000
        rest = kinesis.get_records(ShardIterator=first["NextShardIterator"])
        assert _data(rest["Records"]) == [b"2", b"3", b"4"] and rest["MillisBehindLatest"] == 0
        kinesis.put_record(StreamName="ks", Data=b"5", PartitionKey="k")
        assert _data(kinesis.get_records(ShardIterator=rest["NextShardIterator"])["Records"]) == [b"5"]
    finally:
        cloudtwin.client.unfreeze()


def test_iterators_expire_after_five_minutes(aws_client, cloudtwin):
    kinesis = aws_client("kinesis")
    _stream(kinesis)
    it = _iter(kinesis, "TRIM_HORIZON")
    cloudtwin.client.advance(301)
    with pytest.raises(ClientError) as exc:
        kinesis.get_records(ShardIterator=it)
    code, message = _err(exc)
    assert code == "ExpiredIteratorException"
    assert "tolerated delay of 300000 milliseconds" in message


def test_bad_input_is_refused_as_aws_refuses_it(aws_client):
    from botocore.config import Config

    kinesis = aws_client("kinesis", config=Config(parameter_validation=False, retries={"total_max_attempts": 1}))
    _stream(kinesis)
    with pytest.raises(ClientError) as exc:
        kinesis.put_record(StreamName="ks", Data=b"x" * (1024 * 1024 + 1), PartitionKey="k")
    assert _err(exc)[0] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        kinesis.put_record(StreamName="ks", Data=b"x", PartitionKey="")
    assert _err(exc)[0] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        kinesis.put_record(StreamName="ks", Data=b"x", PartitionKey="k" * 257)
    assert _err(exc)[0] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        kinesis.put_record(StreamName="ks", Data=b"x", PartitionKey="k", ExplicitHashKey=str(2**128))
    assert _err(exc)[0] == "InvalidArgumentException"
    with pytest.raises(ClientError) as exc:
        kinesis.get_records(ShardIterator="bm90IGFuIGl0ZXJhdG9y")
    assert _err(exc)[0] == "InvalidArgumentException"
    with pytest.raises(ClientError) as exc:
        kinesis.put_record(StreamName="nope", Data=b"x", PartitionKey="k")
    assert _err(exc) == ("ResourceNotFoundException", "Stream nope under account 000000000000 not found.")
    with pytest.raises(ClientError) as exc:
        kinesis.create_stream(StreamName="ks", ShardCount=1)
    assert _err(exc)[0] == "ResourceInUseException"


def test_put_records_reports_throughput_failures_per_record_when_limits_are_enforced(aws_client, endpoint):
    kinesis = aws_client("kinesis")
    _stream(kinesis)

    def limits(on):
        request = urllib.request.Request(f"{endpoint}/_cloudtwin/kinesis/limits", method="POST",
                                         data=json.dumps({"enforce": on}).encode(),
                                         headers={"content-type": "application/json"})
        urllib.request.urlopen(request).read()

    limits(True)
    try:
        big = [{"Data": b"x" * 400_000, "PartitionKey": "k"} for _ in range(3)]
        out = kinesis.put_records(StreamName="ks", Records=big)
        assert out["FailedRecordCount"] >= 1
        failed = [r for r in out["Records"] if "ErrorCode" in r]
        assert failed[0]["ErrorCode"] == "ProvisionedThroughputExceededException"
    finally:
        limits(False)
    assert kinesis.put_records(StreamName="ks", Records=big)["FailedRecordCount"] == 0


def test_retention_trims_records_on_the_virtual_clock(aws_client, cloudtwin):
    kinesis = aws_client("kinesis")
    _stream(kinesis)
    kinesis.increase_stream_retention_period(StreamName="ks", RetentionPeriodHours=48)
    kinesis.put_record(StreamName="ks", Data=b"old", PartitionKey="k")
    cloudtwin.client.advance(47 * 3600)
    kinesis.put_record(StreamName="ks", Data=b"new", PartitionKey="k")
    cloudtwin.client.advance(3600 + 1)
    assert _data(kinesis.get_records(ShardIterator=_iter(kinesis, "TRIM_HORIZON"))["Records"]) == [b"new"]
    with pytest.raises(ClientError) as exc:
        kinesis.decrease_stream_retention_period(StreamName="ks", RetentionPeriodHours=72)
    assert _err(exc)[0] == "InvalidArgumentException"


def test_a_record_without_a_partition_key_is_refused(aws_client):
    """The model makes PartitionKey optional (a stream of the AUTO distribution strategy
    ignores it); a USER_PARTITION_KEY stream, the default, needs one: ValidationException,
    not a server error."""
    kinesis = aws_client("kinesis")
    kinesis.create_stream(StreamName="keys", ShardCount=1)
    with pytest.raises(ClientError) as exc:
        kinesis.put_record(StreamName="keys", Data=b"x")
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    assert "'partitionKey'" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        kinesis.put_records(StreamName="keys", Records=[{"Data": b"x", "PartitionKey": "k"}, {"Data": b"y"}])
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    assert "records.2.member.partitionKey" in exc.value.response["Error"]["Message"]
