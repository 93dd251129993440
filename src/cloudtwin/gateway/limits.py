"""How large a request body may be: per protocol, service and operation.

A body is refused as soon as it is known to be too large (its ``Content-Length``, or the
bytes received so far for a chunked one), before the rest is read; see gateway.body.

* Streaming payloads (S3 ``PutObject`` / ``UploadPart``, up to 5 GiB each) are not capped:
  they go to the service as a stream and never sit in memory.
* S3's other bodies are XML documents (or small blobs); AWS refuses a document that is too
  long with ``MaxMessageLengthExceeded``.
* S3's browser-form upload (presigned POST) is read whole: capped with S3's
  ``EntityTooLarge``.
* Services that document a request size get a cap derived from it, with room for the
  encoding (a 1 MiB SQS message is up to 3 MiB once JSON- or percent-encoded): an
  oversize message that fits is still answered by the service with its own error.
* Everything else: a generous cap (20 MiB; Lambda takes 50 MB zip files inline as base64).
"""

from __future__ import annotations

from typing import Any

from cloudtwin.protocol.errors import ServiceError

MIB = 1024 * 1024

#: Any non-streaming body, unless its service says otherwise.
DEFAULT_LIMIT = 20 * MIB
#: S3 XML documents and other non-streaming S3 bodies (DeleteObjects: 1,000 keys).
S3_DOCUMENT_LIMIT = 8 * MIB
#: S3 form uploads (read whole; AWS itself takes up to 5 GB this way).
S3_FORM_LIMIT = 256 * MIB
#: S3's largest single upload (PutObject, UploadPart): refused on its declared size.
S3_OBJECT_LIMIT = 5 * 1024 * MIB
#: The control surface (/_cloudtwin/...): small JSON arguments only.
CONTROL_LIMIT = 1 * MIB
#: A web console action (/_cloudtwin/ui/...): a file uploaded to S3 comes base64 in JSON,
#: so 50 MiB files fit.
CONSOLE_LIMIT = 70 * MIB
#: A Lambda function URL request (the function's 6 MB payload, with room for encoding).
FUNCTION_URL_LIMIT = 7 * MIB
#: API Gateway: a request to an API carries at most 10 MB (its documented payload quota).
EXECUTE_API_LIMIT = 10 * MIB

#: Services whose documented request size is far below the default: the payload limit
#: times three (worst-case JSON or percent encoding) plus room for the envelope.
_SERVICE_LIMITS = {
    "sqs": 3 * MIB + 256 * 1024,  # 1 MiB per message, 1 MiB per batch
    "sns": 3 * MIB + 256 * 1024,  # 256 KiB per message (larger through extended clients)
    "lambda": 70_167_211,  # Lambda's documented request size (50 MB zip files, base64-encoded)
}


def limit_before_routing(signing_name: str | None) -> int:
    """The cap for a body that must be read to be routed (query, json, cbor)."""
    return _SERVICE_LIMITS.get(signing_name or "", DEFAULT_LIMIT)


def limit_for(service: str, operation: Any) -> int | None:
    """The cap for ``operation``'s body; None for a streaming payload (not held)."""
    if operation is not None and operation.has_streaming_input:
        return None
    if service == "s3":
        return S3_DOCUMENT_LIMIT
    return _SERVICE_LIMITS.get(service, DEFAULT_LIMIT)


def check_declared_upload(service: str, headers: dict[str, str]) -> None:
    """S3 refuses a streamed upload declared larger than 5 GiB before taking any of it."""
    if service != "s3":
        return
    declared = headers.get("x-amz-decoded-content-length") or headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > S3_OBJECT_LIMIT:
        raise ServiceError("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400)


def too_large(service: str | None, limit: int, *, form_upload: bool = False,
              operation: str | None = None) -> ServiceError:  # fmt: skip
    """The answer to a body over ``limit`` bytes, in the service's words where it has some."""
    if service == "lambda" and operation:
        return ServiceError(
            "RequestEntityTooLargeException", f"Request must be smaller than {limit} bytes for the {operation} operation",
            413,
        )  # fmt: skip
    if service == "s3":
        if form_upload:
            return ServiceError(
                "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400
            )
        return ServiceError("MaxMessageLengthExceeded", "Your request was too big.", 400)
    return ServiceError(
        "RequestEntityTooLarge",
        f"Request body is larger than the maximum allowed size of {limit} bytes.",
        413,
    )
