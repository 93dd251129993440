"""Request parsers: an HTTP request in, the operation's typed input parameters out.

The server-side inverse of botocore's request serializers. One parser per wire protocol,
each in its own module; this module holds the shared base and the registry::

    RequestParser                      parse(), per-operation plan cache, error mapping
     |-- DocumentParser                the input is one document in the body
     |    |-- QueryParser   (query.py) awsQuery form bodies
     |    |    `-- Ec2Parser           ec2Query naming and list rules
     |    `-- JsonParser    (json.py)  awsJson 1.0 / 1.1
     |         `-- CborParser (cbor.py) smithy-rpc-v2-cbor
     `-- RestParser    (rest.py)       URI labels, query string, headers, payload
          |-- RestJsonParser  (rest_json.py)
          `-- RestXmlParser   (rest_xml.py)

A parser works from the operation's shapes and the bytes on the wire only, never from the
service's ``metadata.protocol``: the same model may be spoken in several protocols (SQS's
JSON model also arrives as awsQuery from older SDKs).

Everything that can be worked out from the model alone is compiled once per operation into
a *plan* (``_compile``) and cached on the parser, so a request only walks its own data.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from importlib import import_module
from typing import TYPE_CHECKING, Any, Callable

from cloudtwin.protocol.malformed import BODY, InvalidInput, protocol_error
from cloudtwin.protocol.shape_plans import PlanCache

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel

    from cloudtwin.protocol.http import HttpRequest

__all__ = ["RequestParser", "DocumentParser", "get_parser", "ParserRegistry", "ABSENT", "Decoder"]

#: A compiled ``decode(wire value) -> typed value`` for one shape (see the protocols'
#: ``ShapeCompiler`` subclasses, built on :mod:`cloudtwin.protocol.shape_plans`).
Decoder = Callable[[Any], Any]

#: Returned by a decoder when the wire holds no value for the member (it is left out).
ABSENT: Any = object()


class RequestParser:
    """Base of every protocol's parser.

    Subclasses set ``protocol`` and implement ``_compile`` (model -> plan, once per
    operation) and ``_parse`` (request + plan -> params). Input the protocol cannot read
    raises :class:`InvalidInput` anywhere below ``_parse``; :meth:`parse` turns it into the
    protocol's :class:`~cloudtwin.protocol.errors.ProtocolError`.
    """

    protocol = ""

    def __init__(self) -> None:
        # OperationModel -> compiled plan. OperationModels are cached by their ServiceModel,
        # so identity is a stable key.
        self._plans: PlanCache[OperationModel, Any] = PlanCache()

    def parse(
        self,
        request: HttpRequest,
        operation: OperationModel,
        uri_params: dict[str, str] | None = None,
    ) -> dict:
        """The input parameters of ``operation`` carried by ``request``.

        ``uri_params`` are URI-label values the router already took from the path (still
        percent-encoded); when None, rest parsers match the operation's ``requestUri``
        against ``request.path`` themselves. Other protocols ignore them.
        """
        plan = self._plans.get(operation, self._compile)
        try:
            return self._parse(request, plan, uri_params)
        except InvalidInput as problem:
            raise protocol_error(self.protocol, problem) from None
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError):
            # Input shaped in a way no decoder anticipated: still the client's fault (and
            # Python's wording of it is no message for a client).
            problem = InvalidInput("The request could not be read.", BODY)
            raise protocol_error(self.protocol, problem) from None

    # -- for subclasses -----------------------------------------------------------------------

    def _compile(self, operation: OperationModel) -> Any:
        raise NotImplementedError

    def _parse(self, request: HttpRequest, plan: Any, uri_params: dict[str, str] | None) -> dict:
        raise NotImplementedError


class DocumentParser(RequestParser):
    """A protocol whose whole input is one document: awsJson, rpcv2Cbor, awsQuery.

    The plan is (operation, decoder of the input shape); subclasses say how to compile the
    decoders (:meth:`_compiler`) and how to read the document off the request
    (:meth:`_document`, given the body already decompressed).
    """

    def _compiler(self, operation: OperationModel) -> Any:
        raise NotImplementedError

    def _document(self, request: HttpRequest, body: bytes) -> Any:
        raise NotImplementedError

    def _compile(self, operation: OperationModel) -> tuple[OperationModel, Decoder | None]:
        shape = operation.input_shape
        if shape is None:
            return operation, None
        return operation, self._compiler(operation).plan(shape)

    def _parse(
        self,
        request: HttpRequest,
        plan: tuple[OperationModel, Decoder | None],
        uri_params: dict[str, str] | None,
    ) -> dict:
        operation, decode = plan
        document = self._document(request, request_body(request, operation))
        if decode is None:
            return {}
        return decode(document)


def request_body(request: HttpRequest, operation: OperationModel) -> bytes:
    """The body, decompressed when the operation allows SDK request compression.

    Only operations with the ``requestcompression`` trait are decompressed: elsewhere a
    ``Content-Encoding`` belongs to the payload (S3 stores ``gzip`` objects as sent).
    """
    body = request.body
    if not body or not operation.request_compression:
        return body
    encodings = request.headers.get("content-encoding", "")
    if "gzip" not in encodings:
        return body
    try:
        return gzip.decompress(body)
    except (OSError, EOFError, zlib.error) as exc:
        raise InvalidInput(f"The gzip-encoded body could not be decompressed: {exc}", BODY)


# protocol name -> (module, class)
_PARSERS = {
    "query": ("cloudtwin.protocol.query", "QueryParser"),
    "ec2": ("cloudtwin.protocol.query", "Ec2Parser"),
    "json": ("cloudtwin.protocol.json", "JsonParser"),
    "rest-json": ("cloudtwin.protocol.rest_json", "RestJsonParser"),
    "rest-xml": ("cloudtwin.protocol.rest_xml", "RestXmlParser"),
    "smithy-rpc-v2-cbor": ("cloudtwin.protocol.cbor", "CborParser"),
    "json-cbor": ("cloudtwin.protocol.cbor", "AmzCborParser"),
}


class ParserRegistry:
    """One parser instance per protocol name, created (and its module imported) on first use."""

    def __init__(self) -> None:
        self._parsers: dict[str, RequestParser] = {}
        self._lock = threading.Lock()

    def get(self, protocol: str) -> RequestParser:
        parser = self._parsers.get(protocol)
        if parser is not None:
            return parser
        try:
            module_name, class_name = _PARSERS[protocol]
        except KeyError:
            raise ValueError(f"No request parser for protocol {protocol!r}") from None
        with self._lock:
            parser = self._parsers.get(protocol)
            if parser is None:
                parser = getattr(import_module(module_name), class_name)()
                self._parsers[protocol] = parser
        return parser


_registry = ParserRegistry()


def get_parser(protocol: str) -> RequestParser:
    """The (shared, cached) parser of a wire protocol: ``query``, ``ec2``, ``json``,
    ``rest-json``, ``rest-xml`` or ``smithy-rpc-v2-cbor``."""
    return _registry.get(protocol)
