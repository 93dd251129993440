"""The one way cloudtwin reads XML a client sent: no DTDs, hence no entities.

Every XML document that comes from a request (rest-xml bodies such as S3's documents, SAML
assertions given to STS) is read by :func:`parse_xml`. A document type declaration is
refused by the parser itself: expat stops the moment it meets ``<!DOCTYPE``, before the
internal subset is read or anything is expanded, so internal entities ("billion laughs",
an entity whose text would land in a tag key) and external ones never come into play,
whatever the document's encoding (UTF-8, UTF-16 with a BOM or a declaration...; expat
reads no UTF-32, which is simply not well-formed). Nothing in the AWS APIs needs a DTD.

The tree is ElementTree's (``{namespace}tag`` names), built from expat's events.
"""

from __future__ import annotations

import pyexpat
from xml.etree.ElementTree import Element, TreeBuilder

__all__ = ["DtdRefused", "XmlError", "parse_xml"]


class XmlError(ValueError):
    """The document cannot be read: not well-formed, or it carries a DTD."""


class DtdRefused(XmlError):
    """The document has a document type declaration (or declares an entity)."""


def _refuse(*_args: object) -> None:
    raise DtdRefused("XML documents with a DTD are not accepted.")


def _name(raw: str) -> str:
    # expat joins namespace and local name with the separator: "ns}tag" -> "{ns}tag".
    return "{" + raw if "}" in raw else raw


def parse_xml(body: bytes) -> Element:
    """The root element of ``body``. Raises :class:`XmlError` (or its :class:`DtdRefused`)."""
    builder = TreeBuilder()
    parser = pyexpat.ParserCreate(None, "}")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse  # only inside a DTD; refused twice over
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)

    def start(tag: str, attrs: dict[str, str]) -> None:
        builder.start(_name(tag), {_name(k): v for k, v in attrs.items()} if attrs else {})

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: builder.end(_name(tag))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(body, True)
    except pyexpat.ExpatError as exc:
        raise XmlError(str(exc)) from None
    return builder.close()
