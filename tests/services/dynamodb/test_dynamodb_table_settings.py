"""Table settings AWS describes and answers: warm throughput, ARNs as table names, SSE keys
from KMS, Contributor Insights, resource policies; and how AWS words refusals."""

import json

import pytest
from botocore.exceptions import ClientError

KEY = [{"AttributeName": "id", "KeyType": "HASH"}]
ATTRS = [{"AttributeName": "id", "AttributeType": "S"}]


@pytest.fixture
def ddb(aws_client):
    return aws_client("dynamodb")


def _err(call, **kwargs):
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def _table(ddb, name, **extra):
    extra.setdefault("BillingMode", "PAY_PER_REQUEST")
    return ddb.create_table(
        TableName=name, KeySchema=KEY, AttributeDefinitions=ATTRS, **extra
    )["TableDescription"]


def test_warm_throughput_of_tables_and_indexes(ddb):
    created = ddb.create_table(
        TableName="warm", KeySchema=KEY,
        AttributeDefinitions=ATTRS + [{"AttributeName": "g", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 7, "WriteCapacityUnits": 3},
        GlobalSecondaryIndexes=[{
            "IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
            "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 1}}],
    )["TableDescription"]
    assert "WarmThroughput" not in created  # none asked for: not shown while creating
    table = ddb.describe_table(TableName="warm")["Table"]
    assert table["WarmThroughput"] == {
        "ReadUnitsPerSecond": 7, "WriteUnitsPerSecond": 3, "Status": "ACTIVE"}
    assert table["GlobalSecondaryIndexes"][0]["WarmThroughput"] == {
        "ReadUnitsPerSecond": 2, "WriteUnitsPerSecond": 1, "Status": "ACTIVE"}
    on_demand = _table(ddb, "warm-od")
    assert "LastUpdateToPayPerRequestDateTime" not in on_demand["BillingModeSummary"]
    assert ddb.describe_table(TableName="warm-od")["Table"]["WarmThroughput"] == {
        "ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000, "Status": "ACTIVE"}
    asked = _table(ddb, "warm-asked",
                   WarmThroughput={"ReadUnitsPerSecond": 15000, "WriteUnitsPerSecond": 5000})
    assert asked["WarmThroughput"] == {
        "ReadUnitsPerSecond": 15000, "WriteUnitsPerSecond": 5000, "Status": "UPDATING"}
    deleted = ddb.delete_table(TableName="warm-asked")["TableDescription"]
    assert "WarmThroughput" not in deleted and "KeySchema" not in deleted
    assert deleted["TableStatus"] == "DELETING"


def test_table_arn_is_a_table_name_everywhere(ddb):
    arn = _table(ddb, "by-arn")["TableArn"]
    ddb.put_item(TableName=arn, Item={"id": {"S": "a"}})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": arn, "Item": {"id": {"S": "b"}}}},
        {"ConditionCheck": {"TableName": arn, "Key": {"id": {"S": "a"}},
                            "ConditionExpression": "attribute_exists(id)"}},
    ])
    got = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": arn, "Key": {"id": {"S": "b"}}}}])
    assert got["Responses"][0]["Item"] == {"id": {"S": "b"}}
    ddb.batch_write_item(RequestItems={arn: [{"PutRequest": {"Item": {"id": {"S": "c"}}}}]})
    batch = ddb.batch_get_item(RequestItems={arn: {"Keys": [{"id": {"S": "c"}}]}})
    assert list(batch["Responses"].values())[0] == [{"id": {"S": "c"}}]
    assert ddb.describe_table(TableName=arn)["Table"]["TableName"] == "by-arn"
    backup = ddb.create_backup(TableName=arn, BackupName="bak1")["BackupDetails"]
    assert ddb.list_backups(TableName=arn)["BackupSummaries"][0]["BackupArn"] == backup["BackupArn"]


def test_sse_key_is_one_kms_describes(ddb, aws_client):
    kms = aws_client("kms")
    managed = _table(ddb, "sse-default", SSESpecification={"Enabled": True})["SSEDescription"]
    assert managed["Status"] == "ENABLED" and managed["SSEType"] == "KMS"
    described = kms.describe_key(KeyId=managed["KMSMasterKeyArn"])["KeyMetadata"]
    assert described["KeyManager"] == "AWS"
    assert kms.describe_key(KeyId="alias/aws/dynamodb")["KeyMetadata"]["Arn"] == managed["KMSMasterKeyArn"]
    mine = kms.create_key()["KeyMetadata"]
    own = _table(ddb, "sse-own", SSESpecification={
        "Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": mine["KeyId"]})["SSEDescription"]
    assert own["KMSMasterKeyArn"] == mine["Arn"]
    code, _ = _err(_table, ddb=ddb, name="sse-missing", SSESpecification={
        "Enabled": True, "KMSMasterKeyId": "alias/does-not-exist"})
    assert code == "ValidationException"


def test_contributor_insights_settings(ddb):
    _table(ddb, "cit")
    assert ddb.describe_contributor_insights(TableName="cit")["ContributorInsightsStatus"] == "DISABLED"
    assert ddb.list_contributor_insights()["ContributorInsightsSummaries"] == []
    updated = ddb.update_contributor_insights(TableName="cit", ContributorInsightsAction="ENABLE")
    assert updated["ContributorInsightsStatus"] == "ENABLING"
    described = ddb.describe_contributor_insights(TableName="cit")
    assert described["ContributorInsightsStatus"] == "ENABLED"
    assert described["ContributorInsightsMode"] == "ACCESSED_AND_THROTTLED_KEYS"
    assert [r.split("-")[1] for r in described["ContributorInsightsRuleList"]] == ["PKC", "PKT"]
    assert ddb.list_contributor_insights(TableName="cit")["ContributorInsightsSummaries"] == [{
        "TableName": "cit", "ContributorInsightsStatus": "ENABLED",
        "ContributorInsightsMode": "ACCESSED_AND_THROTTLED_KEYS"}]
    disabled = ddb.update_contributor_insights(TableName="cit", ContributorInsightsAction="DISABLE")
    assert disabled["ContributorInsightsStatus"] == "DISABLING"
    assert ddb.describe_contributor_insights(TableName="cit")["ContributorInsightsStatus"] == "DISABLED"
    code, message = _err(ddb.describe_contributor_insights, TableName="nope")
    assert code == "ResourceNotFoundException" and "nope" in message


def test_resource_policies_with_revisions(ddb):
    arn = _table(ddb, "rpt", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})["TableArn"]
    stream_arn = ddb.describe_table(TableName="rpt")["Table"]["LatestStreamArn"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "dynamodb:GetItem", "Resource": arn}]})
    code, message = _err(ddb.get_resource_policy, ResourceArn=arn)
    assert (code, message) == (
        "PolicyNotFoundException",
        f"Resource-based policy not found for the provided ResourceArn: {arn}")
    first = ddb.put_resource_policy(ResourceArn=arn, Policy=policy)["RevisionId"]
    got = ddb.get_resource_policy(ResourceArn=arn)
    assert json.loads(got["Policy"]) == json.loads(policy) and got["RevisionId"] == first
    second = ddb.put_resource_policy(ResourceArn=arn, Policy=policy, ExpectedRevisionId=first)["RevisionId"]
    assert second != first
    assert _err(ddb.put_resource_policy, ResourceArn=arn, Policy=policy,
                ExpectedRevisionId=first)[0] == "PolicyNotFoundException"
    ddb.put_resource_policy(ResourceArn=stream_arn, Policy=policy)
    assert ddb.delete_resource_policy(ResourceArn=arn)["RevisionId"] == second
    assert ddb.get_resource_policy(ResourceArn=stream_arn)["Policy"] == policy
    assert _err(ddb.put_resource_policy, ResourceArn=arn, Policy="{not json")[0] == "ValidationException"


