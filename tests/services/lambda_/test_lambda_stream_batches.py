"""Stream event source mappings (Kinesis here; DynamoDB Streams share the shard pollers):
ParallelizationFactor and shards polled concurrently, ReportBatchItemFailures answers as
AWS reads them, and MaximumRecordAgeInSeconds discarding old records unsent."""

from __future__ import annotations

import json
from datetime import datetime

from lambda_helpers import eventually, queue, seen

#: records each invocation (its records and when it ran) in the queue "seen"; raises for "fail"
TIMED = """
import base64, json, time, boto3
def handler(event, context):
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="seen")["QueueUrl"]
    start = time.time()
    records = [(r["kinesis"]["partitionKey"], base64.b64decode(r["kinesis"]["data"]).decode()) for r in event["Records"]]
    if any(data == "fail" for _, data in records):
        raise RuntimeError("bad record")
    time.sleep(0.4)
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"records": records, "start": start, "end": time.time()}))
"""

ANSWER = """
import json, boto3
def handler(event, context):
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="seen")["QueueUrl"], MessageBody=json.dumps(
        [r["kinesis"]["sequenceNumber"] for r in event["Records"]]))
    return ANSWER
"""


def _stream(kinesis, name, shards=1):
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


def _failure(sqs, url):
    messages = eventually(lambda: sqs.receive_message(QueueUrl=url).get("Messages"), 30)
    assert messages, "no on-failure record"
    return json.loads(messages[0]["Body"])


def test_parallelization_factor_runs_batches_of_a_shard_at_once_keeping_each_key_in_order(lam, deploy, aws_client):
    sqs, kinesis = aws_client("sqs"), aws_client("kinesis")
    seen_url, _ = queue(sqs, "seen")
    arn = _stream(kinesis, "parallel")
    keys = [f"key-{n}" for n in range(8)]
    kinesis.put_records(StreamName="parallel", Records=[
        {"Data": f"{key}/{n}".encode(), "PartitionKey": key} for n in range(3) for key in keys])
    deploy("parallel-reader", {"app.py": TIMED})
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="parallel-reader", StartingPosition="TRIM_HORIZON",
                                    BatchSize=2, ParallelizationFactor=4)  # fmt: skip
    calls = sorted(seen(sqs, seen_url, 12), key=lambda c: c["start"])
    delivered = [data for call in calls for _, data in call["records"]]
    assert sorted(delivered) == sorted(f"{key}/{n}" for n in range(3) for key in keys)
    for key in keys:  # one key's records in order
        assert [d for d in delivered if d.startswith(key + "/")] == [f"{key}/{n}" for n in range(3)]
    overlapping = max(sum(1 for o in calls if o["start"] < c["end"] and c["start"] < o["end"]) for c in calls)
    assert overlapping >= 2, calls


def test_shards_are_polled_concurrently_a_failing_shard_holds_only_itself(lam, deploy, aws_client):
    sqs, kinesis = aws_client("sqs"), aws_client("kinesis")
    seen_url, _ = queue(sqs, "seen")
    arn = _stream(kinesis, "two", shards=2)
    # retried until it expires (MaximumRetryAttempts -1), backing off on the virtual clock that stands still
    kinesis.put_record(StreamName="two", Data=b"fail", PartitionKey="a", ExplicitHashKey="0")
    kinesis.put_record(StreamName="two", Data=b"ok", PartitionKey="b", ExplicitHashKey=str(2**128 - 1))
    deploy("two-reader", {"app.py": TIMED})
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="two-reader", StartingPosition="TRIM_HORIZON")
    [call] = seen(sqs, seen_url, 1)
    assert call["records"] == [["b", "ok"]]


