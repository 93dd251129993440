"""What kinesis needs before its operations run.

``ct-stream`` is a provisioned stream of two shards (``shardId-000000000000`` covers the
lower half of the hash keys) with a 48-hour retention (so it can be decreased and increased),
one record in its first shard (its sequence number), a shard iterator on that shard, a
registered consumer ``ct-consumer`` and a resource policy. Operations take the stream by
name where they may (AWS: "you must use either the StreamARN or the StreamName parameter,
or both"), and by ARN where they must.

``StreamId`` is dropped: the model calls it "Not Implemented. Reserved for future use", and
botocore's endpoint rules send any request that carries one to an AWS host
(``https://<id>.<plane>-kinesis.<region>.amazonaws.com``) whatever the endpoint URL is.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cache
from typing import Any, Mapping

from cloudtwin.conformance.constraints import Constraint
from cloudtwin.conformance.resources import ACCOUNT, DROP, Choose, RoundTrip, ServiceSetup, Step

POLICY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
          f'"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kinesis:DescribeStreamSummary","Resource":"{{stream_arn}}"}}]}}')
#: A hash key in the first shard's half of the range (a split point, a record's explicit key).
SPLIT_KEY = str(2**126)
_BY_SEQUENCE = ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
_SEQUENCE = Choose("ShardIteratorType", {kind: "{sequence}" for kind in _BY_SEQUENCE})
_A_WHILE_AGO = datetime(2020, 1, 1, tzinfo=timezone.utc)


@cache
def _by_name_or_arn() -> tuple[str, ...]:
    """Operations that take the stream by StreamName or StreamARN, neither required."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("kinesis")
    out = []
    for operation in model.operation_names:
        shape = model.operation_model(operation).input_shape
        if shape is not None and {"StreamName", "StreamARN"} <= set(shape.members) \
                and not {"StreamName", "StreamARN"} & set(shape.required_members):
            out.append(operation)
    return tuple(out)


SETUP = ServiceSetup(
    steps=(
        Step("CreateStream", {"StreamName": "{stream}", "ShardCount": 2}),
        Step("DescribeStreamSummary", {"StreamName": "{stream}"}, {"stream_arn": "StreamDescriptionSummary.StreamARN"}),
        Step("IncreaseStreamRetentionPeriod", {"StreamName": "{stream}", "RetentionPeriodHours": 48}),
        Step("PutRecord", {"StreamName": "{stream}", "Data": b"ct", "PartitionKey": "ct", "ExplicitHashKey": "0"},
             {"sequence": "SequenceNumber"}),
        Step("GetShardIterator", {"StreamName": "{stream}", "ShardId": "shardId-000000000000",
                                  "ShardIteratorType": "TRIM_HORIZON"}, {"iterator": "ShardIterator"},
             operations=("GetRecords",)),
        Step("RegisterStreamConsumer", {"StreamARN": "{stream_arn}", "ConsumerName": "ct-consumer"},
             {"consumer_arn": "Consumer.ConsumerARN"}),
        Step("PutResourcePolicy", {"ResourceARN": "{stream_arn}", "Policy": POLICY}),
    ),
    members={
        "StreamName": "{stream}", "StreamARN": "{stream_arn}", "ResourceARN": "{stream_arn}", "StreamId": DROP,
        "ConsumerName": "ct-consumer", "ConsumerARN": "{consumer_arn}", "ShardId": "shardId-000000000000",
        "ShardIterator": "{iterator}", "ShardToSplit": "shardId-000000000000", "NewStartingHashKey": SPLIT_KEY,
        "ShardToMerge": "shardId-000000000000", "AdjacentShardToMerge": "shardId-000000000001",
        "StartingSequenceNumber": _SEQUENCE, "SequenceNumberForOrdering": "{sequence}",
        "SequenceNumber": Choose("Type", {kind: "{sequence}" for kind in _BY_SEQUENCE}),
        "ExplicitHashKey": SPLIT_KEY, "StreamCreationTimestamp": DROP,
        "EncryptionType": "KMS", "KeyId": "alias/aws/kinesis", "Policy": POLICY,
        "Tags": {"team": "ct"}, "TagKeys": ["team"],
    },
    names={"StreamName": ("stream", "ct-stream")},
    overrides={
        "CreateStream": {"StreamName": "ct-new-{n}"},
        "RegisterStreamConsumer": {"ConsumerName": "ct-new-{n}"},
        "IncreaseStreamRetentionPeriod": {"RetentionPeriodHours": 72},
        "DecreaseStreamRetentionPeriod": {"RetentionPeriodHours": 24},
    },
    defaults={
        **{op: {"StreamName": "{stream}"} for op in _by_name_or_arn()},
        # the stream has a consumer: without this, DeleteStream is ResourceInUseException
        "DeleteStream": {"StreamName": "{stream}", "EnforceConsumerDeletion": True},
        **{op: {"ConsumerARN": "{consumer_arn}"} for op in ("DescribeStreamConsumer", "DeregisterStreamConsumer")},
        "GetShardIterator": {"StreamName": "{stream}", "StartingSequenceNumber": _SEQUENCE,
                             "Timestamp": Choose("ShardIteratorType", {"AT_TIMESTAMP": _A_WHILE_AGO})},
    },
    exclusive=(("StreamName", "StreamARN"),),
    roundtrips=(
        RoundTrip("tags",
                  Step("AddTagsToStream", {"StreamName": "{stream}", "Tags": {"team": "ct"}}),
                  Step("ListTagsForStream", {"StreamName": "{stream}"}),
                  {"Tags.0.Key": "team", "Tags.0.Value": "ct"}),
        RoundTrip("retention",
                  Step("IncreaseStreamRetentionPeriod", {"StreamName": "{stream}", "RetentionPeriodHours": 96}),
                  Step("DescribeStreamSummary", {"StreamName": "{stream}"}),
                  {"StreamDescriptionSummary.RetentionPeriodHours": 96}),
    ),
)

