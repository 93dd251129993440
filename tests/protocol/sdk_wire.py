"""The request a real botocore client sends, caught before it leaves the process.

Parser tests call an operation on a real client (real models, real serializers, real
handlers) and parse what it would have put on the wire: the strongest check that cloudtwin
reads what SDKs write. A ``before-send`` handler grabs the prepared request and answers
with an empty response, so nothing goes on the network.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

import botocore.session
from botocore.config import Config
from botocore.model import OperationModel

from cloudtwin.protocol.http import HttpRequest
from cloudtwin.specs.catalog import ServiceCatalog

ENDPOINT = "http://localhost:4566"


class _Caught(Exception):
    def __init__(self, request) -> None:
        self.request = request


@functools.cache
def client(service: str, protocol: str | None = None):
    """A client with dummy credentials; ``protocol`` makes it speak one of the other
    protocols its model lists (a fresh session, whose loaded model is edited first)."""
    session = botocore.session.get_session()
    session.set_credentials("test", "test")
    if protocol is not None:
        model = session.get_component("data_loader").load_service_model(service, "service-2")
        model["metadata"]["protocol"] = protocol
        model["metadata"]["protocols"] = [protocol]
    config = Config(
        retries={"max_attempts": 1},
        s3={"addressing_style": "path"},
        request_checksum_calculation="when_required",
        parameter_validation=False,
    )
    made = session.create_client(service, region_name="us-east-1", endpoint_url=ENDPOINT, config=config)
    made.meta.events.register("before-send", _catch)
    return made


@functools.cache
def catalog() -> ServiceCatalog:
    return ServiceCatalog()


def _catch(request, **_kwargs):
    raise _Caught(request)


def sent(service: str, operation: str, params: dict, protocol: str | None = None) -> tuple[HttpRequest, OperationModel]:
    """(the request as the server would receive it, the operation's model as the server
    has it: botocore edits some client-side models, e.g. S3 drops ``{Bucket}`` from paths)."""
    made = client(service, protocol)
    model = catalog().service_model(service).operation_model(operation)
    method = getattr(made, botocore.xform_name(operation))
    try:
        method(**params)
    except _Caught as caught:
        prepared = caught.request
    else:  # pragma: no cover
        raise AssertionError("the request was not caught")
    url = urlsplit(prepared.url)
    body = prepared.body
    if body is None:
        body = b""
    elif hasattr(body, "read"):
        body = body.read()
    elif isinstance(body, str):
        body = body.encode("utf-8")
    headers = {}
    for name, value in prepared.headers.items():
        value = value.decode("latin-1") if isinstance(value, bytes) else value
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return HttpRequest(prepared.method, url.path or "/", url.query, headers, bytes(body)), model


__all__ = ["sent", "client"]
