"""The error a service raises; the protocol layer renders it in the protocol's envelope."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """An AWS error response.

    ``code`` is the error's shape name in the service model (``QueueDoesNotExist``,
    ``NoSuchBucket``, ``ValidationException``...) or, for errors the model does not declare,
    the code AWS sends. The serializer looks the code up in the model: the modeled HTTP
    status, the ``awsQueryError`` code for query-compatible services, and the modeled
    members come from there, so a service usually only names the code and the message.

    ``status_code`` overrides the modeled status (default: the model's, else 400).
    ``fields`` are extra modeled members of the error shape (e.g. ``CancellationReasons``).
    ``headers`` are extra response headers. ``sender_fault`` picks ``Sender``/``Receiver``
    (``Client``/``Server`` in some envelopes) when the model does not say.
    ``query_message`` is the text query-protocol clients get when AWS words it differently
    for them than for the service's current protocol (default: ``message``).
    ``details`` are context elements AWS adds to an XML error envelope beside ``<Message>``
    although no shape models them (S3's ``<BucketName>``, ``<Key>``, ``<Condition>``...),
    written in order as text elements; envelopes without such a place ignore them.
    """

    def __init__(
        self,
        code: str,
        message: str = "",
        status_code: int | None = None,
        *,
        sender_fault: bool | None = None,
        fields: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        query_message: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.status_code = status_code
        self.sender_fault = sender_fault
        self.fields = fields or {}
        self.headers = headers or {}
        self.query_message = query_message
        self.details = details or {}


class ProtocolError(ServiceError):
    """The request could not be read at all (malformed body, wrong content type...).

    Raised by parsers; rendered like any other ServiceError (a 4xx).
    """


def not_implemented(service: str, operation: str) -> ServiceError:
    """The answer for an operation that exists in the model but has no handler yet."""
    return ServiceError(
        "NotImplemented",
        f"The operation {operation} of service {service} is not implemented by cloudtwin yet.",
        501,
        sender_fault=False,
    )
