"""Table definitions: the checks CreateTable/UpdateTable make, and DescribeTable's shape."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb import replicas
from cloudtwin.services.dynamodb.models import IndexRecord, TableData, TableRecord
from cloudtwin.services.dynamodb.values import invalid_param, validation

MAX_GSIS = 20
MAX_LSIS = 5


def not_found(name: str | None = None) -> ServiceError:
    if name is None:
        return ServiceError("ResourceNotFoundException", "Requested resource not found")
    return ServiceError(
        "ResourceNotFoundException", f"Requested resource not found: Table: {name} not found"
    )


def check_table_name(name: str) -> None:
    """A new table's name: 3 to 255 of ``[a-zA-Z0-9_.-]`` (other operations also take ARNs,
    which is why the model allows up to 1024 characters)."""
    problems = []
    if len(name) < 3:
        problems.append(f"Value '{name}' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3")
    if len(name) > 255:
        problems.append(f"Value '{name}' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255")
    if not all(c.isascii() and (c.isalnum() or c in "_.-") for c in name):
        problems.append(f"Value '{name}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
    if problems:
        count = len(problems)
        raise validation(
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems)
        )


#: A global secondary index may key on up to four partition and four sort attributes.
MAX_INDEX_KEY_ATTRIBUTES = 4


def check_index_key_schema(schema: list[dict[str, str]]) -> None:
    """A GSI's key schema: its partition-key attributes first, then its sort-key ones."""
    hashes = [e for e in schema if e["KeyType"] == "HASH"]
    if len(hashes) <= 1 and len(schema) <= 2:
        return check_key_schema(schema)
    kinds = [e["KeyType"] for e in schema]
    if kinds[0] != "HASH":
        raise validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    if kinds != sorted(kinds):  # HASH < RANGE: every HASH before every RANGE
        raise validation("Invalid KeySchema: HASH key types must precede RANGE key types")
    if len(hashes) > MAX_INDEX_KEY_ATTRIBUTES or len(schema) - len(hashes) > MAX_INDEX_KEY_ATTRIBUTES:
        raise validation(
            f"Invalid KeySchema: A KeySchema can have at most {MAX_INDEX_KEY_ATTRIBUTES} HASH "
            f"and {MAX_INDEX_KEY_ATTRIBUTES} RANGE key attributes"
        )
    names = [e["AttributeName"] for e in schema]
    if len(set(names)) != len(names):
        raise invalid_param("Duplicate AttributeName in KeySchema")


def check_key_schema(schema: list[dict[str, str]], what: str = "KeySchema") -> None:
    if len(schema) > 2:
        raise validation(
            f"Invalid {what}: Only global secondary indexes may have more than one HASH or "
            "RANGE key attribute"
        )
    if schema[0]["KeyType"] != "HASH":
        raise validation(f"Invalid {what}: The first KeySchemaElement is not a HASH key type")
    if len(schema) > 1:
        if schema[1]["KeyType"] != "RANGE":
            raise validation(f"Invalid {what}: The second KeySchemaElement is not a RANGE key type")
        if schema[0]["AttributeName"] == schema[1]["AttributeName"]:
            raise invalid_param(
                "Both the Hash Key and the Range Key element in the KeySchema have the same name"
            )


def check_projection(projection: dict[str, Any], index: str) -> None:
    kind = projection.get("ProjectionType")
    non_key = projection.get("NonKeyAttributes")
    if kind == "INCLUDE" and not non_key:
        raise invalid_param(
            "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"
        )
    if kind in ("ALL", "KEYS_ONLY", None) and non_key:
        raise invalid_param(
            f"ProjectionType is {kind or 'KEYS_ONLY'}, but NonKeyAttributes is specified"
        )


def check_throughput(billing: str, throughput: dict[str, Any] | None, what: str = "") -> None:
    if billing == "PAY_PER_REQUEST":
        if throughput:
            raise invalid_param(
                "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
            )
    elif not throughput:
        raise invalid_param(
            "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
        )


