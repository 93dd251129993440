"""Kinesis streaming destinations: a destination is enabled once, and only a streaming one
can be disabled (AWS answers ValidationException otherwise)."""

import pytest
from botocore.exceptions import ClientError

ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/dest"
ENABLE_REFUSED = ("Table is not in a valid state to enable Kinesis Streaming Destination: "
                  "EnableKinesisStreamingDestination must be DISABLED or ENABLE_FAILED to perform ENABLE operation.")
DISABLE_REFUSED = ("Table is not in a valid state to enable Kinesis Streaming Destination: "
                   "KinesisStreamingDestination must be ACTIVE to perform DISABLE operation.")


def _table(ddb):
    ddb.create_table(TableName="ktbl", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])


def _error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_disable_without_destination_is_refused(aws_client):
    ddb = aws_client("dynamodb")
    _table(ddb)
    with pytest.raises(ClientError) as e:
        ddb.disable_kinesis_streaming_destination(TableName="ktbl", StreamArn=ARN)
    assert _error(e) == ("ValidationException", DISABLE_REFUSED)


def test_disable_twice_is_refused(aws_client):
    ddb = aws_client("dynamodb")
    _table(ddb)
    ddb.enable_kinesis_streaming_destination(TableName="ktbl", StreamArn=ARN)
    assert ddb.disable_kinesis_streaming_destination(TableName="ktbl", StreamArn=ARN)["DestinationStatus"] == "DISABLING"
    with pytest.raises(ClientError) as e:
        ddb.disable_kinesis_streaming_destination(TableName="ktbl", StreamArn=ARN)
    assert _error(e) == ("ValidationException", DISABLE_REFUSED)


def test_enable_twice_is_refused_until_disabled(aws_client):
    ddb = aws_client("dynamodb")
    _table(ddb)
    ddb.enable_kinesis_streaming_destination(TableName="ktbl", StreamArn=ARN)
    with pytest.raises(ClientError) as e:
        ddb.enable_kinesis_streaming_destination(TableName="ktbl", StreamArn=ARN)
    assert _error(e) == ("ValidationException", ENABLE_REFUSED)
    ddb.disable_kinesis_streaming_destination(TableName="ktbl", StreamArn=ARN)
    again = ddb.enable_kinesis_streaming_destination(TableName="ktbl", StreamArn=ARN)
    assert again["DestinationStatus"] == "ENABLING"
    dests = ddb.describe_kinesis_streaming_destination(TableName="ktbl")["KinesisDataStreamDestinations"]
    assert dests == [{"StreamArn": ARN, "DestinationStatus": "ACTIVE"}]


def test_update_precision_of_a_streaming_destination(aws_client):
    ddb = aws_client("dynamodb")
    _table(ddb)
    with pytest.raises(ClientError) as e:
        ddb.update_kinesis_streaming_destination(
            TableName="ktbl", StreamArn=ARN,
            UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"})
    assert _error(e) == ("ValidationException", "Table is not in a valid state to enable Kinesis Streaming "
                         f"Destination: No streaming destination with streamArn: {ARN} found for table with tableName: ktbl")
    enabled = ddb.enable_kinesis_streaming_destination(TableName="ktbl", StreamArn=ARN)
    assert enabled["EnableKinesisStreamingConfiguration"] == {}
    with pytest.raises(ClientError) as e:
        ddb.update_kinesis_streaming_destination(TableName="ktbl", StreamArn=ARN)
    assert _error(e)[1].endswith("UpdateKinesisStreamingConfiguration cannot be null or contain only null values")
    updated = ddb.update_kinesis_streaming_destination(
        TableName="ktbl", StreamArn=ARN,
        UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"})
    assert updated["DestinationStatus"] == "UPDATING"
    assert updated["UpdateKinesisStreamingConfiguration"] == {"ApproximateCreationDateTimePrecision": "MICROSECOND"}
    [destination] = ddb.describe_kinesis_streaming_destination(TableName="ktbl")["KinesisDataStreamDestinations"]
    assert destination["ApproximateCreationDateTimePrecision"] == "MICROSECOND"
    with pytest.raises(ClientError) as e:
        ddb.update_kinesis_streaming_destination(
            TableName="ktbl", StreamArn=ARN,
            UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"})
    assert _error(e)[1].startswith("Invalid Request: Precision is already set to the desired value of MICROSECOND")
