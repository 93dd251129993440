"""What rest-json and rest-xml responses share: status code, header and payload bindings.

* The status is the operation's ``http.responseCode`` (200), or a ``statusCode`` member.
* ``header`` members become headers: strings as is (``jsonvalue`` strings as base64 JSON),
  numbers, ``true``/``false``, timestamps as HTTP dates unless ``timestampFormat`` says
  otherwise, blobs base64, lists comma-joined (strings with a comma or a quote quoted).
  ``headers`` members (maps) become one header per key after the member's prefix. Text
  that is not printable ASCII travels as an RFC 2047 encoded-word, as S3 sends it.
* The body is the output's ``payload`` member when it names one - raw bytes or text for a
  blob or string (an async iterator of bytes streams through), the encoded structure,
  union or document, or an event stream - else the encoded body members (subclasses say
  how to encode: JSON or XML).

Error shapes use the same bindings, so header-bound error members go to headers.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from cloudtwin.protocol import timestamps
from cloudtwin.protocol.error_shapes import ResolvedError
from cloudtwin.protocol.eventstream import EVENT_STREAM_CONTENT_TYPE, EventStreamEncoder
from cloudtwin.protocol.http import HttpResponse
from cloudtwin.protocol.serializers import ResponseSerializer
from cloudtwin.protocol.shape_plans import PlanCache, is_body_member
from cloudtwin.protocol.xml_writer import float_text

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel, ServiceModel, Shape

TextFn = Callable[[Any], str]
BodyWriter = Callable[[Any], bytes]


# -- header values ---------------------------------------------------------------------------


def _blob_header(value: Any) -> str:
    if isinstance(value, str):
        value = value.encode("utf-8")
    return base64.b64encode(value).decode("ascii")


def _json_value_header(value: Any) -> str:
    return base64.b64encode(json.dumps(value, separators=(",", ":")).encode("utf-8")).decode()


def header_string(value: Any) -> str:
    """A string header value of a header map (S3's user metadata); an RFC 2047 encoded-word
    when not printable US-ASCII.

    HTTP header values are ASCII: S3 answers non-ASCII user metadata as a "Q" encoded-word
    (``=?UTF-8?Q?caf=C3=A9?=``) of the bytes it was given, and encoding control characters
    keeps a value from ever splitting the header block.
    """
    text = value if value.__class__ is str else str(value)
    if text.isascii() and text.isprintable():
        return text
    return f"=?UTF-8?Q?{''.join(_q_char(b) for b in _utf8_bytes(text))}?="


def header_value(value: Any) -> str:
    """A string header value of its own (``Cache-Control``, ``Content-Disposition``...).

    S3 answers such a header with the bytes it was sent: a value that came in a header is
    held as those bytes read as ISO-8859-1 (what the gateway does with header bytes), and
    goes back out as the same bytes. Anything else (control characters, characters beyond
    ISO-8859-1) is written as an RFC 2047 encoded-word."""
    text = value if value.__class__ is str else str(value)
    if all(ch == "\t" or (" " <= ch <= "\xff" and ch != "\x7f") for ch in text):
        return text
    return header_string(text)


def _utf8_bytes(text: str) -> bytes:
    """The UTF-8 bytes a value stands for: a header's UTF-8 bytes read as ISO-8859-1 are
    those bytes again; any other text is encoded."""
    try:
        raw = text.encode("latin-1")
        raw.decode("utf-8")
        return raw
    except UnicodeError:
        return text.encode("utf-8")


def _q_char(byte: int) -> str:
    """One byte of a "Q" encoded-word: printable ASCII as itself except ``=?_``, the space
    as ``_``, every other byte as ``=XX``."""
    if byte == 0x20:
        return "_"
    if 0x21 <= byte <= 0x7E and byte not in (0x3D, 0x3F, 0x5F):
        return chr(byte)
    return f"={byte:02X}"


def _quoted(item: str) -> str:
    """A list item as RFC 7230 wants it: quoted when it holds a comma or a quote."""
    if "," in item or '"' in item:
        return '"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return item


def header_text(shape: Shape) -> TextFn:
    """The function writing a value of ``shape`` as a header value."""
    kind = shape.type_name
    if kind == "string":
        return _json_value_header if shape.serialization.get("jsonvalue") else header_value
    if kind == "boolean":
        return lambda value: "true" if value else "false"
    if kind in ("float", "double"):
        return float_text
    if kind == "timestamp":
        fmt = shape.serialization.get("timestampFormat", timestamps.RFC822)
        return timestamps.text_formatter(fmt)
    if kind == "blob":
        return _blob_header
    if kind == "list":
        item = header_text(shape.member)
        if shape.member.type_name == "string":
            return lambda value: ", ".join(_quoted(item(entry)) for entry in value)
        return lambda value: ", ".join(item(entry) for entry in value)
    return str


# -- bindings --------------------------------------------------------------------------------


_HEADER, _HEADER_MAP, _STATUS = 0, 1, 2

#: A result key (never a model member name) that sets the response status where the model
#: has no ``statusCode`` member: S3 answers a range read with 206 Partial Content.
STATUS_OVERRIDE = "__status__"
#: A result key adding response headers the model does not describe (S3's
#: ``x-amz-bucket-region`` on listings): a dict of header name to text.
EXTRA_HEADERS = "__headers__"


@dataclass(frozen=True, slots=True)
class Bindings:
    """The members of a structure that travel outside the body.

    ``members`` maps a member to (kind, header name or prefix, to-text function); the
    result is walked once, so a shape with many optional headers (S3's) costs only the
    members that are set.
    """

    members: dict[str, tuple[int, str, TextFn]]
    sets_content_type: bool  # a header member may set Content-Type itself

    def apply(self, value: dict, headers: dict[str, str]) -> int | None:
        """Write the bound members of ``value`` into ``headers``; the status they set."""
        status = None
        members = self.members
        for name, item in value.items():
            binding = members.get(name)
            if binding is None or item is None:
                continue
            kind, header, text = binding
            if kind == _HEADER:
                headers[header] = text(item)
            elif kind == _HEADER_MAP:
                for key, entry in item.items():
                    if entry is not None:
                        headers[header + key] = header_string(entry)
            else:
                status = int(item)
        return status


def compile_bindings(shape: Shape) -> Bindings:
    members: dict[str, tuple[int, str, TextFn]] = {}
    sets_content_type = False
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        if location == "header":
            header = member.serialization.get("name", name)
            members[name] = (_HEADER, header, header_text(member))
            sets_content_type = sets_content_type or header.lower() == "content-type"
        elif location == "headers":
            members[name] = (_HEADER_MAP, member.serialization.get("name", ""), str)
            sets_content_type = True
        elif location == "statusCode":
            members[name] = (_STATUS, "", str)
    return Bindings(members, sets_content_type)


_NO_BINDINGS = Bindings({}, False)


# -- plans -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RestPlan:
    """What a rest serializer needs for one operation's output."""

    status: int
    has_output: bool
    bindings: Bindings
    payload_member: str | None
    payload_kind: str  # "blob", "string", "body" (encoded), "eventstream" or "" (members)
    write_body: BodyWriter | None  # the payload encoder, or the body members' encoder
    stream_shape: Shape | None


class RestSerializer(ResponseSerializer):
    """Base of the rest-json and rest-xml serializers (see the module docstring)."""

    body_content_type: ClassVar[str] = ""

    def __init__(self) -> None:
        super().__init__()
        self._error_bindings: PlanCache[Shape, Bindings] = PlanCache()
        self._event_encoders: PlanCache[ServiceModel, EventStreamEncoder] = PlanCache()

    # -- hooks ------------------------------------------------------------------------------

    def _members_writer(self, shape: Shape, operation: OperationModel) -> BodyWriter:
        """Encodes the body members of the output structure ``shape``."""
        raise NotImplementedError  # pragma: no cover

    def _payload_writer(self, name: str, member: Shape, operation: OperationModel) -> BodyWriter:
        """Encodes a structure, union or document payload member."""
        raise NotImplementedError  # pragma: no cover

    def _build_event_encoder(self, service: ServiceModel) -> EventStreamEncoder:
        raise NotImplementedError  # pragma: no cover

    def _request_id_headers(self, service: ServiceModel, request_id: str) -> dict[str, str]:
        raise NotImplementedError  # pragma: no cover

    def _error_body(
        self, error: ResolvedError, service: ServiceModel, request_id: str
    ) -> tuple[bytes, dict[str, str]]:
        """The error body and the headers that name the error."""
        raise NotImplementedError  # pragma: no cover

    # -- results ----------------------------------------------------------------------------

    def _compile_operation(self, operation: OperationModel) -> RestPlan:
        status = operation.http.get("responseCode", 200)
        output = operation.output_shape
        if output is None:
            return RestPlan(status, False, _NO_BINDINGS, None, "", None, None)
        bindings = compile_bindings(output)
        payload = output.serialization.get("payload")
        if payload is not None:
            member = output.members[payload]
            if member.serialization.get("eventstream"):
                return RestPlan(status, True, bindings, payload, "eventstream", None, member)
            if member.type_name in ("blob", "string"):
                return RestPlan(status, True, bindings, payload, member.type_name, None, None)
            writer = self._payload_writer(payload, member, operation)
            return RestPlan(status, True, bindings, payload, "body", writer, None)
        if not any(is_body_member(member) for member in output.members.values()):
            return RestPlan(status, True, bindings, None, "", None, None)
        return RestPlan(
            status, True, bindings, None, "", self._members_writer(output, operation), None
        )

    def _serialize_result(
        self, result: dict, operation: OperationModel, request_id: str
    ) -> HttpResponse:
        plan: RestPlan = self._operation_plan(operation)
        service = operation.service_model
        headers = self._request_id_headers(service, request_id)
        if not plan.has_output:
            # An operation without output may still answer another 2xx (S3's 204s).
            override = result.get(STATUS_OVERRIDE) if isinstance(result, dict) else None
            return HttpResponse(plan.status if override is None else int(override), headers, b"")
        status = plan.bindings.apply(result, headers) or plan.status
        override = result.get(STATUS_OVERRIDE)
        if override is not None:
            status = int(override)
        extra = result.get(EXTRA_HEADERS)
        if extra:
            headers.update(extra)
        body: Any = b""
        content_type = None
        kind = plan.payload_kind
        if plan.payload_member is None:
            if plan.write_body is not None:
                body, content_type = plan.write_body(result), self.body_content_type
        else:
            value = result.get(plan.payload_member)
            if kind == "blob":
                body, content_type = _raw_body(value), "application/octet-stream"
            elif kind == "string":
                body, content_type = _raw_body(value), "text/plain"
            elif kind == "eventstream":
                events = self._event_encoders.get(service, self._build_event_encoder)
                body = events.stream(plan.stream_shape, value or ())
                content_type = EVENT_STREAM_CONTENT_TYPE
            elif value is not None:
                body, content_type = plan.write_body(value), self.body_content_type
        if body == b"" and kind != "blob":
            content_type = None
        if content_type is not None and not (
            plan.bindings.sets_content_type
            and any(name.lower() == "content-type" for name in headers)
        ):
            headers["Content-Type"] = content_type
        return HttpResponse(status, headers, body)

    # -- errors -----------------------------------------------------------------------------

    def _serialize_error(
        self,
        error: ResolvedError,
        service: ServiceModel,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        headers = self._request_id_headers(service, request_id)
        status = error.status
        if error.shape is not None and error.fields:
            bindings = self._error_bindings.get(error.shape, compile_bindings)
            status = bindings.apply(error.fields, headers) or status
        body, error_headers = self._error_body(error, service, request_id)
        headers.update(error_headers)
        headers.update(self._query_error_header(error, service))
        headers.update(error.headers)
        return HttpResponse(status, headers, body)


def _raw_body(value: Any) -> Any:
    """A blob or string payload as bytes, or the async iterator that streams it."""
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if hasattr(value, "__aiter__"):
        return aiter(value)
    if hasattr(value, "read"):  # a file-like object
        return value.read()
    raise TypeError(f"cannot send {type(value).__name__} as a payload")