def build_indexes(params: dict[str, Any], table_schema: list[dict[str, str]], billing: str, now: float) -> tuple[list[IndexRecord], list[IndexRecord]]:
    gsis = [
        IndexRecord(
            g["IndexName"], g["KeySchema"], g["Projection"], True,
            provisioned=g.get("ProvisionedThroughput"), created=now,
            warm_throughput=g.get("WarmThroughput"),
        )
        for g in params.get("GlobalSecondaryIndexes") or []
    ]
    lsis = [
        IndexRecord(l["IndexName"], l["KeySchema"], l["Projection"], False, created=now)
        for l in params.get("LocalSecondaryIndexes") or []
    ]
    if params.get("GlobalSecondaryIndexes") == []:
        raise invalid_param("List of GlobalSecondaryIndexes is empty")
    if params.get("LocalSecondaryIndexes") == []:
        raise invalid_param("List of LocalSecondaryIndexes is empty")
    if len(gsis) > MAX_GSIS:
        raise validation(
            f"One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of {MAX_GSIS}"
        )
    if len(lsis) > MAX_LSIS:
        raise validation(
            f"One or more parameter values were invalid: LocalSecondaryIndex count exceeds the per-table limit of {MAX_LSIS}"
        )
    names: set[str] = set()
    table_hash = table_schema[0]["AttributeName"]
    for index in (*gsis, *lsis):
        if index.name in names:
            raise invalid_param(f"Duplicate index name: {index.name}")
        names.add(index.name)
        if index.is_global:
            check_index_key_schema(index.key_schema)
        else:
            check_key_schema(index.key_schema)
        check_projection(index.projection, index.name)
        if index.is_global:
            if billing == "PROVISIONED" and not index.provisioned:
                raise invalid_param(
                    f"ProvisionedThroughput is not specified for index: {index.name}"
                )
            if billing == "PAY_PER_REQUEST" and index.provisioned:
                raise invalid_param(
                    "ProvisionedThroughput should not be specified for index: "
                    f"{index.name} when BillingMode is PAY_PER_REQUEST"
                )
    if lsis:
        if len(table_schema) < 2:
            raise invalid_param(
                "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"
            )
        for index in lsis:
            if len(index.key_schema) < 2:
                raise invalid_param(
                    f"Index KeySchema does not have a range key for index: {index.name}"
                )
            if index.hash_name != table_hash:
                raise invalid_param(
                    "Index KeySchema does not have the same leading hash key as table KeySchema "
                    f"for index: {index.name}. index hash key: {index.hash_name}, "
                    f"table hash key: {table_hash}"
                )
    return gsis, lsis


