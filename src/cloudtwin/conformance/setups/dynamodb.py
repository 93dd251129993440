"""What dynamodb needs before its operations run.

One provisioned table with a composite key (``pk`` / ``sk``), a local secondary index
(``ct-index``, so ``IndexName`` may come with ``ConsistentRead`` and
``ALL_PROJECTED_ATTRIBUTES``), one item, a Kinesis streaming destination and a backup; a
second table (see the step) for what cannot be renamed. Items, keys and expressions the
variants carry are replaced by ones that fit that table; the expressions use no
placeholders, so they stand on their own (DynamoDB refuses unused ``ExpressionAttributeNames``
/ ``ExpressionAttributeValues``), except the key condition, which needs ``:pk``.
"""

from __future__ import annotations

import re

from cloudtwin.conformance.constraints import Constraint, members
from cloudtwin.conformance.resources import Choose, DROP, RoundTrip, ServiceSetup, Step

_KEY = {"pk": {"S": "k1"}, "sk": {"S": "s1"}}
_ITEM = {"pk": {"S": "k1"}, "sk": {"S": "s1"}, "lsk": {"S": "l1"}, "v": {"N": "1"}}
_DEFINITIONS = [{"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "lsk", "AttributeType": "S"}]
_KEY_SCHEMA = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
_INDEX_KEY_SCHEMA = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "lsk", "KeyType": "RANGE"}]
_STATEMENT = "SELECT * FROM \"{table}\" WHERE pk = 'k1' AND sk = 's1'"
#: The Kinesis data stream the table streams to (cloudtwin has no Kinesis: it keeps the ARN).
_KINESIS_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/ct-stream"