def test_report_batch_item_failures_an_unknown_identifier_fails_the_whole_batch(lam, deploy, aws_client):
    sqs, kinesis = aws_client("sqs"), aws_client("kinesis")
    seen_url, _ = queue(sqs, "seen")
    failure_url, failure_arn = queue(sqs, "failures")
    arn = _stream(kinesis, "reported")
    answer = '{"batchItemFailures": [{"itemIdentifier": "not-in-the-batch"}]}'
    deploy("reporter", {"app.py": ANSWER.replace("ANSWER", answer)})
    lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="reporter", StartingPosition="TRIM_HORIZON", BatchSize=5,
        FunctionResponseTypes=["ReportBatchItemFailures"], MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": failure_arn}},
    )  # fmt: skip
    sequences = [kinesis.put_record(StreamName="reported", Data=b"x", PartitionKey="p")["SequenceNumber"]]
    document = _failure(sqs, failure_url)
    assert document["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert document["requestContext"]["approximateInvokeCount"] == 2
    # the function answered: no function error
    assert document["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": None}
    assert document["KinesisBatchInfo"]["startSequenceNumber"] == sequences[0]
    assert seen(sqs, seen_url, 2) == [sequences, sequences]


def test_report_batch_item_failures_retries_from_the_lowest_failed_record(lam, deploy, aws_client):
    sqs, kinesis = aws_client("sqs"), aws_client("kinesis")
    seen_url, _ = queue(sqs, "seen")
    arn = _stream(kinesis, "partial")
    sequences = [kinesis.put_record(StreamName="partial", Data=b"x", PartitionKey="p")["SequenceNumber"] for _ in range(3)]
    # the second record fails once; empty and null lists are successes
    source = ANSWER.replace("return ANSWER", """seqs = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    if len(seqs) == 3:
        return {"batchItemFailures": [{"itemIdentifier": seqs[2]}, {"itemIdentifier": seqs[1]}]}
    return {"batchItemFailures": [] if len(seqs) == 2 else None}""")
    deploy("partial-reader", {"app.py": source})
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="partial-reader", StartingPosition="TRIM_HORIZON",
                                    BatchSize=3, FunctionResponseTypes=["ReportBatchItemFailures"])  # fmt: skip
    assert seen(sqs, seen_url, 2) == [sequences, sequences[1:]]
    kinesis.put_record(StreamName="partial", Data=b"x", PartitionKey="p")
    assert len(seen(sqs, seen_url, 1)[0]) == 1  # the checkpoint moved past the batch


def test_records_older_than_the_maximum_age_go_to_the_destination_unsent(lam, deploy, aws_client, cloudtwin_client):
    sqs, kinesis = aws_client("sqs"), aws_client("kinesis")
    seen_url, _ = queue(sqs, "seen")
    failure_url, failure_arn = queue(sqs, "failures")
    arn = _stream(kinesis, "aged")
    old = kinesis.put_record(StreamName="aged", Data=b"old", PartitionKey="p")["SequenceNumber"]
    cloudtwin_client.advance(120)
    fresh = [kinesis.put_record(StreamName="aged", Data=b"new", PartitionKey="p")["SequenceNumber"] for _ in range(2)]
    deploy("aged-reader", {"app.py": ANSWER.replace("ANSWER", "None")})
    lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="aged-reader", StartingPosition="TRIM_HORIZON", BatchSize=10,
        MaximumRecordAgeInSeconds=60, MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": failure_arn}},
    )  # fmt: skip
    document = _failure(sqs, failure_url)
    assert document["requestContext"]["condition"] == "RecordAgeExceeded"
    assert "responseContext" not in document
    info = document["KinesisBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"] == old
    assert seen(sqs, seen_url, 1) == [fresh]


def test_an_s3_on_failure_destination_gets_the_batch_as_an_object(lam, deploy, aws_client):
    s3, kinesis = aws_client("s3"), aws_client("kinesis")
    s3.create_bucket(Bucket="failed-batches")
    arn = _stream(kinesis, "to-s3")
    deploy("s3-failer", {"app.py": TIMED})
    mapping = lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="s3-failer", StartingPosition="TRIM_HORIZON", BatchSize=1,
        MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::failed-batches"}},
    )  # fmt: skip
    sequence = kinesis.put_record(StreamName="to-s3", Data=b"fail", PartitionKey="p")["SequenceNumber"]
    listed = eventually(lambda: s3.list_objects_v2(Bucket="failed-batches").get("Contents"), 30)
    assert listed, "no object"
    [key] = [o["Key"] for o in listed]
    body = json.loads(s3.get_object(Bucket="failed-batches", Key=key)["Body"].read())
    stamp = datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
    assert key.startswith(f"aws/lambda/{mapping['UUID']}/shardId-000000000000/{stamp:%Y/%m/%d}/{stamp:%Y-%m-%dT%H.%M.%S}-")
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert body["responseContext"]["functionError"] == "Unhandled"
    [record] = body["payload"]["Records"]
    assert record["kinesis"]["sequenceNumber"] == sequence and record["eventSource"] == "aws:kinesis"
    assert body["KinesisBatchInfo"]["startSequenceNumber"] == sequence
