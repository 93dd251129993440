"""smithy-rpc-v2-cbor: ``POST /service/{Service}/operation/{Operation}`` with a CBOR body.

The structure is the JSON protocol's (same member names, null means absent), decoded by
the :class:`~cloudtwin.protocol.json.DocumentCompiler` with CBOR's native types: blobs are
byte strings, timestamps are tag 1 (epoch seconds, which ``cbor2`` already turns into
datetimes), floats are real IEEE values (NaN and infinities included). An empty body is
an empty input.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

import cbor2

from cloudtwin.protocol import values
from cloudtwin.protocol.json import DocumentCompiler, JsonParser, expected
from cloudtwin.protocol.malformed import BODY, VALUE, InvalidInput
from cloudtwin.protocol.parsers import Decoder

_PATH_PREFIX = "/service/"


def operation_from_path(path: str) -> tuple[str, str] | None:
    """``/service/{ServiceName}/operation/{OperationName}`` -> (service, operation).

    A helper for routing; the service part may carry a namespace (``com.example#Svc``).
    """
    if not path.startswith(_PATH_PREFIX):
        return None
    service, sep, operation = path[len(_PATH_PREFIX) :].rpartition("/operation/")
    if not sep or not service or not operation or "/" in operation:
        return None
    return service, operation


def _byte_blob(value: Any) -> bytes:
    kind = type(value)
    if kind is bytes:
        return value
    if kind is bytearray:
        return bytes(value)
    raise expected("a byte string", value)


class CborCompiler(DocumentCompiler):
    """DocumentCompiler for CBOR values."""

    def _timestamp(self, fmt: str) -> Decoder:
        def decode(value: Any) -> datetime:
            if type(value) is datetime:
                if value.tzinfo is None:
                    return value.replace(tzinfo=values.UTC)
                return value.astimezone(values.UTC)
            if type(value) is bool or not isinstance(value, (int, float, Decimal, str)):
                raise expected("a timestamp", value)
            try:
                return values.parse_timestamp(float(value) if type(value) is Decimal else value, fmt)
            except (ValueError, OverflowError) as exc:
                raise InvalidInput(str(exc), VALUE) from None

        return decode

    def blob(self) -> Decoder:
        return _byte_blob


class CborParser(JsonParser):
    """smithy-rpc-v2-cbor (the router has already read the operation from the path)."""

    protocol = "smithy-rpc-v2-cbor"
    compiler_class = CborCompiler
    semantic_decoders: dict | None = None

    def _load(self, body: bytes) -> Any:
        if not body:
            return {}
        stream = BytesIO(body)
        try:
            document = cbor2.CBORDecoder(stream, semantic_decoders=self.semantic_decoders).decode()
        except RecursionError:
            raise InvalidInput("The request body is not valid CBOR: it nests too deeply.", BODY) from None
        except (cbor2.CBORDecodeError, ValueError) as exc:
            raise InvalidInput(f"The request body is not valid CBOR: {exc}", BODY) from None
        if stream.tell() != len(body):
            raise InvalidInput("The request body has data after its CBOR value.", BODY)
        return document


def _epoch_millis(value: Any, *_: Any) -> datetime:
    """cbor2's semantic decoder of tag 1: called with the tagged value, already decoded."""
    if type(value) is bool or not isinstance(value, (int, float)):
        raise InvalidInput("A timestamp (tag 1) must be a number of milliseconds", VALUE)
    try:
        return datetime.fromtimestamp(value / 1000, values.UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise InvalidInput(f"Invalid timestamp: {exc}", VALUE) from None


class AmzCborParser(CborParser):
    """awsJson with a CBOR body (``application/x-amz-cbor-1.1``, Kinesis): routed by
    ``X-Amz-Target`` like json; timestamps are tag 1 holding epoch *milliseconds*, as the
    AWS SDKs that speak it write them."""

    protocol = "json-cbor"
    semantic_decoders = {1: _epoch_millis}
