"""Firehose: buffering on the virtual clock, S3 object naming, prefixes and compression,
a transformation Lambda dropping and failing records, Kinesis sources, unreachable
destinations, and bad input."""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
import time
import urllib.request
import zipfile

import pytest
from botocore.exceptions import ClientError

from cloudtwin.events import kpl

ROLE = "arn:aws:iam::000000000000:role/firehose"


def _eventually(check, seconds=20.0):
    """Poll for an asynchronous delivery's result (real work, not virtual time)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def _objects(s3, bucket):
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
            for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}


def _s3_stream(firehose, s3, name="fh", bucket="fh-bucket", **config):
    s3.create_bucket(Bucket=bucket)
    destination = {"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}",
                   "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 1}, **config}
    firehose.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration=destination)


@pytest.fixture
def frozen(cloudtwin):
    cloudtwin.client.freeze()
    yield cloudtwin.client
    cloudtwin.client.unfreeze()


def test_buffer_goes_out_when_the_interval_passes_on_the_virtual_clock(aws_client, frozen):
    firehose, s3 = aws_client("firehose"), aws_client("s3")
    _s3_stream(firehose, s3, Prefix="raw/")
    out = firehose.put_record_batch(DeliveryStreamName="fh", Records=[{"Data": b"one\n"}, {"Data": b"two\n"}])
    assert out["FailedPutCount"] == 0 and len(out["RequestResponses"]) == 2
    frozen.advance(30)
    frozen.tick("firehose")
    assert _objects(s3, "fh-bucket") == {}
    frozen.advance(31)
    objects = _eventually(lambda: _objects(s3, "fh-bucket"))
    [(key, body)] = objects.items()
    assert body == b"one\ntwo\n"
    assert re.fullmatch(r"raw/\d{4}/\d{2}/\d{2}/\d{2}/fh-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}", key)


def test_size_hint_sends_at_once_and_gzip_compresses(aws_client, frozen):
    firehose, s3 = aws_client("firehose"), aws_client("s3")
    _s3_stream(firehose, s3, CompressionFormat="GZIP")
    chunk = b"x" * 500_000
    firehose.put_record_batch(DeliveryStreamName="fh", Records=[{"Data": chunk}, {"Data": chunk}, {"Data": chunk}])
    objects = _eventually(lambda: _objects(s3, "fh-bucket"))
    [(key, body)] = objects.items()
    assert key.endswith(".gz") and gzip.decompress(body) == chunk * 3


def test_prefix_expressions_and_zip(aws_client, frozen):
    firehose, s3 = aws_client("firehose"), aws_client("s3")
    with pytest.raises(ClientError) as exc:
        _s3_stream(firehose, s3, name="bad", bucket="other-bucket", Prefix="p/!{timestamp:yyyy}/")
    assert exc.value.response["Error"]["Code"] == "InvalidArgumentException"
    _s3_stream(firehose, s3, CompressionFormat="ZIP",
               Prefix="year=!{timestamp:yyyy}/month=!{timestamp:MM}/rand=!{firehose:random-string}/",
               ErrorOutputPrefix="errors/!{firehose:error-output-type}/")
    firehose.put_record(DeliveryStreamName="fh", Record={"Data": b"zipped"})
    frozen.advance(61)
    [(key, body)] = _eventually(lambda: _objects(s3, "fh-bucket")).items()
    moment = time.gmtime(frozen.now())
    assert re.fullmatch(rf"year={moment.tm_year}/month={moment.tm_mon:02d}/rand=[A-Za-z0-9]{{11}}/fh-1-.*\.zip", key)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.read(archive.namelist()[0]) == b"zipped"


TRANSFORM = """
import base64
def handler(event, context):
    out = []
    for record in event["records"]:
        data = base64.b64decode(record["data"]).decode()
        result = "Dropped" if data.startswith("drop") else "ProcessingFailed" if data.startswith("fail") else "Ok"
        out.append({"recordId": record["recordId"], "result": result,
                    "data": base64.b64encode(data.upper().encode()).decode()})
    return {"records": out}
