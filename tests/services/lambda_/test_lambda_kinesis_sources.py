"""Event source mappings on Kinesis: the record shape, starting positions, bisect with an
on-failure destination (KinesisBatchInfo), and a reshard read parents-first."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

from lambda_helpers import eventually, queue, seen

RECORDER = """
import base64, json, boto3
def handler(event, context):
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="seen")["QueueUrl"]
    failed = False
    for record in event["Records"]:
        data = base64.b64decode(record["kinesis"]["data"]).decode()
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"data": data, "record": record,
                                                               "size": len(event["Records"])}))
        failed = failed or "fail" in data
    if failed:
        raise RuntimeError("bad record")
"""


def _stream(kinesis, name, shards=1):
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


def test_kinesis_mapping_delivers_records_in_aws_shape(lam, deploy, aws_client):
    sqs, kinesis = aws_client("sqs"), aws_client("kinesis")
    seen_url, _ = queue(sqs, "seen")
    arn = _stream(kinesis, "clicks")
    kinesis.put_record(StreamName="clicks", Data=b"before", PartitionKey="p")  # LATEST skips it
    function = deploy("reader", {"app.py": RECORDER})
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader", StartingPosition="LATEST", BatchSize=10)
    sequences = [kinesis.put_record(StreamName="clicks", Data=f"r{n}".encode(), PartitionKey="p")["SequenceNumber"]
                 for n in range(3)]
    bodies = seen(sqs, seen_url, 3)
    assert [b["data"] for b in bodies] == ["r0", "r1", "r2"]
    record = bodies[0]["record"]
    assert record["eventSource"] == "aws:kinesis" and record["eventName"] == "aws:kinesis:record"
    assert record["eventVersion"] == "1.0" and record["eventSourceARN"] == arn and record["awsRegion"] == "us-east-1"
    assert record["eventID"] == f"shardId-000000000000:{sequences[0]}"
    assert record["invokeIdentityArn"] == function["Role"]
    inner = record["kinesis"]
    assert inner["kinesisSchemaVersion"] == "1.0" and inner["partitionKey"] == "p"
    assert inner["sequenceNumber"] == sequences[0] and base64.b64decode(inner["data"]) == b"r0"
    assert isinstance(inner["approximateArrivalTimestamp"], float)


def test_kinesis_mapping_at_timestamp(lam, deploy, aws_client, cloudtwin_client):
    sqs, kinesis = aws_client("sqs"), aws_client("kinesis")
    seen_url, _ = queue(sqs, "seen")
    arn = _stream(kinesis, "stamped")
    kinesis.put_record(StreamName="stamped", Data=b"old", PartitionKey="p")
    cloudtwin_client.advance(60)
    since = datetime.fromtimestamp(cloudtwin_client.now() - 1, timezone.utc)
    kinesis.put_record(StreamName="stamped", Data=b"new", PartitionKey="p")
    deploy("stamper", {"app.py": RECORDER})
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="stamper", StartingPosition="AT_TIMESTAMP",
                                    StartingPositionTimestamp=since)  # fmt: skip
    assert [b["data"] for b in seen(sqs, seen_url, 1)] == ["new"]


def test_kinesis_bisects_a_failing_batch_and_reports_kinesis_batch_info(lam, deploy, aws_client):
    sqs, kinesis = aws_client("sqs"), aws_client("kinesis")
    seen_url, _ = queue(sqs, "seen")
    failure_url, failure_arn = queue(sqs, "kinesis-failures")
    arn = _stream(kinesis, "events")
    for n in range(4):
        kinesis.put_record(StreamName="events", Data=b"fail" if n == 2 else b"ok-%d" % n, PartitionKey="p")
    deploy("bisector", {"app.py": RECORDER})
    lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="bisector", StartingPosition="TRIM_HORIZON", BatchSize=4,
        BisectBatchOnFunctionError=True, MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": failure_arn}},
    )  # fmt: skip
    report = eventually(lambda: sqs.receive_message(QueueUrl=failure_url).get("Messages"), 30)
    document = json.loads(report[0]["Body"])
    info = document["KinesisBatchInfo"]
    assert info["batchSize"] == 1 and info["streamArn"] == arn and info["shardId"] == "shardId-000000000000"
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    assert document["requestContext"]["condition"] == "RetryAttemptsExhausted"
    sizes = [b["size"] for b in seen(sqs, seen_url, 4 + 2 + 2 + 1)]
    assert sorted(set(sizes)) == [1, 2, 4]


def test_kinesis_mapping_reads_parents_before_children_across_a_split(lam, deploy, aws_client):
    sqs, kinesis = aws_client("sqs"), aws_client("kinesis")
    seen_url, _ = queue(sqs, "seen")
    arn = _stream(kinesis, "split")
    kinesis.put_records(StreamName="split", Records=[{"Data": b"a%d" % n, "PartitionKey": f"k{n}"} for n in range(3)])
    kinesis.split_shard(StreamName="split", ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**127))
    kinesis.put_records(StreamName="split", Records=[{"Data": b"b%d" % n, "PartitionKey": f"k{n}"} for n in range(3)])
    deploy("splitter", {"app.py": RECORDER})
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="splitter", StartingPosition="TRIM_HORIZON")
    data = [b["data"] for b in seen(sqs, seen_url, 6)]
    assert sorted(data) == ["a0", "a1", "a2", "b0", "b1", "b2"]
    assert set(data[:3]) == {"a0", "a1", "a2"}  # the parent first


def test_kinesis_batching_window_holds_records_until_it_closes(lam, deploy, aws_client, cloudtwin_client):
    sqs, kinesis = aws_client("sqs"), aws_client("kinesis")
    seen_url, _ = queue(sqs, "seen")
    arn = _stream(kinesis, "windowed")
    deploy("windowed-reader", {"app.py": RECORDER})
    cloudtwin_client.freeze()
    try:
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="windowed-reader", StartingPosition="TRIM_HORIZON",
                                        BatchSize=10, MaximumBatchingWindowInSeconds=30)  # fmt: skip
        kinesis.put_records(StreamName="windowed", Records=[{"Data": b"w%d" % n, "PartitionKey": "p"} for n in range(3)])
        # the poller reads within milliseconds; with the window open nothing may be sent
        assert not eventually(lambda: sqs.receive_message(QueueUrl=seen_url).get("Messages"), 1.5)
        kinesis.put_records(StreamName="windowed", Records=[{"Data": b"v%d" % n, "PartitionKey": "p"} for n in range(3)])
        cloudtwin_client.advance(31)
        bodies = seen(sqs, seen_url, 6)
    finally:
        cloudtwin_client.unfreeze()
    assert {b["size"] for b in bodies} == {6}


WINDOW_COUNTER = """
import json, boto3
def handler(event, context):
    state = dict(event["state"])
    state["count"] = state.get("count", 0) + len(event["Records"])
    boto3.client("sqs").send_message(
        QueueUrl=boto3.client("sqs").get_queue_url(QueueName="seen")["QueueUrl"],
        MessageBody=json.dumps({"final": event["isFinalInvokeForWindow"], "state": event["state"],
                                "window": event["window"], "shard": event["shardId"], "size": len(event["Records"])}))
    return {"state": state}
