"""Every item write goes through here, so that stream-enabled tables publish their changes.

DynamoDB Streams is another service (``dynamodbstreams``): it learns of streams and of item
changes from events on the bus, never from this store.

Event kinds (detail keys):

- ``dynamodb:StreamEnabled``  — stream_arn, stream_label, table, key_schema, view, created
- ``dynamodb:StreamDisabled`` — stream_arn
- ``dynamodb:Change``         — stream_arn, event (INSERT/MODIFY/REMOVE), keys, new, old,
  view, time, size, identity (the service principal for TTL deletes, else None)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudtwin.events.bus import Event
from cloudtwin.services.dynamodb import kinesis_destination
from cloudtwin.services.dynamodb.models import TableData, TableRecord
from cloudtwin.services.dynamodb.replicas import replicate
from cloudtwin.services.dynamodb.values import item_size

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.dynamodb.provider import Provider

STREAM_ENABLED = "dynamodb:StreamEnabled"
STREAM_DISABLED = "dynamodb:StreamDisabled"
CHANGE = "dynamodb:Change"
TTL_IDENTITY = {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}


class Changes:
    """Applies writes to a table's data and publishes them when the table has a stream."""

    def __init__(self, provider: "Provider") -> None:
        self.provider = provider
        self._streams_loaded = False

    def ensure_streams(self, account_id: str, region: str) -> None:
        """Make sure the streams service is listening before the first event goes out."""
        if self._streams_loaded:
            return
        self._streams_loaded = True
        try:
            self.provider.env.internal.call(
                "dynamodbstreams", "ListStreams", {"Limit": 1}, account_id=account_id, region=region
            )
        except Exception:  # noqa: BLE001 - streams missing must not fail table writes
            self._streams_loaded = False

    def put(self, account_id: str, region: str, record: TableRecord, data: TableData, item: dict[str, Any]) -> dict[str, Any] | None:
        old = data.put(item)
        if record.stream_arn and record.stream:
            self._publish(account_id, region, record, item, old, item, None)
        if record.kinesis_destinations and old != item:
            self._to_kinesis(account_id, region, record, item, old, item, None)
        if record.replicas:
            replicate(self.provider, account_id, region, record, item, None)
        return old

    def delete(self, account_id: str, region: str, record: TableRecord, data: TableData, key: dict[str, Any], identity: dict[str, str] | None = None) -> dict[str, Any] | None:
        old = data.delete(key)
        if old is not None and record.stream_arn and record.stream:
            self._publish(account_id, region, record, old, old, None, identity)
        if old is not None and record.kinesis_destinations:
            self._to_kinesis(account_id, region, record, old, old, None, identity)
        if record.replicas:
            replicate(self.provider, account_id, region, record, None, key)
        return old

    def _to_kinesis(self, account_id: str, region: str, record: TableRecord, some: dict[str, Any],
                    old: dict[str, Any] | None, new: dict[str, Any] | None, identity: dict[str, str] | None) -> None:  # fmt: skip
        keys = {e["AttributeName"]: some[e["AttributeName"]] for e in record.key_schema}
        kinesis_destination.deliver(self.provider.env, account_id, region, record, keys, old, new, identity)

    def _publish(self, account_id: str, region: str, record: TableRecord, some: dict[str, Any], old: dict[str, Any] | None, new: dict[str, Any] | None, identity: dict[str, str] | None) -> None:
        if old is not None and new is not None and old == new:
            return  # an unchanged item writes no stream record
        self.ensure_streams(account_id, region)
        view = record.stream.get("StreamViewType", "KEYS_ONLY")  # type: ignore[union-attr]
        keys = {e["AttributeName"]: some[e["AttributeName"]] for e in record.key_schema}
        event = "INSERT" if old is None else ("REMOVE" if new is None else "MODIFY")
        detail: dict[str, Any] = {
            "stream_arn": record.stream_arn,
            "event": event,
            "keys": keys,
            "view": view,
            "time": self.provider.env.clock.now(),
            "identity": identity,
        }
        size = item_size(keys)
        if view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") and new is not None:
            detail["new"] = new
            size += item_size(new)
        if view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") and old is not None:
            detail["old"] = old
            size += item_size(old)
        detail["size"] = size
        self.provider.env.events.publish(Event(CHANGE, account_id, region, detail))

    def stream_enabled(self, account_id: str, region: str, record: TableRecord, created: float) -> None:
        self.ensure_streams(account_id, region)
        self.provider.env.events.publish(
            Event(
                STREAM_ENABLED,
                account_id,
                region,
                {
                    "stream_arn": record.stream_arn,
                    "stream_label": record.stream_label,
                    "table": record.name,
                    "key_schema": record.key_schema,
                    "view": record.stream["StreamViewType"],  # type: ignore[index]
                    "created": created,
                },
            )
        )

    def stream_disabled(self, account_id: str, region: str, stream_arn: str) -> None:
        self.provider.env.events.publish(
            Event(STREAM_DISABLED, account_id, region, {"stream_arn": stream_arn})
        )
