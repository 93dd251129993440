"""DynamoDB Streams: view types, shards, iterators, records in AWS's shape, retention, TTL."""

import pytest
from botocore.exceptions import ClientError


def _err(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def _table(ddb, view, name="stt"):
    return ddb.create_table(
        TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )["TableDescription"]


def _records(streams, arn, kind="TRIM_HORIZON", **kw):
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **kw)["ShardIterator"]
    return streams.get_records(ShardIterator=it)


def _changes(ddb):
    ddb.put_item(TableName="stt", Item={"id": {"S": "a"}, "v": {"N": "1"}})
    ddb.update_item(TableName="stt", Key={"id": {"S": "a"}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"N": "2"}})
    ddb.delete_item(TableName="stt", Key={"id": {"S": "a"}})


@pytest.mark.parametrize(
    "view,images",
    [
        ("KEYS_ONLY", [set(), set(), set()]),
        ("NEW_IMAGE", [{"NewImage"}, {"NewImage"}, set()]),
        ("OLD_IMAGE", [set(), {"OldImage"}, {"OldImage"}]),
        ("NEW_AND_OLD_IMAGES", [{"NewImage"}, {"NewImage", "OldImage"}, {"OldImage"}]),
    ],
)
def test_view_types(aws_client, view, images):
    ddb, streams = aws_client("dynamodb"), aws_client("dynamodbstreams")
    desc = _table(ddb, view)
    arn = desc["LatestStreamArn"]
    assert desc["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": view}
    _changes(ddb)
    records = _records(streams, arn)["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    for record, expected in zip(records, images):
        assert record["eventSource"] == "aws:dynamodb"
        assert record["eventVersion"] == "1.1"
        assert record["awsRegion"] == "us-east-1"
        data = record["dynamodb"]
        assert data["Keys"] == {"id": {"S": "a"}}
        assert data["StreamViewType"] == view
        assert {k for k in data if k.endswith("Image")} == expected
        assert data["SizeBytes"] > 0
    if view == "NEW_AND_OLD_IMAGES":
        assert records[1]["dynamodb"]["OldImage"]["v"] == {"N": "1"}
        assert records[1]["dynamodb"]["NewImage"]["v"] == {"N": "2"}
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3


def test_describe_and_list(aws_client):
    ddb, streams = aws_client("dynamodb"), aws_client("dynamodbstreams")
    arn = _table(ddb, "KEYS_ONLY")["LatestStreamArn"]
    assert arn.startswith("arn:aws:dynamodb:us-east-1:000000000000:table/stt/stream/")
    listed = streams.list_streams(TableName="stt")["Streams"]
    assert listed[0]["StreamArn"] == arn and listed[0]["TableName"] == "stt"
    desc = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert desc["StreamStatus"] == "ENABLED" and desc["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert desc["Shards"][0]["ShardId"].startswith("shardId-")
    with pytest.raises(ClientError) as e:
        streams.describe_stream(StreamArn=arn + "x")
    assert _err(e)[0] == "ResourceNotFoundException"


def test_iterator_types(aws_client):
    ddb, streams = aws_client("dynamodb"), aws_client("dynamodbstreams")
    arn = _table(ddb, "KEYS_ONLY")["LatestStreamArn"]
    ddb.put_item(TableName="stt", Item={"id": {"S": "1"}})
    latest = _records(streams, arn, "LATEST")
    assert latest["Records"] == []
    ddb.put_item(TableName="stt", Item={"id": {"S": "2"}})
    after = streams.get_records(ShardIterator=latest["NextShardIterator"])["Records"]
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in after] == ["2"]
    all_records = _records(streams, arn)["Records"]
    first_seq = all_records[0]["dynamodb"]["SequenceNumber"]
    at = _records(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=first_seq)["Records"]
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in at] == ["1", "2"]
    past = _records(streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=first_seq)["Records"]
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in past] == ["2"]


