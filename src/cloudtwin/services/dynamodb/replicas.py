"""Global tables: replicas of a table in other regions.

Version 2019.11.21:

``UpdateTable`` with ``ReplicaUpdates`` creates a replica (same name, definition and items,
in another region of the account) or deletes one. Every table of the group knows all its
regions; a write to any of them is applied to the others (each publishes to its own stream).
As on AWS, adding a replica turns on the table's stream (``NEW_AND_OLD_IMAGES``), and a
provisioned table must scale its writes automatically, which cloudtwin's tables do not.

Version 2017.11.29 (``CreateGlobalTable``...) groups tables that already exist, with the
same name and a ``NEW_AND_OLD_IMAGES`` stream, in each region; writes replicate the same way.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterator

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb.models import DynamoStore, IndexRecord, TableData, TableRecord
from cloudtwin.services.dynamodb.values import validation

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.dynamodb.provider import Provider

VERSION = "2019.11.21"
LEGACY_VERSION = "2017.11.29"


def describe(record: TableRecord, region: str) -> dict[str, Any]:
    """DescribeTable's members for a table in a group (the other regions' replicas)."""
    if not record.replicas or record.global_version == LEGACY_VERSION:
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
            for item in provider._data(ctx, record).all_items():
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


def _set_group(provider: "Provider", account_id: str, record: TableRecord, group: list[str], region: str, version: str = VERSION) -> None:
    members = [(region, None, record)] + [
        (r, provider.stores.get(account_id, r), provider.stores.get(account_id, r).tables.get(record.name))  # type: ignore[union-attr]
        for r in set(record.replicas) | set(group) if r != region
    ]
    for member_region, store, member in members:
        if member is None:
            continue
        member.replicas = list(group)
        member.global_version = version if group else None
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


# -- legacy global tables (version 2017.11.29) ---------------------------------------------


def _legacy_view(ctx: RequestContext, name: str, entry: dict[str, Any], status: str) -> dict[str, Any]:
    return {
        "ReplicationGroup": [{"RegionName": r} for r in entry["regions"]],
        "GlobalTableArn": f"arn:{ctx.partition}:dynamodb::{ctx.account_id}:global-table/{name}",
        "CreationDateTime": datetime.fromtimestamp(entry["created"], timezone.utc),
        "GlobalTableStatus": status,
        "GlobalTableName": name,
    }


def _member(provider: "Provider", ctx: RequestContext, name: str, region: str) -> tuple[DynamoStore, TableRecord]:
    store: DynamoStore = provider.stores.get(ctx.account_id, region)  # type: ignore[union-attr]
    record = store.tables.get(name)
    if record is None:
        raise ServiceError("TableNotFoundException", f"Table not found: {name} in region {region}")
    if not record.stream or record.stream.get("StreamViewType") != "NEW_AND_OLD_IMAGES":
        raise validation(
            f"One or more parameter values were invalid: Table {name} in region {region} does "
            "not have streams enabled with view type NEW_AND_OLD_IMAGES"
        )
    return store, record


def _save_legacy(provider: "Provider", ctx: RequestContext, name: str, entry: dict[str, Any], regions: list[str]) -> None:
    for region in regions:
        store: DynamoStore = provider.stores.get(ctx.account_id, region)  # type: ignore[union-attr]
        if entry["regions"]:
            store.global_tables[name] = entry
        else:
            store.global_tables.pop(name, None)


def _group(provider: "Provider", ctx: RequestContext, name: str, regions: list[str]) -> None:
    for region in regions:
        store, record = _member(provider, ctx, name, region)
        record.replicas = list(regions) if len(regions) > 1 else []
        record.global_version = LEGACY_VERSION if len(regions) > 1 else None
        store.tables.save(name)


def create_legacy(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["GlobalTableName"]
    if name in ctx.store.global_tables:
        raise ServiceError("GlobalTableAlreadyExistsException", "Global table with this name already exists")
    regions = list(dict.fromkeys(r.get("RegionName") for r in params["ReplicationGroup"]))
    if not regions or None in regions:
        raise validation("One or more parameter values were invalid: A replica must name its RegionName")
    for region in regions:
        _member(provider, ctx, name, region)
    _group(provider, ctx, name, regions)
    entry = {"regions": regions, "created": ctx.clock.now()}
    _save_legacy(provider, ctx, name, entry, sorted(set(regions) | {ctx.region}))
    return {"GlobalTableDescription": _legacy_view(ctx, name, entry, "CREATING")}


def _legacy(ctx: RequestContext, name: str) -> dict[str, Any]:
    entry = ctx.store.global_tables.get(name)
    if entry is None:
        raise ServiceError("GlobalTableNotFoundException", "Global table not found")
    return entry


def describe_legacy(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["GlobalTableName"]
    return {"GlobalTableDescription": _legacy_view(ctx, name, _legacy(ctx, name), "ACTIVE")}


def update_legacy(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["GlobalTableName"]
    entry = dict(_legacy(ctx, name))
    regions = list(entry["regions"])
    before = list(regions)
    for change in params["ReplicaUpdates"]:
        if "Create" in change:
            region = change["Create"]["RegionName"]
            if region in regions:
                raise ServiceError("ReplicaAlreadyExistsException", f"Replica already exists: {region}")
            _member(provider, ctx, name, region)
            regions.append(region)
        elif "Delete" in change:
            region = change["Delete"]["RegionName"]
            if region not in regions:
                raise ServiceError("ReplicaNotFoundException", f"Replica not found: {region}")
            regions.remove(region)
            store: DynamoStore = provider.stores.get(ctx.account_id, region)  # type: ignore[union-attr]
            gone = store.tables.get(name)
            if gone is not None:
                gone.replicas, gone.global_version = [], None
                store.tables.save(name)
    _group(provider, ctx, name, regions)
    entry["regions"] = regions
    _save_legacy(provider, ctx, name, entry, sorted(set(regions) | set(before) | {ctx.region}))
    return {"GlobalTableDescription": _legacy_view(ctx, name, entry, "UPDATING")}


def list_legacy(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    wanted = params.get("RegionName")
    start = params.get("ExclusiveStartGlobalTableName")
    names = sorted(n for n, e in ctx.store.global_tables.items()
                   if (not wanted or wanted in e["regions"]) and (start is None or n > start))  # fmt: skip
    limit = params.get("Limit") or 100
    page = names[:limit]
    out: dict[str, Any] = {"GlobalTables": [
        {"GlobalTableName": n,
         "ReplicationGroup": [{"RegionName": r} for r in ctx.store.global_tables[n]["regions"]]}
        for n in page
    ]}  # fmt: skip
    if len(names) > limit:
        out["LastEvaluatedGlobalTableName"] = page[-1]
    return out


def describe_legacy_settings(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["GlobalTableName"]
    entry = _legacy(ctx, name)
    settings = []
    for region in entry["regions"]:
        store: DynamoStore = provider.stores.get(ctx.account_id, region)  # type: ignore[union-attr]
        record = store.tables.get(name)
        row: dict[str, Any] = {"RegionName": region, "ReplicaStatus": "ACTIVE"}
        if record is not None:
            row["ReplicaBillingModeSummary"] = {"BillingMode": record.billing_mode}
            if record.billing_mode == "PROVISIONED":
                row["ReplicaProvisionedReadCapacityUnits"] = record.provisioned.get("ReadCapacityUnits", 0)
                row["ReplicaProvisionedWriteCapacityUnits"] = record.provisioned.get("WriteCapacityUnits", 0)
        settings.append(row)
    return {"GlobalTableName": name, "ReplicaSettings": settings}
