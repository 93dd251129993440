"""restXml: HTTP bindings (see :mod:`~cloudtwin.protocol.rest`) plus an XML body.

The body is one root element (its name and namespace are not checked: clients name it
after the input shape, the payload member or the shape's locationName); its children are
the members. XML conventions:

* a member is the child element named by its ``locationName``, else its own name (the
  member name is accepted too: botocore lets a shape's own locationName rename members);
  ``xmlAttribute`` members are attributes of the enclosing element (``xsi:type`` is matched
  on its local name, as namespaces are ignored throughout);
* a list is a wrapper element whose children are the items (any name: ``member`` or the
  member's ``locationName``); a *flattened* list is the item elements repeated in place;
* a map is a wrapper of ``entry`` elements holding ``key``/``value`` (or the renamed key and
  value); a flattened map repeats the entries in place;
* scalars are element text, kept exactly (whitespace included); timestamps default to ISO
  8601, blobs are base64.

Documents with a DTD are refused: they are never needed and entity expansion is a classic
way to exhaust a server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.malformed import BODY, InvalidInput
from cloudtwin.protocol.parsers import Decoder
from cloudtwin.protocol.rest import RestParser
from cloudtwin.protocol.scalars import text_converter
from cloudtwin.protocol.shape_plans import ShapeCompiler
from cloudtwin.protocol.values import default_timestamp_format
from cloudtwin.protocol.xml_reader import DtdRefused, XmlError, parse_xml

if TYPE_CHECKING:  # pragma: no cover
    from xml.etree.ElementTree import Element

    from botocore.model import Shape

_SINGLE, _FLAT_LIST, _FLAT_MAP = 0, 1, 2
_TIMESTAMPS = default_timestamp_format("rest-xml")


def local_name(tag: str) -> str:
    """``{namespace}name`` or ``prefix:name`` -> ``name``."""
    if tag[:1] == "{":
        return tag[tag.index("}") + 1 :]
    return tag.rpartition(":")[2]


class XmlCompiler(ShapeCompiler[Decoder]):
    """Decoders over ElementTree elements."""

    def compile(self, shape: Shape) -> Decoder:
        type_name = shape.type_name
        if type_name == "structure" and not shape.is_document_type:
            return self.structure(shape, shape.members)
        if type_name == "list":
            return self._list(shape)
        if type_name == "map":
            return self._map(shape)
        convert = text_converter(shape, _TIMESTAMPS)

        def decode_scalar(element: Element) -> Any:
            return convert(element.text or "")

        return decode_scalar

    def structure(self, shape: Shape, members: dict[str, Shape]) -> Decoder:
        children: dict[str, tuple[str, Decoder, int]] = {}
        attributes: dict[str, tuple[str, Any]] = {}
        by_member_name = []
        for name, member in members.items():
            serialization = member.serialization
            wire = serialization.get("name", name)
            if serialization.get("xmlAttribute"):
                attributes[local_name(wire)] = (name, text_converter(member, _TIMESTAMPS))
                continue
            if serialization.get("flattened") and member.type_name == "list":
                entry = (name, self.plan(member.member), _FLAT_LIST)
            elif serialization.get("flattened") and member.type_name == "map":
                entry = (name, self._entry(member), _FLAT_MAP)
            else:
                entry = (name, self.plan(member), _SINGLE)
            children[wire] = entry
            by_member_name.append((name, entry))
        # A shape-level locationName renames the shape's own documents, not the members
        # that target it (Smithy); botocore merges it into the member. Accept both names.
        for name, entry in by_member_name:
            children.setdefault(name, entry)

        def decode(element: Element) -> dict:
            result: dict[str, Any] = {}
            if attributes and element.attrib:
                for key, text in element.attrib.items():
                    found = attributes.get(local_name(key))
                    if found is not None:
                        result[found[0]] = found[1](text)
            for child in element:
                tag = child.tag
                if type(tag) is not str:
                    continue  # comment or processing instruction
                if tag[0] == "{":
                    tag = tag[tag.index("}") + 1 :]
                entry = children.get(tag)
                if entry is None:
                    continue
                name, decode_child, kind = entry
                try:
                    if kind == _SINGLE:
                        result[name] = decode_child(child)
                    elif kind == _FLAT_LIST:
                        result.setdefault(name, []).append(decode_child(child))
                    else:
                        pair = decode_child(child)
                        if pair is not None:
                            result.setdefault(name, {})[pair[0]] = pair[1]
                except InvalidInput as problem:
                    problem.path.append(tag)
                    raise
            return result

        return decode

    def _list(self, shape: Shape) -> Decoder:
        decode_item = self.plan(shape.member)

        def decode(element: Element) -> list:
            return [decode_item(item) for item in element if type(item.tag) is str]

        return decode

    def _entry(self, shape: Shape) -> Decoder:
        """Decoder of one map entry element -> (key, value), None when incomplete."""
        key_names = {shape.key.serialization.get("name", "key"), "key"}
        value_names = {shape.value.serialization.get("name", "value"), "value"}
        decode_value = self.plan(shape.value)

        def decode(entry: Element) -> tuple[str, Any] | None:
            key = value = None
            for part in entry:
                if type(part.tag) is not str:
                    continue
                tag = local_name(part.tag)
                if tag in key_names:
                    key = part.text or ""
                elif tag in value_names:
                    value = part
            if key is None or value is None:
                return None
            return key, decode_value(value)

        return decode

    def _map(self, shape: Shape) -> Decoder:
        decode_entry = self._entry(shape)

        def decode(element: Element) -> dict:
            result = {}
            for entry in element:
                if type(entry.tag) is str:
                    pair = decode_entry(entry)
                    if pair is not None:
                        result[pair[0]] = pair[1]
            return result

        return decode


def load_xml(body: bytes) -> Element:
    """The root element of an XML body."""
    try:
        return parse_xml(body)
    except DtdRefused as exc:
        raise InvalidInput(str(exc), BODY) from None
    except XmlError as exc:
        raise InvalidInput(f"The XML body is not well-formed: {exc}", BODY) from None


class RestXmlParser(RestParser):
    protocol = "rest-xml"
    compiler_class = XmlCompiler

    def _load(self, body: bytes) -> Any:
        return load_xml(body)
