"""Event source mappings: the API (create, read, update, delete) and AWS's checks.

The mappings are records in the Lambda store; pollers.py reads them and does the polling.
States as AWS reports them: ``Creating`` in the create answer, then ``Enabled`` or
``Disabled``; ``Updating`` in an update answer; ``Deleting`` in the delete answer.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from cloudtwin.events.patterns import PatternError, compile_pattern
from cloudtwin.events.targets import arn_parts
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_.errors import lambda_error

Params = dict[str, Any]

_STREAM_DEFAULTS = {
    "BatchSize": 100, "MaximumBatchingWindowInSeconds": 0, "ParallelizationFactor": 1,
    "MaximumRecordAgeInSeconds": -1, "BisectBatchOnFunctionError": False, "MaximumRetryAttempts": -1,
    "TumblingWindowInSeconds": 0,
}  # fmt: skip
_UPDATABLE = (
    "BatchSize", "MaximumBatchingWindowInSeconds", "FilterCriteria", "ScalingConfig", "DestinationConfig",
    "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError", "MaximumRetryAttempts", "ParallelizationFactor",
    "TumblingWindowInSeconds", "FunctionResponseTypes", "MetricsConfig",
)  # fmt: skip


def invalid(message: str) -> ServiceError:
    return lambda_error("InvalidParameterValueException", message)


def source_kind(arn: str) -> str:
    """``sqs``, ``dynamodb`` (a table's stream) or ``kinesis``; refuses anything else."""
    try:
        service, _, _, resource = arn_parts(arn)
    except ValueError:
        raise invalid("Unrecognized event source.") from None
    if service == "sqs":
        return "sqs"
    if service == "dynamodb" and "/stream/" in resource:
        return "dynamodb"
    if service == "kinesis":
        return "kinesis"
    raise invalid("Unrecognized event source, must be kinesis, dynamodb stream or sqs.")


def check_filters(criteria: Params | None) -> None:
    for entry in (criteria or {}).get("Filters") or []:
        try:
            compile_pattern(entry.get("Pattern") or "")
        except PatternError:
            raise invalid("Invalid filter pattern definition.") from None  # Lambda names no detail


def new_mapping(params: Params, kind: str, function_arn: str, mapping_arn_prefix: str, now: float) -> Params:
    mapping_id = str(uuid.uuid4())
    mapping: Params = {
        "UUID": mapping_id,
        "EventSourceArn": params["EventSourceArn"],
        "FunctionArn": function_arn,
        "LastModified": now,
        "State": "Enabled" if params.get("Enabled", True) else "Disabled",
        # AWS words it per source kind: queues "USER_INITIATED", streams "User action".
        "StateTransitionReason": "USER_INITIATED" if kind == "sqs" else "User action",
        "EventSourceMappingArn": f"{mapping_arn_prefix}:event-source-mapping:{mapping_id}",
        "FunctionResponseTypes": list(params.get("FunctionResponseTypes") or []),
        "MaximumBatchingWindowInSeconds": params.get("MaximumBatchingWindowInSeconds", 0),
    }
    if kind == "sqs":
        if params.get("StartingPosition"):
            raise invalid("StartingPosition is not valid for SQS event sources.")
        batch = params.get("BatchSize", 10)
        _check_sqs_batch(params["EventSourceArn"], batch, params.get("MaximumBatchingWindowInSeconds", 0))
        mapping["BatchSize"] = batch
        if params.get("ScalingConfig"):
            mapping["ScalingConfig"] = params["ScalingConfig"]
    else:
        mapping["LastProcessingResult"] = "No records processed"
        if not params.get("StartingPosition"):
            raise invalid("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.")
        if params["StartingPosition"] == "AT_TIMESTAMP" and kind == "dynamodb":
            raise invalid(f"Unsupported starting position for arn type: {params['EventSourceArn']}")
        for key, default in _STREAM_DEFAULTS.items():
            mapping[key] = params.get(key, default)
        mapping["StartingPosition"] = params["StartingPosition"]
        if params.get("StartingPositionTimestamp") is not None:
            mapping["StartingPositionTimestamp"] = params["StartingPositionTimestamp"]
        mapping["DestinationConfig"] = params.get("DestinationConfig") or {"OnFailure": {}}
    if params.get("FilterCriteria"):
        check_filters(params["FilterCriteria"])
        if params["FilterCriteria"].get("Filters"):
            mapping["FilterCriteria"] = params["FilterCriteria"]
    if params.get("Tags"):
        mapping["_tags"] = dict(params["Tags"])
    return mapping


def _check_sqs_batch(queue_arn: str, batch: int, window: int) -> None:
    if batch > 10 and queue_arn.endswith(".fifo"):
        raise invalid("Batch size for FIFO queues must be less than or equal to 10.")
    if batch > 10 and not window:
        raise invalid("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")


def update_mapping(mapping: Params, params: Params, now: float) -> None:
    if "FilterCriteria" in params:
        check_filters(params["FilterCriteria"])
    if mapping["EventSourceArn"].split(":")[2:3] == ["sqs"] and ("BatchSize" in params or "MaximumBatchingWindowInSeconds" in params):
        _check_sqs_batch(
            mapping["EventSourceArn"], params.get("BatchSize", mapping.get("BatchSize", 10)),
            params.get("MaximumBatchingWindowInSeconds", mapping.get("MaximumBatchingWindowInSeconds", 0)),
        )  # fmt: skip
    for key in _UPDATABLE:
        if key in params:
            if key == "FilterCriteria" and not (params[key] or {}).get("Filters"):
                mapping.pop(key, None)
            else:
                mapping[key] = params[key]
    if "Enabled" in params:
        mapping["State"] = "Enabled" if params["Enabled"] else "Disabled"
    mapping["LastModified"] = now


def as_response(mapping: Params, state: str | None = None) -> Params:
    out = {k: v for k, v in mapping.items() if not k.startswith("_")}
    if state is not None:
        out["State"] = state
    return out


def filters_of(mapping: Params) -> list:
    return [compile_pattern(f["Pattern"]) for f in (mapping.get("FilterCriteria") or {}).get("Filters") or []]


def record_matches(filters: list, record: Params) -> bool:
    """A record passes when it matches any filter (no filters: every record). An SQS body
    that is JSON is matched as data, as AWS does."""
    if not filters:
        return True
    subject = dict(record)
    if isinstance(subject.get("body"), str):
        try:
            subject["body"] = json.loads(subject["body"])
        except ValueError:
            pass
    return any(f.matches(subject) for f in filters)
