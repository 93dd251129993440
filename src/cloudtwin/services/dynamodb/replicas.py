"""Global tables (version 2019.11.21): replicas of a table in other regions.

``UpdateTable`` with ``ReplicaUpdates`` creates a replica (same name, definition and items,
in another region of the account) or deletes one. Every table of the group knows all its
regions; a write to any of them is applied to the others (each publishes to its own stream).
As on AWS, adding a replica turns on the table's stream (``NEW_AND_OLD_IMAGES``), and a
provisioned table must scale its writes automatically, which cloudtwin's tables do not.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Iterator

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb.models import DynamoStore, IndexRecord, TableData, TableRecord
from cloudtwin.services.dynamodb.values import validation

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.dynamodb.provider import Provider

VERSION = "2019.11.21"


def describe(record: TableRecord, region: str) -> dict[str, Any]:
    """DescribeTable's members for a table in a group (the other regions' replicas)."""
    if not record.replicas:
        return {}
    return {
        "GlobalTableVersion": VERSION,
        "Replicas": [
            {"RegionName": r, "ReplicaStatus": "ACTIVE",
             "ReplicaTableClassSummary": {"TableClass": record.table_class}}
            for r in record.replicas if r != region
        ],  # fmt: skip
    }


def peers(provider: "Provider", account_id: str, region: str, record: TableRecord) -> Iterator[tuple[str, DynamoStore, TableRecord]]:
    """The other tables of ``record``'s group."""
    for other in record.replicas:
        if other == region:
            continue
        store: DynamoStore = provider.stores.get(account_id, other)  # type: ignore[union-attr]
        found = store.tables.get(record.name)
        if found is not None:
            yield other, store, found


def _copy(record: TableRecord, arn: str) -> TableRecord:
    return TableRecord(
        name=record.name, table_id=str(uuid.uuid4()), arn=arn,
        key_schema=record.key_schema, attribute_definitions=record.attribute_definitions,
        created=record.created, billing_mode=record.billing_mode,
        provisioned=dict(record.provisioned),
        gsis=[IndexRecord(i.name, i.key_schema, i.projection, True, provisioned=i.provisioned,
                          created=i.created, warm_throughput=i.warm_throughput)
              for i in record.gsis],
        lsis=[IndexRecord(i.name, i.key_schema, i.projection, False, created=i.created)
              for i in record.lsis],
        deletion_protection=False, table_class=record.table_class,
    )  # fmt: skip


def update(provider: "Provider", ctx: RequestContext, record: TableRecord, changes: list[dict[str, Any]]) -> str | None:
    """Apply ReplicaUpdates; returns the region of a replica it created (shown CREATING)."""
    created: str | None = None
    now = ctx.clock.now()
    for change in changes:
        if "Create" in change:
            target = change["Create"]["RegionName"]
            if target == ctx.region or target in record.replicas:
                raise validation(f"Failed to create a the new replica of table with name: "
                                 f"'{record.name}' because one or more replicas already existed as tables.")  # fmt: skip
            if record.billing_mode == "PROVISIONED":
                raise validation("Table write capacity should either be Pay-Per-Request or AutoScaled.")
            store: DynamoStore = provider.stores.get(ctx.account_id, target)  # type: ignore[union-attr]
            if record.name in store.tables:
                raise validation(f"Failed to create a the new replica of table with name: "
                                 f"'{record.name}' because one or more replicas already existed as tables.")  # fmt: skip
            if not record.stream:
                provider._set_stream(ctx, record, {"StreamEnabled": True,
                                                   "StreamViewType": "NEW_AND_OLD_IMAGES"}, now)  # fmt: skip
                provider.changes.stream_enabled(ctx.account_id, ctx.region, record, now)
            elif record.stream.get("StreamViewType") != "NEW_AND_OLD_IMAGES":
                raise validation("A global table requires a stream of view type NEW_AND_OLD_IMAGES")
            arn = record.arn.replace(f":{ctx.region}:", f":{target}:", 1)
            replica = _copy(record, arn)
            replica.stream = dict(record.stream or {})
            label = record.stream_label
            replica.stream_label = label
            replica.stream_arn = f"{arn}/stream/{label}"
            store.stream_arns[replica.stream_arn] = now
            group = sorted(set(record.replicas or [ctx.region]) | {target})
            store.tables[replica.name] = replica
            data = store.data(replica)
            for item in provider._data(ctx, record).rows.values():
                data.put(item)
            provider.changes.stream_enabled(ctx.account_id, target, replica, now)
            _set_group(provider, ctx.account_id, record, group, ctx.region)
            created = target
        elif "Delete" in change:
            target = change["Delete"]["RegionName"]
            if target not in record.replicas or target == ctx.region:
                raise validation(f"Update global table operation failed because region '{target}' "
                                 "is not a replica of the table.")  # fmt: skip
            store = provider.stores.get(ctx.account_id, target)  # type: ignore[union-attr]
            gone = store.tables.get(record.name)
            if gone is not None:
                if gone.stream_arn:
                    provider.changes.stream_disabled(ctx.account_id, target, gone.stream_arn)
                store.drop(gone.name)
            group = [r for r in record.replicas if r != target]
            _set_group(provider, ctx.account_id, record, group if len(group) > 1 else [], ctx.region)
        elif "Update" in change:
            target = change["Update"]["RegionName"]
            if target not in record.replicas:
                raise ServiceError("ReplicaNotFoundException", f"Replica not found: {target}")
    return created


def _set_group(provider: "Provider", account_id: str, record: TableRecord, group: list[str], region: str) -> None:
    members = [(region, None, record)] + [
        (r, provider.stores.get(account_id, r), provider.stores.get(account_id, r).tables.get(record.name))  # type: ignore[union-attr]
        for r in set(record.replicas) | set(group) if r != region
    ]
    for member_region, store, member in members:
        if member is None:
            continue
        member.replicas = list(group)
        if store is not None:
            store.tables.save(member.name)


def replicate(provider: "Provider", account_id: str, region: str, record: TableRecord,
              item: dict[str, Any] | None, key: dict[str, Any] | None) -> None:
    """Apply a put (``item``) or delete (``key``) made in ``region`` to the other replicas."""
    for other, store, peer in peers(provider, account_id, region, record):
        data: TableData = store.data(peer)
        if item is not None:
            old = data.put(item)
            new: dict[str, Any] | None = item
        else:
            old = data.delete(key)  # type: ignore[arg-type]
            new = None
        if peer.stream_arn and peer.stream and (old is not None or new is not None):
            provider.changes._publish(account_id, other, peer, item or old or key, old, new, None)  # type: ignore[arg-type]
