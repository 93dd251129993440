"""On-demand backups: their metadata is stored and listed (restoring is not built)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError

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
    ctx.store.backups[arn] = {"details": details, "table": record.name, "table_arn": record.arn, "table_id": record.table_id}
    return {"BackupDetails": details}


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
