"""The ``json`` response serializer (awsJson 1.0 and 1.1), and the JSON value encoder.

A JSON response is the output members as a JSON object (``locationName`` renames a member)
with ``Content-Type: application/x-amz-json-1.0|1.1`` from the model's ``jsonVersion``.
Errors are ``{"__type": "<ShapeName>", "message": ..., <members>}``; services that still
answer query clients (``awsQueryCompatible``) add ``x-amzn-query-error: <legacy code>;
<Sender|Receiver>``, which SDKs read as the error code. Event stream outputs stream an
``initial-response`` event with the other members, then the events.

:class:`JsonShapeCompiler` turns typed values into JSON values (rest-json uses it too):
blobs base64, timestamps epoch seconds unless ``timestampFormat`` says otherwise, NaN and
the infinities as the strings AWS uses. Shapes that need no conversion compile to None and
their values go to ``json.dumps`` untouched.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from cloudtwin.protocol import raw_json, timestamps
from cloudtwin.protocol.error_shapes import ResolvedError
from cloudtwin.protocol.eventstream import EVENT_STREAM_CONTENT_TYPE, EventStreamEncoder
from cloudtwin.protocol.http import HttpResponse
from cloudtwin.protocol.raw_json import RawJSON
from cloudtwin.protocol.serializers import REQUEST_ID_HEADER, ResponseSerializer
from cloudtwin.protocol.shape_plans import NON_BODY_LOCATIONS, PlanCache, ShapeCompiler

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel, ServiceModel, Shape

Encoder = Callable[[Any], Any]


def dump_json(value: Any) -> bytes:
    """Compact UTF-8 JSON (:class:`~cloudtwin.protocol.raw_json.RawJSON` parts as they are)."""
    return raw_json.dumps(value)


def _float(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        if value != value:
            return "NaN"
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _blob(value: Any) -> str:
    if isinstance(value, str):
        value = value.encode("utf-8")
    return base64.b64encode(value).decode("ascii")


def _flat_structure(names: frozenset[str]) -> Encoder:
    """The encoder of a structure whose members all go out as they are, under their own
    names (a result of strings and numbers): a copy of the value when it holds only such
    members and no None, as the general encoder would write it, in fewer steps."""

    def encode_flat(value: Any) -> Any:
        if type(value) is RawJSON:
            return value
        if type(value) is dict and names.issuperset(value) and None not in value.values():
            return value.copy()
        return {name: item for name, item in value.items() if item is not None and name in names}

    return encode_flat


class JsonShapeCompiler(ShapeCompiler["Encoder | None"]):
    """Compiles shapes into typed-value -> JSON-value encoders (None: no conversion).

    ``rest`` leaves out members bound to headers or the status code, which rest-json
    writes outside the body.
    """

    default_timestamp_format = timestamps.UNIX_TIMESTAMP

    def __init__(self, rest: bool = False) -> None:
        super().__init__()
        self._rest = rest

    def compile(self, shape: Shape) -> Encoder | None:
        kind = shape.type_name
        if kind == "structure":
            if shape.metadata.get("document"):
                return None
            return self.structure(shape)
        if kind == "list":
            return self._list(shape)
        if kind == "map":
            return self._map(shape)
        if kind == "blob":
            return _blob
        if kind == "timestamp":
            fmt = shape.serialization.get("timestampFormat", self.default_timestamp_format)
            return timestamps.formatter(fmt)
        if kind in ("float", "double"):
            return _float
        return None

    def wire_name(self, name: str, member: Shape) -> str:
        return member.serialization.get("name", name)

    def structure(self, shape: Shape, exclude: frozenset[str] = frozenset()) -> Encoder:
        """The encoder of a structure's body members (``exclude``: members to leave out)."""
        table: dict[str, tuple[str, Encoder | None]] = {}
        for name, member in shape.members.items():
            serialization = member.serialization
            if name in exclude or serialization.get("eventstream") or serialization.get(
                "eventheader"
            ):
                continue
            if self._rest and serialization.get("location") in NON_BODY_LOCATIONS:
                continue
            table[name] = (self.wire_name(name, member), self.plan(member))
        if all(encode is None and wire == name for name, (wire, encode) in table.items()):
            return _flat_structure(frozenset(table))

        def encode_structure(value: Any) -> Any:
            if type(value) is RawJSON:
                return value
            out = {}
            for name, item in value.items():
                if item is None:
                    continue
                entry = table.get(name)
                if entry is not None:
                    wire, encode = entry
                    out[wire] = item if encode is None else encode(item)
            return out

        return encode_structure

    def _list(self, shape: Shape) -> Encoder | None:
        encode = self.plan(shape.member)
        if encode is None:
            return None

        def encode_list(value: Any) -> list:
            return [None if item is None else encode(item) for item in value]

        return encode_list

    def _map(self, shape: Shape) -> Encoder | None:
        encode = self.plan(shape.value)
        if encode is None:
            return None

        def encode_map(value: Any) -> Any:
            if type(value) is RawJSON:
                return value
            return {key: None if item is None else encode(item) for key, item in value.items()}

        return encode_map


