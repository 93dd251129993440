"""Tables: create/describe/update/delete/list, validation messages, indexes, tags, TTL, backups."""

import pytest
from botocore.exceptions import ClientError


def _err(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def _create(ddb, name="tbl", range_key=True, **extra):
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    defs = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_key:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        defs.append({"AttributeName": "sk", "AttributeType": "N"})
    defs += extra.pop("extra_defs", [])
    return ddb.create_table(
        TableName=name, KeySchema=schema, AttributeDefinitions=defs,
        BillingMode="PAY_PER_REQUEST", **extra,
    )


def test_create_describe_delete(aws_client):
    ddb = aws_client("dynamodb")
    created = _create(ddb)["TableDescription"]
    assert created["TableStatus"] == "CREATING"
    assert created["TableArn"] == "arn:aws:dynamodb:us-east-1:000000000000:table/tbl"
    desc = ddb.describe_table(TableName="tbl")["Table"]
    assert desc["TableStatus"] == "ACTIVE"
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert desc["KeySchema"][1] == {"AttributeName": "sk", "KeyType": "RANGE"}
    assert desc["ItemCount"] == 0
    ddb.get_waiter("table_exists").wait(TableName="tbl")
    deleted = ddb.delete_table(TableName="tbl")["TableDescription"]
    assert deleted["TableStatus"] == "DELETING"
    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName="tbl")
    assert _err(e) == ("ResourceNotFoundException", "Requested resource not found: Table: tbl not found")


def test_create_existing_table(aws_client):
    ddb = aws_client("dynamodb")
    _create(ddb)
    with pytest.raises(ClientError) as e:
        _create(ddb)
    assert _err(e) == ("ResourceInUseException", "Table already exists: tbl")


def test_key_schema_validation(aws_client):
    ddb = aws_client("dynamodb")
    with pytest.raises(ClientError) as e:
        ddb.create_table(
            TableName="xxx", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "other", "AttributeType": "S"}],
        )
    assert _err(e) == (
        "ValidationException",
        "One or more parameter values were invalid: Some index key attributes are not defined in "
        "AttributeDefinitions. Keys: [pk], AttributeDefinitions: [other]",
    )
    with pytest.raises(ClientError) as e:
        ddb.create_table(
            TableName="xxx", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}],
        )
    assert _err(e)[1] == (
        "One or more parameter values were invalid: Number of attributes in KeySchema does not "
        "exactly match number of attributes defined in AttributeDefinitions"
    )
    with pytest.raises(ClientError) as e:
        ddb.create_table(
            TableName="xxx", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )
    assert _err(e)[1] == "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
    with pytest.raises(ClientError) as e:
        ddb.create_table(
            TableName="xxx",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )
    assert _err(e)[1] == (
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits "
        "must both be specified when BillingMode is PROVISIONED"
    )


def test_provisioned_table_and_switch_billing(aws_client):
    ddb = aws_client("dynamodb")
    ddb.create_table(
        TableName="ppp",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
    )
    desc = ddb.describe_table(TableName="ppp")["Table"]
    assert desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert desc["ProvisionedThroughput"]["WriteCapacityUnits"] == 3
    ddb.update_table(TableName="ppp", BillingMode="PAY_PER_REQUEST")
    desc = ddb.describe_table(TableName="ppp")["Table"]
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 0


def test_list_tables_paginates(aws_client):
    ddb = aws_client("dynamodb")
    for i in range(5):
        _create(ddb, name=f"tab{i}", range_key=False)
    page = ddb.list_tables(Limit=2)
    assert page["TableNames"] == ["tab0", "tab1"]
    assert page["LastEvaluatedTableName"] == "tab1"
    page = ddb.list_tables(Limit=2, ExclusiveStartTableName="tab3")
    assert page["TableNames"] == ["tab4"]
    assert "LastEvaluatedTableName" not in page
    names = [n for p in ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2}) for n in p["TableNames"]]
    assert names == [f"tab{i}" for i in range(5)]


def test_indexes_described(aws_client):
    ddb = aws_client("dynamodb")
    _create(
        ddb,
        extra_defs=[{"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "l", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]},
        }],
        LocalSecondaryIndexes=[{
            "IndexName": "lsi",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }],
    )
    desc = ddb.describe_table(TableName="tbl")["Table"]
    gsi = desc["GlobalSecondaryIndexes"][0]
    assert gsi["IndexName"] == "gsi" and gsi["IndexStatus"] == "ACTIVE"
    assert gsi["IndexArn"].endswith("table/tbl/index/gsi")
    assert desc["LocalSecondaryIndexes"][0]["Projection"] == {"ProjectionType": "KEYS_ONLY"}


def test_lsi_must_share_hash_key(aws_client):
    ddb = aws_client("dynamodb")
    with pytest.raises(ClientError) as e:
        _create(
            ddb, extra_defs=[{"AttributeName": "l", "AttributeType": "S"}],
            LocalSecondaryIndexes=[{
                "IndexName": "lsi",
                "KeySchema": [{"AttributeName": "l", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }],
        )
    assert _err(e)[1] == (
        "One or more parameter values were invalid: Index KeySchema does not have the same leading "
        "hash key as table KeySchema for index: lsi. index hash key: l, table hash key: pk"
    )


def test_update_table_adds_and_deletes_gsi(aws_client):
    ddb = aws_client("dynamodb")
    _create(ddb)
    table = aws_client("dynamodb")
    ddb.put_item(TableName="tbl", Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "g": {"S": "x"}})
    out = ddb.update_table(
        TableName="tbl",
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }}],
    )["TableDescription"]
    assert out["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    items = ddb.query(
        TableName="tbl", IndexName="byg", KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "x"}},
    )["Items"]
    assert items == [{"pk": {"S": "a"}, "sk": {"N": "1"}, "g": {"S": "x"}}]  # backfilled
    ddb.update_table(TableName="tbl", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byg"}}])
    assert "GlobalSecondaryIndexes" not in ddb.describe_table(TableName="tbl")["Table"]
    del table


def test_tags(aws_client):
    ddb = aws_client("dynamodb")
    arn = _create(ddb, Tags=[{"Key": "a", "Value": "1"}])["TableDescription"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}])
    ddb.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]


