"""Items: Put/Get/Update/Delete, conditions, return values, attribute types and limits."""

from decimal import Decimal

import pytest
from botocore.exceptions import ClientError


def _err(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


@pytest.fixture
def ddb(aws_client):
    client = aws_client("dynamodb")
    client.create_table(
        TableName="items",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return client


KEY = {"pk": {"S": "a"}, "sk": {"N": "1"}}


def test_put_get_every_type(ddb):
    item = {
        **KEY,
        "s": {"S": "text"}, "n": {"N": "1.50"}, "b": {"B": b"\x00\x01"},
        "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2.0"]}, "bs": {"BS": [b"a", b"b"]},
        "m": {"M": {"inner": {"L": [{"N": "1"}, {"NULL": True}, {"BOOL": False}]}}},
        "empty": {"S": ""}, "emptyl": {"L": []}, "emptym": {"M": {}},
    }
    ddb.put_item(TableName="items", Item=item)
    got = ddb.get_item(TableName="items", Key=KEY, ConsistentRead=True)["Item"]
    assert got["n"] == {"N": "1.5"}  # canonical number form
    assert sorted(got["ns"]["NS"]) == ["1", "2"]
    assert got["b"] == {"B": b"\x00\x01"}
    assert got["m"]["M"]["inner"]["L"][1] == {"NULL": True}
    assert got["empty"] == {"S": ""}
    assert ddb.get_item(TableName="items", Key={"pk": {"S": "zz"}, "sk": {"N": "1"}}).get("Item") is None


def test_resource_api_round_trip(aws_client, ddb):
    import boto3

    table = boto3.resource(
        "dynamodb", endpoint_url=aws_client("dynamodb").meta.endpoint_url, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    ).Table("items")
    table.put_item(Item={"pk": "r", "sk": 2, "price": Decimal("12.345"), "tags": {"a", "b"}})
    item = table.get_item(Key={"pk": "r", "sk": 2})["Item"]
    assert item["price"] == Decimal("12.345") and item["tags"] == {"a", "b"}
    table.update_item(Key={"pk": "r", "sk": 2}, UpdateExpression="ADD price :d", ExpressionAttributeValues={":d": Decimal("0.655")})
    assert table.get_item(Key={"pk": "r", "sk": 2})["Item"]["price"] == Decimal("13")


def test_number_rules(ddb):
    big = "1" * 38
    ddb.put_item(TableName="items", Item={**KEY, "n": {"N": big}})
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="items", Item={**KEY, "n": {"N": "1" * 39}})
    assert _err(e) == ("ValidationException", "Attempting to store more than 38 significant digits in a Number")
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="items", Item={**KEY, "n": {"N": "1E+126"}})
    assert _err(e)[1] == "Number overflow. Attempting to store a number with magnitude larger than supported range"
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="items", Item={**KEY, "n": {"N": "1E-131"}})
    assert _err(e)[1] == "Number underflow. Attempting to store a number with magnitude smaller than supported range"
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="items", Item={**KEY, "n": {"N": "abc"}})
    assert _err(e)[1] == "The parameter cannot be converted to a numeric value: abc"
    ddb.put_item(TableName="items", Item={**KEY, "n": {"N": "-1.23E+5"}})
    assert ddb.get_item(TableName="items", Key=KEY)["Item"]["n"] == {"N": "-123000"}


def test_empty_and_invalid_values(ddb):
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="items", Item={**KEY, "ss": {"SS": []}})
    assert _err(e)[1] == "1 validation error detected: One or more parameter values were invalid: An string set  may not be empty"
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="items", Item={**KEY, "ss": {"SS": ["a", "a"]}})
    assert _err(e)[1] == "1 validation error detected: One or more parameter values were invalid: Input collection [a, a] contains duplicates."
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="items", Item={"pk": {"S": ""}, "sk": {"N": "1"}})
    assert _err(e)[1] == (
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
        "contain an empty string value. Key: pk"
    )
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="items", Item={"pk": {"S": "a"}})
    assert _err(e)[1] == "One or more parameter values were invalid: Missing the key sk in the item"
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="items", Item={"pk": {"S": "a"}, "sk": {"S": "1"}})
    assert _err(e)[1] == "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S"
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="items", Key={"pk": {"S": "a"}})
    assert _err(e) == ("ValidationException", "The provided key element does not match the schema")
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="nothere", Key=KEY)
    assert _err(e) == ("ResourceNotFoundException", "Requested resource not found")


def test_item_size_limit(ddb):
    ddb.put_item(TableName="items", Item={**KEY, "d": {"S": "x" * (400 * 1024 - 100)}})
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="items", Item={**KEY, "d": {"S": "x" * (400 * 1024)}})
    assert _err(e) == ("ValidationException", "Item size has exceeded the maximum allowed size")


