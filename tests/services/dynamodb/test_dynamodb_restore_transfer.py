"""Restores (from a backup, to a point in time) and exports to / imports from S3."""

import gzip
import json

import pytest
from botocore.exceptions import ClientError

KEY = [{"AttributeName": "id", "KeyType": "HASH"}]
ATTRS = [{"AttributeName": "id", "AttributeType": "S"}]


@pytest.fixture
def ddb(aws_client):
    return aws_client("dynamodb")


def _err(call, **kwargs):
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def _table(ddb, name, *items):
    arn = ddb.create_table(TableName=name, KeySchema=KEY, AttributeDefinitions=ATTRS,
                           BillingMode="PAY_PER_REQUEST")["TableDescription"]["TableArn"]
    for item in items:
        ddb.put_item(TableName=name, Item=item)
    return arn


def test_restore_from_backup_keeps_the_items_of_backup_time(ddb):
    arn = _table(ddb, "src-table", {"id": {"S": "a"}, "n": {"N": "1"}})
    backup = ddb.create_backup(TableName="src-table", BackupName="first")["BackupDetails"]["BackupArn"]
    ddb.put_item(TableName="src-table", Item={"id": {"S": "later"}})
    restored = ddb.restore_table_from_backup(TargetTableName="copy-table", BackupArn=backup)
    summary = restored["TableDescription"]["RestoreSummary"]
    assert summary["SourceBackupArn"] == backup and summary["SourceTableArn"] == arn
    assert summary["RestoreInProgress"] is True
    assert restored["TableDescription"]["TableStatus"] == "CREATING"
    table = ddb.describe_table(TableName="copy-table")["Table"]
    assert table["RestoreSummary"]["RestoreInProgress"] is False
    assert table["KeySchema"] == KEY
    assert ddb.scan(TableName="copy-table")["Items"] == [{"id": {"S": "a"}, "n": {"N": "1"}}]
    assert _err(ddb.restore_table_from_backup, TargetTableName="copy-table", BackupArn=backup) == (
        "TableAlreadyExistsException", "Table already exists: copy-table")
    assert _err(ddb.restore_table_from_backup, TargetTableName="other",
                BackupArn=backup + "x")[0] == "BackupNotFoundException"


def test_point_in_time_restore_needs_recovery_enabled(ddb):
    _table(ddb, "pitr-src", {"id": {"S": "a"}})
    assert _err(ddb.restore_table_to_point_in_time, SourceTableName="pitr-src",
                TargetTableName="pitr-copy", UseLatestRestorableTime=True) == (
        "PointInTimeRecoveryUnavailableException",
        "Point in time recovery is not enabled for table 'pitr-src'")
    ddb.update_continuous_backups(TableName="pitr-src", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    out = ddb.restore_table_to_point_in_time(SourceTableName="pitr-src", TargetTableName="pitr-copy",
                                             UseLatestRestorableTime=True)
    assert "SourceBackupArn" not in out["TableDescription"]["RestoreSummary"]
    assert ddb.scan(TableName="pitr-copy")["Count"] == 1


def test_export_writes_aws_layout_to_s3(ddb, aws_client):
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="exports")
    arn = _table(ddb, "exp-table", {"id": {"S": "a"}, "b": {"B": b"\x00\x01"}}, {"id": {"S": "b"}})
    assert _err(ddb.export_table_to_point_in_time, TableArn=arn, S3Bucket="exports")[0] == (
        "PointInTimeRecoveryUnavailableException")
    ddb.update_continuous_backups(TableName="exp-table", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    started = ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="exports", S3Prefix="runs")
    export = started["ExportDescription"]
    assert export["ExportStatus"] == "IN_PROGRESS" and export["ExportFormat"] == "DYNAMODB_JSON"
    assert export["ExportArn"].startswith(f"{arn}/export/")
    done = ddb.describe_export(ExportArn=export["ExportArn"])["ExportDescription"]
    assert done["ExportStatus"] == "COMPLETED" and done["ItemCount"] == 2
    summary = json.loads(s3.get_object(Bucket="exports", Key=done["ExportManifest"])["Body"].read())
    assert summary["itemCount"] == 2 and summary["exportArn"] == export["ExportArn"]
    files = s3.get_object(Bucket="exports", Key=summary["manifestFilesS3Key"])["Body"].read()
    data_key = json.loads(files.splitlines()[0])["dataFileS3Key"]
    assert data_key.startswith("runs/AWSDynamoDB/")
    lines = gzip.decompress(s3.get_object(Bucket="exports", Key=data_key)["Body"].read()).splitlines()
    items = sorted((json.loads(line)["Item"] for line in lines), key=lambda i: i["id"]["S"])
    assert items == [{"id": {"S": "a"}, "b": {"B": "AAE="}}, {"id": {"S": "b"}}]
    listed = ddb.list_exports(TableArn=arn)["ExportSummaries"]
    assert listed == [{"ExportArn": export["ExportArn"], "ExportStatus": "COMPLETED",
                       "ExportType": "FULL_EXPORT"}]
    failed = ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="no-such-bucket")
    assert ddb.describe_export(ExportArn=failed["ExportDescription"]["ExportArn"])[
        "ExportDescription"]["ExportStatus"] == "FAILED"


def test_import_creates_and_fills_a_table(ddb, aws_client):
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="imports")
    lines = [json.dumps({"Item": {"id": {"S": "x"}, "v": {"N": "1"}}}),
             json.dumps({"Item": {"id": {"S": "y"}}}), "not an item"]
    s3.put_object(Bucket="imports", Key="in/part-1.json.gz",
                  Body=gzip.compress("\n".join(lines).encode()))
    started = ddb.import_table(
        S3BucketSource={"S3Bucket": "imports", "S3KeyPrefix": "in/"},
        InputFormat="DYNAMODB_JSON", InputCompressionType="GZIP",
        TableCreationParameters={"TableName": "imported", "KeySchema": KEY,
                                 "AttributeDefinitions": ATTRS, "BillingMode": "PAY_PER_REQUEST"},
    )["ImportTableDescription"]
    assert started["ImportStatus"] == "IN_PROGRESS"
    done = ddb.describe_import(ImportArn=started["ImportArn"])["ImportTableDescription"]
    assert (done["ImportStatus"], done["ImportedItemCount"], done["ErrorCount"]) == ("COMPLETED", 2, 1)
    assert ddb.get_item(TableName="imported", Key={"id": {"S": "x"}})["Item"]["v"] == {"N": "1"}
    assert ddb.list_imports()["ImportSummaryList"][0]["ImportArn"] == started["ImportArn"]
    s3.put_object(Bucket="imports", Key="csv/a.csv", Body=b"id,colour\nk1,red\nk2,blue\n")
    ddb.import_table(
        S3BucketSource={"S3Bucket": "imports", "S3KeyPrefix": "csv/"}, InputFormat="CSV",
        TableCreationParameters={"TableName": "from-csv", "KeySchema": KEY,
                                 "AttributeDefinitions": ATTRS, "BillingMode": "PAY_PER_REQUEST"},
    )
    assert ddb.get_item(TableName="from-csv", Key={"id": {"S": "k2"}})["Item"] == {
        "id": {"S": "k2"}, "colour": {"S": "blue"}}
    assert _err(ddb.import_table, S3BucketSource={"S3Bucket": "imports"}, InputFormat="CSV",
                TableCreationParameters={"TableName": "from-csv", "KeySchema": KEY,
                                         "AttributeDefinitions": ATTRS,
                                         "BillingMode": "PAY_PER_REQUEST"})[0] == "ResourceInUseException"
