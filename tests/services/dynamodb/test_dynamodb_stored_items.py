"""Items kept as their JSON text: every type reads back exactly, through whole-item reads
(answered from the stored text), filtered and projected reads (decoded), the internal
client (decoded), and a restart from rows of this format and of the earlier one."""

import base64

import pytest

from cloudtwin.services.dynamodb.models import DynamoStore, TableRecord
from cloudtwin.services.dynamodb.stored import decode, encode
from cloudtwin.state.persistence import SqlitePersistence
from cloudtwin.state.store import AccountRegionStores

ITEM = {
    "pk": {"S": "k\u00e9y"},
    "sk": {"B": b"\x00\xffbin"},
    "bs": {"BS": [b"\x01", b"\x02\x03"]},
    "n": {"N": "-12.5"},
    "ns": {"NS": ["1", "2.5"]},
    "ss": {"SS": ["a", "\u2603"]},
    "m": {"M": {"B": {"S": "a key named B"}, "deep": {"B": b"\xfe"}, "l": {"L": [{"B": b"\x07"}, {"NULL": True}]}}},
    "flag": {"BOOL": False},
    "quote": {"S": 'has {"B": inside'},
}


def _table(ddb, name):
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "B"}],
        BillingMode="PAY_PER_REQUEST",
    )


def test_encode_decode_round_trip():
    stored = encode(ITEM)
    assert decode(stored.raw) == ITEM
    assert decode(stored.raw) is not decode(stored.raw)  # a fresh dict each time


def test_every_type_reads_back_through_each_read(aws_client):
    ddb = aws_client("dynamodb")
    _table(ddb, "stored-types")
    ddb.put_item(TableName="stored-types", Item=ITEM)
    key = {"pk": ITEM["pk"], "sk": ITEM["sk"]}

    def same(item):
        assert item == ITEM
        assert list(item) == list(ITEM)  # attribute order as written

    same(ddb.get_item(TableName="stored-types", Key=key)["Item"])
    same(ddb.query(TableName="stored-types", KeyConditionExpression="pk = :p",
                   ExpressionAttributeValues={":p": ITEM["pk"]})["Items"][0])
    same(ddb.scan(TableName="stored-types")["Items"][0])
    same(ddb.scan(TableName="stored-types", FilterExpression="flag = :f",
                  ExpressionAttributeValues={":f": {"BOOL": False}})["Items"][0])
    same(ddb.batch_get_item(RequestItems={"stored-types": {"Keys": [key]}})["Responses"]["stored-types"][0])
    same(ddb.transact_get_items(TransactItems=[{"Get": {"TableName": "stored-types", "Key": key}}])["Responses"][0]["Item"])
    projected = ddb.get_item(TableName="stored-types", Key=key, ProjectionExpression="m.deep, bs")["Item"]
    assert projected == {"m": {"M": {"deep": {"B": b"\xfe"}}}, "bs": ITEM["bs"]}
    old = ddb.put_item(TableName="stored-types", Item={**ITEM, "flag": {"BOOL": True}}, ReturnValues="ALL_OLD")
    same(old["Attributes"])


def test_the_internal_client_gets_decoded_items(aws_client, server):
    ddb = aws_client("dynamodb")
    _table(ddb, "stored-internal")
    ddb.put_item(TableName="stored-internal", Item=ITEM)
    internal = server.app.services.env.internal
    got = internal.call("dynamodb", "Query", {
        "TableName": "stored-internal", "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": ITEM["pk"]},
    }, account_id="000000000000", region="us-east-1")
    assert got["Items"] == [ITEM]
    got = internal.call("dynamodb", "GetItem", {"TableName": "stored-internal", "Key": {"pk": ITEM["pk"], "sk": ITEM["sk"]}},
                        account_id="000000000000", region="us-east-1")
    assert got["Item"] == ITEM


def test_text_given_for_a_binary_value_is_stored_as_its_bytes(server):
    internal = server.app.services.env.internal
    kwargs = {"account_id": "000000000000", "region": "us-east-1"}
    internal.call("dynamodb", "CreateTable", {
        "TableName": "stored-text-binary", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST",
    }, **kwargs)
    internal.call("dynamodb", "PutItem", {"TableName": "stored-text-binary", "Item": {"pk": {"S": "a"}, "b": {"B": "hi"}}}, **kwargs)
    got = internal.call("dynamodb", "GetItem", {"TableName": "stored-text-binary", "Key": {"pk": {"S": "a"}}}, **kwargs)
    assert got["Item"]["b"] == {"B": b"hi"}


def _record():
    return TableRecord(
        name="rows", table_id="id", arn="arn:aws:dynamodb:us-east-1:000000000000:table/rows",
        key_schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        attribute_definitions=[{"AttributeName": "pk", "AttributeType": "S"}], created=0.0,
    )


@pytest.mark.parametrize("earlier_format", [False, True])
def test_rows_load_after_a_restart(tmp_path, earlier_format):
    backend = SqlitePersistence(tmp_path)
    store = AccountRegionStores(DynamoStore, service="dynamodb", backend=backend).get("000000000000", "us-east-1")
    record = _record()
    store.tables[record.name] = record
    item = {**ITEM, "pk": {"S": "one"}}
    if earlier_format:  # earlier versions wrote the item itself as the row
        backend.put("dynamodb/000000000000/us-east-1/items/rows", ["s:one", ""], item)
    else:
        store.data(record).put(item)
        (_, row), = backend.load("dynamodb/000000000000/us-east-1/items/rows")
        assert isinstance(row, str) and base64.b64encode(b"\x00\xffbin").decode() in row
    backend.commit()
    backend.close()

    again = SqlitePersistence(tmp_path)
    store = AccountRegionStores(DynamoStore, service="dynamodb", backend=again).get("000000000000", "us-east-1")
    data = store.data(store.tables["rows"])
    assert data.get({"pk": {"S": "one"}}) == item
    assert data.size_bytes > 0
    data.delete({"pk": {"S": "one"}})
    again.commit()
    assert list(again.load("dynamodb/000000000000/us-east-1/items/rows")) == []
    again.close()


def test_dropping_a_table_leaves_a_table_whose_name_it_prefixes(tmp_path):
    backend = SqlitePersistence(tmp_path)
    store = AccountRegionStores(DynamoStore, service="dynamodb", backend=backend).get("000000000000", "us-east-1")
    for name in ("rows", "rows2"):
        record = _record()
        record.name = name
        store.tables[name] = record
        store.data(record).put({"pk": {"S": "x"}})
    store.drop("rows")
    backend.commit()
    assert len(list(backend.load("dynamodb/000000000000/us-east-1/items/rows2"))) == 1
    backend.close()
