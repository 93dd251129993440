"""Errors for requests that never reached a service: no service or protocol matched.

With no service model to render from, the envelope is chosen from what the request looks
like: JSON for json/rest-json style clients, CBOR clients get JSON too (they read
``x-amzn-ErrorType``), everything else the XML ``ErrorResponse`` of the query protocol.
"""

from __future__ import annotations

import json
from cloudtwin.protocol.xml_writer import escape_text as escape

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.http import HttpRequest, HttpResponse


def request_timeout() -> ServiceError:
    """A client that stopped sending its body (S3's wording)."""
    return ServiceError(
        "RequestTimeout",
        "Your socket connection to the server was not read from or written to within the "
        "timeout period. Idle connections will be closed.",
        400,
    )


def internal_error() -> ServiceError:
    """A failure of cloudtwin's own (never a traceback to the client)."""
    return ServiceError(
        "InternalFailure",
        "The request processing has failed because of an unknown error, exception or failure.",
        500,
        sender_fault=False,
    )


def json_style(route) -> bool:
    """Whether a routed service names its errors the JSON way (``AccessDeniedException``,
    ``InvalidSignatureException``) rather than the query way (``AccessDenied``,
    ``SignatureDoesNotMatch``), as query-era services and JSON services that keep their
    query error codes (``awsQueryCompatible``, like SQS) do."""
    if route is None or route.protocol in ("query", "ec2", "rest-xml"):
        return False
    operation = route.operation
    return operation is None or "awsQueryCompatible" not in operation.service_model.metadata


def _wants_json(request: HttpRequest) -> bool:
    headers = request.headers
    return (
        "x-amz-target" in headers
        or "json" in headers.get("content-type", "")
        or "json" in headers.get("accept", "")
    )


def render_unrouted_error(error: ServiceError, request: HttpRequest, request_id: str) -> HttpResponse:
    status = error.status_code or 400
    headers = {"x-amzn-RequestId": request_id, "x-amz-request-id": request_id}
    headers.update(error.headers)
    if _wants_json(request):
        headers["Content-Type"] = "application/x-amz-json-1.1"
        headers["x-amzn-ErrorType"] = error.code
        body = json.dumps({"__type": error.code, "message": error.message}).encode()
        return HttpResponse(status, headers, body)
    fault = "Sender" if (error.sender_fault if error.sender_fault is not None else status < 500) else "Receiver"
    headers["Content-Type"] = "text/xml"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<ErrorResponse><Error><Type>{fault}</Type><Code>{escape(error.code)}</Code>"
        f"<Message>{escape(error.message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
    return HttpResponse(status, headers, body)
