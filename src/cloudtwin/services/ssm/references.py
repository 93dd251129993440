"""Parameters that are not in the account's store.

* Public parameters (``/aws/service/global-infrastructure/…``): AWS's Regions and the
  services offered in each, generated from botocore's published endpoint data.
* ``/aws/reference/secretsmanager/<secret>``: a Secrets Manager secret read as a
  parameter, through the internal client (GetSecretValue as the caller).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ssm import names as naming

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

PUBLIC_PREFIX = "/aws/service/"
SECRET_PREFIX = "/aws/reference/secretsmanager/"
_INFRASTRUCTURE = "/aws/service/global-infrastructure"
#: Public parameters carry the date AWS last changed them; cloudtwin's are fixed.
_PUBLISHED = 1_577_836_800.0  # 2020-01-01T00:00:00Z


@lru_cache(maxsize=1)
def public_parameters() -> dict[str, str]:
    """Every global-infrastructure public parameter, name -> value (built once)."""
    from botocore.loaders import Loader

    out: dict[str, str] = {}
    for partition in Loader().load_data("endpoints")["partitions"]:
        domain = partition["dnsSuffix"]
        for region, info in partition["regions"].items():
            base = f"{_INFRASTRUCTURE}/regions/{region}"
            out[base] = region
            out[base + "/longName"] = info.get("description", region)
            out[base + "/partition"] = partition["partition"]
            out[base + "/domain"] = domain
        for service, info in partition["services"].items():
            out[f"{_INFRASTRUCTURE}/services/{service}"] = service
            for region in info.get("endpoints", {}):
                if region in partition["regions"]:
                    out[f"{_INFRASTRUCTURE}/regions/{region}/services/{service}"] = service
                    out[f"{_INFRASTRUCTURE}/services/{service}/regions/{region}"] = region
    return dict(sorted(out.items()))


def _public_entry(ctx: "RequestContext", name: str, value: str) -> dict[str, Any]:
    return {
        "Name": name,
        "Type": "String",
        "Value": value,
        "Version": 1,
        "LastModifiedDate": _PUBLISHED,
        "ARN": f"arn:{ctx.partition}:ssm:{ctx.region}::parameter{name}",
        "DataType": "text",
    }


def public_parameter(ctx: "RequestContext", name: str) -> dict[str, Any]:
    value = public_parameters().get(name.rstrip("/"))
    if value is None:
        raise ServiceError("ParameterNotFound", "")
    return _public_entry(ctx, name.rstrip("/"), value)


def public_by_path(ctx: "RequestContext", path: str, recursive: bool) -> list[dict[str, Any]]:
    prefix = path.rstrip("/") + "/"
    return [
        _public_entry(ctx, name, value)
        for name, value in public_parameters().items()
        if name.startswith(prefix) and (recursive or "/" not in name[len(prefix):])
    ]


def secret_parameter(ctx: "RequestContext", internal: Any, raw: str, decrypt: bool) -> dict[str, Any]:
    """GetParameter of ``/aws/reference/secretsmanager/<secret>[:version id or stage]``."""
    if not decrypt:
        raise ServiceError(
            "ValidationException",
            "WithDecryption flag must be True for retrieving a Secret Value from Secrets Manager",
        )
    name, selector = naming.split_selector(raw)
    request: dict[str, Any] = {"SecretId": name[len(SECRET_PREFIX):]}
    if selector:
        request["VersionId" if len(selector) >= 32 else "VersionStage"] = selector
    try:
        secret = internal.call(
            "secretsmanager", "GetSecretValue", request,
            account_id=ctx.account_id, region=ctx.region, caller=ctx.identity,
        )  # fmt: skip
    except ServiceError as error:
        if error.code in ("ResourceNotFoundException", "ValidationException"):
            raise ServiceError(
                "ParameterNotFound",
                "An error occurred (ParameterNotFound) when referencing Secrets Manager: "
                f"Secret {name} not found.",
            ) from None
        raise
    created = secret["CreatedDate"]
    if isinstance(created, datetime):
        created = created.timestamp()
    source = {k: v for k, v in secret.items() if k != "CreatedDate" and not isinstance(v, (bytes, bytearray))}
    source["CreatedDate"] = datetime.fromtimestamp(created, timezone.utc).isoformat()
    value = secret.get("SecretString")
    if value is None:
        value = base64.b64encode(secret.get("SecretBinary", b"")).decode()
    out = {
        "Name": raw,
        "Type": "SecureString",
        "Value": value,
        "Version": 0,
        "SourceResult": json.dumps(source),
        "LastModifiedDate": created,
        "ARN": f"arn:{ctx.partition}:ssm:{ctx.region}:{ctx.account_id}:parameter{name}",
        "DataType": "text",
    }
    if selector:
        out["Selector"] = ":" + selector
    return out
