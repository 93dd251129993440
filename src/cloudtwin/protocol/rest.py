"""What rest-json and rest-xml share: the HTTP bindings of the input members.

A member of the input structure travels in one of these places, per its ``location``:

* ``uri``: a label of the ``requestUri`` template, ``{Name}`` (one path segment, ``/``
  percent-encoded) or ``{Name+}`` (greedy, keeps ``/``); percent-decoded here.
* ``querystring`` with a name: a query parameter (lists repeat the key).
  Without a name, on a map: every query parameter no other member binds (nor the
  ``requestUri``'s own literal ``?tagging``-style keys).
* ``header``: a header (lists comma-separated, quoted strings allowed; ``jsonvalue``
  strings are base64 JSON). ``headers`` on a map: every header starting with the
  member's prefix (``x-amz-meta-``), keyed by the rest of the name.
* the payload member (``payload`` on the input shape): the whole body; a structure is
  decoded by the subclass, a blob or string is the raw body, a streaming blob (or an
  input event stream) is ``request.stream`` when the gateway streams the body, else the
  body bytes (``b""`` included: an empty upload is still an upload).
* nowhere: the member is part of the body the subclass decodes (JSON object, XML root).

``hostLabel`` members are not read from the host: the host prefix is a client concern; if
they are also bound elsewhere they are read there.

Subclasses provide the body codec: a shape compiler for documents and
:meth:`RestParser._load` (bytes -> document).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import unquote

from cloudtwin.protocol.documents import DocumentError, read_json
from cloudtwin.protocol.malformed import BINDING, BODY, InvalidInput
from cloudtwin.protocol.parsers import ABSENT, Decoder, RequestParser, request_body
from cloudtwin.protocol.scalars import TextConverter, text_converter
from cloudtwin.protocol.values import RFC822, decode_base64, default_timestamp_format

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel, Shape

    from cloudtwin.protocol.http import HttpRequest

_LABEL = re.compile(r"\{([^}]+)\}")
_HEADER = default_timestamp_format("header")
_QUERY = default_timestamp_format("querystring")
_NUMBERS = frozenset({"integer", "long", "short", "byte"})
_URI = default_timestamp_format("uri")
_WEEKDAYS = frozenset({"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"})


@dataclass(slots=True)
class UriTemplate:
    """A compiled ``requestUri``: label names, the path regex, the literal query keys."""

    labels: list[tuple[str, bool]]  # (name, greedy), in path order
    regex: re.Pattern | None
    literal_query: frozenset[str]

    @classmethod
    def compile(cls, request_uri: str) -> UriTemplate:
        path, _, query = request_uri.partition("?")
        labels: list[tuple[str, bool]] = []
        pattern: list[str] = []
        position = 0
        for match in _LABEL.finditer(path):
            pattern.append(re.escape(path[position : match.start()]))
            name = match.group(1)
            greedy = name.endswith("+")
            labels.append((name.rstrip("+"), greedy))
            pattern.append("(.+)" if greedy else "([^/]+)")
            position = match.end()
        tail = path[position:]
        pattern.append(re.escape(tail))
        if not tail.endswith("/"):
            pattern.append("/?")
        literal = frozenset(part.partition("=")[0] for part in query.split("&") if part)
        regex = re.compile("".join(pattern)) if labels else None
        return cls(labels, regex, literal)

    def match(self, path: str) -> dict[str, str]:
        """Label name -> raw (percent-encoded) value; {} when the path does not match."""
        if self.regex is None:
            return {}
        found = self.regex.fullmatch(path)
        if found is None:
            return {}
        return {name: value for (name, _), value in zip(self.labels, found.groups())}


@dataclass(slots=True)
class RestPlan:
    """Everything about one operation's input that the model alone decides."""

    operation: OperationModel
    uri: UriTemplate
    labels: list[tuple[str, str, TextConverter]] = field(default_factory=list)
    query: list[tuple[str, str, TextConverter, bool]] = field(default_factory=list)
    query_map: tuple[str, Callable[[list[str]], Any]] | None = None
    headers: list[tuple[str, str, TextConverter]] = field(default_factory=list)
    header_maps: list[tuple[str, str, TextConverter]] = field(default_factory=list)
    payload: tuple[str, str, Decoder | None] | None = None  # (member, kind, decoder)
    body: Decoder | None = None
    # query keys a querystring map must leave out: bound to members or literal in the URI
    bound_query: frozenset[str] = frozenset()
    # numeric query members whose empty value reads as absent (S3 ignores ``?max-parts=``)
    blank_numbers: frozenset[str] = frozenset()