"""


def _function(aws_client, name, source):
    iam, lam = aws_client("iam"), aws_client("lambda")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                "Principal": {"Service": "lambda.amazonaws.com"}}]})
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                              Code={"ZipFile": buffer.getvalue()})["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    return arn


def test_transformation_lambda_drops_and_fails_records(aws_client, frozen):
    firehose, s3 = aws_client("firehose"), aws_client("s3")
    arn = _function(aws_client, "shout", TRANSFORM)
    _s3_stream(firehose, s3, Prefix="ok/", ProcessingConfiguration={"Enabled": True, "Processors": [{
        "Type": "Lambda", "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": arn}]}]})
    firehose.put_record_batch(DeliveryStreamName="fh", Records=[
        {"Data": b"keep-1\n"}, {"Data": b"drop-me\n"}, {"Data": b"fail-me\n"}, {"Data": b"keep-2\n"}])
    frozen.advance(61)
    objects = _eventually(lambda: len(_objects(s3, "fh-bucket")) == 2 and _objects(s3, "fh-bucket"), 60)
    good = [body for key, body in objects.items() if not key.startswith("ok/processing-failed/")]
    failed = [body for key, body in objects.items() if key.startswith("ok/processing-failed/")]
    assert good == [b"KEEP-1\nKEEP-2\n"]
    [document] = [json.loads(line) for line in failed[0].splitlines()]
    assert document["errorCode"] == "Lambda.ProcessingFailedStatus" and document["lambdaArn"] == arn
    assert document["rawData"] == "ZmFpbC1tZQo="


def test_kinesis_stream_as_source(aws_client, frozen):
    firehose, s3, kinesis = aws_client("firehose"), aws_client("s3"), aws_client("kinesis")
    kinesis.create_stream(StreamName="src", ShardCount=1)
    stream_arn = kinesis.describe_stream_summary(StreamName="src")["StreamDescriptionSummary"]["StreamARN"]
    s3.create_bucket(Bucket="fh-bucket")
    firehose.create_delivery_stream(
        DeliveryStreamName="fromk", DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn, "RoleARN": ROLE},
        ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::fh-bucket",
                                            "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 1}})
    with pytest.raises(ClientError) as exc:
        firehose.put_record(DeliveryStreamName="fromk", Record={"Data": b"x"})
    assert exc.value.response["Error"]["Code"] == "InvalidArgumentException"
    kinesis.put_record(StreamName="src", Data=b"from-kinesis\n", PartitionKey="p")
    aggregated = kpl.aggregate([("a", b"user-1\n"), ("b", b"user-2\n"), ("a", b"user-3\n")])
    kinesis.put_record(StreamName="src", Data=aggregated, PartitionKey="a")
    frozen.tick("firehose")
    frozen.advance(61)
    [(key, body)] = _eventually(lambda: _objects(s3, "fh-bucket")).items()
    assert body == b"from-kinesis\nuser-1\nuser-2\nuser-3\n"  # the KPL record de-aggregated
    source = firehose.describe_delivery_stream(DeliveryStreamName="fromk")["DeliveryStreamDescription"]["Source"]
    assert source["KinesisStreamSourceDescription"]["KinesisStreamARN"] == stream_arn


def test_unreachable_destination_reports_errors_and_backs_up_to_s3(aws_client, endpoint, frozen):
    firehose, s3 = aws_client("firehose"), aws_client("s3")
    s3.create_bucket(Bucket="backup-bucket")
    firehose.create_delivery_stream(DeliveryStreamName="splunky", SplunkDestinationConfiguration={
        "HECEndpoint": "https://splunk.example.com:8088", "HECEndpointType": "Raw", "HECToken": "token",
        "S3Configuration": {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::backup-bucket"}})
    described = firehose.describe_delivery_stream(DeliveryStreamName="splunky")["DeliveryStreamDescription"]
    splunk = described["Destinations"][0]["SplunkDestinationDescription"]
    assert splunk["HECEndpoint"] == "https://splunk.example.com:8088"
    assert splunk["S3DestinationDescription"]["BucketARN"] == "arn:aws:s3:::backup-bucket"
    firehose.put_record(DeliveryStreamName="splunky", Record={"Data": b"event"})
    frozen.advance(301)

    def failed():
        with urllib.request.urlopen(f"{endpoint}/_cloudtwin/firehose/deliveries?stream=splunky") as response:
            return [d for d in json.load(response)["deliveries"] if d["Status"] == "DeliveryFailed"]

    [entry] = _eventually(failed)
    assert entry["Error"]["Code"] == "Splunk.Unreachable"
    [(key, body)] = _objects(s3, "backup-bucket").items()
    assert key.startswith("splunk-failed/") and json.loads(body)["rawData"] == "ZXZlbnQ="


def test_bad_input(aws_client):
    from botocore.config import Config

    firehose = aws_client("firehose", config=Config(parameter_validation=False, retries={"total_max_attempts": 1}))
    s3 = aws_client("s3")
    with pytest.raises(ClientError) as exc:
        firehose.put_record(DeliveryStreamName="missing", Record={"Data": b"x"})
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
    _s3_stream(firehose, s3)
    with pytest.raises(ClientError) as exc:
        firehose.put_record(DeliveryStreamName="fh", Record={"Data": b"x" * 1_024_001})
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        firehose.create_delivery_stream(DeliveryStreamName="fh", ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE, "BucketARN": "arn:aws:s3:::fh-bucket"})
    assert exc.value.response["Error"]["Code"] == "ResourceInUseException"
    version = firehose.describe_delivery_stream(DeliveryStreamName="fh")["DeliveryStreamDescription"]["VersionId"]
    with pytest.raises(ClientError) as exc:
        firehose.update_destination(DeliveryStreamName="fh", CurrentDeliveryStreamVersionId="7",
                                    DestinationId="destinationId-000000000001",
                                    ExtendedS3DestinationUpdate={"Prefix": "new/"})
    assert exc.value.response["Error"]["Code"] == "ConcurrentModificationException"
    firehose.update_destination(DeliveryStreamName="fh", CurrentDeliveryStreamVersionId=version,
                                DestinationId="destinationId-000000000001", ExtendedS3DestinationUpdate={"Prefix": "new/"})
    described = firehose.describe_delivery_stream(DeliveryStreamName="fh")["DeliveryStreamDescription"]
    assert described["VersionId"] == "2"
    assert described["Destinations"][0]["ExtendedS3DestinationDescription"]["Prefix"] == "new/"


def test_dynamic_partitioning_by_a_jq_query(aws_client, frozen):
    firehose, s3 = aws_client("firehose"), aws_client("s3")
    processing = {"Enabled": True, "Processors": [
        {"Type": "MetadataExtraction", "Parameters": [
            {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{customer: .customer}"},
            {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}]},
        {"Type": "AppendDelimiterToRecord", "Parameters": [{"ParameterName": "Delimiter", "ParameterValue": "\\n"}]},
    ]}  # fmt: skip
    _s3_stream(firehose, s3, Prefix="customer=!{partitionKeyFromQuery:customer}/",
               ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
               DynamicPartitioningConfiguration={"Enabled": True}, ProcessingConfiguration=processing)
    records = [{"customer": "a", "n": 1}, {"customer": "b", "n": 2}, {"customer": "a", "n": 3}]
    firehose.put_record_batch(DeliveryStreamName="fh", Records=[{"Data": json.dumps(r).encode()} for r in records]
                              + [{"Data": b"not json"}])
    frozen.advance(301)
    objects = _eventually(lambda: (found := _objects(s3, "fh-bucket")) and len(found) == 3 and found)
    by_folder = {key.split("/")[0]: body for key, body in objects.items()}
    assert [json.loads(line)["n"] for line in by_folder["customer=a"].splitlines()] == [1, 3]
    assert [json.loads(line)["n"] for line in by_folder["customer=b"].splitlines()] == [2]
    [error_key] = [k for k in objects if k.startswith("errors/")]
    assert error_key.startswith("errors/processing-failed/")
    [failed] = [json.loads(line) for line in objects[error_key].splitlines()]
    assert failed["errorCode"] == "DynamicPartitioning.MetadataExtractionFailed"
    assert base64.b64decode(failed["rawData"]) == b"not json"


PARTITIONER = """
import base64, json

