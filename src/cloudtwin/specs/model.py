"""Service models as the request path reads them: shapes, operations, service metadata.

The same reading of a botocore service model (``service-2.json``) as ``botocore.model``
gives, with the same attribute names (``ServiceModel.operation_model``,
``OperationModel.input_shape``, ``Shape.members`` / ``member`` / ``key`` / ``value``,
``serialization``, ``metadata``...), so that the protocol layer works with either. Made
for the server, which reads models and never signs or sends requests: importing
``botocore.model`` imports botocore's HTTP stack (urllib3, its compatibility layer, the
CRT probe), about 10 MiB and 60 ms of a server's start for nothing it uses.

Reading rules (as botocore applies them):

- A member reference ``{"shape": "X", "locationName": "y", ...}`` is shape ``X`` with the
  reference's traits laid over the shape's own.
- ``serialization`` holds the wire traits (``locationName`` renamed ``name``);
  ``metadata`` the constraints and flags (``required``, ``min``, ``enum``, ``error``...).
- A shape may be given as its JSON text (the catalog keeps them so: most shapes of a
  service are never reached); it is read the first time it is.
- Every resolution makes a new shape object (a recursive shape is an endless chain of
  them); each shape resolves its members once, on first access.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any, NamedTuple

__all__ = [
    "ListShape", "MapShape", "NoShapeFoundError", "OperationModel", "OperationNotFoundError",
    "ServiceModel", "Shape", "StringShape", "StructureShape",
]

#: the wire traits of a shape or member reference (``locationName`` becomes ``name``)
SERIALIZED = (
    "locationName", "queryName", "flattened", "location", "payload", "streaming",
    "timestampFormat", "xmlNamespace", "resultWrapper", "xmlAttribute", "eventstream",
    "event", "eventheader", "eventpayload", "jsonvalue", "hostLabel",
)
#: the order in which botocore picks a protocol from a model's ``protocols``
PREFERRED_PROTOCOLS = ("json", "rest-json", "rest-xml", "smithy-rpc-v2-cbor", "query", "ec2")
#: its constraints and flags
METADATA = (
    "required", "min", "max", "pattern", "sensitive", "enum", "idempotencyToken", "error",
    "exception", "endpointdiscoveryid", "retryable", "document", "union", "contextParam",
    "clientContextParams", "requiresLength",
)


class StaticContextParameter(NamedTuple):
    name: str
    value: Any


class ContextParameter(NamedTuple):
    name: str
    member_name: str


class NoShapeFoundError(Exception):
    pass


class OperationNotFoundError(Exception):
    pass


class UndefinedModelAttributeError(AttributeError):
    pass


class _Shapes:
    """Resolves shape names and member references against a model's ``shapes``."""

    __slots__ = ("shapes",)

    def __init__(self, shapes: dict[str, Any]) -> None:
        self.shapes = shapes

    def by_name(self, name: str, traits: dict[str, Any] | None = None) -> "Shape":
        try:
            model = self.shapes[name]
        except KeyError:
            raise NoShapeFoundError(name) from None
        if type(model) is str:  # kept as JSON text until first reached (specs.catalog)
            model = self.shapes[name] = json.loads(model)
        cls = _CLASSES.get(model["type"], Shape)
        if traits:
            model = {**model, **traits}
        return cls(name, model, self)

    def ref(self, ref: dict[str, Any]) -> "Shape":
        if len(ref) == 1:
            return self.by_name(ref["shape"])
        traits = dict(ref)
        return self.by_name(traits.pop("shape"), traits)


class Shape:
    """One shape (with the traits of the reference it was reached by)."""

    def __init__(self, name: str, model: dict[str, Any], resolver: _Shapes | None = None) -> None:
        self.name = name
        self.type_name: str = model["type"]
        self._shape_model = model
        self._resolver = resolver

    @property
    def documentation(self) -> str:
        return self._shape_model.get("documentation", "")

    @cached_property
    def serialization(self) -> dict[str, Any]:
        model = self._shape_model
        out = {k: model[k] for k in SERIALIZED if k in model}
        if "locationName" in out:
            out["name"] = out.pop("locationName")
        return out

    @cached_property
    def metadata(self) -> dict[str, Any]:
        model = self._shape_model
        return {k: model[k] for k in METADATA if k in model}

    @cached_property
    def required_members(self) -> list[str]:
        return self.metadata.get("required", [])

    @property
    def event_stream_name(self) -> str | None:
        return None

    def _ref(self, ref: dict[str, Any]) -> "Shape":
        if self._resolver is None:
            raise ValueError(f"shape {self.name!r} has no shape map to resolve {ref!r}")
        return self._resolver.ref(ref)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}({self.name})>"


