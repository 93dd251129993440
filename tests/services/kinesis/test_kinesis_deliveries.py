"""Records arriving in Kinesis from other services: DynamoDB's Kinesis streaming
destination and CloudWatch Logs subscription filters (gzip'd payloads)."""

import gzip
import json
import time

import pytest
from botocore.exceptions import ClientError


def _all_records(kinesis, name):
    out = []
    for shard in kinesis.list_shards(StreamName=name)["Shards"]:
        it = kinesis.get_shard_iterator(StreamName=name, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        out.extend(kinesis.get_records(ShardIterator=it)["Records"])
    return sorted(out, key=lambda r: int(r["SequenceNumber"]))


def _eventually(check, seconds=10.0):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)  # waits for an asynchronous delivery, not for virtual time


def test_dynamodb_changes_arrive_in_the_stream_in_aws_shape(aws_client):
    ddb, kinesis = aws_client("dynamodb"), aws_client("kinesis")
    kinesis.create_stream(StreamName="ddb-changes", ShardCount=2)
    arn = kinesis.describe_stream_summary(StreamName="ddb-changes")["StreamDescriptionSummary"]["StreamARN"]
    ddb.create_table(TableName="orders", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    ddb.put_item(TableName="orders", Item={"id": {"S": "before"}})  # before the destination: not sent
    ddb.enable_kinesis_streaming_destination(TableName="orders", StreamArn=arn)
    ddb.put_item(TableName="orders", Item={"id": {"S": "a"}, "n": {"N": "1"}})
    ddb.update_item(TableName="orders", Key={"id": {"S": "a"}}, UpdateExpression="SET n = :v",
                    ExpressionAttributeValues={":v": {"N": "2"}})
    ddb.delete_item(TableName="orders", Key={"id": {"S": "a"}})
    docs = [json.loads(r["Data"]) for r in _all_records(kinesis, "ddb-changes")]
    assert [d["eventName"] for d in docs] == ["INSERT", "MODIFY", "REMOVE"]
    first, modify, remove = docs
    assert first["eventSource"] == "aws:dynamodb" and first["tableName"] == "orders"
    assert first["recordFormat"] == "application/json" and first["awsRegion"] == "us-east-1"
    assert first["dynamodb"]["Keys"] == {"id": {"S": "a"}}
    assert first["dynamodb"]["NewImage"] == {"id": {"S": "a"}, "n": {"N": "1"}} and "OldImage" not in first["dynamodb"]
    assert modify["dynamodb"]["OldImage"]["n"] == {"N": "1"} and modify["dynamodb"]["NewImage"]["n"] == {"N": "2"}
    assert "NewImage" not in remove["dynamodb"] and remove["dynamodb"]["SizeBytes"] > 0
    assert first["dynamodb"]["ApproximateCreationDateTimePrecision"] == "MILLISECOND"
    ddb.disable_kinesis_streaming_destination(TableName="orders", StreamArn=arn)
    ddb.put_item(TableName="orders", Item={"id": {"S": "after"}})
    assert len(_all_records(kinesis, "ddb-changes")) == 3


def test_logs_subscription_filter_delivers_gzipped_payloads(aws_client):
    logs, kinesis = aws_client("logs"), aws_client("kinesis")
    kinesis.create_stream(StreamName="log-sink", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="log-sink")["StreamDescriptionSummary"]["StreamARN"]
    logs.create_log_group(logGroupName="/app")
    logs.create_log_stream(logGroupName="/app", logStreamName="s1")
    with pytest.raises(ClientError) as exc:
        logs.put_subscription_filter(logGroupName="/app", filterName="f", filterPattern="ERROR",
                                     destinationArn=arn.replace("log-sink", "missing"))
    assert exc.value.response["Error"]["Code"] == "InvalidParameterException"
    logs.put_subscription_filter(logGroupName="/app", filterName="f", filterPattern="ERROR", destinationArn=arn,
                                 roleArn="arn:aws:iam::000000000000:role/cwl")
    control = json.loads(gzip.decompress(_all_records(kinesis, "log-sink")[0]["Data"]))
    assert control["messageType"] == "CONTROL_MESSAGE"
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName="/app", logStreamName="s1", logEvents=[
        {"timestamp": now, "message": "ERROR one"}, {"timestamp": now + 1, "message": "fine"},
        {"timestamp": now + 2, "message": "ERROR two"},
    ])
    records = _eventually(lambda: _all_records(kinesis, "log-sink")[1:])
    assert len(records) == 1
    doc = json.loads(gzip.decompress(records[0]["Data"]))
    assert doc["messageType"] == "DATA_MESSAGE" and doc["logGroup"] == "/app" and doc["logStream"] == "s1"
    assert doc["subscriptionFilters"] == ["f"]
    assert [e["message"] for e in doc["logEvents"]] == ["ERROR one", "ERROR two"]
