"""Amazon DynamoDB: the operation handlers. The rules live in the modules beside this one."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb import (
    backups,
    batch,
    governance,
    legacy,
    partiql,
    replicas,
    tables,
    transactions,
    transfers,
    ttl,
)
from cloudtwin.services.dynamodb.changes import Changes
from cloudtwin.services.dynamodb.expressions.evaluator import project
from cloudtwin.services.dynamodb.expressions.updater import apply_update
from cloudtwin.services.dynamodb.items import (
    RequestExpressions,
    capacity,
    check_item_keys,
    clean_key,
    condition_failed,
    item_from_params,
    read_units,
    reject_mixed,
    return_values,
    write_units,
)
from cloudtwin.services.dynamodb.models import DynamoStore, TableData, TableRecord
from cloudtwin.services.dynamodb.reads import (
    ReadPlan,
    composite_key_condition,
    key_condition,
    query_composite,
    query_items,
)
from cloudtwin.services.dynamodb.stored import StoredItem, decode
from cloudtwin.services.dynamodb.values import (
    check_item_size,
    request_invalid,
    validation,
)
from cloudtwin.services.provider import ServiceProvider


#: Destination states a Kinesis streaming destination can be disabled from (and not enabled
#: again until it is disabled), with AWS's refusals.
_STREAMING = ("ENABLING", "ACTIVE")
_ENABLE_REFUSED = ("Table is not in a valid state to enable Kinesis Streaming Destination: "
                   "EnableKinesisStreamingDestination must be DISABLED or ENABLE_FAILED to perform ENABLE operation.")
_DISABLE_REFUSED = ("Table is not in a valid state to enable Kinesis Streaming Destination: "
                    "KinesisStreamingDestination must be ACTIVE to perform DISABLE operation.")


def _iso_label(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


#: GetItem members that shape the answer (the common call has none).
_GET_ITEM_SHAPING = frozenset(
    ("ProjectionExpression", "AttributesToGet", "ExpressionAttributeNames", "ExpressionAttributeValues")
)


#: The metric a kind of capacity ("Read", "Write") is published as.
_CONSUMED_METRIC = {"Read": "ConsumedReadCapacityUnits", "Write": "ConsumedWriteCapacityUnits"}

class Provider(ServiceProvider):
    service_name = "dynamodb"
    store_class = DynamoStore

    def __init__(self, env) -> None:  # type: ignore[no-untyped-def]
        super().__init__(env)
        self.changes = Changes(self)
        env.processors.register("dynamodb-ttl", self._expire)

    # -- helpers ------------------------------------------------------------------------------

    def _record(self, ctx: RequestContext, name: str, *, describe: bool = False, store: Any = None) -> TableRecord:
        """The table ``name`` (in ``store`` when the caller has it at hand: ``ctx.store``)."""
        record = (ctx.store if store is None else store).tables.get(name)
        if record is None:
            raise tables.not_found(name if describe else None)
        return record

    def _data(self, ctx: RequestContext, record: TableRecord) -> TableData:
        return ctx.store.data(record)

    @staticmethod
    def _wire(ctx: RequestContext) -> bool:
        """Whether whole items may be answered as their stored JSON text (a JSON response;
        the internal client hands results to Python code)."""
        return ctx.protocol == "json"

    def _whole(self, ctx: RequestContext, stored: StoredItem) -> Any:
        """A whole item for the response."""
        return stored.wire() if ctx.protocol == "json" else decode(stored.raw)

    def _name_from(self, value: str) -> str:
        """TableName parameters may be a table ARN (``arn:…:dynamodb:…:table/<name>``)."""
        if value.startswith("arn:"):
            resource = value.split(":", 5)[-1]
            if resource.startswith("table/"):
                return resource[len("table/"):].split("/", 1)[0]
        return value

    def _expire(self, now: float) -> dict[str, Any]:
        return ttl.expire(self, now)

    # -- tables -------------------------------------------------------------------------------

    def create_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store: DynamoStore = ctx.store
        name = params["TableName"]
        tables.check_table_name(name)
        if name in store.tables:
            raise ServiceError("ResourceInUseException", f"Table already exists: {name}")
        for member, wire in (("KeySchema", "keySchema"), ("AttributeDefinitions", "attributeDefinitions")):
            if not params.get(member):
                raise validation(
                    f"1 validation error detected: Value null at '{wire}' failed to satisfy "
                    "constraint: Member must not be null"
                )
        billing = params.get("BillingMode") or "PROVISIONED"
        tables.check_key_schema(params["KeySchema"])
        tables.check_throughput(billing, params.get("ProvisionedThroughput"))
        now = ctx.clock.now()
        gsis, lsis = tables.build_indexes(params, params["KeySchema"], billing, now)
        tables.check_definitions(params, gsis, lsis)
        arn = f"arn:{ctx.partition}:dynamodb:{ctx.region}:{ctx.account_id}:table/{name}"
        record = TableRecord(
            name=name,
            table_id=str(uuid.uuid4()),
            arn=arn,
            key_schema=params["KeySchema"],
            attribute_definitions=params["AttributeDefinitions"],
            created=now,
            billing_mode=billing,
            provisioned=params.get("ProvisionedThroughput") or {},
            gsis=gsis,
            lsis=lsis,
            tags={t["Key"]: t["Value"] for t in params.get("Tags") or []},
            deletion_protection=bool(params.get("DeletionProtectionEnabled")),
            table_class=params.get("TableClass") or "STANDARD",
            warm_throughput=params.get("WarmThroughput"),
            on_demand=params.get("OnDemandThroughput"),
        )
        if params.get("ResourcePolicy"):
            governance.check_policy_document(params["ResourcePolicy"])
            governance.set_policy(record, "", params["ResourcePolicy"], now)
        if params.get("SSESpecification"):
            record.sse = self._sse(ctx, params["SSESpecification"])
        self._set_stream(ctx, record, params.get("StreamSpecification"), now)
        store.tables[name] = record
        if record.stream_arn:
            self.changes.stream_enabled(ctx.account_id, ctx.region, record, now)
        description = tables.describe(record, None, status="CREATING")
        for index in description.get("GlobalSecondaryIndexes", []):
            index["IndexStatus"] = "CREATING"
        return {"TableDescription": description}

    def _sse(self, ctx: RequestContext, spec: dict[str, Any]) -> dict[str, Any] | None:
        """SSEDescription for an SSESpecification: a KMS key (the account's AWS managed
        ``alias/aws/dynamodb`` unless one is named), resolved through KMS itself."""
        if not spec.get("Enabled"):
            return None
        key = spec.get("KMSMasterKeyId") or "alias/aws/dynamodb"
        try:
            described = self.env.internal.call(
                "kms", "DescribeKey", {"KeyId": key},
                account_id=ctx.account_id, region=ctx.region, caller=ctx.identity,
            )  # fmt: skip
        except ServiceError:
            raise validation(f"KMS key {key} not found or inaccessible.") from None
        return {
            "Status": "ENABLED",
            "SSEType": spec.get("SSEType") or "KMS",
            "KMSMasterKeyArn": described["KeyMetadata"]["Arn"],
        }

    def _set_stream(self, ctx: RequestContext, record: TableRecord, spec: dict[str, Any] | None, now: float) -> bool:
        """Apply a StreamSpecification; True when a new stream was created."""
        if spec is None:
            return False
        if spec.get("StreamEnabled"):
            if not spec.get("StreamViewType"):
                raise validation("Stream View Type is required if stream is enabled")
            if record.stream:
                raise validation(f"Table already has an enabled stream: {record.stream_arn}")
            record.stream = {"StreamEnabled": True, "StreamViewType": spec["StreamViewType"]}
            # A label is unique per table, even when the virtual clock stands still.
            used = ctx.store.stream_arns
            stamp = now
            while f"{record.arn}/stream/{_iso_label(stamp)}" in used:
                stamp += 0.001
            record.stream_label = _iso_label(stamp)
            record.stream_arn = f"{record.arn}/stream/{record.stream_label}"
            used[record.stream_arn] = now
            return True
        if record.stream:
            record.stream = None
            if record.stream_arn:
                self.changes.stream_disabled(ctx.account_id, ctx.region, record.stream_arn)
        return False

    def describe_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = self._record(ctx, self._name_from(params["TableName"]), describe=True)
        return {"Table": tables.describe(record, self._data(ctx, record))}

    def list_tables(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        names = sorted(ctx.store.tables)
        start = params.get("ExclusiveStartTableName")
        if start is not None:
            names = [n for n in names if n > start]
        limit = params.get("Limit") or 100
        page = names[:limit]
        out: dict[str, Any] = {"TableNames": page}
        if len(names) > limit:
            out["LastEvaluatedTableName"] = page[-1]
        return out

    def delete_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = self._record(ctx, self._name_from(params["TableName"]), describe=True)
        if record.deletion_protection:
            raise validation(
                "Resource cannot be deleted as it is currently protected against deletion. "
                "Disable deletion protection first."
            )
        description = tables.describe(record, self._data(ctx, record), status="DELETING")
        if record.replicas:
            rest = [r for r in record.replicas if r != ctx.region]
            for _, peer_store, peer in replicas.peers(self, ctx.account_id, ctx.region, record):
                peer.replicas = rest if len(rest) > 1 else []
                peer_store.tables.save(peer.name)
        if record.stream and record.stream_arn:
            self.changes.stream_disabled(ctx.account_id, ctx.region, record.stream_arn)
        ctx.store.drop(record.name)
        return {"TableDescription": description}

    def update_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store: DynamoStore = ctx.store
        record = self._record(ctx, self._name_from(params["TableName"]), describe=True)
        data = self._data(ctx, record)
        now = ctx.clock.now()
        if params.get("SSESpecification") is not None:
            record.sse = self._sse(ctx, params["SSESpecification"])
        created_index = tables.apply_update(record, data, params, now)
        new_stream = self._set_stream(ctx, record, params.get("StreamSpecification"), now)
        store.tables[record.name] = record
        if new_stream:
            self.changes.stream_enabled(ctx.account_id, ctx.region, record, now)
        new_replica = None
        if params.get("ReplicaUpdates"):
            new_replica = replicas.update(self, ctx, record, params["ReplicaUpdates"])
            store.tables[record.name] = record
        description = tables.describe(record, data, status="UPDATING")
        for replica in description.get("Replicas", []):
            if replica["RegionName"] == new_replica:
                replica["ReplicaStatus"] = "CREATING"
        for index in description.get("GlobalSecondaryIndexes", []):
            if index["IndexName"] == created_index:
                index["IndexStatus"] = "CREATING"
                index["Backfilling"] = False
        return {"TableDescription": description}

    # -- tags, TTL, backups, limits -----------------------------------------------------------

    def _by_arn(self, ctx: RequestContext, arn: str) -> TableRecord:
        name = arn.split(":table/", 1)[-1].split("/", 1)[0] if ":table/" in arn else None
        record = ctx.store.tables.get(name) if name else None
        if record is None or record.arn != arn.split("/index/")[0]:
            raise ServiceError(
                "ResourceNotFoundException", f"Requested resource not found: ResourceArn: {arn} not found"
            )
        return record

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        record = self._by_arn(ctx, params["ResourceArn"])
        for tag in params["Tags"]:
            record.tags[tag["Key"]] = tag["Value"]
        if len(record.tags) > 50:
            raise ServiceError("LimitExceededException", "Too many tags attached to resource")
        ctx.store.tables.save(record.name)

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        record = self._by_arn(ctx, params["ResourceArn"])
        for key in params["TagKeys"]:
            record.tags.pop(key, None)
        ctx.store.tables.save(record.name)

    def list_tags_of_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = self._by_arn(ctx, params["ResourceArn"])
        return {"Tags": [{"Key": k, "Value": v} for k, v in record.tags.items()]}

    def update_time_to_live(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = self._record(ctx, self._name_from(params["TableName"]), describe=True)
        spec = params["TimeToLiveSpecification"]
        if spec["Enabled"]:
            if record.ttl_enabled:
                raise validation("TimeToLive is already enabled")
            record.ttl_enabled, record.ttl_attribute = True, spec["AttributeName"]
        else:
            if not record.ttl_enabled:
                raise validation("TimeToLive is already disabled")
            if spec["AttributeName"] != record.ttl_attribute:
                raise validation(
                    "TimeToLive attribute name does not match the name of the attribute that is enabled"
                )
            record.ttl_enabled = False
        ctx.store.tables.save(record.name)
        return {"TimeToLiveSpecification": spec}

    def describe_time_to_live(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = self._record(ctx, self._name_from(params["TableName"]), describe=True)
        if record.ttl_enabled:
            return {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": record.ttl_attribute}}
        return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}

    def _continuous(self, ctx: RequestContext, record: TableRecord) -> dict[str, Any]:
        pitr: dict[str, Any] = {"PointInTimeRecoveryStatus": "ENABLED" if record.pitr_enabled else "DISABLED"}
        if record.pitr_enabled:
            now = ctx.clock.now_datetime()
            pitr["EarliestRestorableDateTime"] = datetime.fromtimestamp(record.created, timezone.utc)
            pitr["LatestRestorableDateTime"] = now
            pitr["RecoveryPeriodInDays"] = 35
        return {"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": pitr}

    def describe_continuous_backups(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = self._name_from(params["TableName"])
        record = ctx.store.tables.get(name)
        if record is None:
            raise ServiceError("TableNotFoundException", f"Table not found: {name}")
        return {"ContinuousBackupsDescription": self._continuous(ctx, record)}

    def update_continuous_backups(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = self._name_from(params["TableName"])
        record = ctx.store.tables.get(name)
        if record is None:
            raise ServiceError("TableNotFoundException", f"Table not found: {name}")
        record.pitr_enabled = params["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
        ctx.store.tables.save(name)
        return {"ContinuousBackupsDescription": self._continuous(ctx, record)}

    def describe_limits(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "AccountMaxReadCapacityUnits": 80000,
            "AccountMaxWriteCapacityUnits": 80000,
            "TableMaxReadCapacityUnits": 40000,
            "TableMaxWriteCapacityUnits": 40000,
        }

    def describe_endpoints(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        host = ctx.request.headers.get("host") or f"dynamodb.{ctx.region}.amazonaws.com"
        return {"Endpoints": [{"Address": host, "CachePeriodInMinutes": 1440}]}

    def create_backup(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return backups.create(self, ctx, params)

    def describe_backup(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return backups.describe(self, ctx, params)

    def list_backups(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return backups.list_(self, ctx, params)

    def delete_backup(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return backups.delete(self, ctx, params)

    def enable_kinesis_streaming_destination(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = self._record(ctx, self._name_from(params["TableName"]), describe=True)
        if any(d["StreamArn"] == params["StreamArn"] and d["DestinationStatus"] in _STREAMING
               for d in record.kinesis_destinations):
            raise ServiceError("ValidationException", _ENABLE_REFUSED)
        record.kinesis_destinations = [d for d in record.kinesis_destinations if d["StreamArn"] != params["StreamArn"]]
        destination = {"StreamArn": params["StreamArn"], "DestinationStatus": "ACTIVE"}
        config = params.get("EnableKinesisStreamingConfiguration") or {}
        if config.get("ApproximateCreationDateTimePrecision"):
            destination["ApproximateCreationDateTimePrecision"] = config["ApproximateCreationDateTimePrecision"]
        record.kinesis_destinations.append(destination)
        ctx.store.tables.save(record.name)
        return {"TableName": record.name, "StreamArn": params["StreamArn"], "DestinationStatus": "ENABLING",
                "EnableKinesisStreamingConfiguration": config}

    def update_kinesis_streaming_destination(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = self._record(ctx, self._name_from(params["TableName"]), describe=True)
        config = params.get("UpdateKinesisStreamingConfiguration") or {}
        precision = config.get("ApproximateCreationDateTimePrecision")
        if precision is None:
            raise ServiceError("ValidationException",
                               "Streaming destination cannot be updated with given parameters: "
                               "UpdateKinesisStreamingConfiguration cannot be null or contain only null values")
        arn = params["StreamArn"]
        found = [d for d in record.kinesis_destinations if d["StreamArn"] == arn and d["DestinationStatus"] in _STREAMING]
        if not found:
            raise ServiceError("ValidationException",
                               "Table is not in a valid state to enable Kinesis Streaming Destination: No streaming "
                               f"destination with streamArn: {arn} found for table with tableName: {record.name}")
        destination = found[0]
        if destination.get("ApproximateCreationDateTimePrecision", "MILLISECOND") == precision:
            raise ServiceError("ValidationException",
                               f"Invalid Request: Precision is already set to the desired value of {precision} "
                               f"for tableId: {record.table_id}, kdsArn: {arn}")
        destination["ApproximateCreationDateTimePrecision"] = precision
        ctx.store.tables.save(record.name)
        return {"TableName": record.name, "StreamArn": arn, "DestinationStatus": "UPDATING",
                "UpdateKinesisStreamingConfiguration": {"ApproximateCreationDateTimePrecision": precision}}

    def disable_kinesis_streaming_destination(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = self._record(ctx, self._name_from(params["TableName"]), describe=True)
        streaming = [d for d in record.kinesis_destinations
                     if d["StreamArn"] == params["StreamArn"] and d["DestinationStatus"] in _STREAMING]
        if not streaming:
            raise ServiceError("ValidationException", _DISABLE_REFUSED)
        for destination in streaming:
            destination["DestinationStatus"] = "DISABLED"
        ctx.store.tables.save(record.name)
        return {"TableName": record.name, "StreamArn": params["StreamArn"], "DestinationStatus": "DISABLING"}

    def describe_kinesis_streaming_destination(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = self._record(ctx, self._name_from(params["TableName"]), describe=True)
        return {"TableName": record.name, "KinesisDataStreamDestinations": record.kinesis_destinations}

    # -- items --------------------------------------------------------------------------------

    def create_global_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return replicas.create_legacy(self, ctx, params)

    def describe_global_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return replicas.describe_legacy(self, ctx, params)

    def update_global_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return replicas.update_legacy(self, ctx, params)

    def list_global_tables(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return replicas.list_legacy(self, ctx, params)

    def describe_global_table_settings(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return replicas.describe_legacy_settings(self, ctx, params)

    def restore_table_from_backup(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return backups.restore_from_backup(self, ctx, params)

    def restore_table_to_point_in_time(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return backups.restore_to_point_in_time(self, ctx, params)

    async def export_table_to_point_in_time(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await transfers.export_table(self, ctx, params)

    def describe_export(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return transfers.describe_export(self, ctx, params)

    def list_exports(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return transfers.list_exports(self, ctx, params)

    async def import_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await transfers.import_table(self, ctx, params)

    def describe_import(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return transfers.describe_import(self, ctx, params)

    def list_imports(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return transfers.list_imports(self, ctx, params)

    def describe_contributor_insights(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return governance.describe_insights(self, ctx, params)

    def update_contributor_insights(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return governance.update_insights(self, ctx, params)

    def list_contributor_insights(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return governance.list_insights(self, ctx, params)

    def put_resource_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return governance.put_policy(self, ctx, params)

    def get_resource_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return governance.get_policy(self, ctx, params)

    def delete_resource_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return governance.delete_policy(self, ctx, params)

    def _consumed(self, ctx: RequestContext, table: str, kind: str, units: float) -> float:
        """Record the ``AWS/DynamoDB`` ``Consumed<kind>CapacityUnits`` metric AWS publishes
        per table, and pass the units on."""
        self.env.metrics.record_each(
            ctx.account_id, ctx.region, "AWS/DynamoDB", (("TableName", table),),
            ((_CONSUMED_METRIC[kind], units, "Count"),), self.env.clock.now(),
        )  # fmt: skip
        return units

    def put_item(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = self._record(ctx, self._name_from(params["TableName"]))
        legacy.reject_put(params)
        rv = params.get("ReturnValues")
        if rv not in (None, "NONE", "ALL_OLD"):
            raise request_invalid("ReturnValues can only be ALL_OLD or NONE")
        exprs = RequestExpressions(params, expressions=("ConditionExpression",))
        item = item_from_params(record, params["Item"])
        check_item_size(item)
        data = self._data(ctx, record)
        old = data.get(item)
        if not exprs.check(old) or not legacy.expected_ok(params, old):
            raise condition_failed(params, old)
        self.changes.put(ctx.account_id, ctx.region, record, data, item)
        out: dict[str, Any] = {}
        if rv == "ALL_OLD" and old:
            out["Attributes"] = old
        cap = capacity(params, record.name, self._consumed(ctx, record.name, "Write", write_units(old, item)))
        if cap:
            out["ConsumedCapacity"] = cap
        metrics = self._collection_metrics(params, record, item)
        if metrics:
            out["ItemCollectionMetrics"] = metrics
        return out

    def _collection_metrics(self, params: dict[str, Any], record: TableRecord, item: dict[str, Any]) -> dict[str, Any] | None:
        if params.get("ReturnItemCollectionMetrics") != "SIZE" or not record.lsis:
            return None
        return {
            "ItemCollectionKey": {record.hash_name: item[record.hash_name]},
            "SizeEstimateRangeGB": [0.0, 1.0],
        }

    def get_item(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store = ctx.store
        record = self._record(ctx, self._name_from(params["TableName"]), store=store)
        projection = None
        if not _GET_ITEM_SHAPING.isdisjoint(params):  # else none of their checks apply
            reject_mixed(params, ("AttributesToGet",), ("ProjectionExpression",))
            projection = RequestExpressions(params, expressions=("ProjectionExpression",)).projection
        key = clean_key(record, params["Key"])
        stored = store.data(record).stored(key)
        out: dict[str, Any] = {}
        if stored is not None:
            if projection is not None:
                out["Item"] = project(decode(stored.raw), projection)
            elif params.get("AttributesToGet"):
                out["Item"] = {k: v for k, v in decode(stored.raw).items() if k in params["AttributesToGet"]}
            else:
                out["Item"] = self._whole(ctx, stored)
        cap = capacity(params, record.name, self._consumed(ctx, record.name, "Read", read_units(stored.size if stored else 0, bool(params.get("ConsistentRead")))))
        if cap:
            out["ConsumedCapacity"] = cap
        return out

    def delete_item(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = self._record(ctx, self._name_from(params["TableName"]))
        legacy.reject_put(params)
        rv = params.get("ReturnValues")
        if rv not in (None, "NONE", "ALL_OLD"):
            raise request_invalid("ReturnValues can only be ALL_OLD or NONE")
        exprs = RequestExpressions(params, expressions=("ConditionExpression",))
        key = clean_key(record, params["Key"])
        data = self._data(ctx, record)
        old = data.get(key)
        if not exprs.check(old) or not legacy.expected_ok(params, old):
            raise condition_failed(params, old)
        self.changes.delete(ctx.account_id, ctx.region, record, data, key)
        out: dict[str, Any] = {}
        if rv == "ALL_OLD" and old:
            out["Attributes"] = old
        cap = capacity(params, record.name, self._consumed(ctx, record.name, "Write", write_units(old)))
        if cap:
            out["ConsumedCapacity"] = cap
        metrics = self._collection_metrics(params, record, key)
        if metrics:
            out["ItemCollectionMetrics"] = metrics
        return out

    def update_item(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = self._record(ctx, self._name_from(params["TableName"]))
        reject_mixed(params, ("AttributeUpdates", "Expected"), ("UpdateExpression", "ConditionExpression"))
        exprs = RequestExpressions(params, expressions=("UpdateExpression", "ConditionExpression"))
        key = clean_key(record, params["Key"])
        data = self._data(ctx, record)
        old = data.get(key)
        if not exprs.check(old) or not legacy.expected_ok(params, old):
            raise condition_failed(params, old)
        key_names = tuple(key)
        if exprs.update is not None:
            new = apply_update(old, exprs.update, key_names)
        elif params.get("AttributeUpdates"):
            new = legacy.apply_attribute_updates(old, params["AttributeUpdates"], key_names)
        else:
            new = dict(old) if old else {}
        new.update(key)
        check_item_keys(record, new)
        check_item_size(new)
        self.changes.put(ctx.account_id, ctx.region, record, data, new)
        out: dict[str, Any] = {}
        rv = params.get("ReturnValues")
        if rv in ("UPDATED_OLD", "UPDATED_NEW") and exprs.update is None:
            changed = list(params.get("AttributeUpdates") or {})
            source = old if rv == "UPDATED_OLD" else new
            attrs = {k: source[k] for k in changed if source and k in source}
        else:
            attrs = return_values(rv, old, new, exprs.update)
        if attrs:
            out["Attributes"] = attrs
        cap = capacity(params, record.name, self._consumed(ctx, record.name, "Write", write_units(old, new)))
        if cap:
            out["ConsumedCapacity"] = cap
        metrics = self._collection_metrics(params, record, new)
        if metrics:
            out["ItemCollectionMetrics"] = metrics
        return out

    # -- reads --------------------------------------------------------------------------------

    def query(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = self._record(ctx, self._name_from(params["TableName"]))
        reject_mixed(params, ("KeyConditions", "QueryFilter", "AttributesToGet", "ConditionalOperator"), ("KeyConditionExpression", "FilterExpression", "ProjectionExpression"))
        exprs = RequestExpressions(params, expressions=("KeyConditionExpression", "FilterExpression", "ProjectionExpression"))
        data = self._data(ctx, record)
        plan = ReadPlan(record, data, params, exprs, legacy_attrs=params.get("AttributesToGet"), wire=self._wire(ctx))
        types = {a["AttributeName"]: a["AttributeType"] for a in record.attribute_definitions}
        if plan.index is not None and plan.index.multi_attribute:
            if exprs.key_condition is None:
                raise validation("KeyConditionExpression is required to query an index keyed by several attributes")
            composite = composite_key_condition(exprs.key_condition, plan.index.hash_names, plan.index.range_names, types)
            start = plan.start(params.get("ExclusiveStartKey"))
            return plan.page(query_composite(plan, composite, start, params.get("ScanIndexForward", True)), params)
        if exprs.key_condition is not None:
            cond = key_condition(exprs.key_condition, plan.hash_name, plan.range_name, types)
        elif params.get("KeyConditions"):
            cond = legacy.key_conditions(params["KeyConditions"], plan.hash_name, plan.range_name, types)
        else:
            raise validation(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
            )
        if params.get("QueryFilter"):
            exprs.filter = legacy.filter_condition(params["QueryFilter"], params.get("ConditionalOperator"))
        start = plan.start(params.get("ExclusiveStartKey"))
        forward = params.get("ScanIndexForward", True)
        return plan.page(query_items(plan, cond, start, forward), params)

    def scan(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = self._record(ctx, self._name_from(params["TableName"]))
        reject_mixed(params, ("ScanFilter", "AttributesToGet", "ConditionalOperator"), ("FilterExpression", "ProjectionExpression"))
        exprs = RequestExpressions(params, expressions=("FilterExpression", "ProjectionExpression"))
        segment, total = params.get("Segment"), params.get("TotalSegments")
        if segment is not None and total is None:
            raise validation(
                "The TotalSegments parameter is required but was not present in the request when Segment parameter is present"
            )
        if total is not None and segment is None:
            raise validation(
                "The Segment parameter is required but was not present in the request when parameter TotalSegments is present"
            )
        if segment is not None and segment >= total:
            raise validation(
                f"The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {segment} is not less than TotalSegments: {total}"
            )
        data = self._data(ctx, record)
        plan = ReadPlan(record, data, params, exprs, legacy_attrs=params.get("AttributesToGet"), wire=self._wire(ctx))
        if params.get("ScanFilter"):
            exprs.filter = legacy.filter_condition(params["ScanFilter"], params.get("ConditionalOperator"))
        start = plan.start(params.get("ExclusiveStartKey"))
        items = plan.keyed.scan(start, segment or 0, total or 1)
        return plan.page(items, params)

    # -- batches and transactions -------------------------------------------------------------

    def batch_get_item(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return batch.get(self, ctx, params)

    def batch_write_item(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return batch.write(self, ctx, params)

    def transact_get_items(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return transactions.get(self, ctx, params)

    def transact_write_items(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return transactions.write(self, ctx, params)

    # -- PartiQL ------------------------------------------------------------------------------

    def execute_statement(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return partiql.execute(self, ctx, params)

    def batch_execute_statement(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return partiql.execute_batch(self, ctx, params)

    def execute_transaction(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return partiql.execute_transaction(self, ctx, params)

    # -- control surface ----------------------------------------------------------------------

    def introspection(self):  # type: ignore[no-untyped-def]
        return {("GET", "tables"): self._introspect_tables}

    def _introspect_tables(self, params: dict[str, Any]) -> Any:
        out = []
        for (account, region), store in self.stores.items():  # type: ignore[union-attr]
            for record in store.tables.values():
                out.append({
                    "account": account, "region": region, "table": record.name,
                    "items": len(store.data(record)), "ttl": record.ttl_attribute if record.ttl_enabled else None,
                    "stream": record.stream_arn if record.stream else None,
                })
        return {"tables": out}
