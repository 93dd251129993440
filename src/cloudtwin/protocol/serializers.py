"""Response serializers: typed results and ServiceErrors onto the wire, per AWS protocol.

The server-side inverse of botocore's response parsers. One serializer per protocol, each
in its own module, all driven by the service model::

                         +--------------------+
                         | ResponseSerializer |
                         +--------------------+
                           ^        ^        ^
            +--------------+        |        +---------------+
            |                       |                        |
    +-------+---------+   +---------+------+        +--------+-------+
    | QuerySerializer |   | JSONSerializer |        | RestSerializer |
    +-----------------+   +----------------+        +----------------+
            ^                       ^                 ^            ^
    +-------+---------+   +---------+------+  +-------+-----+ +----+-------+
    |  EC2Serializer  |   | CborSerializer |  | RestJSON... | | RestXML... |
    +-----------------+   +----------------+  +-------------+ +------------+

``query_serializer`` (query, ec2), ``json_serializer`` (json 1.0/1.1),
``cbor_serializer`` (smithy-rpc-v2-cbor), ``rest_serializer`` (status, header and payload
bindings), ``rest_json_serializer``, ``rest_xml_serializer``; ``xml_writer`` is the XML body
writer of query, ec2 and rest-xml, ``eventstream`` the event stream encoder.

Serializers compile a plan per operation / error shape on first use and keep it, so a
response costs one pass over the result. A serializer never assumes the model's protocol
is its own: SQS's model says ``json`` but old SDKs speak ``query`` to it.
"""

from __future__ import annotations

import functools
import importlib
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from cloudtwin.protocol.error_shapes import ErrorCatalogs, ResolvedError
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.http import HttpResponse
from cloudtwin.protocol.shape_plans import PlanCache

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel, ServiceModel

__all__ = ["ResponseSerializer", "get_serializer", "PROTOCOLS"]

# protocol -> (module, class); modules are imported on first use.
PROTOCOLS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "query": ("cloudtwin.protocol.query_serializer", "QuerySerializer"),
    "ec2": ("cloudtwin.protocol.query_serializer", "EC2Serializer"),
    "json": ("cloudtwin.protocol.json_serializer", "JSONSerializer"),
    "rest-json": ("cloudtwin.protocol.rest_json_serializer", "RestJSONSerializer"),
    "rest-xml": ("cloudtwin.protocol.rest_xml_serializer", "RestXMLSerializer"),
    "smithy-rpc-v2-cbor": ("cloudtwin.protocol.cbor_serializer", "CborSerializer"),
    "json-cbor": ("cloudtwin.protocol.cbor_serializer", "AmzCborSerializer"),
})

# The response header that carries the request id in most protocols.
REQUEST_ID_HEADER = "x-amzn-RequestId"

# What a bug in a service's result looks like while serializing it.
_BAD_RESULT = (TypeError, ValueError, AttributeError, KeyError, UnicodeError, OverflowError)


@functools.cache
def get_serializer(protocol: str) -> ResponseSerializer:
    """The serializer of ``protocol`` (a botocore protocol name); one cached instance each.

    The instances carry the compiled plans, so they are shared process-wide: this cache is
    the one piece of module-level state, and it only ever holds six serializers. Raises
    ``ValueError`` for a protocol cloudtwin does not speak.
    """
    try:
        module_name, class_name = PROTOCOLS[protocol]
    except KeyError:
        raise ValueError(f"no response serializer for protocol {protocol!r}") from None
    serializer_class = getattr(importlib.import_module(module_name), class_name)
    return serializer_class()


class ResponseSerializer:
    """Turns an operation's typed result, or a ServiceError, into an HttpResponse.

    Subclasses implement :meth:`_serialize_result` and :meth:`_serialize_error`. Plans are
    cached on the instance (one per protocol, see :func:`get_serializer`).
    """

    protocol: ClassVar[str] = ""

    def __init__(self) -> None:
        self._operation_plans: PlanCache[OperationModel, Any] = PlanCache()
        self._errors = ErrorCatalogs()

    # -- public API -------------------------------------------------------------------------

    def serialize_result(
        self, result: dict | None, operation: OperationModel, request_id: str
    ) -> HttpResponse:
        """The response for a successful call; ``result`` holds the output members."""
        try:
            return self._serialize_result(result or {}, operation, request_id)
        except ServiceError:
            raise
        except _BAD_RESULT as exc:
            # A result the model cannot describe is a bug in a service, not the client's.
            raise ServiceError(
                "InternalFailure",
                f"cloudtwin could not serialize the {operation.name} response: {exc}",
                500,
                sender_fault=False,
            ) from exc

    def serialize_error(
        self,
        error: ServiceError,
        service: ServiceModel,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        """The error response for ``error``; ``operation`` is None for unknown operations."""
        resolved = self._errors.resolve(service, error)
        try:
            return self._serialize_error(resolved, service, operation, request_id)
        except _BAD_RESULT:
            # Fields the shape cannot describe: still answer with the code and message.
            bare = ResolvedError(
                resolved.code, resolved.query_code, resolved.message, resolved.status,
                resolved.sender_fault, None, None, {}, resolved.headers, resolved.query_message, resolved.details,
            )  # fmt: skip
            return self._serialize_error(bare, service, operation, request_id)

    # -- for subclasses ---------------------------------------------------------------------

    def _serialize_result(
        self, result: dict, operation: OperationModel, request_id: str
    ) -> HttpResponse:  # pragma: no cover - abstract
        raise NotImplementedError

    def _serialize_error(
        self,
        error: ResolvedError,
        service: ServiceModel,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:  # pragma: no cover - abstract
        raise NotImplementedError

    def _operation_plan(self, operation: OperationModel) -> Any:
        return self._operation_plans.get(operation, self._compile_operation)

    def _compile_operation(self, operation: OperationModel) -> Any:  # pragma: no cover
        raise NotImplementedError

    @staticmethod
    def _query_error_header(error: ResolvedError, service: ServiceModel) -> dict[str, str]:
        """``x-amzn-query-error`` for services that still answer old query clients.

        botocore (and the other SDKs) take the legacy code from it, so ``ClientError``
        shows ``AWS.SimpleQueueService.NonExistentQueue`` whatever the wire protocol.
        """
        if "awsQueryCompatible" in service.metadata:
            return {"x-amzn-query-error": f"{error.query_code};{error.fault_type}"}
        return {}
