"""How a :class:`ServiceError` maps onto the error shapes of a service model.

Every serializer needs the same facts about an error before it writes its envelope: the
shape (for the modeled members), the HTTP status, who is at fault (``Sender``/``Receiver``)
and, for services that once spoke ``query``, the legacy error code old clients expect.
:class:`ErrorCatalog` indexes a service's error shapes once; :meth:`ErrorCatalog.resolve`
turns a raised error into a :class:`ResolvedError` the envelope writers only read.

The legacy codes come from the model's ``error.code``. botocore's JSON-era SQS model lost
them (and the non-400 statuses), although AWS still sends them in ``x-amzn-query-error``
and SDKs rely on them, so :data:`LEGACY_QUERY_ERRORS` restores them as data. The same table
names the errors such a service answers without modelling them (the common parameter
errors): over JSON, AWS sends them under their Smithy shape name
(``InvalidParameterValueException``) with the legacy code (``InvalidParameterValue``) in
``x-amzn-query-error``; a service raises them by the legacy code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.shape_plans import PlanCache

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import ServiceModel, Shape


def _frozen(table: dict[str, tuple[str, int]]) -> Mapping[str, tuple[str, int]]:
    return MappingProxyType(table)


# service name -> error shape name -> (awsQueryError code, HTTP status), from the services'
# Smithy models (@awsQueryError / @httpError), which botocore's model no longer carries.
LEGACY_QUERY_ERRORS: Mapping[str, Mapping[str, tuple[str, int]]] = MappingProxyType(
    {
        "sqs": _frozen(
            {
                "BatchEntryIdsNotDistinct": (
                    "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
                    400,
                ),
                "BatchRequestTooLong": ("AWS.SimpleQueueService.BatchRequestTooLong", 400),
                # Not in the model: the common errors, under the names AWS's JSON answers use.
                "InvalidParameterValueException": ("InvalidParameterValue", 400),
                "MissingRequiredParameterException": ("MissingParameter", 400),
                "EmptyBatchRequest": ("AWS.SimpleQueueService.EmptyBatchRequest", 400),
                "InvalidAddress": ("InvalidAddress", 404),
                "InvalidBatchEntryId": ("AWS.SimpleQueueService.InvalidBatchEntryId", 400),
                "InvalidSecurity": ("InvalidSecurity", 403),
                "KmsAccessDenied": ("KMS.AccessDeniedException", 400),
                "KmsDisabled": ("KMS.DisabledException", 400),
                "KmsInvalidKeyUsage": ("KMS.InvalidKeyUsageException", 400),
                "KmsInvalidState": ("KMS.InvalidStateException", 400),
                "KmsNotFound": ("KMS.NotFoundException", 400),
                "KmsOptInRequired": ("KMS.OptInRequired", 403),
                "KmsThrottled": ("KMS.ThrottlingException", 400),
                "MessageNotInflight": ("AWS.SimpleQueueService.MessageNotInflight", 400),
                "OverLimit": ("OverLimit", 403),
                "PurgeQueueInProgress": ("AWS.SimpleQueueService.PurgeQueueInProgress", 403),
                "QueueDeletedRecently": ("AWS.SimpleQueueService.QueueDeletedRecently", 400),
                "QueueDoesNotExist": ("AWS.SimpleQueueService.NonExistentQueue", 400),
                "QueueNameExists": ("QueueAlreadyExists", 400),
                "ReceiptHandleIsInvalid": ("ReceiptHandleIsInvalid", 404),
                "RequestThrottled": ("RequestThrottled", 403),
                "ResourceNotFoundException": ("ResourceNotFoundException", 404),
                "TooManyEntriesInBatchRequest": (
                    "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                    400,
                ),
                "UnsupportedOperation": ("AWS.SimpleQueueService.UnsupportedOperation", 400),
            }
        ),
    }
)


@dataclass(frozen=True, slots=True)
class ErrorShapeInfo:
    """What the model says about one error shape, computed once per service."""

    name: str
    shape: Shape | None
    status: int
    sender_fault: bool
    query_code: str
    message_member: str | None


@dataclass(frozen=True, slots=True)
class ResolvedError:
    """A ServiceError with the model's facts applied; what envelope writers read.

    ``code`` is the shape name (or the raised code when the model has no such shape): the
    ``__type`` of JSON/CBOR, the ``x-amzn-ErrorType`` of rest-json, the ``Code`` of XML.
    ``query_code`` is the legacy awsQuery code (equal to ``code`` when there is none).
    ``fields`` are the members to write, with the message already placed in the shape's
    message member when it has one (``message_member``).
    """

    code: str
    query_code: str
    message: str
    status: int
    sender_fault: bool
    shape: Shape | None
    message_member: str | None
    fields: Mapping[str, Any]
    headers: Mapping[str, str]
    #: The message for query-protocol clients, when AWS words it differently for them.
    query_message: str | None = None
    #: Unmodeled context elements of XML envelopes (see :class:`ServiceError`).
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def fault_type(self) -> str:
        """``Sender`` or ``Receiver``, as query envelopes and ``x-amzn-query-error`` name it."""
        return "Sender" if self.sender_fault else "Receiver"


def service_name(service: ServiceModel) -> str:
    """The service's name, or ``""`` for a bare test model without an endpoint prefix."""
    if "endpointPrefix" in service.metadata:
        return service.service_name
    # botocore cannot even repr a model without endpointPrefix unless it was given a name.
    return getattr(service, "_service_name", None) or ""