def test_unchanged_put_writes_no_record_and_disable_closes_shard(aws_client):
    ddb, streams = aws_client("dynamodb"), aws_client("dynamodbstreams")
    arn = _table(ddb, "NEW_IMAGE")["LatestStreamArn"]
    ddb.put_item(TableName="stt", Item={"id": {"S": "1"}})
    ddb.put_item(TableName="stt", Item={"id": {"S": "1"}})
    ddb.update_table(TableName="stt", StreamSpecification={"StreamEnabled": False})
    ddb.put_item(TableName="stt", Item={"id": {"S": "2"}})
    out = _records(streams, arn)
    assert len(out["Records"]) == 1
    assert "NextShardIterator" not in out
    desc = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert desc["StreamStatus"] == "DISABLED"
    assert "EndingSequenceNumber" in desc["Shards"][0]["SequenceNumberRange"]


def test_retention_24_hours(aws_client, cloudtwin):
    ddb, streams = aws_client("dynamodb"), aws_client("dynamodbstreams")
    arn = _table(ddb, "KEYS_ONLY")["LatestStreamArn"]
    ddb.put_item(TableName="stt", Item={"id": {"S": "old"}})
    cloudtwin.client.advance(23 * 3600)
    ddb.put_item(TableName="stt", Item={"id": {"S": "new"}})
    cloudtwin.client.advance(3600 + 1)
    records = _records(streams, arn)["Records"]
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in records] == ["new"]


def test_ttl_expiry_is_a_service_delete(aws_client, cloudtwin):
    ddb, streams = aws_client("dynamodb"), aws_client("dynamodbstreams")
    arn = _table(ddb, "OLD_IMAGE")["LatestStreamArn"]
    ddb.update_time_to_live(TableName="stt", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    base = int(cloudtwin.client.now())
    ddb.put_item(TableName="stt", Item={"id": {"S": "soon"}, "exp": {"N": str(base + 60)}})
    ddb.put_item(TableName="stt", Item={"id": {"S": "later"}, "exp": {"N": str(base + 7200)}})
    ddb.put_item(TableName="stt", Item={"id": {"S": "never"}, "exp": {"S": "not a number"}})
    cloudtwin.client.advance(120)
    assert "Item" not in ddb.get_item(TableName="stt", Key={"id": {"S": "soon"}})
    assert "Item" in ddb.get_item(TableName="stt", Key={"id": {"S": "later"}})
    assert "Item" in ddb.get_item(TableName="stt", Key={"id": {"S": "never"}})
    records = _records(streams, arn)["Records"]
    removes = [r for r in records if r["eventName"] == "REMOVE"]
    assert len(removes) == 1
    assert removes[0]["userIdentity"] == {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
    assert removes[0]["dynamodb"]["OldImage"]["id"] == {"S": "soon"}
    assert all("userIdentity" not in r for r in records if r["eventName"] == "INSERT")


def test_recreated_table_gets_a_new_stream_even_on_a_frozen_clock(aws_client, cloudtwin):
    ddb, streams = aws_client("dynamodb"), aws_client("dynamodbstreams")
    cloudtwin.client.freeze()
    try:
        first = _table(ddb, "KEYS_ONLY")["LatestStreamArn"]
        ddb.put_item(TableName="stt", Item={"id": {"S": "old"}})
        ddb.delete_table(TableName="stt")
        second = _table(ddb, "KEYS_ONLY")["LatestStreamArn"]
        ddb.put_item(TableName="stt", Item={"id": {"S": "new"}})
    finally:
        cloudtwin.client.unfreeze()
    assert first != second
    assert streams.describe_stream(StreamArn=first)["StreamDescription"]["StreamStatus"] == "DISABLED"
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in _records(streams, first)["Records"]] == ["old"]
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in _records(streams, second)["Records"]] == ["new"]


def test_shard_iterators_carry_the_stream_arn(aws_client):
    ddb, streams = aws_client("dynamodb"), aws_client("dynamodbstreams")
    arn = _table(ddb, "NEW_IMAGE", name="itfmt")["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert iterator.startswith(f"{arn}|1|")  # AWS's form: <stream ARN>|1|<opaque token>
    assert streams.get_records(ShardIterator=iterator)["Records"] == []
    with pytest.raises(ClientError) as excinfo:
        streams.get_records(ShardIterator=f"{arn}|1|not-a-token")
    assert _err(excinfo)[0] == "ValidationException"
