"""Destination configurations: which one a CreateDeliveryStream names, AWS's defaults, the
description DescribeDeliveryStream answers (the members the model's description shape has,
``...Configuration`` members renamed to their ``...Description``), and UpdateDestination's
merge."""

from __future__ import annotations

import copy
from typing import Any

from cloudtwin.services.firehose.delivery import has_expressions
from cloudtwin.services.firehose.errors import invalid_argument

Params = dict[str, Any]

#: CreateDeliveryStream member -> destination kind (S3 configurations are kept as ExtendedS3,
#: as AWS describes them).
KINDS = {
    "S3DestinationConfiguration": "ExtendedS3", "ExtendedS3DestinationConfiguration": "ExtendedS3",
    "RedshiftDestinationConfiguration": "Redshift", "ElasticsearchDestinationConfiguration": "Elasticsearch",
    "AmazonopensearchserviceDestinationConfiguration": "Amazonopensearchservice",
    "SplunkDestinationConfiguration": "Splunk", "HttpEndpointDestinationConfiguration": "HttpEndpoint",
    "AmazonOpenSearchServerlessDestinationConfiguration": "AmazonOpenSearchServerless",
    "SnowflakeDestinationConfiguration": "Snowflake", "IcebergDestinationConfiguration": "Iceberg",
}  # fmt: skip
S3_DEFAULTS: Params = {
    "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
    "CompressionFormat": "UNCOMPRESSED",
    "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
    "CloudWatchLoggingOptions": {"Enabled": False},
}


def _s3_defaults(config: Params) -> Params:
    out = copy.deepcopy(S3_DEFAULTS)
    out.update(copy.deepcopy(config))
    out["BufferingHints"] = dict(S3_DEFAULTS["BufferingHints"], **(config.get("BufferingHints") or {}))
    return out


def check_prefixes(s3: Params) -> None:
    prefix = s3.get("Prefix") or ""
    if has_expressions(prefix) and not s3.get("ErrorOutputPrefix"):
        raise invalid_argument("ErrorOutputPrefix cannot be null or empty when Prefix contains expressions")


def from_create(params: Params) -> tuple[str, Params]:
    given = [name for name in KINDS if params.get(name)]
    if len(given) != 1:
        raise invalid_argument(
            "Exactly one destination configuration must be specified." if given else
            "Destination configuration must be specified."
        )
    name = given[0]
    kind = KINDS[name]
    config = copy.deepcopy(params[name])
    if kind == "ExtendedS3":
        config = _s3_defaults(config)
        if name == "ExtendedS3DestinationConfiguration":
            config.setdefault("S3BackupMode", "Disabled")
        check_prefixes(config)
    elif config.get("S3Configuration"):
        config["S3Configuration"] = _s3_defaults(config["S3Configuration"])
    return kind, config


def buffering(kind: str, config: Params) -> tuple[int, float]:
    """(bytes, seconds) after which a batch goes out."""
    hints = config.get("BufferingHints") or (config.get("S3Configuration") or {}).get("BufferingHints") or {}
    return int(hints.get("SizeInMBs", 5)) * 1024 * 1024, float(hints.get("IntervalInSeconds", 300))


def _describe_members(value: Any, shape: Any) -> Any:
    """``value`` with the members ``shape`` (a description structure) has, renaming
    ``XConfiguration`` to ``XDescription`` / ``S3Configuration`` to ``S3DestinationDescription``."""
    if shape is None or shape.type_name != "structure" or not isinstance(value, dict):
        return value
    out: Params = {}
    members = shape.members
    for key, item in value.items():
        target = key
        if key not in members:
            for candidate in (key.replace("Configuration", "Description"),
                              key.replace("S3Configuration", "S3DestinationDescription")):  # fmt: skip
                if candidate in members:
                    target = candidate
                    break
            else:
                continue
        out[target] = _describe_members(item, members[target])
    return out


def describe(model: Any, kind: str, config: Params) -> Params:
    shape = model.shape_for(f"{kind}DestinationDescription")
    description = _describe_members(config, shape)
    out: Params = {"DestinationId": "destinationId-000000000001", f"{kind}DestinationDescription": description}
    if kind == "ExtendedS3":
        out["S3DestinationDescription"] = _describe_members(config, model.shape_for("S3DestinationDescription"))
    return out


def merge(base: Params, update: Params) -> Params:
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def update_member(kind: str, params: Params) -> Params | None:
    """The ...DestinationUpdate of an UpdateDestination for a destination of ``kind``."""
    if kind == "ExtendedS3":
        update = params.get("ExtendedS3DestinationUpdate") or params.get("S3DestinationUpdate")
    else:
        update = params.get(f"{kind}DestinationUpdate")
    others = [k for k in params if k.endswith("DestinationUpdate") and params[k] is not None]
    if update is None and others:
        raise invalid_argument("Changing the destination type to or from S3 is not supported.")
    if update and kind != "ExtendedS3" and update.get("S3Update"):
        update = dict(update)
        update["S3Configuration"] = update.pop("S3Update")
    return update