def test_request_validation_is_worded_as_one_validation_error(ddb):
    _table(ddb, "words")
    code, message = _err(ddb.update_item, TableName="words", Key={"id": {"S": "a"}},
                         UpdateExpression="SET a = :missing")
    assert message == (
        "1 validation error detected: Invalid UpdateExpression: An expression attribute value "
        "used in expression is not defined; attribute value: :missing")
    _, message = _err(ddb.put_item, TableName="words", Item={"id": {"S": "a"}, "s": {"SS": []}})
    assert message == ("1 validation error detected: One or more parameter values were invalid: "
                       "An string set  may not be empty")
    # data errors stay bare
    _, message = _err(ddb.put_item, TableName="words", Item={"id": {"N": "1"}})
    assert message == ("One or more parameter values were invalid: Type mismatch for key id "
                       "expected: S actual: N")


def test_batch_write_words_a_bad_table_key_as_a_schema_mismatch(ddb):
    _table(ddb, "bwt")
    for item in ({"id": {"N": "1"}}, {"other": {"S": "x"}}, {"id": {"L": []}}):
        assert _err(ddb.batch_write_item, RequestItems={"bwt": [{"PutRequest": {"Item": item}}]}) == (
            "ValidationException", "The provided key element does not match the schema")
    assert ddb.scan(TableName="bwt")["Count"] == 0


