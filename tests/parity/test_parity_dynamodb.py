"""DynamoDB: a table, items in and out."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from parity_polling import eventually

pytestmark = pytest.mark.parity


@pytest.fixture
def table(aws_client, resource_name, cleanup, require) -> str:
    require("dynamodb", "CreateTable", "DescribeTable", "DeleteTable", "PutItem", "GetItem", "Query")
    ddb = aws_client("dynamodb")
    name = resource_name("table")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
    )
    cleanup(ddb.delete_table, TableName=name)
    active = eventually(
        lambda: ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE", timeout=120, interval=0.2
    )
    assert active, f"{name} did not become ACTIVE"
    return name


def test_put_get_query(aws_client, table) -> None:
    ddb = aws_client("dynamodb")
    for sk in (2, 1, 3):
        ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"N": str(sk)}, "v": {"S": f"v{sk}"}})
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"N": "2"}}, ConsistentRead=True)
    assert got["Item"] == {"pk": {"S": "a"}, "sk": {"N": "2"}, "v": {"S": "v2"}}
    page = ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": {"S": "a"}}, ConsistentRead=True)
    assert [item["sk"]["N"] for item in page["Items"]] == ["1", "2", "3"] and page["Count"] == 3
    description = ddb.describe_table(TableName=table)["Table"]
    assert description["TableStatus"] == "ACTIVE" and description["TableArn"].endswith("/" + table)


def test_a_table_that_does_not_exist(aws_client, resource_name, require) -> None:
    require("dynamodb", "GetItem")
    with pytest.raises(ClientError) as caught:
        aws_client("dynamodb").get_item(TableName=resource_name("missing"), Key={"pk": {"S": "a"}})
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
