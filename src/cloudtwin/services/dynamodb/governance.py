"""Contributor Insights settings and resource-based policies of tables and streams.

Both are settings stored on the table record and answered as AWS answers them: Contributor
Insights per table or global secondary index (its CloudWatch rules named as AWS names
them), resource policies per table or stream ARN with a revision id that changes on every
write and guards ``ExpectedRevisionId``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb.models import TableRecord
from cloudtwin.services.dynamodb.tables import not_found
from cloudtwin.services.dynamodb.values import validation

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.dynamodb.provider import Provider

Params = dict[str, Any]

DEFAULT_MODE = "ACCESSED_AND_THROTTLED_KEYS"
MAX_POLICY_BYTES = 20 * 1024


# -- Contributor Insights ---------------------------------------------------------------------


def _target(provider: "Provider", ctx: RequestContext, params: Params) -> tuple[TableRecord, str]:
    name = provider._name_from(params["TableName"])
    record = ctx.store.tables.get(name)
    if record is None:
        raise not_found(name)
    index = params.get("IndexName") or ""
    if index:
        found = record.index(index)
        if found is None or not found.is_global:
            raise ServiceError("ResourceNotFoundException", "Requested resource not found")
    return record, index


def _rules(record: TableRecord, index: str, mode: str, since: float) -> list[str]:
    """AWS's CloudWatch Contributor Insights rule names: partition (PK) and sort (SK) key
    rules, each for most-accessed (C) and most-throttled (T) keys."""
    keys = record.index(index).key_schema if index else record.key_schema  # type: ignore[union-attr]
    target = f"{record.name}/index/{index}" if index else record.name
    kinds = ["PK"] + (["SK"] if len(keys) > 1 else [])
    counters = ["T"] if mode == "THROTTLED_KEYS" else ["C", "T"]
    stamp = int(since * 1000)
    return [f"DynamoDBContributorInsights-{k}{c}-{target}-{stamp}" for k in kinds for c in counters]


def describe_insights(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    record, index = _target(provider, ctx, params)
    out: Params = {"TableName": record.name}
    if index:
        out["IndexName"] = index
    setting = record.insights.get(index)
    if setting is None:
        out["ContributorInsightsStatus"] = "DISABLED"
        return out
    out["ContributorInsightsStatus"] = setting["status"]
    if setting["status"] == "ENABLED":
        out["ContributorInsightsRuleList"] = _rules(record, index, setting["mode"], setting["since"])
        out["ContributorInsightsMode"] = setting["mode"]
    out["LastUpdateDateTime"] = datetime.fromtimestamp(setting["updated"], timezone.utc)
    return out


def update_insights(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    record, index = _target(provider, ctx, params)
    now = ctx.clock.now()
    action = params["ContributorInsightsAction"]
    mode = params.get("ContributorInsightsMode") or DEFAULT_MODE
    current = record.insights.get(index)
    if action == "ENABLE":
        since = current["since"] if current and current["status"] == "ENABLED" else now
        record.insights[index] = {"status": "ENABLED", "mode": mode, "updated": now, "since": since}
        answered = "ENABLING"
    else:
        if current is not None:
            mode = current["mode"]
        record.insights[index] = {"status": "DISABLED", "mode": mode, "updated": now, "since": now}
        answered = "DISABLING"
    ctx.store.tables.save(record.name)
    out: Params = {"TableName": record.name}
    if index:
        out["IndexName"] = index
    out["ContributorInsightsStatus"] = answered
    out["ContributorInsightsMode"] = mode
    return out


def list_insights(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    wanted = params.get("TableName")
    if wanted:
        wanted = provider._name_from(wanted)
        if wanted not in ctx.store.tables:
            raise not_found(wanted)
    rows: list[Params] = []
    for name in sorted(ctx.store.tables):
        if wanted and name != wanted:
            continue
        record: TableRecord = ctx.store.tables[name]
        for index in sorted(record.insights):
            setting = record.insights[index]
            row: Params = {"TableName": name}
            if index:
                row["IndexName"] = index
            row["ContributorInsightsStatus"] = setting["status"]
            row["ContributorInsightsMode"] = setting["mode"]
            rows.append(row)
    size = params.get("MaxResults") or 100
    start = int(params.get("NextToken") or 0) if str(params.get("NextToken") or "0").isdigit() else 0
    out: Params = {"ContributorInsightsSummaries": rows[start : start + size]}
    if start + size < len(rows):
        out["NextToken"] = str(start + size)
    return out


# -- resource-based policies ------------------------------------------------------------------


def _resource(provider: "Provider", ctx: RequestContext, arn: str) -> tuple[TableRecord, str]:
    """The table a table or stream ARN belongs to, and the key its policy is kept under
    ("" for the table, the stream's label for a stream)."""
    table_arn, _, rest = arn.partition("/stream/")
    record = provider._by_arn(ctx, table_arn)
    if rest:
        if record.stream_arn != arn:
            raise ServiceError(
                "ResourceNotFoundException",
                f"Requested resource not found: ResourceArn: {arn} not found",
            )
        return record, rest
    if "/index/" in arn:
        raise validation(f"Invalid ResourceArn provided as input {arn}")
    return record, ""


def _no_policy(arn: str) -> ServiceError:
    return ServiceError(
        "PolicyNotFoundException",
        f"Resource-based policy not found for the provided ResourceArn: {arn}",
    )


def _existing(provider: "Provider", ctx: RequestContext, arn: str) -> tuple[TableRecord, str, tuple[str, str]]:
    record, key = _resource(provider, ctx, arn)
    current = record.policies.get(key)
    if current is None:
        raise _no_policy(arn)
    return record, key, current


def _revision_mismatch(action: str, expected: str, record: TableRecord, current: str) -> ServiceError:
    return ServiceError(
        "PolicyNotFoundException",
        f"Resource-based policy not found for the provided ResourceArn: Requested {action} "
        f"for policy with revision id {expected}, but the policy associated to target "
        f"table {record.name} has revision id {current}.",
    )


def _next_revision(record: TableRecord, now: float) -> str:
    revision = int(now * 1000)
    used = [int(r) for _, r in record.policies.values()]
    if used and revision <= max(used):
        revision = max(used) + 1
    return str(revision)


def check_policy_document(text: str) -> None:
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise validation(
            f"Resource-based policy size exceeds the maximum allowed size of {MAX_POLICY_BYTES} bytes"
        )
    try:
        document = json.loads(text)
    except ValueError:
        raise validation("Invalid policy document: the policy is not valid JSON") from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise validation("Invalid policy document: the policy must contain a Statement")


def set_policy(record: TableRecord, key: str, text: str, now: float) -> str:
    revision = _next_revision(record, now)
    record.policies[key] = (text, revision)
    return revision


def put_policy(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    arn = params["ResourceArn"]
    record, key = _resource(provider, ctx, arn)
    check_policy_document(params["Policy"])
    current = record.policies.get(key)
    expected = params.get("ExpectedRevisionId")
    if expected is not None:
        if current is None:
            raise _no_policy(arn)
        if current[1] != expected:
            raise _revision_mismatch("update", expected, record, current[1])
    revision = set_policy(record, key, params["Policy"], ctx.clock.now())
    ctx.store.tables.save(record.name)
    return {"RevisionId": revision}


def get_policy(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    _, _, current = _existing(provider, ctx, params["ResourceArn"])
    return {"Policy": current[0], "RevisionId": current[1]}


def delete_policy(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    record, key, current = _existing(provider, ctx, params["ResourceArn"])
    expected = params.get("ExpectedRevisionId")
    if expected is not None and expected != current[1]:
        raise _revision_mismatch("delete", expected, record, current[1])
    del record.policies[key]
    ctx.store.tables.save(record.name)
    return {"RevisionId": current[1]}
