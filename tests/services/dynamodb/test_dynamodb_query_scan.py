"""Query and Scan: key conditions, indexes, ordering, pages (Limit and 1 MB), Select, segments."""

import pytest
from botocore.exceptions import ClientError


def _err(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


@pytest.fixture
def ddb(aws_client):
    client = aws_client("dynamodb")
    client.create_table(
        TableName="qst",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "gs", "AttributeType": "N"},
            {"AttributeName": "l", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[
            {"IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "gs", "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": "KEYS_ONLY"}},
            {"IndexName": "gsi_all", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "ALL"}},
        ],
        LocalSecondaryIndexes=[
            {"IndexName": "lsi", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["extra"]}},
        ],
    )
    with_batch = []
    for i in range(20):
        item = {"pk": {"S": "p1"}, "sk": {"S": f"s{i:02d}"}, "n": {"N": str(i)}, "extra": {"S": "e"}, "l": {"N": str(100 - i)}}
        if i % 2 == 0:  # sparse: only even items are in the GSIs
            item["g"] = {"S": "even"}
            item["gs"] = {"N": str(i)}
        with_batch.append({"PutRequest": {"Item": item}})
    client.batch_write_item(RequestItems={"qst": with_batch[:10]})
    client.batch_write_item(RequestItems={"qst": with_batch[10:]})
    client.put_item(TableName="qst", Item={"pk": {"S": "p2"}, "sk": {"S": "s00"}})
    return client


def q(ddb, expr, values, **kw):
    return ddb.query(TableName="qst", KeyConditionExpression=expr, ExpressionAttributeValues=values, **kw)


S = lambda v: {"S": v}  # noqa: E731
N = lambda v: {"N": str(v)}  # noqa: E731


@pytest.mark.parametrize(
    "expr,values,expected",
    [
        ("pk = :p", {":p": S("p1")}, [f"s{i:02d}" for i in range(20)]),
        ("pk = :p AND sk = :s", {":p": S("p1"), ":s": S("s05")}, ["s05"]),
        ("pk = :p AND sk < :s", {":p": S("p1"), ":s": S("s02")}, ["s00", "s01"]),
        ("pk = :p AND sk <= :s", {":p": S("p1"), ":s": S("s01")}, ["s00", "s01"]),
        ("pk = :p AND sk > :s", {":p": S("p1"), ":s": S("s17")}, ["s18", "s19"]),
        ("pk = :p AND sk >= :s", {":p": S("p1"), ":s": S("s18")}, ["s18", "s19"]),
        ("pk = :p AND sk BETWEEN :a AND :b", {":p": S("p1"), ":a": S("s03"), ":b": S("s05")}, ["s03", "s04", "s05"]),
        ("pk = :p AND begins_with(sk, :b)", {":p": S("p1"), ":b": S("s1")}, [f"s1{i}" for i in range(10)]),
        ("pk = :p", {":p": S("nope")}, []),
    ],
)
def test_key_conditions(ddb, expr, values, expected):
    assert [i["sk"]["S"] for i in q(ddb, expr, values)["Items"]] == expected


def test_descending_and_filter(ddb):
    out = q(ddb, "pk = :p", {":p": S("p1"), ":n": N(15)}, ScanIndexForward=False, FilterExpression="n > :n")
    assert [i["sk"]["S"] for i in out["Items"]] == ["s19", "s18", "s17", "s16"]
    assert out["Count"] == 4 and out["ScannedCount"] == 20


def test_limit_pages_with_last_evaluated_key(ddb):
    seen = []
    start = None
    pages = 0
    while True:
        kw = {"Limit": 7}
        if start:
            kw["ExclusiveStartKey"] = start
        out = q(ddb, "pk = :p", {":p": S("p1")}, **kw)
        seen += [i["sk"]["S"] for i in out["Items"]]
        pages += 1
        start = out.get("LastEvaluatedKey")
        if not start:
            break
    assert seen == [f"s{i:02d}" for i in range(20)]
    assert pages == 3


def test_paginator_over_one_megabyte(ddb):
    big = "x" * 100_000
    for i in range(25):
        ddb.put_item(TableName="qst", Item={"pk": {"S": "big"}, "sk": {"S": f"{i:03d}"}, "d": {"S": big}})
    first = q(ddb, "pk = :p", {":p": S("big")})
    assert first["Count"] == 11  # stops once 1 MB has been read
    assert first["LastEvaluatedKey"] == {"pk": {"S": "big"}, "sk": {"S": "010"}}
    pages = list(ddb.get_paginator("query").paginate(
        TableName="qst", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("big")}))
    assert sum(p["Count"] for p in pages) == 25
    assert len(pages) == 3
    scanned = list(ddb.get_paginator("scan").paginate(TableName="qst"))
    assert sum(p["Count"] for p in scanned) == 46
    assert len(scanned) >= 3