def check_definitions(params: dict[str, Any], gsis: list[IndexRecord], lsis: list[IndexRecord]) -> None:
    defined = [a["AttributeName"] for a in params["AttributeDefinitions"]]
    if len(set(defined)) != len(defined):
        dupes = sorted({d for d in defined if defined.count(d) > 1})
        raise invalid_param(f"Duplicate AttributeName: {dupes[0]}" if dupes else "Duplicate AttributeName")
    used: list[str] = []
    for schema in (params["KeySchema"], *(i.key_schema for i in (*gsis, *lsis))):
        for element in schema:
            if element["AttributeName"] not in used:
                used.append(element["AttributeName"])
    missing = [u for u in used if u not in defined]
    if missing:
        raise invalid_param(
            "Some index key attributes are not defined in AttributeDefinitions. Keys: ["
            + ", ".join(missing)
            + "], AttributeDefinitions: ["
            + ", ".join(defined)
            + "]"
        )
    if len(used) != len(defined):
        if gsis or lsis:
            raise invalid_param(
                "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
            )
        raise invalid_param(
            "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
        )


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def _throughput(billing: str, provisioned: dict[str, Any] | None) -> dict[str, Any]:
    if billing == "PAY_PER_REQUEST" or not provisioned:
        return {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    return {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": provisioned["ReadCapacityUnits"],
        "WriteCapacityUnits": provisioned["WriteCapacityUnits"],
    }


#: The warm throughput of an on-demand table or index that asked for none.
ON_DEMAND_WARM = {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000}


def warm_throughput(billing: str, provisioned: dict[str, Any] | None,
                    asked: dict[str, Any] | None, status: str = "ACTIVE") -> dict[str, Any]:
    """What a table or index can serve at once: what was asked for, else its provisioned
    capacity, else the on-demand baseline."""
    if asked:
        units = {"ReadUnitsPerSecond": asked.get("ReadUnitsPerSecond"),
                 "WriteUnitsPerSecond": asked.get("WriteUnitsPerSecond")}  # fmt: skip
    elif billing == "PROVISIONED" and provisioned:
        units = {"ReadUnitsPerSecond": provisioned["ReadCapacityUnits"],
                 "WriteUnitsPerSecond": provisioned["WriteCapacityUnits"]}  # fmt: skip
    else:
        units = dict(ON_DEMAND_WARM)
    out = {k: v for k, v in units.items() if v is not None}
    out["Status"] = status
    return out


def describe(record: TableRecord, data: TableData | None, status: str | None = None) -> dict[str, Any]:
    """The TableDescription of a table (``status`` overrides the stored one, e.g. CREATING).

    WarmThroughput is described once the table exists: a table being created shows only
    what it asked for (still UPDATING), one being deleted none."""
    out: dict[str, Any] = {
        "AttributeDefinitions": record.attribute_definitions,
        "TableName": record.name,
        "KeySchema": record.key_schema,
        "TableStatus": status or record.status,
        "CreationDateTime": _dt(record.created),
        "ProvisionedThroughput": _throughput(record.billing_mode, record.provisioned),
        "TableSizeBytes": data.size_bytes if data is not None else 0,
        "ItemCount": len(data) if data is not None else 0,
        "TableArn": record.arn,
        "TableId": record.table_id,
        "DeletionProtectionEnabled": record.deletion_protection,
    }
    if record.billing_mode == "PAY_PER_REQUEST":
        out["BillingModeSummary"] = {"BillingMode": "PAY_PER_REQUEST"}
        if status != "CREATING":  # not yet while the table is being created
            out["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"] = _dt(
                record.billing_switched or record.created
            )
    elif record.billing_switched is not None:
        out["BillingModeSummary"] = {"BillingMode": "PROVISIONED"}
    if record.gsis:
        out["GlobalSecondaryIndexes"] = [
            _index(record, index, data) for index in record.gsis
        ]
    if record.lsis:
        out["LocalSecondaryIndexes"] = [_index(record, index, data) for index in record.lsis]
    if record.stream:
        out["StreamSpecification"] = record.stream
    if record.stream_arn:
        out["LatestStreamLabel"] = record.stream_label
        out["LatestStreamArn"] = record.stream_arn
    if record.table_class != "STANDARD":
        out["TableClassSummary"] = {"TableClass": record.table_class}
    if record.sse:
        out["SSEDescription"] = record.sse
    if status == "CREATING":
        if record.warm_throughput:
            out["WarmThroughput"] = warm_throughput(
                record.billing_mode, record.provisioned, record.warm_throughput, "UPDATING"
            )
    elif status == "DELETING":
        # a table being deleted is described without its definition
        for member in ("AttributeDefinitions", "KeySchema", "CreationDateTime"):
            out.pop(member)
    else:
        out["WarmThroughput"] = warm_throughput(
            record.billing_mode, record.provisioned, record.warm_throughput
        )
        for index, view in zip(record.gsis, out.get("GlobalSecondaryIndexes", [])):
            view["WarmThroughput"] = warm_throughput(
                record.billing_mode, index.provisioned, index.warm_throughput, index.status
            )
    if record.on_demand:
        out["OnDemandThroughput"] = record.on_demand
    if record.replicas:
        out.update(replicas.describe(record, record.arn.split(":")[3]))
    if record.restore and status != "DELETING":
        out["RestoreSummary"] = dict(
            record.restore, RestoreDateTime=_dt(record.restore["RestoreDateTime"]),
            RestoreInProgress=False,
        )
    return out


def _index(record: TableRecord, index: IndexRecord, data: TableData | None) -> dict[str, Any]:
    keyed = data.indexes.get(index.name) if data is not None else None
    out: dict[str, Any] = {
        "IndexName": index.name,
        "KeySchema": index.key_schema,
        "Projection": index.projection,
        "IndexSizeBytes": 0,
        "ItemCount": keyed.count if keyed is not None else 0,
        "IndexArn": f"{record.arn}/index/{index.name}",
    }
    if index.is_global:
        out["IndexStatus"] = index.status
        out["ProvisionedThroughput"] = _throughput(record.billing_mode, index.provisioned)
        if index.status == "CREATING":
            out["Backfilling"] = False
    return out


def projected_names(record: TableRecord, index: IndexRecord) -> set[str] | None:
    """The attribute names an index holds, or None for ALL."""
    kind = index.projection.get("ProjectionType", "KEYS_ONLY")
    if kind == "ALL":
        return None
    names = {k["AttributeName"] for k in (*record.key_schema, *index.key_schema)}
    if kind == "INCLUDE":
        names.update(index.projection.get("NonKeyAttributes") or [])
    return names


def apply_update(record: TableRecord, data: TableData, params: dict[str, Any], now: float) -> str | None:
    """UpdateTable's changes other than streams; returns the name of a GSI it created."""
    billing = params.get("BillingMode")
    throughput = params.get("ProvisionedThroughput")
    if billing and billing != record.billing_mode:
        check_throughput(billing, throughput)
        record.billing_mode = billing
        record.billing_switched = now
        record.provisioned = throughput or {}
        if billing == "PROVISIONED":
            for index in record.gsis:
                index.provisioned = index.provisioned or {"ReadCapacityUnits": throughput["ReadCapacityUnits"], "WriteCapacityUnits": throughput["WriteCapacityUnits"]}  # type: ignore[index]
        else:
            for index in record.gsis:
                index.provisioned = None
    elif throughput:
        if record.billing_mode == "PAY_PER_REQUEST":
            raise validation(
                "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
            )
        record.provisioned = throughput
    if params.get("AttributeDefinitions"):
        known = {a["AttributeName"]: a for a in record.attribute_definitions}
        for definition in params["AttributeDefinitions"]:
            known[definition["AttributeName"]] = definition
        record.attribute_definitions = list(known.values())
    created_index: str | None = None
    for change in params.get("GlobalSecondaryIndexUpdates") or []:
        if "Create" in change:
            spec = change["Create"]
            if record.index(spec["IndexName"]) is not None:
                raise validation("Attempting to create an index which already exists")
            check_index_key_schema(spec["KeySchema"])
            check_projection(spec["Projection"], spec["IndexName"])
            for element in spec["KeySchema"]:
                if record.attribute_type(element["AttributeName"]) is None:
                    raise validation(
                        "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: ["
                        + element["AttributeName"]
                        + "], AttributeDefinitions: ["
                        + ", ".join(a["AttributeName"] for a in record.attribute_definitions)
                        + "]"
                    )
            if record.billing_mode == "PROVISIONED" and not spec.get("ProvisionedThroughput"):
                raise validation(
                    f"One or more parameter values were invalid: ProvisionedThroughput is not specified for index: {spec['IndexName']}"
                )
            index = IndexRecord(
                spec["IndexName"], spec["KeySchema"], spec["Projection"], True,
                provisioned=spec.get("ProvisionedThroughput"), created=now,
                warm_throughput=spec.get("WarmThroughput"),
            )
            record.gsis.append(index)
            data.add_index(index)
            created_index = index.name
        elif "Update" in change:
            spec = change["Update"]
            index = record.index(spec["IndexName"])
            if index is None or not index.is_global:
                raise ServiceError("ResourceNotFoundException", "Requested resource not found")
            if spec.get("ProvisionedThroughput"):
                index.provisioned = spec["ProvisionedThroughput"]
            if spec.get("WarmThroughput"):
                index.warm_throughput = spec["WarmThroughput"]
        elif "Delete" in change:
            spec = change["Delete"]
            index = record.index(spec["IndexName"])
            if index is None or not index.is_global:
                raise ServiceError("ResourceNotFoundException", "Requested resource not found")
            record.gsis.remove(index)
            data.drop_index(index.name)
    if "DeletionProtectionEnabled" in params:
        record.deletion_protection = params["DeletionProtectionEnabled"]
    if params.get("TableClass"):
        record.table_class = params["TableClass"]
    if params.get("OnDemandThroughput"):
        record.on_demand = params["OnDemandThroughput"]
    if params.get("WarmThroughput"):
        record.warm_throughput = params["WarmThroughput"]
    return created_index
