"""BatchGetItem/BatchWriteItem and TransactWriteItems/TransactGetItems."""

import pytest
from botocore.exceptions import ClientError


def _err(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


@pytest.fixture
def ddb(aws_client):
    client = aws_client("dynamodb")
    for name in ("tx1", "tx2"):
        client.create_table(
            TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        )
    return client


def K(v):
    return {"id": {"S": v}}


def test_batch_write_and_get(ddb):
    ddb.batch_write_item(RequestItems={
        "tx1": [{"PutRequest": {"Item": {**K(str(i)), "v": {"N": str(i)}}}} for i in range(10)],
        "tx2": [{"PutRequest": {"Item": K("x")}}],
    })
    ddb.batch_write_item(RequestItems={"tx1": [{"DeleteRequest": {"Key": K("9")}}]})
    out = ddb.batch_get_item(RequestItems={
        "tx1": {"Keys": [K(str(i)) for i in range(10)], "ProjectionExpression": "v"},
        "tx2": {"Keys": [K("x"), K("missing")]},
    })
    assert sorted(int(i["v"]["N"]) for i in out["Responses"]["tx1"]) == list(range(9))
    assert out["Responses"]["tx2"] == [K("x")]
    assert out["UnprocessedKeys"] == {}


def test_batch_limits(ddb):
    with pytest.raises(ClientError) as e:
        ddb.batch_get_item(RequestItems={"tx1": {"Keys": [K(str(i)) for i in range(101)]}})
    assert _err(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        ddb.batch_write_item(RequestItems={
            "tx1": [{"PutRequest": {"Item": K(str(i))}} for i in range(20)],
            "tx2": [{"PutRequest": {"Item": K(str(i))}} for i in range(6)],
        })
    assert _err(e) == ("ValidationException", "Too many items requested for the BatchWriteItem call")
    with pytest.raises(ClientError) as e:
        ddb.batch_write_item(RequestItems={"tx1": [{"PutRequest": {"Item": K("a")}}, {"DeleteRequest": {"Key": K("a")}}]})
    assert _err(e) == ("ValidationException", "Provided list of item keys contains duplicates")
    with pytest.raises(ClientError) as e:
        ddb.batch_get_item(RequestItems={"tx1": {"Keys": [K("a"), K("a")]}})
    assert _err(e) == ("ValidationException", "Provided list of item keys contains duplicates")
    with pytest.raises(ClientError) as e:
        ddb.batch_write_item(RequestItems={"nope": [{"PutRequest": {"Item": K("a")}}]})
    assert _err(e) == ("ResourceNotFoundException", "Requested resource not found")


def test_transaction_commits_everything(ddb):
    ddb.put_item(TableName="tx1", Item={**K("acct"), "bal": {"N": "100"}})
    ddb.put_item(TableName="tx2", Item=K("gone"))
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": "tx1", "Key": K("acct"), "UpdateExpression": "SET bal = bal - :a",
                    "ConditionExpression": "bal >= :a", "ExpressionAttributeValues": {":a": {"N": "30"}}}},
        {"Put": {"TableName": "tx2", "Item": {**K("log"), "amt": {"N": "30"}}}},
        {"Delete": {"TableName": "tx2", "Key": K("gone")}},
    ])
    assert ddb.get_item(TableName="tx1", Key=K("acct"))["Item"]["bal"] == {"N": "70"}
    assert "Item" in ddb.get_item(TableName="tx2", Key=K("log"))
    assert "Item" not in ddb.get_item(TableName="tx2", Key=K("gone"))


def test_transaction_cancels_with_reasons(ddb):
    ddb.put_item(TableName="tx1", Item={**K("acct"), "bal": {"N": "10"}})
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "tx2", "Item": K("log")}},
            {"ConditionCheck": {"TableName": "tx1", "Key": K("acct"), "ConditionExpression": "bal >= :a",
                                "ExpressionAttributeValues": {":a": {"N": "30"}},
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        ])
    code, message = _err(e)
    assert code == "TransactionCanceledException"
    assert message == "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"
    reasons = e.value.response["CancellationReasons"]
    assert reasons[0] == {"Code": "None"}
    assert reasons[1]["Code"] == "ConditionalCheckFailed"
    assert reasons[1]["Message"] == "The conditional request failed"
    assert reasons[1]["Item"] == {**K("acct"), "bal": {"N": "10"}}
    assert "Item" not in ddb.get_item(TableName="tx2", Key=K("log"))  # nothing was written


def test_transaction_same_item_twice(ddb):
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "tx1", "Item": K("a")}},
            {"Delete": {"TableName": "tx1", "Key": K("a")}},
        ])
    assert _err(e) == ("ValidationException", "Transaction request cannot include multiple operations on one item")


def test_idempotency_token(ddb, cloudtwin):
    items = [{"Update": {"TableName": "tx1", "Key": K("c"), "UpdateExpression": "ADD n :one",
                         "ExpressionAttributeValues": {":one": {"N": "1"}}}}]
    ddb.transact_write_items(TransactItems=items, ClientRequestToken="tok-1")
    ddb.transact_write_items(TransactItems=items, ClientRequestToken="tok-1")
    assert ddb.get_item(TableName="tx1", Key=K("c"))["Item"]["n"] == {"N": "1"}
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": "tx1", "Item": K("z")}}], ClientRequestToken="tok-1")
    assert _err(e)[0] == "IdempotentParameterMismatchException"
    cloudtwin.client.advance(601)
    ddb.transact_write_items(TransactItems=items, ClientRequestToken="tok-1")
    assert ddb.get_item(TableName="tx1", Key=K("c"))["Item"]["n"] == {"N": "2"}


def test_transact_get(ddb):
    ddb.put_item(TableName="tx1", Item={**K("a"), "v": {"S": "1"}, "w": {"S": "2"}})
    out = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": "tx1", "Key": K("a"), "ProjectionExpression": "v"}},
        {"Get": {"TableName": "tx2", "Key": K("none")}},
    ])["Responses"]
    assert out == [{"Item": {"v": {"S": "1"}}}, {}]
