"""The XML body writer shared by the query, ec2 and rest-xml serializers.

A shape compiles to a *writer*: ``write(out, start, end, value)`` appends one element for
``value`` to the list ``out``. ``start`` is the element's open tag without its closing
``>`` (``<Name xmlns="..."``) so a structure can add its ``xmlAttribute`` members, ``end``
the close tag. Callers join ``out`` once at the end.

The element names follow the model the way SDKs read it: a member's ``locationName``
(else its name); list items named by the list member's ``locationName`` (else
``member``); map entries ``<entry><key/><value/></entry>`` with the key and value
``locationName``s; ``flattened`` lists and maps repeat the member's element instead of
wrapping it (a flattened list's items take the list member's ``locationName`` when it has
one, as AWS and botocore do); ``xmlNamespace`` becomes an ``xmlns`` or ``xmlns:prefix``
attribute. Scalars: booleans ``true``/``false``, floats with ``NaN``/``Infinity``/
``-Infinity``, blobs base64, timestamps ISO 8601 unless ``timestampFormat`` says otherwise.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from cloudtwin.protocol import timestamps
from cloudtwin.protocol.shape_plans import ShapeCompiler, is_body_member

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import Shape

Writer = Callable[[list, str, str, Any], None]
TextFn = Callable[[Any], str]
Emitter = Callable[[list, Any], None]

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'

_CONTAINERS = frozenset({"structure", "list", "map"})


def escape_text(text: str) -> str:
    """Escape character data. ``\\r`` is written as a reference so it survives parsing."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#xD;")
    return text


