"""protocol.xml_reader: the parser every client-sent XML document goes through refuses
DTDs at the parser level, in every encoding, before anything is expanded."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import pytest

from cloudtwin.protocol.xml_reader import DtdRefused, XmlError, parse_xml

ENTITY_DOC = '<?xml version="1.0" encoding="{enc}"?><!DOCTYPE t [<!ENTITY e "EVIL">]><t>&e;</t>'


def billion_laughs() -> bytes:
    entities = "".join(
        f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10 if i else "lol"}">' for i in range(10)
    )
    return f'<?xml version="1.0"?><!DOCTYPE z [{entities}]><z>&l9;</z>'.encode()


@pytest.mark.parametrize(
    "body",
    [
        ENTITY_DOC.format(enc="UTF-8").encode("utf-8"),
        ENTITY_DOC.format(enc="UTF-16").encode("utf-16"),  # with a BOM
        ENTITY_DOC.format(enc="UTF-16LE").encode("utf-16-le"),  # declaration only
        ENTITY_DOC.format(enc="UTF-16BE").encode("utf-16-be"),
        '<!DOCTYPE t [<!ENTITY e "EVIL">]><t>&e;</t>'.encode("utf-16"),  # BOM, no declaration
        b'<!DOCTYPE t SYSTEM "file:///etc/passwd"><t/>',  # external DTD
    ],
    ids=["utf-8", "utf-16-bom", "utf-16le", "utf-16be", "utf-16-nodecl", "external"],
)
def test_any_dtd_is_refused(body):
    with pytest.raises(DtdRefused):
        parse_xml(body)


def test_utf32_is_not_read_at_all():
    with pytest.raises(XmlError) as caught:
        parse_xml(ENTITY_DOC.format(enc="UTF-32").encode("utf-32"))
    assert "EVIL" not in str(caught.value)


def test_billion_laughs_is_refused_before_any_expansion():
    started = time.perf_counter()
    for _ in range(100):
        with pytest.raises(DtdRefused):
            parse_xml(billion_laughs())
    # A hundred refusals in well under a second: nothing is expanded (one expansion of
    # this document is 10^9 "lol"s, or expat's amplification guard after ~50 ms).
    assert time.perf_counter() - started < 0.5


def test_documents_without_dtd_read_as_elementtree_does():
    body = (
        '<?xml version="1.0" encoding="UTF-16"?><a xmlns="urn:x" xmlns:p="urn:p" p:at="v">'
        "<b>1 &amp; 2</b>tail<c/><![CDATA[<raw>]]></a>"
    )
    ours = parse_xml(body.encode("utf-16"))
    theirs = ET.fromstring(body.encode("utf-16"))
    assert ET.tostring(ours) == ET.tostring(theirs)
    assert ours.tag == "{urn:x}a" and ours.get("{urn:p}at") == "v"


@pytest.mark.parametrize("body", [b"", b"<a>", b"<a>&undefined;</a>", b"not xml", b"<!doctype t><t/>"])
def test_not_well_formed(body):
    with pytest.raises(XmlError) as caught:
        parse_xml(body)
    assert not isinstance(caught.value, DtdRefused)