SETUP = ServiceSetup(
    steps=(
        Step("CreateTable", {
            "TableName": "{table}", "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
            "AttributeDefinitions": _DEFINITIONS, "KeySchema": _KEY_SCHEMA,
            "LocalSecondaryIndexes": [{"IndexName": "{index}", "KeySchema": _INDEX_KEY_SCHEMA,
                                       "Projection": {"ProjectionType": "ALL"}}],
        }, {"table_arn": "TableDescription.TableArn"}),
        Step("PutItem", {"TableName": "{table}", "Item": _ITEM}),
        Step("EnableKinesisStreamingDestination", {"TableName": "{table}", "StreamArn": _KINESIS_ARN}),
        # BatchGetItem / BatchWriteItem name tables as the keys of ``RequestItems``, which
        # no member template can replace: a variant about a member under such a key keeps
        # the generated name, so a table of that name exists too. It has no Kinesis
        # destination yet: EnableKinesisStreamingDestination adds one there (the first table's
        # is streaming already, which is what DisableKinesisStreamingDestination needs).
        Step("CreateTable", {
            "TableName": "aaaaaaaa", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": _DEFINITIONS[:2], "KeySchema": _KEY_SCHEMA,
        }),
        Step("PutItem", {"TableName": "aaaaaaaa", "Item": _ITEM}),
        Step("CreateBackup", {"TableName": "{table}", "BackupName": "ct-backup"},
             {"backup_arn": "BackupDetails.BackupArn"}),
    ),
    names={"TableName": ("table", "ct-table"), "IndexName": ("index", "ct-index")},
    members={
        "TableName": "{table}", "TableArn": "{table_arn}", "ResourceArn": "{table_arn}",
        "BackupArn": "{backup_arn}", "StreamArn": _KINESIS_ARN, "IndexName": "{index}",
        "Key": _KEY, "Keys": [_KEY], "Item": _ITEM,
        "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "k1"}]}},
        "KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": {"S": "k1"}},
        # With values of its own, a condition uses them (AWS refuses unused ones).
        "ConditionExpression": Choose("ExpressionAttributeValues", {None: "attribute_exists(pk)"},
                                      otherwise="pk = :pk"), "FilterExpression": "attribute_exists(v)",
        "ProjectionExpression": "pk, v", "UpdateExpression": "SET v = v + v",
        "Statement": _STATEMENT,
        "RequestItems": {"ct-table": {"Keys": [_KEY]}},
        "TransactItems": [{"Get": {"TableName": "{table}", "Key": _KEY}}],
    },
    overrides={
        "CreateTable": {"TableName": "ct-new-{n}", "Key": None, "AttributeDefinitions": _DEFINITIONS[:2],
                        "KeySchema": _KEY_SCHEMA},
        "TagResource": {"Key": None},
        "Scan": {"FilterExpression": Choose("ExpressionAttributeValues", {None: "attribute_exists(v)"},
                                            otherwise="pk = :pk")},
        "EnableKinesisStreamingDestination": {"TableName": "aaaaaaaa"},
        # The table's TTL starts disabled, and disabling it again is refused: a variant not
        # about the flag enables it.
        "UpdateTimeToLive": {"Enabled": True},
        "UpdateTable": {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "IndexName": None},
        "BatchWriteItem": {"RequestItems": {"ct-table": [{"PutRequest": {"Item": _ITEM}}]}},
        "TransactWriteItems": {"TransactItems": [{"Put": {"TableName": "{table}", "Item": _ITEM}}]},
    },
    # What AWS needs although the model leaves it optional: a new table's key schema and
    # attribute definitions, and a capacity mode that fits (on-demand unless the variant
    # names provisioned throughput; throughput when it asks for PROVISIONED); a Query's key
    # condition, in the style (expression or legacy) of the rest of the variant; a parallel
    # Scan's other half (Segment with TotalSegments; TotalSegments at its maximum, above
    # any Segment, with Segment).
    defaults={
        "CreateTable": {
            "AttributeDefinitions": _DEFINITIONS[:2], "KeySchema": _KEY_SCHEMA,
            "BillingMode": Choose("ProvisionedThroughput", {None: "PAY_PER_REQUEST"}),
            "ProvisionedThroughput": Choose("BillingMode", {"PROVISIONED": {
                "ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}),
        },
        "Query": {
            "KeyConditionExpression": "pk = :pk",
            "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "k1"}]}},
            "ExpressionAttributeValues": Choose("KeyConditionExpression", {"pk = :pk": {":pk": {"S": "k1"}}}),
        },
        "Scan": {
            "FilterExpression": Choose("ExpressionAttributeValues", {None: DROP}, otherwise="pk = :pk"),
            "Segment": Choose("TotalSegments", {None: DROP}, otherwise=0),
            "TotalSegments": Choose("Segment", {None: DROP}, otherwise=1000000),
        },
        **{operation: {"ConditionExpression": Choose("ExpressionAttributeValues", {None: DROP},
                                                     otherwise="pk = :pk")}
           for operation in ("PutItem", "DeleteItem", "UpdateItem")},
    },
    # The legacy key condition does not mix with expressions, nor the expression with
    # legacy parameters.
    exclusive=tuple(("KeyConditionExpression", legacy) for legacy in (
        "KeyConditions", "QueryFilter", "AttributesToGet", "ConditionalOperator"))
    + tuple(("KeyConditions", modern) for modern in (
        "FilterExpression", "ProjectionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues"))
    + (("FilterExpression", "ScanFilter"), ("ConditionExpression", "Expected")),
    roundtrips=(
        RoundTrip("item",
                  Step("PutItem", {"TableName": "ct-table",
                                   "Item": {"pk": {"S": "rt"}, "sk": {"S": "rt"}, "v": {"N": "5"}}}),
                  Step("GetItem", {"TableName": "ct-table", "Key": {"pk": {"S": "rt"}, "sk": {"S": "rt"}}}),
                  {"Item.v.N": "5"}),
    ),
)

KNOWN_GAPS: dict = {}


_PARTIQL = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|EXISTS)\b", re.IGNORECASE)


def _not_partiql(params) -> bool:
    return any(name == "Statement" and isinstance(value, str) and not _PARTIQL.match(value)
               for name, value in members(params))


#: Documented constraints the model leaves out (:mod:`cloudtwin.conformance.constraints`).
CONSTRAINTS = tuple(
    Constraint(op, "Statement is a PartiQL statement: SELECT, INSERT, UPDATE, DELETE (EXISTS in transactions)",
               "DynamoDB Developer Guide, PartiQL select/insert/update/delete statements "
               "(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.statements.html)",
               _not_partiql)
    for op in ("ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction")
) + (
    Constraint("*", "Key: for the primary key, you must provide all of the attributes",
               "DynamoDB API Reference, GetItem/DeleteItem/UpdateItem Key (botocore model)",
               lambda p: any((name == "Key" and value == {}) or (name == "Keys" and isinstance(value, list)
                                                                  and {} in value)
                             for name, value in members(p))),
)

#: Structures documented as holding exactly one member (the model marks none ``union``).
UNIONS = {
    "WriteRequest": "DynamoDB API Reference, WriteRequest: either DeleteItem or PutItem, only one of them "
                    "in a single WriteRequest (botocore model documentation)",
    "AttributeValue": "DynamoDB API Reference, AttributeValue: each attribute value is one name-value pair, "
                      "the name its data type (botocore model documentation)",
}