def test_gsi_query_is_sparse_and_projected(ddb):
    out = q(ddb, "g = :g AND gs > :n", {":g": S("even"), ":n": N(10)}, IndexName="gsi")
    assert [i["gs"]["N"] for i in out["Items"]] == ["12", "14", "16", "18"]
    assert set(out["Items"][0]) == {"pk", "sk", "g", "gs"}
    assert q(ddb, "g = :g", {":g": S("even")}, IndexName="gsi_all", Select="COUNT")["Count"] == 10
    page = q(ddb, "g = :g", {":g": S("even")}, IndexName="gsi", Limit=3)
    assert set(page["LastEvaluatedKey"]) == {"pk", "sk", "g", "gs"}
    rest = q(ddb, "g = :g", {":g": S("even")}, IndexName="gsi", ExclusiveStartKey=page["LastEvaluatedKey"])
    assert [i["gs"]["N"] for i in rest["Items"]] == ["6", "8", "10", "12", "14", "16", "18"]
    with pytest.raises(ClientError) as e:
        q(ddb, "g = :g", {":g": S("even")}, IndexName="gsi", ConsistentRead=True)
    assert _err(e) == ("ValidationException", "Consistent reads are not supported on global secondary indexes")
    with pytest.raises(ClientError) as e:
        q(ddb, "g = :g", {":g": S("even")}, IndexName="gsi", Select="ALL_ATTRIBUTES")
    assert _err(e)[1] == (
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global "
        "secondary index gsi because its projection type is not ALL"
    )


def test_lsi_query(ddb):
    out = q(ddb, "pk = :p AND l < :l", {":p": S("p1"), ":l": N(83)}, IndexName="lsi")
    assert [i["l"]["N"] for i in out["Items"]] == ["81", "82"]
    assert set(out["Items"][0]) == {"pk", "sk", "l", "extra"}
    full = q(ddb, "pk = :p AND l < :l", {":p": S("p1"), ":l": N(82)}, IndexName="lsi", Select="ALL_ATTRIBUTES")
    assert set(full["Items"][0]) == {"pk", "sk", "l", "extra", "n"}


def test_select_and_projection(ddb):
    out = q(ddb, "pk = :p", {":p": S("p1")}, Select="COUNT")
    assert out["Count"] == 20 and "Items" not in out
    out = q(ddb, "pk = :p", {":p": S("p1")}, ProjectionExpression="n")
    assert out["Items"][0] == {"n": {"N": "0"}}
    with pytest.raises(ClientError) as e:
        q(ddb, "pk = :p", {":p": S("p1")}, Select="ALL_PROJECTED_ATTRIBUTES")
    assert _err(e)[1] == "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"


@pytest.mark.parametrize(
    "expr,values,message",
    [
        ("sk = :s", {":s": S("a")}, "Query condition missed key schema element: pk"),
        ("pk = :p OR sk = :s", {":p": S("a"), ":s": S("a")}, "Invalid operator used in KeyConditionExpression: OR"),
        ("pk < :p", {":p": S("a")}, "Query key condition not supported"),
        ("pk = :p AND sk = :s AND sk = :s", {":p": S("a"), ":s": S("a")}, "KeyConditionExpressions must only contain one condition per key"),
        ("pk = :p", {":p": N(1)}, "One or more parameter values were invalid: Condition parameter type does not match schema type"),
    ],
)
def test_key_condition_errors(ddb, expr, values, message):
    with pytest.raises(ClientError) as e:
        q(ddb, expr, values)
    assert _err(e) == ("ValidationException", message)


def test_query_errors(ddb):
    with pytest.raises(ClientError) as e:
        ddb.query(TableName="qst")
    assert _err(e)[1] == "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
    with pytest.raises(ClientError) as e:
        q(ddb, "pk = :p", {":p": S("p1")}, IndexName="nope")
    assert _err(e)[1] == "The table does not have the specified index: nope"


def test_parallel_scan_covers_everything_once(ddb):
    keys = []
    for segment in range(4):
        out = ddb.scan(TableName="qst", Segment=segment, TotalSegments=4)
        keys += [(i["pk"]["S"], i["sk"]["S"]) for i in out["Items"]]
    assert len(keys) == 21 and len(set(keys)) == 21
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName="qst", Segment=4, TotalSegments=4)
    assert _err(e)[1] == (
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 4 is not less than TotalSegments: 4"
    )


def test_scan_limit_and_resume(ddb):
    seen = []
    start = None
    while True:
        kw = {"Limit": 5, "FilterExpression": "attribute_exists(n)"}
        if start:
            kw["ExclusiveStartKey"] = start
        out = ddb.scan(TableName="qst", **kw)
        seen += [(i["pk"]["S"], i["sk"]["S"]) for i in out["Items"]]
        start = out.get("LastEvaluatedKey")
        if not start:
            break
    assert len(seen) == 20 and len(set(seen)) == 20


def test_scan_index(ddb):
    out = ddb.scan(TableName="qst", IndexName="gsi")
    assert out["Count"] == 10


def test_resource_api_conditions(ddb):
    import boto3
    from boto3.dynamodb.conditions import Attr, Key

    table = boto3.resource(
        "dynamodb", endpoint_url=ddb.meta.endpoint_url, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    ).Table("qst")
    out = table.query(
        KeyConditionExpression=Key("pk").eq("p1") & Key("sk").between("s05", "s12"),
        FilterExpression=Attr("n").gte(7) & ~Attr("n").is_in([9, 10]),
        ProjectionExpression="sk",
        ScanIndexForward=False,
    )
    assert [i["sk"] for i in out["Items"]] == ["s12", "s11", "s08", "s07"]
    out = table.scan(FilterExpression=Attr("g").exists() & Attr("gs").lt(4))
    assert sorted(int(i["gs"]) for i in out["Items"]) == [0, 2]
    out = table.query(IndexName="gsi", KeyConditionExpression=Key("g").eq("even") & Key("gs").gt(15))
    assert [int(i["gs"]) for i in out["Items"]] == [16, 18]
