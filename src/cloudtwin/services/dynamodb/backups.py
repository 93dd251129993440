"""On-demand backups and restores.

A backup keeps the table's definition and a copy of its items; restoring one (or restoring
a table with point-in-time recovery to a moment) creates a new table from them, described
with a ``RestoreSummary``. Point-in-time restores copy the source's items as they are when
the restore is asked for (cloudtwin keeps no history of item versions).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb.models import IndexRecord, TableRecord
from cloudtwin.services.dynamodb.tables import describe as describe_table

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.dynamodb.provider import Provider


def create(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    name = provider._name_from(params["TableName"])
    record = ctx.store.tables.get(name)
    if record is None:
        raise ServiceError("TableNotFoundException", f"Table not found: {name}")
    now = ctx.clock.now()
    arn = f"{record.arn}/backup/{int(now * 1000):017d}-{uuid.uuid4().hex[:8]}"
    data = provider._data(ctx, record)
    details = {
        "BackupArn": arn,
        "BackupName": params["BackupName"],
        "BackupSizeBytes": data.size_bytes,
        "BackupStatus": "AVAILABLE",
        "BackupType": "USER",
        "BackupCreationDateTime": datetime.fromtimestamp(now, timezone.utc),
    }
    ctx.store.backups[arn] = {
        "details": details, "table": record.name, "table_arn": record.arn,
        "table_id": record.table_id, "definition": definition(record),
        "items": list(data.all_items()),
    }
    return {"BackupDetails": details}


def definition(record: TableRecord) -> dict[str, Any]:
    """CreateTable parameters that rebuild ``record``'s table (without its items)."""
    out: dict[str, Any] = {
        "KeySchema": record.key_schema,
        "AttributeDefinitions": record.attribute_definitions,
        "BillingMode": record.billing_mode,
    }
    if record.billing_mode == "PROVISIONED":
        out["ProvisionedThroughput"] = {
            "ReadCapacityUnits": record.provisioned.get("ReadCapacityUnits", 0),
            "WriteCapacityUnits": record.provisioned.get("WriteCapacityUnits", 0),
        }
    gsis = [_index_spec(i, record.billing_mode) for i in record.gsis]
    lsis = [_index_spec(i, record.billing_mode) for i in record.lsis]
    if gsis:
        out["GlobalSecondaryIndexes"] = gsis
    if lsis:
        out["LocalSecondaryIndexes"] = lsis
    if record.table_class != "STANDARD":
        out["TableClass"] = record.table_class
    return out


def _index_spec(index: IndexRecord, billing: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "IndexName": index.name, "KeySchema": index.key_schema, "Projection": index.projection,
    }
    if index.is_global and billing == "PROVISIONED" and index.provisioned:
        spec["ProvisionedThroughput"] = {
            "ReadCapacityUnits": index.provisioned["ReadCapacityUnits"],
            "WriteCapacityUnits": index.provisioned["WriteCapacityUnits"],
        }
    return spec