def test_global_table_replicas_share_writes(aws_client):
    east = aws_client("dynamodb", region="us-east-1")
    west = aws_client("dynamodb", region="eu-west-1")
    _table(east, "glob")
    east.put_item(TableName="glob", Item={"id": {"S": "old"}})
    updated = east.update_table(TableName="glob", ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}])
    table = updated["TableDescription"]
    assert [(r["RegionName"], r["ReplicaStatus"]) for r in table["Replicas"]] == [("eu-west-1", "CREATING")]
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    described = west.describe_table(TableName="glob")["Table"]
    assert described["GlobalTableVersion"] == "2019.11.21"
    assert [r["RegionName"] for r in described["Replicas"]] == ["us-east-1"]
    assert ":eu-west-1:" in described["TableArn"]
    west.put_item(TableName="glob", Item={"id": {"S": "new"}})
    east.delete_item(TableName="glob", Key={"id": {"S": "old"}})
    assert [i["id"]["S"] for i in east.scan(TableName="glob")["Items"]] == ["new"]
    assert [i["id"]["S"] for i in west.scan(TableName="glob")["Items"]] == ["new"]
    east.update_table(TableName="glob", ReplicaUpdates=[{"Delete": {"RegionName": "eu-west-1"}}])
    assert "Replicas" not in east.describe_table(TableName="glob")["Table"]
    assert _err(west.describe_table, TableName="glob")[0] == "ResourceNotFoundException"
    _table(east, "glob-prov", BillingMode="PROVISIONED",
           ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    assert _err(east.update_table, TableName="glob-prov",
                ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}]) == (
        "ValidationException", "Table write capacity should either be Pay-Per-Request or AutoScaled.")


def test_placeholders_without_expressions_name_the_missing_ones(ddb):
    _table(ddb, "placeholders")
    _, message = _err(ddb.update_item, TableName="placeholders", Key={"id": {"S": "a"}},
                      AttributeUpdates={"v": {"Value": {"S": "x"}}},
                      ExpressionAttributeValues={":v": {"S": "x"}})
    assert message == ("1 validation error detected: ExpressionAttributeValues can only be "
                       "specified when using expressions: UpdateExpression and ConditionExpression are null")
    _, message = _err(ddb.put_item, TableName="placeholders", Item={"id": {"S": "a"}},
                      ReturnValues="ALL_NEW")
    assert message == "1 validation error detected: ReturnValues can only be ALL_OLD or NONE"