def test_condition_expression_and_return_values_on_failure(ddb):
    ddb.put_item(TableName="items", Item={**KEY, "v": {"N": "1"}}, ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(ClientError) as e:
        ddb.put_item(
            TableName="items", Item={**KEY, "v": {"N": "2"}}, ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert _err(e) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert e.value.response["Item"] == {**KEY, "v": {"N": "1"}}
    old = ddb.put_item(TableName="items", Item={**KEY, "v": {"N": "3"}}, ReturnValues="ALL_OLD",
                       ConditionExpression="v = :one", ExpressionAttributeValues={":one": {"N": "1"}})
    assert old["Attributes"]["v"] == {"N": "1"}
    with pytest.raises(ClientError) as e:
        ddb.delete_item(TableName="items", Key=KEY, ConditionExpression="v > :x", ExpressionAttributeValues={":x": {"N": "10"}})
    assert _err(e)[0] == "ConditionalCheckFailedException"
    deleted = ddb.delete_item(TableName="items", Key=KEY, ReturnValues="ALL_OLD")
    assert deleted["Attributes"]["v"] == {"N": "3"}
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="items", Item=KEY, ReturnValues="ALL_NEW")
    assert _err(e) == ("ValidationException", "1 validation error detected: ReturnValues can only be ALL_OLD or NONE")


def test_update_item_expressions(ddb):
    ddb.put_item(TableName="items", Item={**KEY, "count": {"N": "5"}, "l": {"L": [{"S": "a"}]}, "s": {"SS": ["x", "y"]},
                                          "m": {"M": {"n": {"M": {"deep": {"N": "1"}}}}}})
    out = ddb.update_item(
        TableName="items", Key=KEY,
        UpdateExpression="SET #c = #c + :one, l = list_append(l, :more), m.n.deep = :v, created = if_not_exists(created, :now) "
                         "REMOVE gone ADD visits :one DELETE s :x",
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":one": {"N": "1"}, ":more": {"L": [{"S": "b"}]}, ":v": {"N": "7"},
                                   ":now": {"S": "t0"}, ":x": {"SS": ["x"]}},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert out["count"] == {"N": "6"}
    assert out["l"] == {"L": [{"S": "a"}, {"S": "b"}]}
    assert out["m"] == {"M": {"n": {"M": {"deep": {"N": "7"}}}}}
    assert out["created"] == {"S": "t0"} and out["visits"] == {"N": "1"} and out["s"] == {"SS": ["y"]}
    updated = ddb.update_item(
        TableName="items", Key=KEY, UpdateExpression="SET #c = :ten", ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":ten": {"N": "10"}}, ReturnValues="UPDATED_OLD",
    )["Attributes"]
    assert updated == {"count": {"N": "6"}}
    updated = ddb.update_item(
        TableName="items", Key=KEY, UpdateExpression="REMOVE l[0]", ReturnValues="UPDATED_NEW",
    )
    assert ddb.get_item(TableName="items", Key=KEY)["Item"]["l"] == {"L": [{"S": "b"}]}


def test_update_creates_item_and_refuses_key_change(ddb):
    new = ddb.update_item(TableName="items", Key={"pk": {"S": "n"}, "sk": {"N": "9"}},
                          UpdateExpression="SET a = :a", ExpressionAttributeValues={":a": {"S": "1"}},
                          ReturnValues="ALL_NEW")["Attributes"]
    assert new == {"pk": {"S": "n"}, "sk": {"N": "9"}, "a": {"S": "1"}}
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName="items", Key=KEY, UpdateExpression="SET pk = :a", ExpressionAttributeValues={":a": {"S": "1"}})
    assert _err(e)[1] == "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"


def test_update_errors(ddb):
    ddb.put_item(TableName="items", Item={**KEY, "s": {"S": "x"}})
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName="items", Key=KEY, UpdateExpression="SET s = s + :one", ExpressionAttributeValues={":one": {"N": "1"}})
    assert _err(e)[1] == "An operand in the update expression has an incorrect data type"
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName="items", Key=KEY, UpdateExpression="SET a.b = :one", ExpressionAttributeValues={":one": {"N": "1"}})
    assert _err(e)[1] == "The document path provided in the update expression is invalid for update"
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName="items", Key=KEY, UpdateExpression="SET a = :one, a.b = :one", ExpressionAttributeValues={":one": {"N": "1"}})
    assert _err(e)[1] == (
        "1 validation error detected: Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite "
        "one of these paths; path one: [a], path two: [a, b]"
    )
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName="items", Key=KEY, UpdateExpression="ADD s :one", ExpressionAttributeValues={":one": {"S": "1"}})
    assert _err(e)[1] == (
        "1 validation error detected: Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"
    )


def test_consumed_capacity(ddb):
    out = ddb.put_item(TableName="items", Item=KEY, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == {"TableName": "items", "CapacityUnits": 1.0}
    out = ddb.get_item(TableName="items", Key=KEY, ReturnConsumedCapacity="INDEXES")
    assert out["ConsumedCapacity"]["CapacityUnits"] == 0.5
    assert out["ConsumedCapacity"]["Table"] == {"CapacityUnits": 0.5}


def test_arithmetic_keeps_38_digits(ddb):
    ddb.put_item(TableName="items", Item={**KEY, "n": {"N": "1" * 37 + "0"}})
    out = ddb.update_item(TableName="items", Key=KEY, UpdateExpression="SET n = n + :one",
                          ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="UPDATED_NEW")
    assert out["Attributes"]["n"] == {"N": "1" * 38}
    out = ddb.update_item(TableName="items", Key=KEY, UpdateExpression="ADD n :d",
                          ExpressionAttributeValues={":d": {"N": "-1"}}, ReturnValues="UPDATED_NEW")
    assert out["Attributes"]["n"] == {"N": "1" * 37 + "0"}
    with pytest.raises(ClientError) as e:  # 39 significant digits
        ddb.update_item(TableName="items", Key=KEY, UpdateExpression="ADD n :d",
                        ExpressionAttributeValues={":d": {"N": "0.5"}})
    assert _err(e)[1] == "Attempting to store more than 38 significant digits in a Number"


def test_key_size_limits(ddb):
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="items", Item={"pk": {"S": "x" * 2049}, "sk": {"N": "1"}})
    assert _err(e)[1] == (
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"
    )
    ddb.put_item(TableName="items", Item={"pk": {"S": "x" * 2048}, "sk": {"N": "1"}})