def test_deletion_protection(aws_client):
    ddb = aws_client("dynamodb")
    _create(ddb, DeletionProtectionEnabled=True)
    with pytest.raises(ClientError) as e:
        ddb.delete_table(TableName="tbl")
    assert _err(e) == (
        "ValidationException",
        "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
    )
    ddb.update_table(TableName="tbl", DeletionProtectionEnabled=False)
    ddb.delete_table(TableName="tbl")


def test_ttl_and_backup_settings(aws_client):
    ddb = aws_client("dynamodb")
    _create(ddb)
    assert ddb.describe_time_to_live(TableName="tbl")["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}
    ddb.update_time_to_live(TableName="tbl", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert ddb.describe_time_to_live(TableName="tbl")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    with pytest.raises(ClientError) as e:
        ddb.update_time_to_live(TableName="tbl", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert _err(e) == ("ValidationException", "TimeToLive is already enabled")
    cb = ddb.describe_continuous_backups(TableName="tbl")["ContinuousBackupsDescription"]
    assert cb["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"
    ddb.update_continuous_backups(TableName="tbl", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    cb = ddb.describe_continuous_backups(TableName="tbl")["ContinuousBackupsDescription"]
    assert cb["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    with pytest.raises(ClientError) as e:
        ddb.describe_continuous_backups(TableName="nope")
    assert _err(e) == ("TableNotFoundException", "Table not found: nope")
    backup = ddb.create_backup(TableName="tbl", BackupName="bk1")["BackupDetails"]
    assert ddb.list_backups(TableName="tbl")["BackupSummaries"][0]["BackupArn"] == backup["BackupArn"]


def test_limits_and_endpoints(aws_client):
    ddb = aws_client("dynamodb")
    limits = ddb.describe_limits()
    assert limits["TableMaxReadCapacityUnits"] == 40000
    endpoints = ddb.describe_endpoints()["Endpoints"]
    assert endpoints[0]["CachePeriodInMinutes"] == 1440
    assert endpoints[0]["Address"]


def test_kinesis_destination_stored(aws_client):
    ddb = aws_client("dynamodb")
    _create(ddb)
    arn = "arn:aws:kinesis:us-east-1:000000000000:stream/dest"
    out = ddb.enable_kinesis_streaming_destination(TableName="tbl", StreamArn=arn)
    assert out["DestinationStatus"] == "ENABLING"
    dests = ddb.describe_kinesis_streaming_destination(TableName="tbl")["KinesisDataStreamDestinations"]
    assert dests == [{"StreamArn": arn, "DestinationStatus": "ACTIVE"}]
    ddb.disable_kinesis_streaming_destination(TableName="tbl", StreamArn=arn)
    dests = ddb.describe_kinesis_streaming_destination(TableName="tbl")["KinesisDataStreamDestinations"]
    assert dests[0]["DestinationStatus"] == "DISABLED"


def test_create_table_without_key_schema(aws_client):
    ddb = aws_client("dynamodb")
    with pytest.raises(ClientError) as e:
        ddb.create_table(TableName="nokeys", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    assert _err(e) == (
        "ValidationException",
        "1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null",
    )


def test_backup_metadata_lifecycle(aws_client):
    ddb = aws_client("dynamodb")
    _create(ddb)
    arn = ddb.create_backup(TableName="tbl", BackupName="nightly")["BackupDetails"]["BackupArn"]
    described = ddb.describe_backup(BackupArn=arn)["BackupDescription"]
    assert described["BackupDetails"]["BackupName"] == "nightly"
    assert described["SourceTableDetails"]["TableName"] == "tbl"
    assert ddb.delete_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]["BackupStatus"] == "DELETED"
    with pytest.raises(ClientError) as e:
        ddb.describe_backup(BackupArn=arn)
    assert _err(e) == ("BackupNotFoundException", f"Backup not found: {arn}")


def test_stream_enabled_by_update_table(aws_client):
    ddb = aws_client("dynamodb")
    _create(ddb)
    out = ddb.update_table(TableName="tbl", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    desc = out["TableDescription"]
    assert desc["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert desc["LatestStreamArn"] == f"{desc['TableArn']}/stream/{desc['LatestStreamLabel']}"
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName="tbl", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    assert _err(e) == ("ValidationException", f"Table already has an enabled stream: {desc['LatestStreamArn']}")


def test_index_key_type_is_checked_on_write(aws_client):
    ddb = aws_client("dynamodb")
    _create(
        ddb, extra_defs=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
    )
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="tbl", Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "g": {"N": "5"}})
    assert _err(e) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: gsi",
    )


def test_table_name_rules(aws_client):
    ddb = aws_client("dynamodb")
    with pytest.raises(ClientError) as e:
        _create(ddb, name="a")
    assert _err(e) == (
        "ValidationException",
        "1 validation error detected: Value 'a' at 'tableName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 3",
    )
    with pytest.raises(ClientError) as e:
        _create(ddb, name="bad name")
    assert _err(e)[1].endswith("Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
    _create(ddb, name="ok_name.v-1")
