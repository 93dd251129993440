"""restJson1: HTTP bindings (see :mod:`~cloudtwin.protocol.rest`) plus a JSON body.

The body members are decoded like awsJson's (:class:`~cloudtwin.protocol.json.DocumentCompiler`);
a structure or document payload is the whole JSON body. A structure payload of ``{}`` is
an unset payload: that is what clients send when the member is not given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.json import DocumentCompiler, load_json
from cloudtwin.protocol.parsers import ABSENT, Decoder
from cloudtwin.protocol.rest import RestParser

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import Shape


class RestJsonParser(RestParser):
    protocol = "rest-json"
    compiler_class = DocumentCompiler

    def _payload_decoder(self, compiler: DocumentCompiler, shape: Shape) -> tuple[str, Decoder | None]:
        decode = compiler.plan(shape)
        if shape.type_name != "structure" or shape.is_document_type:
            return "document", decode

        def decode_payload(value: Any) -> Any:
            # Clients send ``{}`` when the payload member is not set.
            if value == {}:
                return ABSENT
            return decode(value)

        return "structure", decode_payload

    def _load(self, body: bytes) -> Any:
        return load_json(body)
