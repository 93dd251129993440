"""Kinesis streams: modes, resharding while reading, ListShards filters, consumers and
SubscribeToShard, encryption with cloudtwin's KMS, tags and policies, introspection."""

import json
import urllib.request

import pytest
from botocore.exceptions import ClientError


def _err(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_on_demand_and_provisioned_streams(aws_client):
    kinesis = aws_client("kinesis")
    kinesis.create_stream(StreamName="od")
    summary = kinesis.describe_stream_summary(StreamName="od")["StreamDescriptionSummary"]
    assert summary["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"} and summary["OpenShardCount"] == 4
    kinesis.create_stream(StreamName="pv", ShardCount=3)
    shards = kinesis.describe_stream(StreamName="pv")["StreamDescription"]["Shards"]
    assert int(shards[0]["HashKeyRange"]["StartingHashKey"]) == 0
    assert int(shards[-1]["HashKeyRange"]["EndingHashKey"]) == 2**128 - 1
    for a, b in zip(shards, shards[1:]):
        assert int(a["HashKeyRange"]["EndingHashKey"]) + 1 == int(b["HashKeyRange"]["StartingHashKey"])
    assert sorted(kinesis.list_streams()["StreamNames"]) == ["od", "pv"]
    kinesis.delete_stream(StreamName="pv")
    assert kinesis.list_streams()["StreamNames"] == ["od"]


def _drain(kinesis, shard_id, seen, iterator=None):
    """Read a shard to its end (closed) or tip (open); returns the ChildShards if closed."""
    if iterator is None:
        iterator = kinesis.get_shard_iterator(StreamName="rs", ShardId=shard_id,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    while True:
        out = kinesis.get_records(ShardIterator=iterator)
        seen.extend(r["Data"] for r in out["Records"])
        if "NextShardIterator" not in out:
            return out["ChildShards"], None
        if not out["Records"]:
            return None, out["NextShardIterator"]
        iterator = out["NextShardIterator"]


def test_resharding_while_reading_loses_and_repeats_nothing(aws_client):
    kinesis = aws_client("kinesis")
    kinesis.create_stream(StreamName="rs", ShardCount=1)
    sent = []

    def put(n):
        for i in range(n):
            data = b"%d" % len(sent)
            kinesis.put_record(StreamName="rs", Data=data, PartitionKey=f"key{len(sent)}")
            sent.append(data)

    put(5)
    seen: list = []
    _, iterator = _drain(kinesis, "shardId-000000000000", seen)
    put(3)
    kinesis.split_shard(StreamName="rs", ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**127))
    put(6)
    children, _ = _drain(kinesis, "shardId-000000000000", seen, iterator)
    assert sorted(c["ShardId"] for c in children) == ["shardId-000000000001", "shardId-000000000002"]
    assert all(c["ParentShards"] == ["shardId-000000000000"] for c in children)
    kinesis.merge_shards(StreamName="rs", ShardToMerge="shardId-000000000001", AdjacentShardToMerge="shardId-000000000002")
    put(4)
    for child in children:
        grandchildren, _ = _drain(kinesis, child["ShardId"], seen)
        assert grandchildren[0]["ParentShards"] == ["shardId-000000000001", "shardId-000000000002"]
    _drain(kinesis, "shardId-000000000003", seen)
    assert sorted(seen) == sorted(sent) and len(seen) == len(set(seen))
    shards = {s["ShardId"]: s for s in kinesis.list_shards(StreamName="rs")["Shards"]}
    assert "EndingSequenceNumber" in shards["shardId-000000000000"]["SequenceNumberRange"]
    assert shards["shardId-000000000003"]["AdjacentParentShardId"] == "shardId-000000000002"
    open_only = kinesis.list_shards(StreamName="rs", ShardFilter={"Type": "AT_LATEST"})["Shards"]
    assert [s["ShardId"] for s in open_only] == ["shardId-000000000003"]
    with pytest.raises(ClientError) as exc:
        kinesis.split_shard(StreamName="rs", ShardToSplit="shardId-000000000000", NewStartingHashKey="5")
    assert _err(exc)[0] == "InvalidArgumentException"


def test_update_shard_count_and_list_shards_pagination(aws_client):
    kinesis = aws_client("kinesis")
    kinesis.create_stream(StreamName="rs", ShardCount=2)
    out = kinesis.update_shard_count(StreamName="rs", TargetShardCount=4, ScalingType="UNIFORM_SCALING")
    assert (out["CurrentShardCount"], out["TargetShardCount"]) == (2, 4)
    page = kinesis.list_shards(StreamName="rs", MaxResults=4)
    assert len(page["Shards"]) == 4 and page["NextToken"]
    rest = kinesis.list_shards(NextToken=page["NextToken"])
    assert [s["ShardId"] for s in rest["Shards"]] == ["shardId-000000000004", "shardId-000000000005"]
    assert all(s.get("ParentShardId") for s in rest["Shards"])
    with pytest.raises(ClientError) as exc:
        kinesis.update_shard_count(StreamName="rs", TargetShardCount=9, ScalingType="UNIFORM_SCALING")
    assert _err(exc)[0] == "LimitExceededException"


def test_consumers_and_subscribe_to_shard(aws_client):
    kinesis = aws_client("kinesis")
    kinesis.create_stream(StreamName="cs", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="cs")["StreamDescriptionSummary"]["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="c1")["Consumer"]
    assert consumer["ConsumerARN"].startswith(f"{arn}/consumer/c1:")
    described = kinesis.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])["ConsumerDescription"]
    assert described["ConsumerStatus"] == "ACTIVE" and described["StreamARN"] == arn
    assert [c["ConsumerName"] for c in kinesis.list_stream_consumers(StreamARN=arn)["Consumers"]] == ["c1"]
    events = kinesis.subscribe_to_shard(ConsumerARN=consumer["ConsumerARN"], ShardId="shardId-000000000000",
                                        StartingPosition={"Type": "TRIM_HORIZON"})["EventStream"]
    kinesis.put_records(StreamName="cs", Records=[{"Data": b"e%d" % i, "PartitionKey": "k"} for i in range(3)])
    got = []
    for event in events:
        body = event["SubscribeToShardEvent"]
        got.extend(r["Data"] for r in body["Records"])
        if len(got) >= 3:
            assert body["ContinuationSequenceNumber"] > body["Records"][-1]["SequenceNumber"]
            break
    events._event_generator.close() if hasattr(events, "_event_generator") else None
    assert got == [b"e0", b"e1", b"e2"]
    with pytest.raises(ClientError) as exc:
        kinesis.delete_stream(StreamName="cs")
    assert _err(exc)[0] == "ResourceInUseException"
    kinesis.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
    assert kinesis.list_stream_consumers(StreamARN=arn)["Consumers"] == []