def split_header_list(raw: str) -> list[str]:
    """A comma-separated header value -> its items; double-quoted items may hold commas
    and backslash-escaped quotes (``"b,c", "\\"d\\"", e`` -> ``b,c``, ``"d"``, ``e``)."""
    if '"' not in raw:
        if not raw.strip():
            return []
        return [item.strip() for item in raw.split(",")]
    items: list[str] = []
    size = len(raw)
    position = 0
    while True:
        while position < size and raw[position] in " \t":
            position += 1
        if position < size and raw[position] == '"':
            position += 1
            chars = []
            while position < size and raw[position] != '"':
                if raw[position] == "\\" and position + 1 < size:
                    position += 1
                chars.append(raw[position])
                position += 1
            items.append("".join(chars))
            end = raw.find(",", position)
        else:
            end = raw.find(",", position)
            items.append(raw[position : end if end >= 0 else size].strip())
        if end < 0:
            return items
        position = end + 1


def _join_http_dates(items: list[str]) -> list[str]:
    """``Mon, 16 Dec 2019 ..., Tue, 17 Dec ...`` split on every comma -> whole dates."""
    joined: list[str] = []
    pending = None
    for item in items:
        if pending is not None:
            joined.append(f"{pending}, {item}")
            pending = None
        elif item in _WEEKDAYS:
            pending = item
        else:
            joined.append(item)
    if pending is not None:
        joined.append(pending)
    return joined


def _json_value(text: str) -> Any:
    try:
        return read_json(decode_base64(text))
    except ValueError as exc:
        reason = exc.reason if isinstance(exc, DocumentError) else "the value is not valid base64"
        raise InvalidInput(f"Expected base64-encoded JSON: {reason}", BINDING) from None


def header_converter(shape: Shape) -> TextConverter:
    """Header text -> value: scalars, comma-separated lists, base64 JSON (jsonvalue)."""
    if shape.type_name == "list":
        member = shape.member
        convert_item = text_converter(member, _HEADER, BINDING)
        dates = member.type_name == "timestamp" and (
            member.serialization.get("timestampFormat", _HEADER) == RFC822
        )

        def convert_list(raw: str) -> list:
            items = split_header_list(raw)
            if dates:
                items = _join_http_dates(items)
            return [convert_item(item) for item in items]

        return convert_list
    if shape.serialization.get("jsonvalue"):
        return _json_value
    return text_converter(shape, _HEADER, BINDING)


def _query_map_reader(shape: Shape) -> Callable[[list[str]], Any]:
    """For a ``querystring`` map: the values of one key -> the map's value for it."""
    value = shape.value
    if value.type_name == "list":
        convert = text_converter(value.member, _QUERY, BINDING)
        return lambda texts: [convert(text) for text in texts]
    convert = text_converter(value, _QUERY, BINDING)
    return lambda texts: convert(texts[0])


