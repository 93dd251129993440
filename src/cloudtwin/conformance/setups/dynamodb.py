"""What dynamodb needs before its operations run."""

from __future__ import annotations

from cloudtwin.conformance.resources import RoundTrip, ServiceSetup, Step

SETUP = ServiceSetup(
    steps=(
        Step("CreateTable", {
            "TableName": "{table}", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        }, {"table_arn": "TableDescription.TableArn", "stream_arn": "TableDescription.LatestStreamArn"}),
        Step("PutItem", {"TableName": "{table}", "Item": {"pk": {"S": "k1"}}}),
    ),
    names={"TableName": ("table", "ct-table")},
    members={"TableName": "{table}", "TableArn": "{table_arn}", "ResourceArn": "{table_arn}",
             "StreamArn": "{stream_arn}", "Key": {"pk": {"S": "k1"}}, "Item": {"pk": {"S": "k1"}}},
    overrides={"CreateTable": {"TableName": "ct-new-{n}"}},
    roundtrips=(
        RoundTrip("item",
                  Step("PutItem", {"TableName": "ct-table", "Item": {"pk": {"S": "rt"}, "v": {"N": "5"}}}),
                  Step("GetItem", {"TableName": "ct-table", "Key": {"pk": {"S": "rt"}}}),
                  {"Item.v.N": "5"}),
    ),
)