"""


def test_kinesis_tumbling_window_carries_state_and_ends_with_a_final_invoke(lam, deploy, aws_client, cloudtwin_client):
    sqs, kinesis = aws_client("sqs"), aws_client("kinesis")
    seen_url, _ = queue(sqs, "seen")
    arn = _stream(kinesis, "tumbling")
    deploy("counter", {"app.py": WINDOW_COUNTER})
    cloudtwin_client.freeze()
    try:
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="counter", StartingPosition="TRIM_HORIZON",
                                        TumblingWindowInSeconds=60, BatchSize=2)  # fmt: skip
        kinesis.put_records(StreamName="tumbling", Records=[{"Data": b"%d" % n, "PartitionKey": "p"} for n in range(3)])
        invocations = seen(sqs, seen_url, 2)
        cloudtwin_client.advance(61)
        invocations += seen(sqs, seen_url, 1)
    finally:
        cloudtwin_client.unfreeze()
    assert [(i["final"], i["size"]) for i in invocations] == [(False, 2), (False, 1), (True, 0)]
    assert [i["state"].get("count", 0) for i in invocations] == [0, 2, 3]
    assert invocations[0]["window"] == invocations[2]["window"] and invocations[0]["shard"] == "shardId-000000000000"


def test_kinesis_filter_criteria_match_the_decoded_data(lam, deploy, aws_client):
    sqs, kinesis = aws_client("sqs"), aws_client("kinesis")
    seen_url, _ = queue(sqs, "seen")
    arn = _stream(kinesis, "filtered")
    deploy("picky", {"app.py": RECORDER})
    lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="picky", StartingPosition="TRIM_HORIZON", BatchSize=10,
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"data": {"kind": ["keep"]}, "partitionKey": ["p"]})}]},
    )  # fmt: skip
    kinesis.put_records(StreamName="filtered", Records=[
        {"Data": json.dumps({"kind": "keep", "n": 1}).encode(), "PartitionKey": "p"},
        {"Data": json.dumps({"kind": "drop", "n": 2}).encode(), "PartitionKey": "p"},
        {"Data": b"not json", "PartitionKey": "p"},
        {"Data": json.dumps({"kind": "keep", "n": 3}).encode(), "PartitionKey": "other"},
        {"Data": json.dumps({"kind": "keep", "n": 4}).encode(), "PartitionKey": "p"},
    ])
    bodies = seen(sqs, seen_url, 2)
    assert [json.loads(b["data"])["n"] for b in bodies] == [1, 4]
