"""End to end with ``--data-dir``: after a SIGKILL and a restart, tables, items, their GSI
and the table's stream records (those readable before the kill) are all there."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import boto3
from botocore.config import Config

from cloudtwin.testing.server import free_port, start_process


def _start(port: int, data_dir: Path) -> subprocess.Popen:
    return start_process(port, "--data-dir", str(data_dir))


def _clients(port: int):
    kw = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
              aws_access_key_id="test", aws_secret_access_key="test",
              config=Config(retries={"max_attempts": 0}))
    return boto3.client("dynamodb", **kw), boto3.client("dynamodbstreams", **kw)


def test_state_survives_kill_and_restart(tmp_path):
    port = free_port()
    proc = _start(port, tmp_path)
    try:
        ddb, streams = _clients(port)
        arn = ddb.create_table(
            TableName="durable", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                                  {"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )["TableDescription"]["LatestStreamArn"]
        for i in range(30):
            ddb.put_item(TableName="durable", Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "g": {"S": f"g{i % 3}"}})
        ddb.delete_item(TableName="durable", Key={"pk": {"S": "p"}, "sk": {"N": "0"}})
        # Stream records are written by the streams service when the change event is
        # delivered, just after the write is acknowledged: read them once before the kill.
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        assert len(streams.get_records(ShardIterator=it)["Records"]) == 31
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    proc = _start(port, tmp_path)
    try:
        ddb, streams = _clients(port)
        out = ddb.query(TableName="durable", KeyConditionExpression="pk = :p AND sk >= :s",
                        ExpressionAttributeValues={":p": {"S": "p"}, ":s": {"N": "25"}})
        assert [i["sk"]["N"] for i in out["Items"]] == ["25", "26", "27", "28", "29"]
        assert ddb.query(TableName="durable", IndexName="byg", KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": {"S": "g0"}}, Select="COUNT")["Count"] == 9
        assert ddb.describe_table(TableName="durable")["Table"]["ItemCount"] == 29
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = streams.get_records(ShardIterator=it)["Records"]
        assert len(records) == 31 and records[-1]["eventName"] == "REMOVE"
        ddb.put_item(TableName="durable", Item={"pk": {"S": "p"}, "sk": {"N": "99"}})
        assert len(streams.get_records(ShardIterator=it)["Records"]) == 32
    finally:
        proc.terminate()
        proc.wait(10)