def escape_attr(text: str) -> str:
    """Escape an attribute value (double-quoted); whitespace kept through references."""
    text = escape_text(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\n" in text:
        text = text.replace("\n", "&#10;")
    if "\t" in text:
        text = text.replace("\t", "&#9;")
    return text


def namespace_attr(namespace: Any) -> str:
    """The ``xmlns`` attribute (with its leading space) for a model ``xmlNamespace``."""
    if not namespace:
        return ""
    if isinstance(namespace, str):
        return f' xmlns="{escape_attr(namespace)}"'
    uri = escape_attr(namespace.get("uri", ""))
    prefix = namespace.get("prefix")
    return f' xmlns:{prefix}="{uri}"' if prefix else f' xmlns="{uri}"'


def element(name: str, namespace: Any = None) -> tuple[str, str]:
    """The (start, end) pair of an element: ``<name xmlns=".."`` and ``</name>``."""
    return f"<{name}{namespace_attr(namespace)}", f"</{name}>"


def float_text(value: Any) -> str:
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        if value != value:
            return "NaN"
        return "Infinity" if value > 0 else "-Infinity"
    return str(value)


def _bool_text(value: Any) -> str:
    return "true" if value else "false"


def _blob_text(value: Any) -> str:
    if isinstance(value, str):
        value = value.encode("utf-8")
    return base64.b64encode(value).decode("ascii")


def _string_text(value: Any) -> str:
    return escape_text(value if isinstance(value, str) else str(value))


def _document_text(value: Any) -> str:
    return escape_text(json.dumps(value, separators=(",", ":")))


def scalar_text(shape: Shape, millis: bool = False) -> TextFn:
    """The function writing a scalar value of ``shape`` as (escaped) XML text; ``millis``
    writes ISO-8601 timestamps always with milliseconds."""
    kind = shape.type_name
    if kind == "string":
        return _string_text
    if kind == "boolean":
        return _bool_text
    if kind in ("float", "double"):
        return float_text
    if kind == "blob":
        return _blob_text
    if kind == "timestamp":
        fmt = shape.serialization.get("timestampFormat", timestamps.ISO8601)
        if millis and fmt == timestamps.ISO8601:
            return timestamps.iso8601_millis
        return timestamps.text_formatter(fmt)
    if kind == "structure":  # a document (XML protocols have no documents; be lenient)
        return _document_text
    return str  # integer, long, byte, short, bigint...


def attribute_text(shape: Shape) -> TextFn:
    """The function writing a scalar as an escaped, double-quoted attribute value."""
    if shape.type_name == "string":
        return lambda value: escape_attr(str(value))
    return scalar_text(shape)  # numbers, booleans, base64, dates: nothing to escape


@dataclass(frozen=True, slots=True)
class XmlNames:
    """Element names a model lost but clients still expect (see ``query_serializer``).

    ``flattened``: (structure, member) -> the item (list) or entry (map) element name of a
    member that is flattened on the wire. ``entries``: map shape -> (key, value) names.
    """

    flattened: Mapping[tuple[str, str], str]
    entries: Mapping[str, tuple[str, str]]


class XmlShapeCompiler(ShapeCompiler[Writer]):
    """Compiles shapes into XML element writers (see the module docstring)."""

    def __init__(self, names: XmlNames | None = None, *, millis: bool = False) -> None:
        super().__init__()
        self._names = names
        self._millis = millis

    def compile(self, shape: Shape) -> Writer:
        kind = shape.type_name
        if kind == "structure" and not shape.metadata.get("document"):
            return self._structure(shape)
        if kind == "list":
            return self._list(shape)
        if kind == "map":
            return self._map(shape)
        text = scalar_text(shape, self._millis)

        def write_scalar(out: list, start: str, end: str, value: Any) -> None:
            out.append(f"{start}>{text(value)}{end}")

        return write_scalar

    # -- structures -------------------------------------------------------------------------

    def structure_parts(
        self, shape: Shape
    ) -> tuple[list[tuple[str, str, TextFn]], dict[str, Emitter]]:
        """A structure's attribute members and the emitters of its child elements.

        Members bound to headers, the status code or an event stream are left out: they
        are not part of an XML body.
        """
        attributes: list[tuple[str, str, TextFn]] = []
        children: dict[str, Emitter] = {}
        for name, member in shape.members.items():
            if not is_body_member(member):
                continue
            serialization = member.serialization
            if serialization.get("xmlAttribute"):
                attributes.append((name, serialization.get("name", name), attribute_text(member)))
            else:
                children[name] = self._member_emitter(shape.name, name, member)
        return attributes, children

    def _member_emitter(self, parent: str, name: str, member: Shape) -> Emitter:
        serialization = member.serialization
        element_name = serialization.get("name", name)
        flattened = serialization.get("flattened")
        renamed = self._names.flattened.get((parent, name)) if self._names else None
        if renamed is not None:
            flattened = True
            element_name = renamed
        if flattened and member.type_name == "list":
            item = member.member
            item_start, item_end = element(
                renamed or item.serialization.get("name", element_name),
                item.serialization.get("xmlNamespace"),
            )
            write_item = self.plan(item)

            def emit_flat_list(out: list, value: Any) -> None:
                for entry in value:
                    if entry is not None:
                        write_item(out, item_start, item_end, entry)

            return emit_flat_list
        start, end = element(element_name, serialization.get("xmlNamespace"))
        if flattened and member.type_name == "map":
            write_entries = self._map_entries(member)

            def emit_flat_map(out: list, value: Any) -> None:
                for key, entry in value.items():
                    out.append(start + ">")
                    write_entries(out, key, entry)
                    out.append(end)

            return emit_flat_map
        if member.type_name in _CONTAINERS and not member.metadata.get("document"):
            write = self.plan(member)

            def emit(out: list, value: Any) -> None:
                write(out, start, end, value)

            return emit
        # Scalars, the bulk of any document: one call per value.
        if member.type_name == "string":

            def emit_string(out: list, value: Any) -> None:
                text = value if value.__class__ is str else str(value)
                out.append(f"{start}>{escape_text(text)}{end}")

            return emit_string
        text = scalar_text(member, self._millis)

        def emit_scalar(out: list, value: Any) -> None:
            out.append(f"{start}>{text(value)}{end}")

        return emit_scalar

    def _structure(self, shape: Shape) -> Writer:
        attributes, children = self.structure_parts(shape)
        return structure_writer(attributes, children)

    # -- lists and maps ---------------------------------------------------------------------

    def _list(self, shape: Shape) -> Writer:
        item = shape.member
        item_start, item_end = element(
            item.serialization.get("name", "member"), item.serialization.get("xmlNamespace")
        )
        write_item = self.plan(item)

        def write_list(out: list, start: str, end: str, value: Any) -> None:
            out.append(start + ">")
            for entry in value:
                if entry is not None:
                    write_item(out, item_start, item_end, entry)
            out.append(end)

        return write_list

    def _map_entries(self, shape: Shape) -> Callable[[list, Any, Any], None]:
        key_shape, value_shape = shape.key, shape.value
        key_name, value_name = "key", "value"
        if self._names is not None:
            key_name, value_name = self._names.entries.get(shape.name, (key_name, value_name))
        key_start, key_end = element(
            key_shape.serialization.get("name", key_name),
            key_shape.serialization.get("xmlNamespace"),
        )
        value_start, value_end = element(
            value_shape.serialization.get("name", value_name),
            value_shape.serialization.get("xmlNamespace"),
        )
        write_key = self.plan(key_shape)
        write_value = self.plan(value_shape)

        def write_entry(out: list, key: Any, value: Any) -> None:
            write_key(out, key_start, key_end, key)
            if value is not None:
                write_value(out, value_start, value_end, value)

        return write_entry

    def _map(self, shape: Shape) -> Writer:
        write_entry = self._map_entries(shape)

        def write_map(out: list, start: str, end: str, value: Any) -> None:
            out.append(start + ">")
            for key, entry in value.items():
                out.append("<entry>")
                write_entry(out, key, entry)
                out.append("</entry>")
            out.append(end)

        return write_map


def structure_writer(
    attributes: list[tuple[str, str, TextFn]], children: dict[str, Emitter]
) -> Writer:
    """The writer of a structure element from its compiled parts."""
    if not attributes:

        def write_plain(out: list, start: str, end: str, value: Any) -> None:
            out.append(start + ">")
            write_children(out, children, value)
            out.append(end)

        return write_plain

    def write_with_attributes(out: list, start: str, end: str, value: Any) -> None:
        out.append(start)
        write_attributes(out, attributes, value)
        out.append(">")
        write_children(out, children, value)
        out.append(end)

    return write_with_attributes


def write_attributes(out: list, attributes: list[tuple[str, str, TextFn]], value: Any) -> None:
    for name, attribute, text in attributes:
        item = value.get(name)
        if item is not None:
            out.append(f' {attribute}="{text(item)}"')


def write_children(
    out: list, children: dict[str, Emitter], value: Any, skip: str | None = None
) -> None:
    """Append the child elements of the members set in ``value`` (in ``value``'s order)."""
    for name, item in value.items():
        if item is not None and name != skip:
            emit = children.get(name)
            if emit is not None:
                emit(out, item)


def write_error_details(out: list, error: Any, children: dict[str, Emitter] | None) -> None:
    """``<Message>``, the modeled members and the unmodeled details of an XML error envelope.

    The envelope's message element is ``<Message>`` whatever the shape calls its message
    member (SQS's is ``message``): that is where every SDK reads it.
    """
    if error.message:
        out.append(f"<Message>{escape_text(error.message)}</Message>")
    if children and error.fields:
        write_children(out, children, error.fields, error.message_member)
    for name, value in error.details.items():
        if value is None:
            continue
        text = escape_text(value if isinstance(value, str) else str(value))
        out.append(f"<{name}>{text}</{name}>" if text else f"<{name}/>")
