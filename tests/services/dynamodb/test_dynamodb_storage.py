"""Storage: one row per item survives a restart, key indexes are rebuilt; introspection."""

import json
import urllib.request

from cloudtwin.services.dynamodb.models import DynamoStore, IndexRecord, TableRecord
from cloudtwin.state.persistence import SqlitePersistence
from cloudtwin.state.store import AccountRegionStores


def _record():
    return TableRecord(
        name="persist", table_id="id", arn="arn:aws:dynamodb:us-east-1:000000000000:table/persist",
        key_schema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        attribute_definitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                               {"AttributeName": "g", "AttributeType": "S"}],
        created=0.0,
        gsis=[IndexRecord("byg", [{"AttributeName": "g", "KeyType": "HASH"}], {"ProjectionType": "ALL"}, True)],
    )


def test_items_persist_as_rows_and_indexes_rebuild(tmp_path):
    backend = SqlitePersistence(tmp_path)
    store = AccountRegionStores(DynamoStore, service="dynamodb", backend=backend).get("000000000000", "us-east-1")
    record = _record()
    store.tables[record.name] = record
    data = store.data(record)
    for i in range(50):
        data.put({"pk": {"S": f"p{i % 5}"}, "sk": {"N": str(i)}, "g": {"S": "even" if i % 2 == 0 else "odd"}})
    data.delete({"pk": {"S": "p0"}, "sk": {"N": "0"}})
    backend.commit()
    assert len(list(backend.load("dynamodb/000000000000/us-east-1/items/persist"))) == 49
    backend.close()

    again = SqlitePersistence(tmp_path)
    store = AccountRegionStores(DynamoStore, service="dynamodb", backend=again).get("000000000000", "us-east-1")
    data = store.data(store.tables["persist"])
    assert len(data) == 49
    assert data.get({"pk": {"S": "p1"}, "sk": {"N": "1"}})["g"] == {"S": "odd"}
    partition = data.primary.partition("p3")
    assert [int(k) for k in partition.keys] == sorted(int(k) for k in partition.keys)
    assert data.indexes["byg"].partition("even").items.__len__() == 24
    again.close()


def test_query_reads_only_its_partition():
    from cloudtwin.services.dynamodb.models import TableData
    from cloudtwin.state.table import Journal

    data = TableData(_record(), Journal())
    for i in range(10_000):
        data.put({"pk": {"S": f"p{i % 100}"}, "sk": {"N": str(i)}})
    partition = data.primary.partition("p7")
    assert len(partition.items) == 100
    assert len(data.primary.partitions) == 100


def test_introspection_lists_tables(aws_client, endpoint):
    ddb = aws_client("dynamodb")
    ddb.create_table(
        TableName="seen", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="seen", Item={"id": {"S": "1"}})
    with urllib.request.urlopen(f"{endpoint}/_cloudtwin/dynamodb/tables") as response:
        body = json.loads(response.read())
    assert {"account": "000000000000", "region": "us-east-1", "table": "seen", "items": 1, "ttl": None, "stream": None} in body["tables"]
