"""What AWS answers when a request cannot be read: the one table every parser uses.

Parsers raise :class:`InvalidInput` wherever they meet something they cannot read (deep in
a body, in a header...); :meth:`RequestParser.parse` turns it into the
:class:`ProtocolError` this protocol's services send, so the choice of code lives here only.

Three kinds of problem, because AWS answers them differently in some protocols:

* ``BODY``: the payload is not what the protocol speaks (not JSON, not XML, not CBOR, a
  form body that cannot be decoded).
* ``VALUE``: a value inside the payload has the wrong type or format (a number where a
  string is expected, a timestamp that cannot be read, bad base64).
* ``BINDING``: a header, query-string parameter or URI label cannot be read.

The answers (``code``, HTTP status) follow what the services send:

* awsJson 1.0/1.1, restJson1 and rpcv2Cbor services: ``SerializationException``, 400, for
  all three (Smithy's malformed-request tests expect it for bodies, headers, query strings
  and labels alike).
* awsQuery and ec2Query: ``MalformedQueryString`` (404, per the common-errors reference)
  for an unreadable form body, ``InvalidParameterValue`` (400) for a bad value.
* restXml (S3's dialect): ``MalformedXML`` (400) for a body that does not parse or does not
  match the schema, ``InvalidArgument`` (400) for a bad header or query-string value.
"""

from __future__ import annotations

from cloudtwin.protocol.errors import ProtocolError

BODY = "body"
VALUE = "value"
BINDING = "binding"

_SERIALIZATION = ("SerializationException", 400)
_MALFORMED_XML_MESSAGE = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)

# protocol -> kind -> (code, HTTP status)
_ANSWERS: dict[str, dict[str, tuple[str, int]]] = {
    "json": {BODY: _SERIALIZATION, VALUE: _SERIALIZATION, BINDING: _SERIALIZATION},
    "rest-json": {BODY: _SERIALIZATION, VALUE: _SERIALIZATION, BINDING: _SERIALIZATION},
    "smithy-rpc-v2-cbor": {BODY: _SERIALIZATION, VALUE: _SERIALIZATION, BINDING: _SERIALIZATION},
    "query": {
        BODY: ("MalformedQueryString", 404),
        VALUE: ("InvalidParameterValue", 400),
        BINDING: ("InvalidParameterValue", 400),
    },
    "ec2": {
        BODY: ("MalformedQueryString", 404),
        VALUE: ("InvalidParameterValue", 400),
        BINDING: ("InvalidParameterValue", 400),
    },
    "rest-xml": {
        BODY: ("MalformedXML", 400),
        VALUE: ("MalformedXML", 400),
        BINDING: ("InvalidArgument", 400),
    },
}


class InvalidInput(ValueError):
    """Something in the request cannot be read. Internal to the parsers.

    ``path`` collects the wire names from the value up to the body root as the exception
    travels out through the decoders, so the message can say where the problem was.
    """

    def __init__(self, message: str, kind: str = VALUE, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.path: list[str] = [where] if where else []

    def located(self) -> str:
        if not self.path:
            return self.message
        return f"{self.message} (at '{'.'.join(reversed(self.path))}')"


def protocol_error(protocol: str, problem: InvalidInput) -> ProtocolError:
    """The error AWS sends, in ``protocol``, for ``problem``."""
    code, status = _ANSWERS.get(protocol, _ANSWERS["json"])[problem.kind]
    if code == "MalformedXML":
        message = _MALFORMED_XML_MESSAGE
    else:
        message = problem.located()
    return ProtocolError(code, message, status, sender_fault=True)