class StructureShape(Shape):
    @cached_property
    def members(self) -> dict[str, Shape]:
        return {name: self._ref(ref) for name, ref in self._shape_model.get("members", {}).items()}

    @cached_property
    def event_stream_name(self) -> str | None:  # type: ignore[override]
        return next((n for n, m in self.members.items() if m.serialization.get("eventstream")), None)

    @cached_property
    def error_code(self) -> str | None:
        if not self.metadata.get("exception", False):
            return None
        return self.metadata.get("error", {}).get("code") or self.name

    @cached_property
    def is_document_type(self) -> bool:
        return self.metadata.get("document", False)

    @cached_property
    def is_tagged_union(self) -> bool:
        return self.metadata.get("union", False)


class ListShape(Shape):
    @cached_property
    def member(self) -> Shape:
        return self._ref(self._shape_model["member"])


class MapShape(Shape):
    @cached_property
    def key(self) -> Shape:
        return self._ref(self._shape_model["key"])

    @cached_property
    def value(self) -> Shape:
        return self._ref(self._shape_model["value"])


class StringShape(Shape):
    @cached_property
    def enum(self) -> list[str]:
        return self.metadata.get("enum", [])


_CLASSES: dict[str, type[Shape]] = {
    "structure": StructureShape, "list": ListShape, "map": MapShape, "string": StringShape,
}


def _is_exception(model: dict[str, Any] | str) -> bool:
    if type(model) is str:  # its JSON text: only a likely one is read
        return '"exception":' in model and bool(json.loads(model).get("exception", False))
    return bool(model.get("exception", False))  # type: ignore[union-attr]


class ServiceModel:
    """A service's model: its metadata, operations and shapes."""

    def __init__(self, description: dict[str, Any], service_name: str | None = None) -> None:
        self._service_description = description
        self.metadata: dict[str, Any] = description.get("metadata", {})
        self._shapes = _Shapes(description.get("shapes", {}))
        self._service_name = service_name
        self._operations: dict[str, OperationModel] = {}

    def shape_for(self, name: str, member_traits: dict[str, Any] | None = None) -> Shape:
        return self._shapes.by_name(name, member_traits)

    def resolve_shape_ref(self, ref: dict[str, Any]) -> Shape:
        return self._shapes.ref(ref)

    def shape_for_error_code(self, code: str) -> Shape | None:
        return self._error_codes.get(code)

    @cached_property
    def _error_codes(self) -> dict[str, Shape]:
        return {shape.error_code: shape for shape in self.error_shapes}  # type: ignore[attr-defined]

    @cached_property
    def shape_names(self) -> list[str]:
        return list(self._service_description.get("shapes", {}))

    @cached_property
    def error_shapes(self) -> list[Shape]:
        shapes = self._service_description.get("shapes", {})
        return [self.shape_for(n) for n, m in list(shapes.items()) if _is_exception(m)]

    def operation_model(self, name: str) -> OperationModel:
        found = self._operations.get(name)
        if found is None:
            try:
                model = self._service_description["operations"][name]
            except KeyError:
                raise OperationNotFoundError(name) from None
            found = self._operations[name] = OperationModel(model, self, name)
        return found

    @cached_property
    def operation_names(self) -> list[str]:
        return list(self._service_description.get("operations", []))

    @property
    def documentation(self) -> str:
        return self._service_description.get("documentation", "")

    def _metadata(self, name: str) -> Any:
        try:
            return self.metadata[name]
        except KeyError:
            raise UndefinedModelAttributeError(f'"{name}" not defined in the metadata of the model: {self}') from None

    @cached_property
    def service_name(self) -> str:
        return self._service_name if self._service_name is not None else self.endpoint_prefix

    @cached_property
    def service_id(self) -> str:
        return self._metadata("serviceId")

    @cached_property
    def signing_name(self) -> str:
        return self.metadata.get("signingName") or self.endpoint_prefix

    @cached_property
    def api_version(self) -> str:
        return self._metadata("apiVersion")

    @cached_property
    def protocol(self) -> str:
        return self._metadata("protocol")

    @cached_property
    def protocols(self) -> list[str]:
        return self._metadata("protocols")

    @cached_property
    def resolved_protocol(self) -> str:
        """The protocol a client picks: the first of ``protocols`` in botocore's order of
        preference, else ``protocol``."""
        offered = self.metadata.get("protocols")
        if offered:
            for protocol in PREFERRED_PROTOCOLS:
                if protocol in offered:
                    return protocol
            raise UndefinedModelAttributeError(f"{self}: none of the protocols {offered} is supported")
        return self.protocol

    @cached_property
    def endpoint_prefix(self) -> str:
        return self._metadata("endpointPrefix")

    @property
    def signature_version(self) -> str | None:
        return self.metadata.get("signatureVersion")

    @cached_property
    def is_query_compatible(self) -> bool:
        return "awsQueryCompatible" in self.metadata

    def __repr__(self) -> str:
        return f"ServiceModel({self.service_name})"