def test_index_keyed_by_several_attributes(ddb):
    attr = lambda name, kind: {"AttributeName": name, "AttributeType": kind}  # noqa: E731
    key = lambda name, kind: {"AttributeName": name, "KeyType": kind}  # noqa: E731
    ddb.create_table(
        TableName="orders", KeySchema=KEY, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=ATTRS + [attr("shop", "S"), attr("lane", "S"), attr("year", "N"),
                                      attr("seq", "N")],
        GlobalSecondaryIndexes=[{
            "IndexName": "by-shop", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [key("shop", "HASH"), key("lane", "HASH"), key("year", "RANGE"),
                          key("seq", "RANGE")]}],
    )
    n = 0
    for shop in ("s1", "s2"):
        for year in (2024, 2025):
            for seq in (3, 1, 2):
                n += 1
                ddb.put_item(TableName="orders", Item={
                    "id": {"S": f"o{n}"}, "shop": {"S": shop}, "lane": {"S": "a"},
                    "year": {"N": str(year)}, "seq": {"N": str(seq)}})
    ddb.put_item(TableName="orders", Item={"id": {"S": "partial"}, "shop": {"S": "s1"}})
    names = {"#l": "lane", "#y": "year", "#s": "seq"}

    def query(expr, values, **kw):
        used = {k: v for k, v in names.items() if k in expr}
        if used:
            kw["ExpressionAttributeNames"] = used
        out = ddb.query(TableName="orders", IndexName="by-shop", KeyConditionExpression=expr,
                        ExpressionAttributeValues=values, **kw)
        return out, [(i["year"]["N"], i["seq"]["N"]) for i in out["Items"]]

    s1 = {":p": {"S": "s1"}, ":l": {"S": "a"}}
    _, got = query("shop = :p AND #l = :l", s1)
    assert got == [("2024", "1"), ("2024", "2"), ("2024", "3"), ("2025", "1"), ("2025", "2"), ("2025", "3")]
    _, got = query("shop = :p AND #l = :l AND #y = :y AND #s >= :s",
                   {**s1, ":y": {"N": "2025"}, ":s": {"N": "2"}}, ScanIndexForward=False)
    assert got == [("2025", "3"), ("2025", "2")]
    first, got = query("shop = :p AND #l = :l", s1, Limit=4)
    assert len(got) == 4 and set(first["LastEvaluatedKey"]) == {"id", "shop", "lane", "year", "seq"}
    _, rest = query("shop = :p AND #l = :l", s1, ExclusiveStartKey=first["LastEvaluatedKey"])
    assert rest == [("2025", "2"), ("2025", "3")]
    assert _err(query, expr="shop = :p", values={":p": {"S": "s1"}}) == (
        "ValidationException", "Query condition missed key schema element: lane")
    assert _err(query, expr="shop = :p AND #l = :l AND #s = :s", values={**s1, ":s": {"N": "1"}}) == (
        "ValidationException", "Query condition missed key schema element: year")
    assert ddb.scan(TableName="orders", IndexName="by-shop")["Count"] == 12  # sparse


def test_legacy_global_tables_group_existing_tables(aws_client):
    clients = {r: aws_client("dynamodb", region=r) for r in ("us-east-1", "ap-south-1")}
    for client in clients.values():
        _table(client, "legacy-gt", StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    east = clients["us-east-1"]
    created = east.create_global_table(GlobalTableName="legacy-gt", ReplicationGroup=[
        {"RegionName": "us-east-1"}, {"RegionName": "ap-south-1"}])["GlobalTableDescription"]
    assert created["GlobalTableStatus"] == "CREATING"
    assert created["GlobalTableArn"] == "arn:aws:dynamodb::000000000000:global-table/legacy-gt"
    described = clients["ap-south-1"].describe_global_table(GlobalTableName="legacy-gt")
    assert described["GlobalTableDescription"]["GlobalTableStatus"] == "ACTIVE"
    assert east.list_global_tables()["GlobalTables"] == [{"GlobalTableName": "legacy-gt", "ReplicationGroup": [
        {"RegionName": "us-east-1"}, {"RegionName": "ap-south-1"}]}]
    east.put_item(TableName="legacy-gt", Item={"id": {"S": "shared"}})
    assert clients["ap-south-1"].get_item(TableName="legacy-gt", Key={"id": {"S": "shared"}})["Item"]
    assert _err(east.create_global_table, GlobalTableName="legacy-gt",
                ReplicationGroup=[{"RegionName": "us-east-1"}])[0] == "GlobalTableAlreadyExistsException"
    assert _err(east.describe_global_table, GlobalTableName="nope")[0] == "GlobalTableNotFoundException"
    east.update_global_table(GlobalTableName="legacy-gt", ReplicaUpdates=[{"Delete": {"RegionName": "ap-south-1"}}])
    east.put_item(TableName="legacy-gt", Item={"id": {"S": "alone"}})
    assert "Item" not in clients["ap-south-1"].get_item(TableName="legacy-gt", Key={"id": {"S": "alone"}})
