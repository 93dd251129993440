"""Event source mappings that really poll: SQS (batches, partial failures, filters) and
DynamoDB Streams (starting position, bisect on error, on-failure destination)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from lambda_helpers import eventually, queue, seen

RECORDER = """
import json, boto3
def handler(event, context):
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="seen")["QueueUrl"]
    failures = []
    for record in event["Records"]:
        body = record.get("body") or json.dumps(record["dynamodb"].get("NewImage"))
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"body": body, "source": record["eventSource"],
                                                               "size": len(event["Records"]),
                                                               "md5_attrs": record.get("md5OfMessageAttributes", "absent")}))
        if "fail" in body:
            failures.append({"itemIdentifier": record.get("messageId") or record["dynamodb"]["SequenceNumber"]})
    return {"batchItemFailures": failures}
"""


def test_sqs_mapping_delivers_batches_and_keeps_reported_failures(lam, deploy, aws_client, cloudtwin_client):
    sqs = aws_client("sqs")
    seen_url, _ = queue(sqs, "seen")
    source_url, source_arn = queue(sqs, "work", VisibilityTimeout="30")
    deploy("worker", {"app.py": RECORDER})
    mapping = lam.create_event_source_mapping(
        EventSourceArn=source_arn, FunctionName="worker", BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )  # fmt: skip
    assert mapping["State"] == "Creating" and mapping["BatchSize"] == 10
    assert lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled"
    with pytest.raises(ClientError) as err:
        lam.create_event_source_mapping(EventSourceArn=source_arn, FunctionName="worker")
    assert err.value.response["Error"]["Code"] == "ResourceConflictException"
    sqs.send_message_batch(QueueUrl=source_url, Entries=[
        {"Id": "1", "MessageBody": "ok-1"}, {"Id": "2", "MessageBody": "please fail"}, {"Id": "3", "MessageBody": "ok-3"}])
    records = seen(sqs, seen_url, 3)
    assert {b["body"] for b in records} == {"ok-1", "please fail", "ok-3"}
    assert {b["md5_attrs"] for b in records} == {None}  # no attributes: null, as AWS's records show
    # the reported failure stays in the queue and comes back after the visibility timeout
    def remaining():
        attrs = sqs.get_queue_attributes(QueueUrl=source_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
        return attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"

    assert eventually(remaining)
    lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    cloudtwin_client.advance(31)
    messages = sqs.receive_message(QueueUrl=source_url).get("Messages", [])
    assert [m["Body"] for m in messages] == ["please fail"]
    assert lam.delete_event_source_mapping(UUID=mapping["UUID"])["State"] == "Deleting"


def test_sqs_filter_criteria_drop_what_does_not_match(lam, deploy, aws_client):
    sqs = aws_client("sqs")
    seen_url, _ = queue(sqs, "seen")
    source_url, source_arn = queue(sqs, "filtered")
    deploy("picky", {"app.py": RECORDER})
    lam.create_event_source_mapping(
        EventSourceArn=source_arn, FunctionName="picky",
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]},
    )  # fmt: skip
    sqs.send_message(QueueUrl=source_url, MessageBody=json.dumps({"kind": "noise"}))
    sqs.send_message(QueueUrl=source_url, MessageBody=json.dumps({"kind": "order", "id": 7}))
    bodies = seen(sqs, seen_url, 1)
    assert [json.loads(b["body"]) for b in bodies] == [{"kind": "order", "id": 7}]

    def drained():
        attrs = sqs.get_queue_attributes(QueueUrl=source_url, AttributeNames=["All"])["Attributes"]
        return attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0"

    assert eventually(drained)  # the non-matching message was deleted, not left behind
    with pytest.raises(ClientError) as err:
        lam.create_event_source_mapping(
            EventSourceArn=source_arn, FunctionName="picky",
            FilterCriteria={"Filters": [{"Pattern": '{"body": "not a list"}'}]},
        )  # fmt: skip
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"


def _table_with_stream(aws_client, name):
    ddb = aws_client("dynamodb")
    table = ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]  # fmt: skip
    return ddb, table["LatestStreamArn"]


def test_dynamodb_stream_mapping_delivers_changes_in_order(lam, deploy, aws_client):
    sqs = aws_client("sqs")
    seen_url, _ = queue(sqs, "seen")
    ddb, stream_arn = _table_with_stream(aws_client, "orders")
    ddb.put_item(TableName="orders", Item={"id": {"S": "before"}})  # before the mapping: LATEST skips it
    deploy("streamer", {"app.py": RECORDER})
    lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName="streamer", StartingPosition="LATEST", BatchSize=10)
    with pytest.raises(ClientError) as err:
        lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName="streamer", BatchSize=10)
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"

    for n in range(3):
        ddb.put_item(TableName="orders", Item={"id": {"S": f"item-{n}"}})
    bodies = seen(sqs, seen_url, 3)
    ids = [json.loads(b["body"])["id"]["S"] for b in bodies]
    assert ids == ["item-0", "item-1", "item-2"]
    assert all(b["source"] == "aws:dynamodb" for b in bodies)


def test_dynamodb_stream_bisects_a_failing_batch_and_reports_the_failure(lam, deploy, aws_client):
    sqs = aws_client("sqs")
    seen_url, _ = queue(sqs, "seen")
    failure_url, failure_arn = queue(sqs, "stream-failures")
    ddb, stream_arn = _table_with_stream(aws_client, "events")
    for n in range(4):
        ddb.put_item(TableName="events", Item={"id": {"S": "fail" if n == 2 else f"ok-{n}"}})
    failing = RECORDER.replace('    return {"batchItemFailures": failures}', '    if failures:\n        raise RuntimeError("bad record")')
    deploy("bisector", {"app.py": failing})
    lam.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName="bisector", StartingPosition="TRIM_HORIZON", BatchSize=4,
        BisectBatchOnFunctionError=True, MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": failure_arn}},
    )  # fmt: skip
    report = eventually(lambda: sqs.receive_message(QueueUrl=failure_url).get("Messages"), 30)
    document = json.loads(report[0]["Body"])
    info = document["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1 and info["streamArn"] == stream_arn
    assert document["requestContext"]["condition"] == "RetryAttemptsExhausted"
    # batches of 4, 2 and 1 were tried: the good records were delivered in the halves
    sizes = [b["size"] for b in seen(sqs, seen_url, 4 + 2 + 2 + 1)]
    assert sorted(set(sizes)) == [1, 2, 4]


def test_stream_mappings_are_described_as_stream_pollers_describe_them(lam, deploy, aws_client):
    _, stream_arn = _table_with_stream(aws_client, "described")
    deploy("described-fn", {"app.py": RECORDER})
    with pytest.raises(ClientError) as err:
        lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName="described-fn", StartingPosition="AT_TIMESTAMP",
                                        StartingPositionTimestamp=1)  # fmt: skip
    assert err.value.response["Error"]["Message"] == f"Unsupported starting position for arn type: {stream_arn}"
    mapping = lam.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName="described-fn", StartingPosition="TRIM_HORIZON", FilterCriteria={"Filters": []}
    )
    assert mapping["StateTransitionReason"] == "User action"
    assert mapping["LastProcessingResult"] == "No records processed"
    assert "FilterCriteria" not in mapping


def test_sqs_mapping_batch_limits_and_filter_errors_in_lambda_words(lam, deploy, aws_client):
    _, queue_arn = queue(aws_client("sqs"), "limits")
    deploy("limited", {"app.py": RECORDER})
    with pytest.raises(ClientError) as err:
        lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="limited", BatchSize=11)
    message = "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
    assert err.value.response["Error"]["Message"] == message
    mapping = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="limited")
    with pytest.raises(ClientError) as err:
        lam.update_event_source_mapping(UUID=mapping["UUID"], BatchSize=11)
    assert err.value.response["Error"]["Message"] == message
    lam.update_event_source_mapping(UUID=mapping["UUID"], BatchSize=11, MaximumBatchingWindowInSeconds=1)
    with pytest.raises(ClientError) as err:
        lam.update_event_source_mapping(UUID=mapping["UUID"], FilterCriteria={"Filters": [{"Pattern": "not json"}]})
    assert err.value.response["Error"]["Message"] == "Invalid filter pattern definition."


def test_mapping_duplicates_and_switching_off_in_lambda_words(lam, deploy, aws_client):
    _, stream_arn = _table_with_stream(aws_client, "switched")
    deploy("switched-fn", {"app.py": RECORDER})
    mapping = lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName="switched-fn", StartingPosition="LATEST")
    with pytest.raises(ClientError) as err:
        lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName="switched-fn", StartingPosition="LATEST")
    assert err.value.response["Error"]["Message"] == (
        f'The event source arn (" {stream_arn} ") and function (" switched-fn ") provided mapping already exists. '
        f"Please update or delete the existing mapping with UUID {mapping['UUID']}"
    )
    assert lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)["State"] == "Disabling"
    assert lam.update_event_source_mapping(UUID=mapping["UUID"], BatchSize=5)["State"] == "Updating"
    assert lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)["State"] == "Enabling"
