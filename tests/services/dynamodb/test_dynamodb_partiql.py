"""PartiQL: ExecuteStatement, BatchExecuteStatement, ExecuteTransaction."""

import pytest
from botocore.exceptions import ClientError


def _err(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


@pytest.fixture
def ddb(aws_client):
    client = aws_client("dynamodb")
    client.create_table(
        TableName="pqt",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
    )
    return client


def test_insert_select_update_delete(ddb):
    ddb.execute_statement(Statement="INSERT INTO pqt VALUE {'pk': 'a', 'sk': 1, 'g': 'x', 'tags': <<'t1', 't2'>>, 'm': {'k': [1, true, null]}}")
    ddb.execute_statement(Statement='INSERT INTO "pqt" VALUE {\'pk\': ?, \'sk\': ?, \'n\': 5}',
                          Parameters=[{"S": "a"}, {"N": "2"}])
    with pytest.raises(ClientError) as e:
        ddb.execute_statement(Statement="INSERT INTO pqt VALUE {'pk': 'a', 'sk': 1}")
    assert _err(e) == ("DuplicateItemException", "Duplicate primary key exists in table")
    items = ddb.execute_statement(Statement="SELECT * FROM pqt WHERE pk = 'a' AND sk >= 1")["Items"]
    assert len(items) == 2
    assert items[0]["tags"] == {"SS": ["t1", "t2"]} and items[0]["m"]["M"]["k"]["L"][1] == {"BOOL": True}
    items = ddb.execute_statement(Statement="SELECT n FROM pqt WHERE n > ?", Parameters=[{"N": "1"}])["Items"]
    assert items == [{"n": {"N": "5"}}]
    items = ddb.execute_statement(Statement='SELECT pk FROM "pqt"."byg" WHERE g = \'x\'')["Items"]
    assert items == [{"pk": {"S": "a"}}]
    out = ddb.execute_statement(Statement="UPDATE pqt SET n = n + 1 SET z = 'new' REMOVE g WHERE pk = 'a' AND sk = 2 RETURNING ALL NEW *")
    assert out["Items"][0]["n"] == {"N": "6"} and out["Items"][0]["z"] == {"S": "new"}
    with pytest.raises(ClientError) as e:
        ddb.execute_statement(Statement="UPDATE pqt SET n = 1 WHERE pk = 'zz' AND sk = 2")
    assert _err(e) == ("ConditionalCheckFailedException", "The conditional request failed")
    ddb.execute_statement(Statement="DELETE FROM pqt WHERE pk = 'a' AND sk = 1")
    assert len(ddb.execute_statement(Statement="SELECT * FROM pqt")["Items"]) == 1
    with pytest.raises(ClientError) as e:
        ddb.execute_statement(Statement="DELETE FROM pqt WHERE pk = 'a'")
    assert _err(e) == ("ValidationException", "Where clause does not contain a mandatory equality on all key attributes")
    with pytest.raises(ClientError) as e:
        ddb.execute_statement(Statement="SELEKT * FROM pqt")
    assert _err(e)[0] == "ValidationException"
    assert _err(e)[1].startswith("Statement wasn't well formed, can't be processed:")


def test_select_pages_with_next_token(ddb):
    for i in range(5):
        ddb.put_item(TableName="pqt", Item={"pk": {"S": "p"}, "sk": {"N": str(i)}})
    first = ddb.execute_statement(Statement="SELECT * FROM pqt WHERE pk = 'p'", Limit=2)
    assert len(first["Items"]) == 2 and "NextToken" in first
    rest = ddb.execute_statement(Statement="SELECT * FROM pqt WHERE pk = 'p'", NextToken=first["NextToken"])
    assert [i["sk"]["N"] for i in rest["Items"]] == ["2", "3", "4"]


def test_batch_execute_statement(ddb):
    out = ddb.batch_execute_statement(Statements=[
        {"Statement": "INSERT INTO pqt VALUE {'pk': 'b', 'sk': 1}"},
        {"Statement": "INSERT INTO pqt VALUE {'pk': 'b', 'sk': 1}"},
    ])["Responses"]
    assert "Error" not in out[0]
    assert out[1]["Error"]["Code"] == "DuplicateItem"
    out = ddb.batch_execute_statement(Statements=[
        {"Statement": "SELECT * FROM pqt WHERE pk = 'b' AND sk = 1"},
        {"Statement": "SELECT * FROM pqt WHERE pk = 'b' AND sk = 9"},
    ])["Responses"]
    assert out[0]["Item"]["pk"] == {"S": "b"} and "Item" not in out[1]


def test_execute_transaction(ddb):
    ddb.execute_transaction(TransactStatements=[
        {"Statement": "INSERT INTO pqt VALUE {'pk': 't', 'sk': 1, 'v': 1}"},
        {"Statement": "INSERT INTO pqt VALUE {'pk': 't', 'sk': 2, 'v': 1}"},
    ])
    with pytest.raises(ClientError) as e:
        ddb.execute_transaction(TransactStatements=[
            {"Statement": "UPDATE pqt SET v = 2 WHERE pk = 't' AND sk = 1"},
            {"Statement": "UPDATE pqt SET v = 2 WHERE pk = 't' AND sk = 2 AND v = 9"},
        ])
    assert _err(e)[0] == "TransactionCanceledException"
    assert [r["Code"] for r in e.value.response["CancellationReasons"]] == ["None", "ConditionalCheckFailed"]
    items = ddb.execute_transaction(TransactStatements=[
        {"Statement": "SELECT v FROM pqt WHERE pk = 't' AND sk = 1"},
    ])["Responses"]
    assert items == [{"Item": {"v": {"N": "1"}}}]
