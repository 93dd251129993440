"""Where a template comes from: ``TemplateBody``, ``TemplateURL`` (an object in cloudtwin's
S3) or ``UsePreviousTemplate``."""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudformation.errors import validation
from cloudtwin.services.cloudformation.template import s3_location


#: The largest template a request may carry in ``TemplateBody`` (bytes); larger ones go through S3.
MAX_BODY = 51200


def checked_body(text: str) -> str:
    """A ``TemplateBody``, or AWS's request validation error when it is past the quota."""
    if len(text.encode("utf-8")) > MAX_BODY:
        raise validation(
            f"1 validation error detected: Value '{text}' at 'templateBody' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_BODY}"
        )
    return text


async def body(ctx: RequestContext, internal: Any, params: dict[str, Any], previous: dict[str, Any] | None = None) -> str:
    if params.get("TemplateBody") is not None:
        return checked_body(params["TemplateBody"])
    if params.get("TemplateURL"):
        return await read_url(ctx, internal, params["TemplateURL"])
    if params.get("UsePreviousTemplate") and previous is not None:
        return previous["template"]
    raise validation("Either Template URL or Template Body must be specified.")


async def read_url(ctx: RequestContext, internal: Any, url: str, *, s3_scheme: bool = False) -> str:
    """An object's text; ``s3://`` URLs only where AWS takes them (``AWS::Include``)."""
    location = s3_location(url)
    if location is not None and url.startswith("s3://") and not s3_scheme:
        raise validation(f"S3 error: Domain name specified in {location[0]} is not a valid S3 domain")
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
