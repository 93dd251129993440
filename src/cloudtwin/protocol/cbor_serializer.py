"""The ``smithy-rpc-v2-cbor`` response serializer.

Like ``json`` but the body is CBOR (``Content-Type: application/cbor`` and
``smithy-protocol: rpc-v2-cbor``): member names as map keys, blobs as byte strings,
timestamps as tag 1 (epoch seconds, whatever ``timestampFormat`` says), floats as CBOR
floats (NaN and the infinities included). Errors are ``{"__type": ..., "message": ...}``
with ``x-amzn-query-error`` for query-compatible services (CloudWatch). An operation
without output answers an empty body and no content type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import cbor2

from cloudtwin.protocol import timestamps
from cloudtwin.protocol.json_serializer import Encoder, JSONSerializer, JsonShapeCompiler

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import ServiceModel, Shape

CBOR_CONTENT_TYPE = "application/cbor"


def _blob(value: Any) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def _timestamp(value: Any) -> cbor2.CBORTag:
    return cbor2.CBORTag(1, timestamps.epoch_seconds(value))


class CborShapeCompiler(JsonShapeCompiler):
    """Typed values -> values ``cbor2`` writes as rpcv2 wants them."""

    def compile(self, shape: Shape) -> Encoder | None:
        kind = shape.type_name
        if kind == "blob":
            return _blob
        if kind == "timestamp":
            return _timestamp
        if kind in ("float", "double"):
            return None  # CBOR has NaN and the infinities
        return super().compile(shape)

    def wire_name(self, name: str, member: Shape) -> str:
        return name  # rpcv2 keys are member names; there is no jsonName


class CborSerializer(JSONSerializer):
    """The ``smithy-rpc-v2-cbor`` protocol (CloudWatch, ...)."""

    protocol = "smithy-rpc-v2-cbor"

    def _compiler(self) -> JsonShapeCompiler:
        return CborShapeCompiler()

    def _content_type(self, service: ServiceModel) -> str:
        return CBOR_CONTENT_TYPE

    def _dump(self, value: Any) -> bytes:
        return cbor2.dumps(value)

    def _headers(self, content_type: str | None, request_id: str) -> dict[str, str]:
        headers = super()._headers(content_type, request_id)
        headers["smithy-protocol"] = "rpc-v2-cbor"
        return headers

    def _empty_body(self) -> bytes:
        return b""


AMZ_CBOR_CONTENT_TYPE = "application/x-amz-cbor-1.1"


def _epoch_millis(value: Any) -> cbor2.CBORTag:
    return cbor2.CBORTag(1, int(round(timestamps.epoch_seconds(value) * 1000)))


class AmzCborShapeCompiler(CborShapeCompiler):
    """Timestamps as tag 1 with integer epoch milliseconds (what the SDKs read); keys are
    the json wire names."""

    def compile(self, shape: Shape) -> Encoder | None:
        if shape.type_name == "timestamp":
            return _epoch_millis
        return super().compile(shape)

    def wire_name(self, name: str, member: Shape) -> str:
        return member.serialization.get("name", name)


class AmzCborSerializer(CborSerializer):
    """awsJson with a CBOR body (``application/x-amz-cbor-1.1``): Kinesis's SDK encoding."""

    protocol = "json-cbor"

    def _compiler(self) -> JsonShapeCompiler:
        return AmzCborShapeCompiler()

    def _content_type(self, service: ServiceModel) -> str:
        return AMZ_CBOR_CONTENT_TYPE

    def _headers(self, content_type: str | None, request_id: str) -> dict[str, str]:
        return JSONSerializer._headers(self, content_type, request_id)

    def _empty_body(self) -> bytes:
        return cbor2.dumps({})