def test_encryption_through_kms_tags_and_policies(aws_client):
    kinesis, kms = aws_client("kinesis"), aws_client("kms")
    kinesis.create_stream(StreamName="enc", ShardCount=1, Tags={"team": "a"})
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as exc:
        kinesis.start_stream_encryption(StreamName="enc", EncryptionType="KMS", KeyId="alias/missing")
    assert _err(exc)[0] == "KMSNotFoundException"
    kinesis.start_stream_encryption(StreamName="enc", EncryptionType="KMS", KeyId=key)
    assert kinesis.put_record(StreamName="enc", Data=b"x", PartitionKey="k")["EncryptionType"] == "KMS"
    it = kinesis.get_shard_iterator(StreamName="enc", ShardId="shardId-000000000000",
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert kinesis.get_records(ShardIterator=it)["Records"][0]["EncryptionType"] == "KMS"
    desc = kinesis.describe_stream(StreamName="enc")["StreamDescription"]
    assert (desc["EncryptionType"], desc["KeyId"]) == ("KMS", key)
    kinesis.add_tags_to_stream(StreamName="enc", Tags={"env": "dev"})
    kinesis.remove_tags_from_stream(StreamName="enc", TagKeys=["team"])
    assert kinesis.list_tags_for_stream(StreamName="enc")["Tags"] == [{"Key": "env", "Value": "dev"}]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                                 "Action": "kinesis:GetRecords", "Resource": desc["StreamARN"]}]})
    kinesis.put_resource_policy(ResourceARN=desc["StreamARN"], Policy=policy)
    assert json.loads(kinesis.get_resource_policy(ResourceARN=desc["StreamARN"])["Policy"]) == json.loads(policy)


def test_shards_introspection(aws_client, endpoint):
    kinesis = aws_client("kinesis")
    kinesis.create_stream(StreamName="ins", ShardCount=2)
    kinesis.put_record(StreamName="ins", Data=b"hi", PartitionKey="k")
    with urllib.request.urlopen(f"{endpoint}/_cloudtwin/kinesis/shards?stream=ins&records=1") as response:
        body = json.load(response)
    shards = body["streams"][0]["Shards"]
    assert sum(s["RecordCount"] for s in shards) == 1
    assert [r["Data"] for s in shards for r in s.get("Records", [])] == ["aGk="]


def test_shard_counts_past_the_limits_are_refused(aws_client):
    """More shards than the account's limit (DescribeLimits' ShardLimit) or, scaled, than a
    stream may hold is LimitExceededException, and nothing is allocated for them."""
    kinesis = aws_client("kinesis")
    limit = kinesis.describe_limits()["ShardLimit"]
    with pytest.raises(ClientError) as exc:
        kinesis.create_stream(StreamName="huge", ShardCount=2**31 - 1)
    code, message = _err(exc)
    assert code == "LimitExceededException" and f"Current limit of shards: {limit}" in message
    with pytest.raises(ClientError):
        kinesis.describe_stream_summary(StreamName="huge")
    kinesis.create_stream(StreamName="big", ShardCount=6000)
    with pytest.raises(ClientError) as exc:
        kinesis.update_shard_count(StreamName="big", TargetShardCount=12000, ScalingType="UNIFORM_SCALING")
    assert _err(exc)[0] == "LimitExceededException" and "10000 shards in a stream" in _err(exc)[1]
    with pytest.raises(ClientError) as exc:
        kinesis.create_stream(StreamName="more", ShardCount=limit - 5999)
    assert _err(exc)[0] == "LimitExceededException"
    kinesis.delete_stream(StreamName="big")
