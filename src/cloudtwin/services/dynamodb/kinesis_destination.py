"""Kinesis streaming destinations: every item change of a table with an ACTIVE destination
is written to the Kinesis stream as AWS writes it — a JSON document with the keys and both
images (whatever the table's own stream view), through the internal client.

    {"awsRegion", "eventID", "eventName": INSERT|MODIFY|REMOVE, "userIdentity",
     "recordFormat": "application/json", "tableName", "eventSource": "aws:dynamodb",
     "dynamodb": {"ApproximateCreationDateTime" (epoch ms, or µs with that precision),
                  "ApproximateCreationDateTimePrecision", "Keys", "NewImage", "OldImage",
                  "SizeBytes"}}
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import uuid
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb.values import item_size

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.dynamodb.models import TableRecord

log = logging.getLogger("cloudtwin.dynamodb")


def active(record: "TableRecord") -> list[dict[str, Any]]:
    return [d for d in record.kinesis_destinations if d.get("DestinationStatus") == "ACTIVE"]


def _plain(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


def deliver(env: Any, account_id: str, region: str, record: "TableRecord", keys: dict, old: dict | None,
            new: dict | None, identity: dict | None) -> None:  # fmt: skip
    event = "INSERT" if old is None else ("REMOVE" if new is None else "MODIFY")
    now = env.clock.now()
    for destination in active(record):
        precision = destination.get("ApproximateCreationDateTimePrecision") or "MILLISECOND"
        change: dict[str, Any] = {
            "ApproximateCreationDateTime": int(now * (1_000_000 if precision == "MICROSECOND" else 1000)),
            "ApproximateCreationDateTimePrecision": precision,
            "Keys": keys,
        }
        if new is not None:
            change["NewImage"] = new
        if old is not None:
            change["OldImage"] = old
        change["SizeBytes"] = item_size(keys) + (item_size(new) if new else 0) + (item_size(old) if old else 0)
        document = {
            "awsRegion": region, "eventID": str(uuid.uuid4()), "eventName": event, "userIdentity": identity,
            "recordFormat": "application/json", "tableName": record.name, "dynamodb": change,
            "eventSource": "aws:dynamodb",
        }  # fmt: skip
        key_text = json.dumps(keys, sort_keys=True, default=_plain)
        arn = destination["StreamArn"]
        parts = arn.split(":")
        try:
            env.internal.call(
                "kinesis", "PutRecord",
                {"StreamARN": arn, "Data": json.dumps(document, default=_plain).encode(),
                 "PartitionKey": hashlib.md5(key_text.encode()).hexdigest().upper()},
                account_id=parts[4], region=parts[3],
            )  # fmt: skip
        except ServiceError as error:
            log.warning("kinesis streaming destination %s of %s: %s", arn, record.name, error.code)