class OperationModel:
    """One operation of a service model."""

    def __init__(self, model: dict[str, Any], service_model: ServiceModel, name: str | None = None) -> None:
        self._operation_model = model
        self._service_model = service_model
        self.name: str = name if name is not None else model.get("name")
        self.metadata = service_model.metadata
        self.http: dict[str, Any] = model.get("http", {})

    @property
    def wire_name(self) -> str | None:
        return self._operation_model.get("name")

    @property
    def service_model(self) -> ServiceModel:
        return self._service_model

    @property
    def documentation(self) -> str:
        return self._operation_model.get("documentation", "")

    @cached_property
    def input_shape(self) -> Shape | None:
        ref = self._operation_model.get("input")
        return None if ref is None else self._service_model.resolve_shape_ref(ref)

    @cached_property
    def output_shape(self) -> Shape | None:
        ref = self._operation_model.get("output")
        return None if ref is None else self._service_model.resolve_shape_ref(ref)

    @cached_property
    def error_shapes(self) -> list[Shape]:
        return [self._service_model.resolve_shape_ref(r) for r in self._operation_model.get("errors", [])]

    @cached_property
    def idempotent_members(self) -> list[str]:
        shape = self.input_shape
        if shape is None:
            return []
        return [n for n, m in shape.members.items() if m.metadata.get("idempotencyToken")]  # type: ignore[attr-defined]

    @cached_property
    def deprecated(self) -> bool:
        return self._operation_model.get("deprecated", False)

    @cached_property
    def endpoint_discovery(self) -> dict[str, Any] | None:
        return self._operation_model.get("endpointdiscovery")

    @cached_property
    def is_endpoint_discovery_operation(self) -> bool:
        return self._operation_model.get("endpointoperation", False)

    @cached_property
    def static_context_parameters(self) -> list[StaticContextParameter]:
        params = self._operation_model.get("staticContextParams", {})
        return [StaticContextParameter(name, props.get("value")) for name, props in params.items()]

    @cached_property
    def context_parameters(self) -> list[ContextParameter]:
        shape = self.input_shape
        if shape is None:
            return []
        return [
            ContextParameter(m.metadata["contextParam"]["name"], name)
            for name, m in shape.members.items()  # type: ignore[attr-defined]
            if "name" in m.metadata.get("contextParam", {})
        ]

    @cached_property
    def operation_context_parameters(self) -> list[Any]:
        return self._operation_model.get("operationContextParams", [])

    @cached_property
    def request_compression(self) -> dict[str, Any] | None:
        return self._operation_model.get("requestcompression")

    @cached_property
    def auth(self) -> list[str] | None:
        return self._operation_model.get("auth")

    @cached_property
    def auth_type(self) -> str | None:
        return self._operation_model.get("authtype")

    @cached_property
    def unsigned_payload(self) -> bool | None:
        return self._operation_model.get("unsignedPayload")

    @cached_property
    def endpoint(self) -> dict[str, Any] | None:
        return self._operation_model.get("endpoint")

    @cached_property
    def http_checksum_required(self) -> bool:
        return self._operation_model.get("httpChecksumRequired", False)

    @cached_property
    def http_checksum(self) -> dict[str, Any]:
        return self._operation_model.get("httpChecksum", {})

    def _event_stream(self, shape: Shape | None) -> Shape | None:
        if shape is None:
            return None
        name = shape.event_stream_name
        return shape.members[name] if name else None  # type: ignore[attr-defined]

    def get_event_stream_input(self) -> Shape | None:
        return self._event_stream(self.input_shape)

    def get_event_stream_output(self) -> Shape | None:
        return self._event_stream(self.output_shape)

    @cached_property
    def has_event_stream_input(self) -> bool:
        return self.get_event_stream_input() is not None

    @cached_property
    def has_event_stream_output(self) -> bool:
        return self.get_event_stream_output() is not None

    def _streaming_body(self, shape: Shape | None) -> Shape | None:
        if shape is None:
            return None
        payload = shape.serialization.get("payload")
        if payload is not None:
            member = shape.members[payload]  # type: ignore[attr-defined]
            if member.type_name == "blob":
                return member
        return None

    def get_streaming_input(self) -> Shape | None:
        return self._streaming_body(self.input_shape)

    def get_streaming_output(self) -> Shape | None:
        return self._streaming_body(self.output_shape)

    @cached_property
    def has_streaming_input(self) -> bool:
        return self.get_streaming_input() is not None

    @cached_property
    def has_streaming_output(self) -> bool:
        return self.get_streaming_output() is not None

    def __repr__(self) -> str:
        return f"OperationModel(name={self.name})"