#: A StreamId (the model's pattern: 20 characters, a hyphen, 3 more) makes botocore's
#: endpoint rules name an AWS host whatever the endpoint URL.
KNOWN_GAPS = {
    ("*", "transport"): (
        "a variant about StreamId ('Not Implemented. Reserved for future use.' in the model) cannot "
        "reach a local endpoint: kinesis' endpoint-rule-set routes a request carrying one to "
        "https://<StreamId>.<control|data>-kinesis.<region>.amazonaws.com even with an endpoint_url"),
}


def _mode(params: Mapping[str, Any]) -> Any:
    details = params.get("StreamModeDetails")
    return details.get("StreamMode") if isinstance(details, Mapping) else None


def _position_without_its_value(kind: Any, sequence: Any, timestamp: Any) -> bool:
    return (kind in _BY_SEQUENCE and sequence is None) or (kind == "AT_TIMESTAMP" and timestamp is None)


def _shard_filter_without_its_value(params: Mapping[str, Any]) -> bool:
    flt = params.get("ShardFilter")
    if not isinstance(flt, Mapping):
        return False
    kind, by_time = flt.get("Type"), flt.get("Type") in ("AT_TIMESTAMP", "FROM_TIMESTAMP")
    return ((kind == "AFTER_SHARD_ID") != (flt.get("ShardId") is not None)
            or by_time != (flt.get("Timestamp") is not None))


_PARTITION_KEY = ("PartitionKey documentation (botocore model): 'If the stream uses the USER_PARTITION_KEY record "
                  "distribution strategy (the default), a partition key is required'")
_ITERATOR_TYPES = ("ShardIteratorType documentation (botocore model): 'AT_SEQUENCE_NUMBER - Start reading from the "
                   "position denoted by a specific sequence number, provided in the value StartingSequenceNumber' "
                   "... 'AT_TIMESTAMP - Start reading from the position denoted by a specific time stamp, provided "
                   "in the value Timestamp'")

#: Documented constraints the model leaves out (:mod:`cloudtwin.conformance.constraints`).
CONSTRAINTS = (
    Constraint("CreateStream", "a PROVISIONED stream is given its ShardCount",
               "CreateStream documentation (botocore model): 'For the data streams with a provisioned mode, you "
               "must specify the number of shards for the data stream'",
               lambda p: _mode(p) == "PROVISIONED" and p.get("ShardCount") is None),
    Constraint("CreateStream", "an ON_DEMAND stream is given no ShardCount",
               "CreateStream documentation (botocore model): 'With the on-demand mode, Kinesis Data Streams "
               "automatically manages the shards'", lambda p: _mode(p) == "ON_DEMAND" and p.get("ShardCount")),
    *(Constraint(op, "a resource has at most 50 tags",
                 f"{op}, Tags documentation (botocore model): 'You can add up to 50 tags per resource'",
                 lambda p: isinstance(p.get("Tags"), Mapping) and len(p["Tags"]) > 50)
      for op in ("AddTagsToStream", "TagResource", "CreateStream", "RegisterStreamConsumer")),
    *(Constraint(op, "EncryptionType: the only valid value is KMS",
                 f"{op}, EncryptionType documentation (botocore model): 'The only valid value is KMS'",
                 lambda p: p.get("EncryptionType") != "KMS")
      for op in ("StartStreamEncryption", "StopStreamEncryption")),
    Constraint("PutRecord", "a record of a USER_PARTITION_KEY stream (the default) has a partition key",
               _PARTITION_KEY, lambda p: p.get("PartitionKey") is None),
    Constraint("PutRecords", "a record of a USER_PARTITION_KEY stream (the default) has a partition key",
               _PARTITION_KEY, lambda p: any(isinstance(r, Mapping) and r.get("PartitionKey") is None
                                             for r in p.get("Records") or ())),
    Constraint("ListShards", "a ShardFilter names a ShardId for AFTER_SHARD_ID, a Timestamp for the timestamp "
               "types, and neither otherwise",
               "ListShards, ShardFilter documentation (botocore model): 'If you specify the AFTER_SHARD_ID type, "
               "you must also provide the value for the optional ShardId property' ... 'This property can only "
               "be used if FROM_TIMESTAMP or AT_TIMESTAMP shard types are specified'",
               _shard_filter_without_its_value),
    Constraint("GetShardIterator", "a sequence-number iterator names its sequence number, AT_TIMESTAMP its time",
               _ITERATOR_TYPES, lambda p: _position_without_its_value(
                   p.get("ShardIteratorType"), p.get("StartingSequenceNumber"), p.get("Timestamp"))),
    Constraint("SubscribeToShard", "a sequence-number position names its sequence number, AT_TIMESTAMP its time",
               "StartingPosition documentation (botocore model): SequenceNumber 'To specify a sequence number, set "
               "StartingPosition to AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER'; Timestamp 'set StartingPosition "
               "to Type AT_TIMESTAMP'", lambda p: _position_without_its_value(
                   p["StartingPosition"].get("Type"), p["StartingPosition"].get("SequenceNumber"),
                   p["StartingPosition"].get("Timestamp"))),
)
