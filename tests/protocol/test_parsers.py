"""The parser registry and what every parser shares: plans, compression, error mapping."""

from __future__ import annotations

import gzip
import json

import pytest
from botocore.model import ServiceModel

from cloudtwin.protocol.errors import ProtocolError, ServiceError
from cloudtwin.protocol.http import HttpRequest
from cloudtwin.protocol.malformed import BINDING, BODY, VALUE, InvalidInput, protocol_error
from cloudtwin.protocol.parsers import RequestParser, get_parser

PROTOCOLS = ["query", "ec2", "json", "rest-json", "rest-xml", "smithy-rpc-v2-cbor"]


def model(protocol: str, *, compression: bool = False) -> ServiceModel:
    operation = {
        "name": "Put",
        "http": {"method": "POST", "requestUri": "/"},
        "input": {"shape": "PutInput"},
    }
    if compression:
        operation["requestcompression"] = {"encodings": ["gzip"]}
    return ServiceModel(
        {
            "metadata": {"protocol": protocol, "apiVersion": "2020-01-01", "jsonVersion": "1.0"},
            "operations": {"Put": operation},
            "shapes": {
                "PutInput": {"type": "structure", "members": {"Data": {"shape": "String"}}},
                "String": {"type": "string"},
            },
        },
        service_name="example",
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_one_cached_parser_per_protocol(protocol):
    parser = get_parser(protocol)
    assert isinstance(parser, RequestParser)
    assert parser.protocol == protocol
    assert get_parser(protocol) is parser


def test_unknown_protocol():
    with pytest.raises(ValueError, match="No request parser"):
        get_parser("carrier-pigeon")


def test_plans_are_compiled_once_per_operation():
    parser = get_parser("json")
    operation = model("json").operation_model("Put")
    request = HttpRequest("POST", "/", body=b'{"Data": "x"}')
    assert parser.parse(request, operation) == {"Data": "x"}

    def compile_again(_operation):
        raise AssertionError("the plan was compiled twice")

    plan = parser._plans.get(operation, compile_again)
    assert parser.parse(request, operation) == {"Data": "x"}
    assert parser._plans.get(operation, compile_again) is plan


@pytest.mark.parametrize(
    ("protocol", "body"),
    [("json", b'{"Data": "hello"}'), ("query", b"Action=Put&Version=2020-01-01&Data=hello")],
)
def test_request_compression_is_undone_for_operations_that_allow_it(protocol, body):
    operation = model(protocol, compression=True).operation_model("Put")
    request = HttpRequest("POST", "/", headers={"content-encoding": "gzip"}, body=gzip.compress(body))
    assert get_parser(protocol).parse(request, operation) == {"Data": "hello"}


def test_content_encoding_is_left_alone_without_the_compression_trait():
    # A gzip Content-Encoding on an operation without requestcompression belongs to the
    # payload: the parser must not unpack it (and here the body is then not JSON).
    operation = model("json").operation_model("Put")
    request = HttpRequest(
        "POST", "/", headers={"content-encoding": "gzip"}, body=gzip.compress(b'{"Data": "x"}')
    )
    with pytest.raises(ProtocolError) as caught:
        get_parser("json").parse(request, operation)
    assert caught.value.code == "SerializationException"


def test_a_broken_gzip_body_is_the_clients_error():
    operation = model("json", compression=True).operation_model("Put")
    request = HttpRequest("POST", "/", headers={"content-encoding": "gzip"}, body=b"not gzip")
    with pytest.raises(ProtocolError) as caught:
        get_parser("json").parse(request, operation)
    assert (caught.value.code, caught.value.status_code) == ("SerializationException", 400)


@pytest.mark.parametrize(
    ("protocol", "kind", "code", "status"),
    [
        ("json", BODY, "SerializationException", 400),
        ("rest-json", BINDING, "SerializationException", 400),
        ("smithy-rpc-v2-cbor", VALUE, "SerializationException", 400),
        ("query", BODY, "MalformedQueryString", 404),
        ("query", VALUE, "InvalidParameterValue", 400),
        ("ec2", VALUE, "InvalidParameterValue", 400),
        ("rest-xml", BODY, "MalformedXML", 400),
        ("rest-xml", VALUE, "MalformedXML", 400),
        ("rest-xml", BINDING, "InvalidArgument", 400),
    ],
)
def test_the_error_table(protocol, kind, code, status):
    problem = InvalidInput("Expected a string but found a number", kind)
    problem.path += ["Inner", "Outer"]
    error = protocol_error(protocol, problem)
    assert isinstance(error, ProtocolError) and isinstance(error, ServiceError)
    assert (error.code, error.status_code, error.sender_fault) == (code, status, True)
    if code != "MalformedXML":
        assert error.message == "Expected a string but found a number (at 'Outer.Inner')"


def test_unexpected_decoder_failures_still_become_the_protocols_error():
    class Fragile(RequestParser):
        protocol = "json"

        def _compile(self, operation):
            return None

        def _parse(self, request, plan, uri_params):
            return json.loads(request.body)["missing"]

    with pytest.raises(ProtocolError) as caught:
        Fragile().parse(HttpRequest("POST", "/", body=b"{}"), model("json").operation_model("Put"))
    assert caught.value.code == "SerializationException"