def _overridden(base: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    billing = params.get("BillingModeOverride")
    if billing:
        out["BillingMode"] = billing
        if billing == "PAY_PER_REQUEST":
            out.pop("ProvisionedThroughput", None)
            for key in ("GlobalSecondaryIndexes",):
                out[key] = [{k: v for k, v in g.items() if k != "ProvisionedThroughput"}
                            for g in out.get(key, [])] or None  # fmt: skip
    if params.get("ProvisionedThroughputOverride"):
        out["ProvisionedThroughput"] = params["ProvisionedThroughputOverride"]
    if "GlobalSecondaryIndexOverride" in params:
        out["GlobalSecondaryIndexes"] = params["GlobalSecondaryIndexOverride"] or None
    if "LocalSecondaryIndexOverride" in params:
        out["LocalSecondaryIndexes"] = params["LocalSecondaryIndexOverride"] or None
    if params.get("SSESpecificationOverride"):
        out["SSESpecification"] = params["SSESpecificationOverride"]
    if params.get("OnDemandThroughputOverride"):
        out["OnDemandThroughput"] = params["OnDemandThroughputOverride"]
    return {k: v for k, v in out.items() if v is not None}


def _restore(
    provider: "Provider", ctx: RequestContext, params: dict[str, Any], base: dict[str, Any],
    items: list[dict[str, Any]], summary: dict[str, Any],
) -> dict[str, Any]:
    target = params["TargetTableName"]
    if target in ctx.store.tables:
        raise ServiceError("TableAlreadyExistsException", f"Table already exists: {target}")
    create = _overridden(base, params)
    create["TableName"] = target
    provider.create_table(ctx, create)
    record: TableRecord = ctx.store.tables[target]
    data = provider._data(ctx, record)
    for item in items:
        data.put(item)
    record.restore = summary
    ctx.store.tables.save(target)
    description = describe_table(record, data, status="CREATING")
    description["RestoreSummary"]["RestoreInProgress"] = True
    return {"TableDescription": description}


def restore_from_backup(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    arn = params["BackupArn"]
    backup = ctx.store.backups.get(arn)
    if backup is None:
        raise ServiceError("BackupNotFoundException", f"Backup not found: {arn}")
    summary = {
        "SourceBackupArn": arn,
        "SourceTableArn": backup["table_arn"],
        "RestoreDateTime": ctx.clock.now(),
    }
    return _restore(provider, ctx, params, backup["definition"], backup["items"], summary)


def restore_to_point_in_time(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    source = params.get("SourceTableArn") or params.get("SourceTableName")
    if not source:
        raise ServiceError("ValidationException", "Either SourceTableArn or SourceTableName must be specified")
    name = provider._name_from(source)
    record = ctx.store.tables.get(name)
    if record is None:
        raise ServiceError("TableNotFoundException", f"Table not found: {name}")
    if not record.pitr_enabled:
        raise ServiceError(
            "PointInTimeRecoveryUnavailableException",
            f"Point in time recovery is not enabled for table '{record.name}'",
        )
    now = ctx.clock.now()
    moment = params.get("RestoreDateTime")
    if params.get("UseLatestRestorableTime") or moment is None:
        when = datetime.fromtimestamp(now, timezone.utc)
    else:
        when = moment if isinstance(moment, datetime) else datetime.fromtimestamp(float(moment), timezone.utc)
        if when.timestamp() < record.created or when.timestamp() > now:
            raise ServiceError(
                "InvalidRestoreTimeException",
                "Invalid restore time: the restore time must be within the recovery window",
            )
    summary = {"SourceTableArn": record.arn, "RestoreDateTime": when.timestamp()}
    items = list(provider._data(ctx, record).all_items())
    return _restore(provider, ctx, params, definition(record), items, summary)


def describe(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backup = ctx.store.backups.get(params["BackupArn"])
    if backup is None:
        raise ServiceError("BackupNotFoundException", f"Backup not found: {params['BackupArn']}")
    return {"BackupDescription": {"BackupDetails": backup["details"], "SourceTableDetails": {
        "TableName": backup["table"], "TableId": backup["table_id"], "TableArn": backup["table_arn"],
        "KeySchema": [], "TableCreationDateTime": backup["details"]["BackupCreationDateTime"],
        "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
    }}}

def list_(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    out = []
    for arn, backup in ctx.store.backups.items():
        if params.get("TableName") and backup["table"] != provider._name_from(params["TableName"]):
            continue
        d = backup["details"]
        out.append({
            "TableName": backup["table"], "TableId": backup["table_id"], "TableArn": backup["table_arn"],
            "BackupArn": arn, "BackupName": d["BackupName"], "BackupCreationDateTime": d["BackupCreationDateTime"],
            "BackupStatus": d["BackupStatus"], "BackupType": d["BackupType"], "BackupSizeBytes": d["BackupSizeBytes"],
        })
    return {"BackupSummaries": out}

def delete(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backup = ctx.store.backups.pop(params["BackupArn"], None)
    if backup is None:
        raise ServiceError("BackupNotFoundException", f"Backup not found: {params['BackupArn']}")
    details = dict(backup["details"], BackupStatus="DELETED")
    return {"BackupDescription": {"BackupDetails": details}}
