"""restJson1 parsing beyond the shared vectors: real SDK requests and malformed input."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from botocore.model import ServiceModel
from sdk_wire import sent

from cloudtwin.protocol.errors import ProtocolError
from cloudtwin.protocol.http import HttpRequest
from cloudtwin.protocol.parsers import get_parser

UTC = timezone.utc


def roundtrip(service: str, operation: str, params: dict) -> dict:
    request, model = sent(service, operation, params)
    return get_parser("rest-json").parse(request, model)


def test_lambda_invoke_from_botocore():
    params = {
        "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "InvocationType": "Event",
        "LogType": "Tail",
        "Payload": b'{"key": "value"}',
        "Qualifier": "$LATEST",
    }
    assert roundtrip("lambda", "Invoke", params) == params


def test_lambda_create_function_from_botocore():
    params = {
        "FunctionName": "f",
        "Runtime": "python3.12",
        "Role": "arn:aws:iam::123456789012:role/r",
        "Handler": "app.handler",
        "Code": {"ZipFile": b"PK\x03\x04 zip bytes"},
        "Timeout": 30,
        "Environment": {"Variables": {"A": "1"}},
        "Tags": {"team": "x"},
        "Publish": True,
    }
    assert roundtrip("lambda", "CreateFunction", params) == params


def test_lambda_list_functions_query_from_botocore():
    params = {"MasterRegion": "ALL", "FunctionVersion": "ALL", "Marker": "m/1", "MaxItems": 5}
    assert roundtrip("lambda", "ListFunctions", params) == params


def test_jsonvalue_headers_are_decoded_json():
    params = {
        "botName": "b",
        "botAlias": "a",
        "userId": "u",
        "sessionAttributes": {"k": "v"},
        "contentType": "text/plain; charset=utf-8",
        "inputStream": b"hello",
    }
    parsed = roundtrip("lex-runtime", "PostContent", params)
    assert parsed == params


def test_scheduler_timestamps_in_the_body_from_botocore():
    params = {
        "Name": "s",
        "ScheduleExpression": "rate(5 minutes)",
        "StartDate": datetime(2030, 1, 1, 8, 0, tzinfo=UTC),
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": "arn:aws:sqs:us-east-1:123456789012:q", "RoleArn": "arn:aws:iam::123456789012:role/r"},
    }
    parsed = roundtrip("scheduler", "CreateSchedule", params)
    assert parsed.pop("ClientToken")  # filled in by botocore
    assert parsed == params


# -- malformed input --------------------------------------------------------------------------

MODEL = ServiceModel(
    {
        "metadata": {"protocol": "rest-json", "apiVersion": "2020-01-01"},
        "operations": {
            "Put": {
                "name": "Put",
                "http": {"method": "PUT", "requestUri": "/things/{Id}"},
                "input": {"shape": "PutInput"},
            }
        },
        "shapes": {
            "PutInput": {
                "type": "structure",
                "members": {
                    "Id": {"shape": "Integer", "location": "uri", "locationName": "Id"},
                    "Limit": {"shape": "Integer", "location": "querystring", "locationName": "limit"},
                    "Since": {"shape": "Timestamp", "location": "header", "locationName": "X-Since"},
                    "Flags": {"shape": "Flags", "location": "header", "locationName": "X-Flags"},
                    "Name": {"shape": "String"},
                },
            },
            "Integer": {"type": "integer"},
            "Timestamp": {"type": "timestamp"},
            "Flags": {"type": "list", "member": {"shape": "Boolean"}},
            "Boolean": {"type": "boolean"},
            "String": {"type": "string"},
        },
    },
    service_name="things",
)


def parse(path="/things/1", query="", headers=None, body=b""):
    request = HttpRequest("PUT", path, query, headers or {}, body)
    return get_parser("rest-json").parse(request, MODEL.operation_model("Put"))


def test_well_formed():
    parsed = parse(
        query="limit=3",
        headers={"x-since": "Mon, 16 Dec 2019 23:48:18 GMT", "x-flags": "true, false"},
        body=b'{"Name": "n"}',
    )
    assert parsed == {
        "Id": 1,
        "Limit": 3,
        "Since": datetime(2019, 12, 16, 23, 48, 18, tzinfo=UTC),
        "Flags": [True, False],
        "Name": "n",
    }


@pytest.mark.parametrize(
    ("request_parts", "where"),
    [
        ({"path": "/things/one"}, "Id"),
        ({"query": "limit=lots"}, "limit"),
        ({"headers": {"x-since": "the other day"}}, "x-since"),
        ({"headers": {"x-flags": "true, perhaps"}}, "x-flags"),
        ({"body": b"{"}, None),
        ({"body": b"[]"}, None),
        ({"body": b'{"Name": 1}'}, "Name"),
        ({"path": "/things/%FF"}, "Id"),
    ],
)
def test_malformed_input_is_a_serialization_exception(request_parts, where):
    with pytest.raises(ProtocolError) as caught:
        parse(**request_parts)
    assert (caught.value.code, caught.value.status_code) == ("SerializationException", 400)
    if where:
        assert where in caught.value.message
