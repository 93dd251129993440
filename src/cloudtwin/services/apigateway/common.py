"""Helpers every API Gateway feature module uses: ids, lookups with AWS's not-found
answers, tags and paging."""

from __future__ import annotations

import secrets
import string
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError

Params = dict[str, Any]
_ALPHABET = string.ascii_lowercase + string.digits


def new_id(length: int = 10) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def not_found(message: str) -> ServiceError:
    return ServiceError("NotFoundException", message, 404)


def bad_request(message: str) -> ServiceError:
    return ServiceError("BadRequestException", message, 400)


def conflict(message: str) -> ServiceError:
    return ServiceError("ConflictException", message, 409)


def api_record(ctx: RequestContext, api_id: str, missing: ServiceError | None = None) -> dict:
    """An API's record; a missing API is ``missing`` when given (AWS names the sub-resource it
    looked for: ``Invalid Resource identifier specified``), else the API itself."""
    record = ctx.store.apis.get(api_id)
    if record is None:
        raise missing or not_found(f"Invalid API identifier specified {ctx.account_id}:{api_id}")
    return record


def resource_api(ctx: RequestContext, api_id: str) -> dict:
    """The record of an API whose resource is addressed (a missing API is a missing resource)."""
    return api_record(ctx, api_id, not_found("Invalid Resource identifier specified"))


def save(ctx: RequestContext, api_id: str) -> None:
    ctx.store.apis.save(api_id)


def resource_of(record: dict, resource_id: str) -> dict:
    resource = record["resources"].get(resource_id)
    if resource is None:
        raise not_found("Invalid Resource identifier specified")
    return resource


def method_of(record: dict, resource_id: str, http_method: str) -> dict:
    method = resource_of(record, resource_id).get("resourceMethods", {}).get(http_method)
    if method is None:
        raise not_found("Invalid Method identifier specified")
    return method


def public(record: dict) -> dict:
    """A record without cloudtwin's own bookkeeping (keys starting with ``_``)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def page(items: list, params: Params, key: str = "items") -> Params:
    """``position``/``limit`` paging as API Gateway does it (position is an opaque token)."""
    start = int(params["position"]) if str(params.get("position") or "").isdigit() else 0
    limit = params.get("limit") or 500
    out: Params = {key: items[start:start + limit]}
    if start + limit < len(items):
        out["position"] = str(start + limit)
    return out


def arn(ctx: RequestContext, path: str) -> str:
    return f"arn:{ctx.partition}:apigateway:{ctx.region}::{path}"
