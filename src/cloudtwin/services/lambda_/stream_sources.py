"""What differs between the two stream sources of event source mappings — DynamoDB Streams
and Kinesis — for the one shard poller in :mod:`pollers`: the service and its parameter
names, the record shape Lambda hands the function, and the batch description an on-failure
destination receives (``DDBStreamBatchInfo`` / ``KinesisBatchInfo``)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

Params = dict[str, Any]


@dataclass(frozen=True, slots=True)
class StreamSource:
    service: str
    arn_param: str
    sequence_param: str
    batch_info: str
    trigger: str
    #: (record from GetRecords, stream ARN, shard id, region, role ARN) -> the event record
    convert: Callable[[Params, str, str, str, str], Params]
    sequence: Callable[[Params], str]
    arrival: Callable[[Params], float]
    #: what ParallelizationFactor keeps in order: the partition key (DynamoDB: the item's keys)
    key: Callable[[Params], str]
    #: GetRecords' largest Limit
    max_read: int
    #: Arrival times in batch info: whole seconds (stream records' creation times) or milliseconds
    whole_seconds: bool = False


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def _dynamodb_record(record: Params, stream_arn: str, shard_id: str, region: str, role: str) -> Params:
    out = json.loads(json.dumps(record, default=_json_default))
    created = out["dynamodb"].get("ApproximateCreationDateTime")
    if isinstance(created, str):
        out["dynamodb"]["ApproximateCreationDateTime"] = datetime.fromisoformat(created).timestamp()
    out["eventSourceARN"] = stream_arn
    return out


def _kinesis_record(record: Params, stream_arn: str, shard_id: str, region: str, role: str) -> Params:
    arrival = record["ApproximateArrivalTimestamp"]
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record["PartitionKey"],
            "sequenceNumber": record["SequenceNumber"],
            "data": base64.b64encode(record["Data"]).decode(),
            "approximateArrivalTimestamp": arrival.timestamp() if isinstance(arrival, datetime) else arrival,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{record['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


DYNAMODB = StreamSource(
    service="dynamodbstreams", arn_param="StreamArn", sequence_param="SequenceNumber",
    batch_info="DDBStreamBatchInfo", trigger="dynamodb", convert=_dynamodb_record,
    sequence=lambda r: r["dynamodb"]["SequenceNumber"],
    arrival=lambda r: r["dynamodb"]["ApproximateCreationDateTime"],
    key=lambda r: json.dumps(r["dynamodb"].get("Keys"), sort_keys=True), max_read=1000, whole_seconds=True,
)  # fmt: skip

KINESIS = StreamSource(
    service="kinesis", arn_param="StreamARN", sequence_param="StartingSequenceNumber",
    batch_info="KinesisBatchInfo", trigger="kinesis", convert=_kinesis_record,
    sequence=lambda r: r["kinesis"]["sequenceNumber"],
    arrival=lambda r: r["kinesis"]["approximateArrivalTimestamp"],
    key=lambda r: r["kinesis"]["partitionKey"], max_read=10000,
)  # fmt: skip


def source_of(arn: str) -> StreamSource:
    return KINESIS if arn.split(":")[2] == "kinesis" else DYNAMODB


def shards_of(description: Params) -> list[Params]:
    return description["StreamDescription"]["Shards"]


def matchable(record: Params) -> Params:
    """The record as filter patterns see it. For Kinesis that is the ``kinesis`` object
    (``partitionKey``, ``sequenceNumber``, ``data``...) with a ``data`` that is JSON matched
    as data, as AWS filters Kinesis records (like an SQS body); others as they are."""
    kinesis = record.get("kinesis")
    if not isinstance(kinesis, dict) or not isinstance(kinesis.get("data"), str):
        return record
    try:
        data = json.loads(base64.b64decode(kinesis["data"]))
    except ValueError:
        return dict(kinesis)
    return dict(kinesis, data=data)