def _is_fault(shape: Shape) -> bool:
    # botocore keeps ``fault`` (a server-side error) out of ``Shape.metadata``.
    return bool(getattr(shape, "_shape_model", {}).get("fault"))


def _message_member(shape: Shape) -> str | None:
    for name, member in shape.members.items():
        if name.lower() == "message" and not member.serialization.get("location"):
            return name
    return None


class ErrorCatalog:
    """The error shapes of one service, indexed by shape name and by legacy code."""

    def __init__(self, service: ServiceModel) -> None:
        legacy = LEGACY_QUERY_ERRORS.get(service_name(service), {})
        by_code: dict[str, ErrorShapeInfo] = {}
        for shape in service.error_shapes:
            info = self._describe(shape, legacy.get(shape.name))
            by_code[shape.name] = info
            by_code.setdefault(info.query_code, info)
        for name, (query_code, status) in legacy.items():
            if name not in by_code:  # answered by AWS, absent from the model
                info = ErrorShapeInfo(name, None, status, status < 500, query_code, None)
                by_code[name] = info
                by_code.setdefault(query_code, info)
        self._by_code = by_code

    @staticmethod
    def _describe(shape: Shape, legacy: tuple[str, int] | None) -> ErrorShapeInfo:
        modeled = shape.metadata.get("error") or {}
        fault = _is_fault(shape)
        status = modeled.get("httpStatusCode") or (legacy[1] if legacy else 500 if fault else 400)
        if "senderFault" in modeled:
            sender_fault = bool(modeled["senderFault"])
        else:
            sender_fault = not fault and status < 500
        query_code = modeled.get("code") or (legacy[0] if legacy else shape.name)
        return ErrorShapeInfo(
            shape.name, shape, status, sender_fault, query_code, _message_member(shape)
        )

    def resolve(self, error: ServiceError) -> ResolvedError:
        info = self._by_code.get(error.code)
        if info is None:
            status = error.status_code or 400
            sender_fault = error.sender_fault if error.sender_fault is not None else status < 500
            return ResolvedError(
                error.code, error.code, error.message, status, sender_fault,
                None, None, {}, error.headers, error.query_message, error.details,
            )  # fmt: skip
        status = error.status_code or info.status
        if error.sender_fault is not None:
            sender_fault = error.sender_fault
        elif error.status_code:
            sender_fault = info.sender_fault if status < 500 else False
        else:
            sender_fault = info.sender_fault
        fields: Mapping[str, Any] = error.fields
        member = info.message_member
        if member is not None and error.message and fields.get(member) is None:
            fields = {**fields, member: error.message}
        message = error.message
        if not message and member is not None and isinstance(fields.get(member), str):
            message = fields[member]
        return ResolvedError(
            info.name, info.query_code, message, status, sender_fault,
            info.shape, member, fields, error.headers, error.query_message, error.details,
        )  # fmt: skip


class ErrorCatalogs:
    """One :class:`ErrorCatalog` per service model, built on the first error it answers."""

    __slots__ = ("_catalogs",)

    def __init__(self) -> None:
        self._catalogs: PlanCache[ServiceModel, ErrorCatalog] = PlanCache()

    def for_service(self, service: ServiceModel) -> ErrorCatalog:
        return self._catalogs.get(service, ErrorCatalog)

    def resolve(self, service: ServiceModel, error: ServiceError) -> ResolvedError:
        return self.for_service(service).resolve(error)
