"""What dynamodbstreams needs before its operations run."""

from __future__ import annotations

from cloudtwin.conformance.resources import ServiceSetup, Step

SETUP = ServiceSetup(
    steps=(
        Step("CreateTable", {
            "TableName": "ct-table", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        }, {"stream_arn": "TableDescription.LatestStreamArn"}, service="dynamodb"),
        Step("DescribeStream", {"StreamArn": "{stream_arn}"},
             {"shard_id": "StreamDescription.Shards.0.ShardId"}),
        Step("GetShardIterator", {"StreamArn": "{stream_arn}", "ShardId": "{shard_id}",
                                  "ShardIteratorType": "TRIM_HORIZON"}, {"iterator": "ShardIterator"}),
    ),
    members={"StreamArn": "{stream_arn}", "ShardId": "{shard_id}", "ShardIterator": "{iterator}",
             "TableName": "ct-table"},
)
