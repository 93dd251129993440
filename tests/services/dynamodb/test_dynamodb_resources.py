"""DynamoDB's CloudFormation resource handlers, checked through DynamoDB's API."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from cloudtwin.deployment.handler import UpdateNeedsReplacement

KEYS = {
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
}


def test_table_with_stream_ttl_index_and_updates(handlers, aws_client):
    ddb = aws_client("dynamodb")
    table = handlers.create("AWS::DynamoDB::Table", {
        **KEYS,
        "BillingMode": "PAY_PER_REQUEST",
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
        "TimeToLiveSpecification": {"AttributeName": "expires", "Enabled": "true"},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "GlobalSecondaryIndexes": [{
            "IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
        "Tags": [{"Key": "team", "Value": "a"}],
    }, logical_id="Table")
    name = table.physical_id
    assert name.startswith("test-stack-Table-")
    described = ddb.describe_table(TableName=name)["Table"]
    assert table.attributes == {"Arn": described["TableArn"], "StreamArn": described["LatestStreamArn"]}
    assert described["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert [i["IndexName"] for i in described["GlobalSecondaryIndexes"]] == ["by-g"]
    ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    backups = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=described["TableArn"])["Tags"]}
    assert tags == {"team": "a"}  # AWS's table handler leaves the stack's tags off

    updated = handlers.update(table, {
        **KEYS,
        "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": "3", "WriteCapacityUnits": "2"},
        "StreamSpecification": {"StreamViewType": "KEYS_ONLY"},
        "Tags": [{"Key": "team", "Value": "b"}],
    })
    assert updated.physical_id == name
    described = ddb.describe_table(TableName=name)["Table"]
    assert described["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    assert described.get("GlobalSecondaryIndexes") is None
    assert described["StreamSpecification"]["StreamViewType"] == "KEYS_ONLY"
    assert updated.attributes["StreamArn"] == described["LatestStreamArn"] != table.attributes["StreamArn"]
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"

    with pytest.raises(UpdateNeedsReplacement):
        handlers.update(updated, {**updated.properties, "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]})

    handlers.delete(updated)
    with pytest.raises(ClientError):
        ddb.describe_table(TableName=name)
    handlers.delete(updated)


def test_global_table_in_the_stack_region(handlers, aws_client):
    ddb = aws_client("dynamodb")
    table = handlers.create("AWS::DynamoDB::GlobalTable", {
        "AttributeDefinitions": KEYS["AttributeDefinitions"][:1],
        "KeySchema": KEYS["KeySchema"],
        "TableName": "global",
        "BillingMode": "PAY_PER_REQUEST",
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
        "Replicas": [{"Region": "us-east-1", "Tags": [{"Key": "r", "Value": "1"}]}],
    })
    assert table.physical_id == "global"
    described = ddb.describe_table(TableName="global")["Table"]
    assert table.attributes["Arn"] == described["TableArn"]
    assert table.attributes["TableId"] == described["TableId"]
    assert "StreamArn" in table.attributes
    tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=described["TableArn"])["Tags"]}
    assert tags["r"] == "1"
    handlers.delete(table)
    assert "global" not in ddb.list_tables()["TableNames"]
