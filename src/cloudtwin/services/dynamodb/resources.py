"""CloudFormation resource handlers of DynamoDB's types (``AWS::DynamoDB::Table``, ``GlobalTable``).

A table's template properties are CreateTable's, except a few shaped for templates
(``StreamSpecification`` without ``StreamEnabled``, ``SSESpecification.SSEEnabled``); the
settings CreateTable does not take (TTL, point-in-time recovery, contributor insights,
Kinesis streaming) are applied by their own operations after it. An update makes one
UpdateTable call per change, as DynamoDB takes one index change at a time.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import gone_ok, json_text, shaped, tags, truthy

NAME_LENGTH = 255


def _changed(before: dict[str, Any], after: dict[str, Any], *names: str) -> bool:
    return any(before.get(n) != after.get(n) for n in names)


def _stream(spec: dict[str, Any] | None) -> dict[str, Any]:
    if spec and spec.get("StreamViewType"):
        return {"StreamEnabled": True, "StreamViewType": spec["StreamViewType"]}
    return {"StreamEnabled": False}


def _sse(spec: dict[str, Any] | None) -> dict[str, Any] | None:
    if not spec:
        return None
    out = {"Enabled": truthy(spec.get("SSEEnabled", False))}
    if out["Enabled"]:
        if spec.get("SSEType"):
            out["SSEType"] = spec["SSEType"]
        if spec.get("KMSMasterKeyId"):
            out["KMSMasterKeyId"] = spec["KMSMasterKeyId"]
    return out


def _create_params(request: ResourceRequest, props: dict[str, Any], name: str) -> dict[str, Any]:
    values = {
        k: props.get(k)
        for k in (
            "AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput", "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes", "TableClass", "DeletionProtectionEnabled", "OnDemandThroughput", "WarmThroughput",
        )
    }
    values["TableName"] = name
    if props.get("StreamSpecification", {}).get("StreamViewType"):
        values["StreamSpecification"] = _stream(props["StreamSpecification"])
    values["SSESpecification"] = _sse(props.get("SSESpecification"))
    if (props.get("ResourcePolicy") or {}).get("PolicyDocument"):
        values["ResourcePolicy"] = json_text(props["ResourcePolicy"]["PolicyDocument"])
    params = shaped(request, "dynamodb", "CreateTable", values)
    # AWS's table handler applies the template's tags only, not the stack's aws:cloudformation:* ones.
    if tag_list := tags(request, stack=False):
        params["Tags"] = tag_list
    return params


def _settings(request: ResourceRequest, name: str, arn: str, props: dict[str, Any], before: dict[str, Any]) -> None:
    """What CreateTable does not take: TTL, backups, insights, Kinesis streaming."""
    if _changed(before, props, "TimeToLiveSpecification"):
        spec = props.get("TimeToLiveSpecification") or {}
        old = before.get("TimeToLiveSpecification") or {}
        if spec and truthy(spec.get("Enabled", False)):
            request.call("dynamodb", "UpdateTimeToLive", {"TableName": name, "TimeToLiveSpecification": {
                "AttributeName": spec["AttributeName"], "Enabled": True,
            }})
        elif old and truthy(old.get("Enabled", False)):
            request.call("dynamodb", "UpdateTimeToLive", {"TableName": name, "TimeToLiveSpecification": {
                "AttributeName": old["AttributeName"], "Enabled": False,
            }})
    if _changed(before, props, "PointInTimeRecoverySpecification"):
        spec = props.get("PointInTimeRecoverySpecification") or {"PointInTimeRecoveryEnabled": False}
        request.call("dynamodb", "UpdateContinuousBackups", shaped(request, "dynamodb", "UpdateContinuousBackups", {
            "TableName": name, "PointInTimeRecoverySpecification": spec,
        }))
    if _changed(before, props, "ContributorInsightsSpecification"):
        enabled = truthy((props.get("ContributorInsightsSpecification") or {}).get("Enabled", False))
        if enabled or before.get("ContributorInsightsSpecification"):
            request.call("dynamodb", "UpdateContributorInsights", {
                "TableName": name, "ContributorInsightsAction": "ENABLE" if enabled else "DISABLE",
            })
    if _changed(before, props, "KinesisStreamSpecification"):
        old = (before.get("KinesisStreamSpecification") or {}).get("StreamArn")
        new = (props.get("KinesisStreamSpecification") or {}).get("StreamArn")
        if old:
            with gone_ok():
                request.call("dynamodb", "DisableKinesisStreamingDestination", {"TableName": name, "StreamArn": old})
        if new:
            request.call("dynamodb", "EnableKinesisStreamingDestination", {"TableName": name, "StreamArn": new})
    if before and _changed(before, props, "ResourcePolicy"):
        policy = (props.get("ResourcePolicy") or {}).get("PolicyDocument")
        if policy:
            request.call("dynamodb", "PutResourcePolicy", {"ResourceArn": arn, "Policy": json_text(policy)})
        else:
            with gone_ok():
                request.call("dynamodb", "DeleteResourcePolicy", {"ResourceArn": arn})


def _update(request: ResourceRequest, name: str, props: dict[str, Any], before: dict[str, Any]) -> None:
    """UpdateTable, one change per call."""
    def update(values: dict[str, Any]) -> None:
        request.call("dynamodb", "UpdateTable", shaped(request, "dynamodb", "UpdateTable", {"TableName": name, **values}))

    if _changed(before, props, "BillingMode", "ProvisionedThroughput", "OnDemandThroughput"):
        values = {"BillingMode": props.get("BillingMode", "PROVISIONED")}
        if values["BillingMode"] == "PROVISIONED" and props.get("ProvisionedThroughput"):
            values["ProvisionedThroughput"] = props["ProvisionedThroughput"]
        if props.get("OnDemandThroughput"):
            values["OnDemandThroughput"] = props["OnDemandThroughput"]
        update(values)
    old_indexes = {i["IndexName"]: i for i in before.get("GlobalSecondaryIndexes") or []}
    new_indexes = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes") or []}
    for index_name in old_indexes.keys() - new_indexes.keys():
        update({"GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": index_name}}]})
    for index_name, index in new_indexes.items():
        old = old_indexes.get(index_name)
        if old is None:
            update({
                "AttributeDefinitions": props["AttributeDefinitions"],
                "GlobalSecondaryIndexUpdates": [{"Create": index}],
            })
        elif old != index:
            if old.get("KeySchema") != index.get("KeySchema") or old.get("Projection") != index.get("Projection"):
                raise UpdateNeedsReplacement()  # an index's keys and projection cannot change in place
            if index.get("ProvisionedThroughput") and old.get("ProvisionedThroughput") != index["ProvisionedThroughput"]:
                update({"GlobalSecondaryIndexUpdates": [{"Update": {
                    "IndexName": index_name, "ProvisionedThroughput": index["ProvisionedThroughput"],
                }}]})
    if _changed(before, props, "StreamSpecification"):
        if (before.get("StreamSpecification") or {}).get("StreamViewType"):
            update({"StreamSpecification": {"StreamEnabled": False}})
        if (props.get("StreamSpecification") or {}).get("StreamViewType"):
            update({"StreamSpecification": _stream(props["StreamSpecification"])})
    if _changed(before, props, "SSESpecification"):
        update({"SSESpecification": _sse(props.get("SSESpecification")) or {"Enabled": False}})
    if _changed(before, props, "TableClass") and props.get("TableClass"):
        update({"TableClass": props["TableClass"]})
    if _changed(before, props, "DeletionProtectionEnabled"):
        update({"DeletionProtectionEnabled": truthy(props.get("DeletionProtectionEnabled", False))})


def _retag(request: ResourceRequest, arn: str) -> None:
    current = request.call("dynamodb", "ListTagsOfResource", {"ResourceArn": arn}).get("Tags", [])
    wanted = tags(request, stack=False)
    if stale := sorted({t["Key"] for t in current} - {t["Key"] for t in wanted}):
        request.call("dynamodb", "UntagResource", {"ResourceArn": arn, "TagKeys": stale})
    if wanted:
        request.call("dynamodb", "TagResource", {"ResourceArn": arn, "Tags": wanted})


def _attributes(request: ResourceRequest, name: str) -> dict[str, Any]:
    table = request.call("dynamodb", "DescribeTable", {"TableName": name})["Table"]
    attributes = {"Arn": table["TableArn"], "TableId": table.get("TableId", "")}
    if table.get("LatestStreamArn"):
        attributes["StreamArn"] = table["LatestStreamArn"]
    return attributes


class TableHandler(ResourceHandler):
    type_name = "AWS::DynamoDB::Table"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("TableName") or request.physical_name(NAME_LENGTH)
        table = request.call("dynamodb", "CreateTable", _create_params(request, props, name))["TableDescription"]
        try:
            _settings(request, name, table["TableArn"], props, {})
        except Exception:
            with gone_ok():
                request.call("dynamodb", "DeleteTable", {"TableName": name})
            raise
        attributes = _attributes(request, name)
        attributes.pop("TableId", None)
        return Outcome(name, attributes)

    def update(self, request: ResourceRequest) -> Outcome:
        before, props = request.previous_properties or {}, request.properties
        if _changed(before, props, "TableName", "KeySchema", "LocalSecondaryIndexes", "ImportSourceSpecification"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        arn = _attributes(request, name)["Arn"]
        _update(request, name, props, before)
        _settings(request, name, arn, props, before)
        if _changed(before, props, "Tags"):
            _retag(request, arn)
        attributes = _attributes(request, name)
        attributes.pop("TableId", None)
        return Outcome(name, attributes)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("dynamodb", "DeleteTable", {"TableName": request.physical_id})

    readable = True

    def read(self, request: ResourceRequest) -> dict[str, Any]:
        table = request.call("dynamodb", "DescribeTable", {"TableName": request.physical_id})["Table"]
        found: dict[str, Any] = {"TableName": table["TableName"], "KeySchema": table["KeySchema"],
                                 "BillingMode": (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")}
        throughput = table.get("ProvisionedThroughput") or {}
        if found["BillingMode"] == "PROVISIONED":
            found["ProvisionedThroughput"] = {k: throughput.get(k) for k in ("ReadCapacityUnits", "WriteCapacityUnits")}
        stream = table.get("StreamSpecification") or {}
        if stream.get("StreamEnabled"):
            found["StreamSpecification"] = {"StreamViewType": stream.get("StreamViewType")}
        if table.get("TableClassSummary"):
            found["TableClass"] = table["TableClassSummary"].get("TableClass")
        return found


class GlobalTableHandler(ResourceHandler):
    """``AWS::DynamoDB::GlobalTable`` (version 2019.11.21): a table in the stack's region
    with a replica in every other region its ``Replicas`` list."""

    type_name = "AWS::DynamoDB::GlobalTable"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("TableName") or request.physical_name(NAME_LENGTH)
        local = self._replica(request, props)
        table_props = dict(props)
        if props.get("WriteProvisionedThroughputSettings"):
            table_props["ProvisionedThroughput"] = self._throughput(props, local)
        table_props["Tags"] = local.get("Tags") or []
        table_props["PointInTimeRecoverySpecification"] = local.get("PointInTimeRecoverySpecification")
        table_props["ContributorInsightsSpecification"] = local.get("ContributorInsightsSpecification")
        table_props["TableClass"] = local.get("TableClass")
        table_props["DeletionProtectionEnabled"] = local.get("DeletionProtectionEnabled")
        request.properties = table_props
        try:
            request.call("dynamodb", "CreateTable", _create_params(request, table_props, name))
            _settings(request, name, "", table_props, {})
            for replica in props.get("Replicas") or []:
                if replica["Region"] != request.region:
                    request.call("dynamodb", "UpdateTable", {
                        "TableName": name, "ReplicaUpdates": [{"Create": {"RegionName": replica["Region"]}}],
                    })
        finally:
            request.properties = props
        return Outcome(name, _attributes(request, name))

    def update(self, request: ResourceRequest) -> Outcome:
        before, props = request.previous_properties or {}, request.properties
        if _changed(before, props, "TableName", "KeySchema", "LocalSecondaryIndexes"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        old = {r["Region"] for r in before.get("Replicas") or []}
        new = {r["Region"] for r in props.get("Replicas") or []}
        for region in sorted(new - old - {request.region}):
            request.call("dynamodb", "UpdateTable", {"TableName": name, "ReplicaUpdates": [{"Create": {"RegionName": region}}]})
        for region in sorted(old - new - {request.region}):
            with gone_ok():
                request.call("dynamodb", "UpdateTable", {"TableName": name, "ReplicaUpdates": [{"Delete": {"RegionName": region}}]})
        return Outcome(name, _attributes(request, name))

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("dynamodb", "DeleteTable", {"TableName": request.physical_id})

    @staticmethod
    def _replica(request: ResourceRequest, props: dict[str, Any]) -> dict[str, Any]:
        for replica in props.get("Replicas") or []:
            if replica.get("Region") == request.region:
                return replica
        return {}

    @staticmethod
    def _throughput(props: dict[str, Any], local: dict[str, Any]) -> dict[str, Any]:
        write = props["WriteProvisionedThroughputSettings"].get("WriteCapacityAutoScalingSettings") or {}
        read = (local.get("ReadProvisionedThroughputSettings") or {})
        read_units = read.get("ReadCapacityUnits") or (read.get("ReadCapacityAutoScalingSettings") or {}).get("MinCapacity", 5)
        return {"ReadCapacityUnits": read_units, "WriteCapacityUnits": write.get("MinCapacity", 5)}


HANDLERS = [TableHandler, GlobalTableHandler]
