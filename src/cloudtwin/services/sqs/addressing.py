"""Queue URLs, queue ARNs and receipt handles: building them and reading them back.

A queue URL is ``<scheme>://<host the client used>/<account>/<name>``. Any URL whose path
is ``/<account>/<name>`` names a queue, whatever its host, so URLs handed out under one
host name (``localhost:4566``, ``sqs.us-east-1.localhost.localstack.cloud:4566``, an
internal call's ``localhost``) keep working under another. A region in the host
(``sqs.<region>.…`` or ``<region>.queue.…``) wins over the request's region.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sqs.errors import receipt_handle_invalid

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext
    from cloudtwin.protocol.http import HttpRequest

_REGION_HOST = re.compile(r"^(?:sqs\.([a-z]{2}(?:-[a-z]+)+-\d+)\.|([a-z]{2}(?:-[a-z]+)+-\d+)\.queue\.)")
_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}(?:\.fifo)?$")
_ARN = re.compile(r"^arn:(aws[a-z-]*):sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]{1,80})$")


def base_url(ctx: "RequestContext") -> str:
    return request_base_url(ctx.request)


def request_base_url(request: "HttpRequest") -> str:
    headers = request.headers
    host = headers.get("host") or "localhost:4566"
    scheme = "https" if headers.get("x-forwarded-proto", "").lower() == "https" else "http"
    return f"{scheme}://{host}"


def addressed_queue_url(request: "HttpRequest") -> str | None:
    """The queue URL a request was sent to (``/<account>/<name>``), or None for the endpoint.

    SQS's query API is addressed to the queue itself (``GET <queue URL>?Action=...``): the
    queue comes from the path.
    """
    path = request.path
    if path == "/":  # the endpoint (most requests)
        return None
    segments = [s for s in path.split("/") if s]
    if len(segments) != 2 or not segments[0].isdigit() or len(segments[0]) != 12:
        return None
    return request_base_url(request) + "/" + "/".join(segments)


def queue_url(ctx: "RequestContext", account_id: str, name: str) -> str:
    return f"{base_url(ctx)}/{account_id}/{name}"


def queue_arn(partition: str, region: str, account_id: str, name: str) -> str:
    return f"arn:{partition}:sqs:{region}:{account_id}:{name}"


@functools.lru_cache(maxsize=1024)  # every SQS call parses its queue's URL: once is enough
def parse_queue_url(url: str, default_region: str, default_account: str | None = None) -> tuple[str, str, str]:
    """(account, region, name) of a queue URL; InvalidAddress when it names no queue.

    AWS also takes a bare queue name (the caller's queue of that name) where a URL is
    expected; ``default_account`` is the caller's account for that case.
    """
    parts = urlsplit(url) if "://" in url else None
    if parts is None and default_account is not None and _QUEUE_NAME.match(url):
        return default_account, default_region, url
    path = parts.path if parts is not None else url
    segments = [unquote(s) for s in path.split("/") if s]
    if len(segments) != 2 or not segments[0].isdigit() or len(segments[0]) != 12:
        raise ServiceError("InvalidAddress", f"The address {url} is not valid for this endpoint.")
    region = default_region
    if parts is not None and parts.hostname:
        found = _REGION_HOST.match(parts.hostname)
        if found:
            region = found.group(1) or found.group(2)
    return segments[0], region, segments[1]


def parse_queue_arn(arn: str) -> tuple[str, str, str] | None:
    """(region, account, name) of a queue ARN, or None when ``arn`` is not one."""
    found = _ARN.match(arn or "")
    if found is None:
        return None
    return found.group(2), found.group(3), found.group(4)


# -- receipt handles ----------------------------------------------------------------------


def make_receipt(queue_arn_: str, message_id: str, token: str) -> str:
    raw = f"{queue_arn_} {message_id} {token}".encode()
    return base64.b64encode(raw).decode("ascii")


def read_receipt(handle: str) -> tuple[str, str, str]:
    """(queue ARN, message id, receive token); ReceiptHandleIsInvalid for anything else."""
    try:
        raw = base64.b64decode(handle.encode("ascii"), validate=True).decode("utf-8")
        arn, message_id, token = raw.split(" ")
    except (ValueError, UnicodeError, binascii.Error):
        raise receipt_handle_invalid(handle) from None
    if not arn.startswith("arn:"):
        raise receipt_handle_invalid(handle)
    return arn, message_id, token
