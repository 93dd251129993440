"""The ``rest-json`` response serializer (Lambda, API Gateway, EKS, Glacier...).

The bindings are :mod:`~cloudtwin.protocol.rest_serializer`'s; the body is JSON
(``application/json``) encoded by :class:`~cloudtwin.protocol.json_serializer.JsonShapeCompiler`.
Errors name their code in ``x-amzn-ErrorType`` and in the body's ``code``, with the message
in ``message`` (or the shape's own message member) and the modeled members around them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.error_shapes import ResolvedError
from cloudtwin.protocol.eventstream import EventStreamEncoder
from cloudtwin.protocol.json_serializer import Encoder, JsonShapeCompiler, dump_json
from cloudtwin.protocol.rest_serializer import BodyWriter, RestSerializer
from cloudtwin.protocol.serializers import REQUEST_ID_HEADER
from cloudtwin.protocol.shape_plans import PlanCache

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel, ServiceModel, Shape

JSON_CONTENT_TYPE = "application/json"


def _writer(encode: Encoder | None) -> BodyWriter:
    if encode is None:
        return dump_json
    return lambda value: dump_json(encode(value))


class RestJSONSerializer(RestSerializer):
    """The ``rest-json`` protocol."""

    protocol = "rest-json"
    body_content_type = JSON_CONTENT_TYPE

    def __init__(self) -> None:
        super().__init__()
        self._error_encoders: PlanCache[Shape, Encoder] = PlanCache()

    def _members_writer(self, shape: Shape, operation: OperationModel) -> BodyWriter:
        return _writer(JsonShapeCompiler(rest=True).structure(shape))

    def _payload_writer(self, name: str, member: Shape, operation: OperationModel) -> BodyWriter:
        return _writer(JsonShapeCompiler(rest=True).plan(member))

    def _build_event_encoder(self, service: ServiceModel) -> EventStreamEncoder:
        plans: PlanCache[Shape, Encoder | None] = PlanCache()

        def encode_payload(shape: Shape, value: Any) -> bytes:
            encode = plans.get(shape, lambda s: JsonShapeCompiler(rest=True).plan(s))
            return dump_json(value if encode is None else encode(value))

        return EventStreamEncoder(encode_payload, JSON_CONTENT_TYPE)

    def _request_id_headers(self, service: ServiceModel, request_id: str) -> dict[str, str]:
        return {REQUEST_ID_HEADER: request_id}

    def _error_body(
        self, error: ResolvedError, service: ServiceModel, request_id: str
    ) -> tuple[bytes, dict[str, str]]:
        body: dict[str, Any] = {}
        if error.shape is not None:
            encode = self._error_encoders.get(
                error.shape, lambda s: JsonShapeCompiler(rest=True).structure(s)
            )
            if error.fields:
                body = encode(error.fields)
            if not any(name.lower() == "code" for name in error.shape.members):
                body["code"] = error.code
        else:
            body["code"] = error.code
        if error.message and error.message_member is None:
            body["message"] = error.message
        headers = {"x-amzn-ErrorType": error.code, "Content-Type": JSON_CONTENT_TYPE}
        return dump_json(body), headers