def handler(event, context):
    out = []
    for record in event["records"]:
        body = json.loads(base64.b64decode(record["data"]))
        item = {"recordId": record["recordId"], "result": "Ok", "data": record["data"]}
        if "region" in body:
            item["metadata"] = {"partitionKeys": {"region": body["region"], "year": body.get("year", 2024)}}
        out.append(item)
    return {"records": out}
"""


def test_dynamic_partitioning_by_keys_from_the_transformation_lambda(aws_client, frozen):
    firehose, s3 = aws_client("firehose"), aws_client("s3")
    arn = _function(aws_client, "partitioner", PARTITIONER)
    processing = {"Enabled": True, "Processors": [
        {"Type": "Lambda", "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": arn}]},
        {"Type": "MetadataExtraction", "Parameters": [
            {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{kind: .kind}"},
            {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}]},
    ]}  # fmt: skip
    _s3_stream(firehose, s3, DynamicPartitioningConfiguration={"Enabled": True}, ProcessingConfiguration=processing,
               Prefix="r=!{partitionKeyFromLambda:region}/y=!{partitionKeyFromLambda:year}/k=!{partitionKeyFromQuery:kind}/",
               ErrorOutputPrefix="errors/!{firehose:error-output-type}/")
    records = [{"region": "eu", "kind": "a", "n": 1}, {"region": "us", "kind": "a", "n": 2, "year": 2025},
               {"region": "eu", "kind": "a", "n": 3}, {"kind": "a", "n": 4}]  # fmt: skip
    firehose.put_record_batch(DeliveryStreamName="fh", Records=[{"Data": json.dumps(r).encode()} for r in records])
    frozen.advance(61)
    objects = _eventually(lambda: (found := _objects(s3, "fh-bucket")) and len(found) == 3 and found, 60)
    folders = {key.rsplit("/", 1)[0]: body for key, body in objects.items()}
    assert set(folders) == {"r=eu/y=2024/k=a", "r=us/y=2025/k=a", "errors/processing-failed"}
    assert [r["n"] for r in json.loads("[" + folders["r=eu/y=2024/k=a"].decode().replace("}{", "},{") + "]")] == [1, 3]
    [failed] = [json.loads(line) for line in folders["errors/processing-failed"].splitlines()]
    assert failed["errorCode"] == "DynamicPartitioning.MetadataExtractionFailed"
    assert json.loads(base64.b64decode(failed["rawData"]))["n"] == 4
