"""smithy-rpc-v2-cbor parsing beyond the shared vectors."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import cbor2
import pytest
from sdk_wire import catalog, sent

from cloudtwin.protocol.cbor import operation_from_path
from cloudtwin.protocol.errors import ProtocolError
from cloudtwin.protocol.http import HttpRequest
from cloudtwin.protocol.parsers import get_parser

UTC = timezone.utc


def parse(service: str, operation: str, body: bytes):
    model = catalog().service_model(service).operation_model(operation)
    request = HttpRequest(
        "POST", f"/service/X/operation/{operation}", headers={"smithy-protocol": "rpc-v2-cbor"}, body=body
    )
    return get_parser("smithy-rpc-v2-cbor").parse(request, model)


def test_cloudwatch_from_botocore():
    params = {
        "Namespace": "App",
        "MetricData": [
            {
                "MetricName": "Latency",
                "Timestamp": datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=UTC),
                "Value": 12.5,
                "Dimensions": [{"Name": "Host", "Value": "a"}],
                "StorageResolution": 1,
            }
        ],
    }
    request, operation = sent("cloudwatch", "PutMetricData", params, protocol="smithy-rpc-v2-cbor")
    assert request.headers["content-type"] == "application/cbor"
    assert get_parser("smithy-rpc-v2-cbor").parse(request, operation) == params


def test_native_cbor_values():
    body = cbor2.dumps(
        {
            "Namespace": "n",
            "MetricData": [
                {
                    "MetricName": "m",
                    "Timestamp": cbor2.CBORTag(1, 1704067200),
                    "Values": [float("nan"), float("-inf"), 2],
                    "Value": None,
                }
            ],
        }
    )
    datum = parse("cloudwatch", "PutMetricData", body)["MetricData"][0]
    assert datum["Timestamp"] == datetime(2024, 1, 1, tzinfo=UTC)
    assert math.isnan(datum["Values"][0]) and datum["Values"][1:] == [-math.inf, 2.0]
    assert "Value" not in datum  # null is absent


def test_empty_body_is_empty_input():
    assert parse("cloudwatch", "ListDashboards", b"") == {}


def test_operation_from_path():
    assert operation_from_path("/service/GraniteServiceVersion20100801/operation/PutMetricData") == (
        "GraniteServiceVersion20100801",
        "PutMetricData",
    )
    assert operation_from_path("/service/com.example#Svc/operation/Op") == ("com.example#Svc", "Op")
    for path in ["/", "/service/X", "/service//operation/Op", "/service/X/operation/", "/other/X/operation/Op"]:
        assert operation_from_path(path) is None


@pytest.mark.parametrize(
    "body",
    [
        b"\xff",  # a break code where an item is expected
        b"\xa1\x61",  # truncated
        b"{}",  # JSON is not CBOR
        cbor2.dumps({"Namespace": "n"}) + b"\x00",  # trailing data
        cbor2.dumps([1, 2]),  # not a map
        cbor2.dumps({"Namespace": 5}),
        cbor2.dumps({"Namespace": "n", "MetricData": {"a": 1}}),
        cbor2.dumps({"Namespace": "n", "MetricData": [{"MetricName": "m", "Timestamp": "noon"}]}),
        cbor2.dumps({"Namespace": "n", "MetricData": [{"MetricName": "m", "Value": b"1"}]}),
    ],
)
def test_malformed_bodies_are_serialization_exceptions(body):
    with pytest.raises(ProtocolError) as caught:
        parse("cloudwatch", "PutMetricData", body)
    assert (caught.value.code, caught.value.status_code) == ("SerializationException", 400)


def test_blobs_are_byte_strings():
    params = {"Document": {"Bytes": b"%PDF-\x00\xff"}}
    request, operation = sent("textract", "DetectDocumentText", params, protocol="smithy-rpc-v2-cbor")
    assert get_parser("smithy-rpc-v2-cbor").parse(request, operation) == params
    with pytest.raises(ProtocolError) as caught:
        parse("textract", "DetectDocumentText", cbor2.dumps({"Document": {"Bytes": "JVBERi0="}}))
    assert caught.value.code == "SerializationException"
    assert "Document.Bytes" in caught.value.message
