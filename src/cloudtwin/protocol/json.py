"""awsJson 1.0 / 1.1: the operation is named by ``X-Amz-Target``, the input is a JSON body.

:class:`DocumentCompiler` turns shapes into decoders over already-parsed documents
(``json.loads`` output); rest-json reuses it for its bodies and rpcv2-cbor subclasses it for
CBOR's native bytes and timestamps. Decoders check types as they go: a number where a
string is expected is the client's error (``SerializationException``), not a crash.

JSON conventions: members under their ``locationName`` (jsonName) or their own name,
``null`` means absent, blobs are base64 text, timestamps are epoch seconds unless the shape
says otherwise, floats may be the strings ``NaN`` / ``Infinity`` / ``-Infinity``, documents
are kept as the JSON value they are.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol import values
from cloudtwin.protocol.documents import DocumentError, plain_object, read_json
from cloudtwin.protocol.malformed import BODY, VALUE, InvalidInput
from cloudtwin.protocol.parsers import Decoder, DocumentParser
from cloudtwin.protocol.shape_plans import ShapeCompiler

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel, Shape

    from cloudtwin.protocol.http import HttpRequest

_KINDS = {
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    list: "an array",
    dict: "an object",
    bytes: "a byte string",
}


def kind_of(value: Any) -> str:
    return _KINDS.get(type(value), type(value).__name__)


def expected(what: str, value: Any) -> InvalidInput:
    return InvalidInput(f"Expected {what} but found {kind_of(value)}", VALUE)


def _string(value: Any) -> str:
    if type(value) is str:
        return value
    raise expected("a string", value)


def _boolean(value: Any) -> bool:
    if type(value) is bool:
        return value
    raise expected("a boolean", value)


def _integer(value: Any) -> int:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    raise expected("an integer", value)


def _float(value: Any) -> float:
    kind = type(value)
    if kind is float:
        return value
    if kind is int or kind is Decimal:
        return float(value)
    if kind is str:
        try:
            return values.special_float(value)
        except ValueError:
            pass
    raise expected("a number", value)


def _base64_blob(value: Any) -> bytes:
    if type(value) is not str:
        raise expected("a base64 string", value)
    try:
        return values.decode_base64(value)
    except ValueError as exc:
        raise InvalidInput(str(exc), VALUE) from None


def _document(value: Any) -> Any:
    return value


class DocumentCompiler(ShapeCompiler[Decoder]):
    """Decoders over parsed JSON documents (and, via a subclass, CBOR)."""

    timestamp_format = values.default_timestamp_format("json")

    def compile(self, shape: Shape) -> Decoder:
        type_name = shape.type_name
        if type_name == "structure":
            if shape.is_document_type:
                return _document
            return self.structure(shape, shape.members)
        if type_name == "list":
            return self._list(shape)
        if type_name == "map":
            return self._map(shape)
        if type_name == "string":
            return _string
        if type_name == "boolean":
            return _boolean
        if type_name in ("integer", "long", "byte", "short"):
            return _integer
        if type_name in ("float", "double"):
            return _float
        if type_name == "timestamp":
            return self._timestamp(shape.serialization.get("timestampFormat") or self.timestamp_format)
        if type_name == "blob":
            return self.blob()
        return _document

    def structure(self, shape: Shape, members: dict[str, Shape]) -> Decoder:
        """Decoder of a structure restricted to ``members`` (rest protocols bind the others
        to headers, labels and the query string)."""
        table = {
            member.serialization.get("name", name): (name, self.plan(member))
            for name, member in members.items()
        }

        def decode(value: Any) -> dict:
            if type(value) is not dict:
                raise expected("an object", value)
            result = {}
            for key, item in value.items():
                entry = table.get(key)
                if entry is None or item is None:
                    continue
                decode_member = entry[1]
                if decode_member is _string and type(item) is str:  # most members: no call
                    result[entry[0]] = item
                    continue
                try:
                    result[entry[0]] = decode_member(item)
                except InvalidInput as problem:
                    problem.path.append(key)
                    raise
            return result

        return decode

    def _list(self, shape: Shape) -> Decoder:
        decode_item = self.plan(shape.member)

        def decode(value: Any) -> list:
            if type(value) is not list:
                raise expected("an array", value)
            result = []
            for index, item in enumerate(value):
                if item is None:
                    result.append(None)
                    continue
                try:
                    result.append(decode_item(item))
                except InvalidInput as problem:
                    problem.path.append(str(index))
                    raise
            return result

        return decode

    def _map(self, shape: Shape) -> Decoder:
        decode_value = self.plan(shape.value)

        def decode(value: Any) -> dict:
            if type(value) is not dict:
                raise expected("an object", value)
            result = {}
            for key, item in value.items():
                if item is None:
                    continue
                if type(key) is not str:
                    raise expected("string keys", key)
                try:
                    result[key] = decode_value(item)
                except InvalidInput as problem:
                    problem.path.append(key)
                    raise
            return result

        return decode

    def _timestamp(self, fmt: str) -> Decoder:
        def decode(value: Any) -> Any:
            if type(value) is bool or not isinstance(value, (int, float, str, Decimal)):
                raise expected("a timestamp", value)
            try:
                return values.parse_timestamp(
                    float(value) if type(value) is Decimal else value, fmt
                )
            except (ValueError, OverflowError) as exc:
                raise InvalidInput(str(exc), VALUE) from None

        return decode

    def blob(self) -> Decoder:
        return _base64_blob


BODY_MAX_DEPTH = 256
"""Deepest nesting of a JSON request body (DynamoDB's 32 levels of maps take ~70)."""
#: A ``\\uD800``-``\\uDFFF`` escape: JSON text may spell a surrogate that is not half of a pair.
_SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F]")


def load_json(body: bytes) -> Any:
    """The JSON value of a request body; an empty body is ``{}``.

    The body must be UTF-8 and name only characters: invalid bytes and lone surrogate
    escapes (``"\\ud800"``) are the client's error here, not a crash wherever the text is
    next encoded.
    """
    value = plain_object(body, BODY_MAX_DEPTH) if type(body) is bytes else None
    if value is None:
        if not body or body.isspace():  # (``isspace`` stops at the first other byte: no copy)
            return {}
        try:
            value = read_json(body, max_depth=BODY_MAX_DEPTH)
        except DocumentError as exc:
            raise InvalidInput(f"The request body is not valid JSON: {exc.reason}", BODY) from None
    if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(value):
        raise InvalidInput("The request body is not valid JSON: it escapes a lone surrogate", BODY)
    return value


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is str:
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif type(item) is dict:
            stack.extend(item)
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)
    return False


class JsonParser(DocumentParser):
    """awsJson 1.0 and 1.1 (the router has already used ``X-Amz-Target``)."""

    protocol = "json"
    compiler_class: type[DocumentCompiler] = DocumentCompiler

    def _compiler(self, operation: OperationModel) -> DocumentCompiler:
        return self.compiler_class()

    #: The document of a body (a static method: no extra call per request).
    _load = staticmethod(load_json)

    def _document(self, request: HttpRequest, body: bytes) -> dict:
        document = self._load(body)
        if type(document) is not dict:
            raise InvalidInput(f"The request body must be an object, not {kind_of(document)}", BODY)
        return document
