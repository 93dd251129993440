"""Firehose dynamic partitioning: records of a delivery grouped by partition keys, each group
written to S3 under the prefix with its keys (``!{partitionKeyFromQuery:<key>}``).

Keys come from two places, each its own namespace in the prefix:

- ``!{partitionKeyFromQuery:<key>}``: the ``MetadataExtraction`` processor, a JQ query
  (``MetadataExtractionQuery``, run by the ``jq`` library as AWS's ``JQ-1.6`` engine does) that
  makes an object of keys from each JSON record;
- ``!{partitionKeyFromLambda:<key>}``: the Lambda transformation, whose answer for a record
  carries ``"metadata": {"partitionKeys": {"<key>": "<value>", ...}}`` beside ``recordId``,
  ``result`` and ``data``.

A record whose keys cannot be made (not JSON, the query fails, a key the prefix names missing
or not a scalar) is not delivered to a partition: it goes to the error prefix as AWS's
``DynamicPartitioning.MetadataExtractionFailed``. ``AppendDelimiterToRecord`` adds its
``Delimiter`` after each record.
"""

from __future__ import annotations

import base64
import codecs
import json
import re
from functools import lru_cache
from typing import Any

FAILED_CODE = "DynamicPartitioning.MetadataExtractionFailed"
QUERY, LAMBDA = "partitionKeyFromQuery", "partitionKeyFromLambda"
_REFERENCE = re.compile(r"!\{(partitionKeyFrom(?:Query|Lambda)):([^}]*)\}")


def enabled(destination: dict[str, Any]) -> bool:
    return bool((destination.get("DynamicPartitioningConfiguration") or {}).get("Enabled"))


def _processors(destination: dict[str, Any]) -> dict[str, dict[str, str]]:
    config = destination.get("ProcessingConfiguration") or {}
    if not config.get("Enabled"):
        return {}
    return {
        p.get("Type", ""): {q.get("ParameterName", ""): q.get("ParameterValue", "") for q in p.get("Parameters") or []}
        for p in config.get("Processors") or []
    }


@lru_cache(maxsize=64)
def _compiled(query: str) -> Any:
    import jq  # only streams with dynamic partitioning need it

    return jq.compile(query)


def _keys(query: str, data: bytes) -> dict[str, str]:
    """The partition keys of one record, or ValueError with why they cannot be made."""
    try:
        found = _compiled(query).input_text(data.decode()).first()
    except Exception as error:  # noqa: BLE001 - jq raises ValueError and others for bad input
        raise ValueError(f"Non JSON record provided or the query failed: {error}") from None
    if not isinstance(found, dict):
        raise ValueError("The metadata extraction query did not produce a JSON object.")
    return _scalars(found)


def _scalars(found: dict[str, Any]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for name, value in found.items():
        if value is None or isinstance(value, (dict, list)):
            raise ValueError(f"The partition key '{name}' is missing or is not a scalar value.")
        keys[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return keys


def lambda_keys(item: dict[str, Any]) -> dict[str, Any] | None:
    """The ``metadata.partitionKeys`` of a transformation's answer for one record, if any."""
    metadata = item.get("metadata")
    keys = metadata.get("partitionKeys") if isinstance(metadata, dict) else None
    return keys if isinstance(keys, dict) else None


def referenced(prefix: str) -> list[tuple[str, str]]:
    """The (namespace, key) pairs a prefix names."""
    return [(namespace, key.strip()) for namespace, key in _REFERENCE.findall(prefix or "")]


def _record_keys(query: str | None, record: bytes, from_lambda: dict[str, Any] | None,
                 needed: list[tuple[str, str]]) -> dict[str, dict[str, str]]:  # fmt: skip
    """A record's keys by namespace, or ValueError with why they cannot be made."""
    keys: dict[str, dict[str, str]] = {QUERY: _keys(query, record) if query else {}, LAMBDA: {}}
    if from_lambda is not None:
        keys[LAMBDA] = _scalars(from_lambda)
    for namespace, key in needed:
        if key not in keys[namespace]:
            where = "the metadata extraction query" if namespace == QUERY else "the Lambda function's metadata"
            raise ValueError(f"The partition key '{key}' was not found in {where}.")
    return keys


def partition(destination: dict[str, Any], data: list[bytes], now_ms: int, arrivals: list[int],
              from_lambda: list[dict[str, Any] | None] | None = None,
              ) -> tuple[list[tuple[dict[str, dict[str, str]], list[bytes]]], list[dict[str, Any]]]:  # fmt: skip
    """([(keys by namespace, records of that partition)...] in first-seen order, failed-record
    documents). ``from_lambda``: each record's partition keys from the transformation."""
    processors = _processors(destination)
    query = (processors.get("MetadataExtraction") or {}).get("MetadataExtractionQuery")
    delimiter = None
    if "AppendDelimiterToRecord" in processors:
        raw = processors["AppendDelimiterToRecord"].get("Delimiter") or "\\n"
        delimiter = codecs.decode(raw, "unicode_escape").encode()
    needed = referenced(destination.get("Prefix") or "")
    groups: dict[str, tuple[dict[str, dict[str, str]], list[bytes]]] = {}
    failures: list[dict[str, Any]] = []
    for index, (record, arrival) in enumerate(zip(data, arrivals)):
        try:
            keys = _record_keys(query, record, from_lambda[index] if from_lambda else None, needed)
        except ValueError as error:
            failures.append({"attemptsMade": 1, "arrivalTimestamp": arrival, "errorCode": FAILED_CODE,
                             "errorMessage": str(error), "attemptEndingTimestamp": now_ms,
                             "rawData": base64.b64encode(record).decode()})  # fmt: skip
            continue
        group = groups.setdefault(json.dumps(keys, sort_keys=True), (keys, []))
        group[1].append(record + delimiter if delimiter is not None else record)
    return list(groups.values()), failures
