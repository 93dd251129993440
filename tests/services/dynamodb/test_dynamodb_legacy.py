"""The legacy (pre-expression) parameters."""

import pytest
from botocore.exceptions import ClientError


def _err(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


@pytest.fixture
def ddb(aws_client):
    client = aws_client("dynamodb")
    client.create_table(
        TableName="leg",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(6):
        client.put_item(TableName="leg", Item={"pk": {"S": "a"}, "sk": {"N": str(i)}, "v": {"N": str(i * 10)}, "s": {"S": f"x{i}"}})
    return client


def test_key_conditions_and_query_filter(ddb):
    out = ddb.query(
        TableName="leg",
        KeyConditions={
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
            "sk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"N": "4"}]},
        },
        QueryFilter={"v": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "30"}]}},
        AttributesToGet=["sk"],
    )
    assert out["Items"] == [{"sk": {"N": "3"}}, {"sk": {"N": "4"}}]
    assert out["ScannedCount"] == 4


def test_scan_filter_with_or(ddb):
    out = ddb.scan(
        TableName="leg",
        ScanFilter={
            "s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "x1"}]},
            "v": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "50"}, {"N": "40"}]},
        },
        ConditionalOperator="OR",
    )
    assert sorted(int(i["sk"]["N"]) for i in out["Items"]) == [1, 4, 5]


def test_expected(ddb):
    key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    ddb.put_item(TableName="leg", Item={**key, "v": {"N": "11"}}, Expected={"v": {"Value": {"N": "10"}}})
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="leg", Item=key, Expected={"pk": {"Exists": False}})
    assert _err(e) == ("ConditionalCheckFailedException", "The conditional request failed")
    ddb.delete_item(TableName="leg", Key=key, Expected={"v": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "5"}]}})
    assert "Item" not in ddb.get_item(TableName="leg", Key=key)


def test_attribute_updates(ddb):
    key = {"pk": {"S": "a"}, "sk": {"N": "2"}}
    out = ddb.update_item(
        TableName="leg", Key=key,
        AttributeUpdates={
            "v": {"Action": "ADD", "Value": {"N": "5"}},
            "s": {"Action": "DELETE"},
            "tags": {"Action": "PUT", "Value": {"SS": ["t"]}},
        },
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert out == {**key, "v": {"N": "25"}, "tags": {"SS": ["t"]}}


def test_mixing_is_refused(ddb):
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="leg", Key={"pk": {"S": "a"}, "sk": {"N": "1"}}, AttributesToGet=["v"], ProjectionExpression="v")
    assert _err(e) == (
        "ValidationException",
        "1 validation error detected: Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
    )
