"""Where a template comes from: ``TemplateBody``, ``TemplateURL`` (an object in cloudtwin's
S3) or ``UsePreviousTemplate``."""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudformation.errors import validation
from cloudtwin.services.cloudformation.template import s3_location


async def body(ctx: RequestContext, internal: Any, params: dict[str, Any], previous: dict[str, Any] | None = None) -> str:
    if params.get("TemplateBody") is not None:
        return params["TemplateBody"]
    if params.get("TemplateURL"):
        return await read_url(ctx, internal, params["TemplateURL"])
    if params.get("UsePreviousTemplate") and previous is not None:
        return previous["template"]
    raise validation("Either Template URL or Template Body must be specified.")


async def read_url(ctx: RequestContext, internal: Any, url: str) -> str:
    location = s3_location(url)
    if location is None:
        raise validation("TemplateURL must be a supported URL.")
    bucket, key = location
    try:
        found = await internal.call_async(
            "s3", "GetObject", {"Bucket": bucket, "Key": key}, account_id=ctx.account_id, region=ctx.region
        )
    except ServiceError:
        raise validation(f"S3 error: Access Denied / the object {url} could not be read") from None
    data = found.get("Body", b"")
    if hasattr(data, "__aiter__"):
        data = b"".join([piece async for piece in data])
    elif not isinstance(data, (bytes, bytearray)):
        data = b"".join(data)
    return bytes(data).decode("utf-8")
