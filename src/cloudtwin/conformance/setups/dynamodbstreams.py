"""What dynamodbstreams needs before its operations run.

A table with a stream and one write to it, so the shard holds a record: its sequence number
(the shard's starting one) feeds the ``AT_SEQUENCE_NUMBER`` / ``AFTER_SEQUENCE_NUMBER``
iterators of ``GetShardIterator``.
"""

from __future__ import annotations

from cloudtwin.conformance.resources import Choose, ServiceSetup, Step

SETUP = ServiceSetup(
    steps=(
        Step("CreateTable", {
            "TableName": "ct-table", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        }, {"stream_arn": "TableDescription.LatestStreamArn"}, service="dynamodb"),
        Step("PutItem", {"TableName": "ct-table", "Item": {"pk": {"S": "k1"}}}, service="dynamodb"),
        Step("DescribeStream", {"StreamArn": "{stream_arn}"},
             {"shard_id": "StreamDescription.Shards.0.ShardId",
              "sequence": "StreamDescription.Shards.0.SequenceNumberRange.StartingSequenceNumber"}),
        Step("GetShardIterator", {"StreamArn": "{stream_arn}", "ShardId": "{shard_id}",
                                  "ShardIteratorType": "TRIM_HORIZON"}, {"iterator": "ShardIterator"}),
    ),
    members={"StreamArn": "{stream_arn}", "ShardId": "{shard_id}", "ShardIterator": "{iterator}",
             "SequenceNumber": "{sequence}", "TableName": "ct-table"},
    # AWS needs a SequenceNumber for the two iterator types that start at one (the model
    # leaves it optional): the shard's first record's.
    defaults={"GetShardIterator": {"SequenceNumber": Choose(
        "ShardIteratorType", {"AT_SEQUENCE_NUMBER": "{sequence}", "AFTER_SEQUENCE_NUMBER": "{sequence}"})}},
)