@dataclass(frozen=True, slots=True)
class RpcPlan:
    """What an RPC (json / cbor) serializer needs for one operation."""

    encode: Encoder | None  # the output's body members; None when there is no output
    content_type: str
    stream_member: str | None
    stream_shape: Shape | None


class JSONSerializer(ResponseSerializer):
    """The ``json`` protocol (DynamoDB, SQS, Kinesis, CloudWatch Logs, KMS...)."""

    protocol = "json"

    def __init__(self) -> None:
        super().__init__()
        self._error_plans: PlanCache[Shape, Encoder] = PlanCache()
        self._event_encoders: PlanCache[ServiceModel, EventStreamEncoder] = PlanCache()

    # -- protocol specifics (CBOR overrides these) ------------------------------------------

    def _compiler(self) -> JsonShapeCompiler:
        return JsonShapeCompiler()

    def _content_type(self, service: ServiceModel) -> str:
        return f"application/x-amz-json-{service.metadata.get('jsonVersion', '1.0')}"

    #: ``dump_json`` (a static method: one call less per response).
    _dump = staticmethod(raw_json.dumps)

    def _headers(self, content_type: str | None, request_id: str) -> dict[str, str]:
        headers = {REQUEST_ID_HEADER: request_id}
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def _empty_body(self) -> bytes:
        """The body of an operation without output."""
        return b"{}"

    # -- results ----------------------------------------------------------------------------

    def _compile_operation(self, operation: OperationModel) -> RpcPlan:
        content_type = self._content_type(operation.service_model)
        output = operation.output_shape
        if output is None:
            return RpcPlan(None, content_type, None, None)
        stream_member = output.event_stream_name
        stream_shape = output.members[stream_member] if stream_member else None
        encode = self._compiler().structure(output)
        return RpcPlan(encode, content_type, stream_member, stream_shape)

    def _serialize_result(
        self, result: dict, operation: OperationModel, request_id: str
    ) -> HttpResponse:
        plan: RpcPlan = self._operation_plan(operation)
        if plan.encode is None:
            body = self._empty_body()
            content_type = plan.content_type if body else None
            return HttpResponse(200, self._headers(content_type, request_id), body)
        body = self._dump(plan.encode(result))
        if plan.stream_member is None:
            return HttpResponse(200, self._headers(plan.content_type, request_id), body)
        events = self._event_encoder(operation.service_model)
        stream = events.stream(
            plan.stream_shape, result.get(plan.stream_member) or (),
            initial=events.initial_response(body),
        )  # fmt: skip
        return HttpResponse(200, self._headers(EVENT_STREAM_CONTENT_TYPE, request_id), stream)

    def _event_encoder(self, service: ServiceModel) -> EventStreamEncoder:
        return self._event_encoders.get(service, self._build_event_encoder)

    def _build_event_encoder(self, service: ServiceModel) -> EventStreamEncoder:
        plans: PlanCache[Shape, Encoder] = PlanCache()

        def encode_payload(shape: Shape, value: Any) -> bytes:
            encode = plans.get(shape, lambda s: self._compiler().plan(s))
            return self._dump(value if encode is None else encode(value))

        return EventStreamEncoder(encode_payload, self._content_type(service))

    # -- errors -----------------------------------------------------------------------------

    def _error_encoder(self, shape: Shape) -> Encoder:
        return self._error_plans.get(shape, lambda s: self._compiler().structure(s))

    def error_body(self, error: ResolvedError) -> dict[str, Any]:
        """``{"__type": code, "message": ..., <members>}`` (also the CBOR error body)."""
        body: dict[str, Any] = {"__type": error.code}
        if error.shape is not None and error.fields:
            body.update(self._error_encoder(error.shape)(error.fields))
        if error.message and error.message_member is None:
            body["message"] = error.message
        return body

    def _serialize_error(
        self,
        error: ResolvedError,
        service: ServiceModel,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        headers = self._headers(self._content_type(service), request_id)
        headers.update(self._query_error_header(error, service))
        headers.update(error.headers)
        return HttpResponse(error.status, headers, self._dump(self.error_body(error)))