class RestParser(RequestParser):
    """The HTTP-binding half of rest-json and rest-xml.

    Subclasses name their body codec: ``compiler_class`` (a ShapeCompiler of decoders with
    a ``structure(shape, members)`` method) and :meth:`_load` (body bytes -> document).
    """

    compiler_class: Callable[[], Any]

    def _load(self, body: bytes) -> Any:
        """The parsed document of a non-empty body (JSON value, XML root element)."""
        raise NotImplementedError

    def _payload_decoder(self, compiler: Any, shape: Shape) -> tuple[str, Decoder | None]:
        """(kind, decoder) for a payload member of type structure/union/document/list/map.

        The decoder may return ``ABSENT`` for a body that stands for "no payload".
        """
        return "document", compiler.plan(shape)

    # -- compile ------------------------------------------------------------------------------

    def _compile(self, operation: OperationModel) -> RestPlan:
        plan = RestPlan(operation, UriTemplate.compile(operation.http.get("requestUri", "/")))
        shape = operation.input_shape
        if shape is None:
            return plan
        compiler = self.compiler_class()
        payload_name = shape.serialization.get("payload")
        body_members = {}
        for name, member in shape.members.items():
            serialization = member.serialization
            location = serialization.get("location")
            wire = serialization.get("name", name)
            if location == "uri":
                plan.labels.append((name, wire, text_converter(member, _URI, BINDING)))
            elif location == "querystring":
                if member.type_name == "map":
                    plan.query_map = (name, _query_map_reader(member))
                elif member.type_name == "list":
                    convert = text_converter(member.member, _QUERY, BINDING)
                    plan.query.append((name, wire, convert, True))
                else:
                    plan.query.append((name, wire, text_converter(member, _QUERY, BINDING), False))
                    if member.type_name in _NUMBERS and operation.service_model.metadata.get("serviceId") == "S3":
                        plan.blank_numbers |= {name}
            elif location == "header":
                plan.headers.append((name, wire.lower(), header_converter(member)))
            elif location == "headers":
                value = text_converter(member.value, _HEADER, BINDING)
                plan.header_maps.append((name, serialization.get("name", "").lower(), value))
            elif name == payload_name:
                plan.payload = (name, *self._payload(compiler, member))
            elif location is None:
                body_members[name] = member
        if body_members and plan.payload is None:
            plan.body = compiler.structure(shape, body_members)
        plan.bound_query = frozenset(q[1] for q in plan.query) | plan.uri.literal_query
        return plan

    def _payload(self, compiler: Any, member: Shape) -> tuple[str, Decoder | None]:
        if member.serialization.get("eventstream"):
            return "stream", None  # AWS event-stream frames: the service reads them itself
        if member.type_name == "blob":
            return ("stream" if member.serialization.get("streaming") else "blob"), None
        if member.type_name == "string":
            return "string", None
        return self._payload_decoder(compiler, member)

    # -- parse --------------------------------------------------------------------------------

    def _parse(
        self, request: HttpRequest, plan: RestPlan, uri_params: dict[str, str] | None
    ) -> dict:
        params: dict[str, Any] = {}
        if plan.labels:
            self._read_labels(request, plan, uri_params, params)
        if plan.query or plan.query_map:
            self._read_query(request, plan, params)
        if plan.headers or plan.header_maps:
            self._read_headers(request, plan, params)
        if plan.payload is not None:
            self._read_payload(request, plan, params)
        elif plan.body is not None:
            body = request_body(request, plan.operation)
            if body.strip():
                params.update(plan.body(self._load(body)))
        return params

    def _read_labels(
        self,
        request: HttpRequest,
        plan: RestPlan,
        uri_params: dict[str, str] | None,
        params: dict,
    ) -> None:
        found = uri_params if uri_params is not None else plan.uri.match(request.path)
        for member, label, convert in plan.labels:
            raw = found.get(label)
            if raw is None:
                raw = found.get(label + "+")
                if raw is None:
                    continue
            try:
                text = unquote(raw, errors="strict")
            except UnicodeDecodeError:
                raise InvalidInput(f"The URI label {label} is not valid UTF-8", BINDING) from None
            try:
                params[member] = convert(text)
            except InvalidInput as problem:
                problem.path.append(label)
                raise

    def _read_query(self, request: HttpRequest, plan: RestPlan, params: dict) -> None:
        grouped: dict[str, list[str]] = {}
        for key, value in request.query:
            values = grouped.get(key)
            if values is None:
                grouped[key] = [value]
            else:
                values.append(value)
        for member, name, convert, is_list in plan.query:
            texts = grouped.get(name)
            if texts is None or (not texts[0] and member in plan.blank_numbers):
                continue
            try:
                params[member] = [convert(t) for t in texts] if is_list else convert(texts[0])
            except InvalidInput as problem:
                problem.path.append(name)
                raise
        if plan.query_map is not None:
            member, read = plan.query_map
            bound = plan.bound_query
            mapping = {key: read(texts) for key, texts in grouped.items() if key not in bound}
            if mapping:
                params[member] = mapping

    def _read_headers(self, request: HttpRequest, plan: RestPlan, params: dict) -> None:
        headers = request.headers
        for member, name, convert in plan.headers:
            raw = headers.get(name)
            if raw is None:
                continue
            try:
                params[member] = convert(raw)
            except InvalidInput as problem:
                problem.path.append(name)
                raise
        for member, prefix, convert in plan.header_maps:
            mapping = {
                name[len(prefix) :]: convert(value)
                for name, value in headers.items()
                if name.startswith(prefix) and len(name) > len(prefix)
            }
            if mapping:
                params[member] = mapping

    def _read_payload(self, request: HttpRequest, plan: RestPlan, params: dict) -> None:
        member, kind, decode = plan.payload  # type: ignore[misc]
        if kind == "stream":
            params[member] = request.stream if request.stream is not None else request.body
            return
        body = request_body(request, plan.operation)
        if not body:
            return
        if kind == "blob":
            params[member] = body
        elif kind == "string":
            try:
                params[member] = body.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput("The request body is not valid UTF-8.", BODY) from None
        elif body.strip():
            value = decode(self._load(body))  # type: ignore[misc]
            if value is not ABSENT:
                params[member] = value
