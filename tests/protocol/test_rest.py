"""The HTTP bindings rest-json and rest-xml share: URI templates, labels, query strings,
headers, header maps, payloads."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sdk_wire import catalog

from cloudtwin.protocol.http import HttpRequest
from cloudtwin.protocol.parsers import get_parser
from cloudtwin.protocol.rest import UriTemplate, split_header_list

UTC = timezone.utc


@pytest.mark.parametrize(
    ("raw", "items"),
    [
        ("a, b,c", ["a", "b", "c"]),
        ("", []),
        ("   ", []),
        ("single", ["single"]),
        ('"b,c", "\\"def\\"", a', ["b,c", '"def"', "a"]),
        ('" padded ", x', [" padded ", "x"]),
        ("a,,b", ["a", "", "b"]),
    ],
)
def test_header_lists(raw, items):
    assert split_header_list(raw) == items


def test_uri_templates():
    template = UriTemplate.compile("/{Bucket}/{Key+}?uploads")
    assert template.labels == [("Bucket", False), ("Key", True)]
    assert template.literal_query == frozenset({"uploads"})
    assert template.match("/b/dir/file%20name") == {"Bucket": "b", "Key": "dir/file%20name"}
    assert template.match("/only-bucket") == {}

    regex_chars = UriTemplate.compile("/ReDosLiteral/{str}/(a+)+")
    assert regex_chars.match("/ReDosLiteral/abc/(a+)+") == {"str": "abc"}
    assert regex_chars.match("/ReDosLiteral/abc/aaaa") == {}

    trailing = UriTemplate.compile("/2015-03-31/functions/{FunctionName}")
    assert trailing.match("/2015-03-31/functions/f/") == {"FunctionName": "f"}
    assert UriTemplate.compile("/").regex is None


def _s3(operation: str, path: str, query: str = "", headers=None, body=b"", uri_params=None, stream=None):
    model = catalog().service_model("s3").operation_model(operation)
    request = HttpRequest("GET", path, query, headers or {}, body, stream)
    return get_parser("rest-xml").parse(request, model, uri_params)


def test_labels_from_the_router_are_percent_decoded():
    # Virtual-hosted style: the router took the bucket from the host, the key from the path.
    parsed = _s3("GetObject", "/dir/a%2Bb%20c", uri_params={"Bucket": "bucket", "Key": "dir/a%2Bb%20c"})
    assert parsed == {"Bucket": "bucket", "Key": "dir/a+b c"}
    # ...also when the router names the greedy label with its "+".
    parsed = _s3("GetObject", "/x", uri_params={"Bucket": "bucket", "Key+": "x%2Fy"})
    assert parsed == {"Bucket": "bucket", "Key": "x/y"}


def test_labels_matched_from_the_path():
    parsed = _s3("GetObject", "/my-bucket/path/to/%E2%9C%93.txt", headers={"range": "bytes=0-9"})
    assert parsed == {"Bucket": "my-bucket", "Key": "path/to/\u2713.txt", "Range": "bytes=0-9"}


def test_headers_with_timestamps_integers_and_prefix_maps():
    headers = {
        "if-modified-since": "Mon, 16 Dec 2019 23:48:18 GMT",
        "x-amz-object-lock-retain-until-date": "2030-01-01T00:00:00Z",
        "content-length": "11",
        "x-amz-meta-colour": "blue",
        "x-amz-meta-size": "L",
        "x-amz-tagging": "a=b",
    }
    put = _s3("PutObject", "/b/k", headers=headers, body=b"hello world")
    assert put["Metadata"] == {"colour": "blue", "size": "L"}
    assert put["ContentLength"] == 11
    assert put["ObjectLockRetainUntilDate"] == datetime(2030, 1, 1, tzinfo=UTC)
    assert put["Tagging"] == "a=b"
    get = _s3("GetObject", "/b/k", headers=headers)
    assert get["IfModifiedSince"] == datetime(2019, 12, 16, 23, 48, 18, tzinfo=UTC)


def test_streaming_payload_is_the_stream_when_the_gateway_streams():
    class Stream:
        async def read(self, size: int = -1) -> bytes:
            return b""

    stream = Stream()
    assert _s3("PutObject", "/b/k", stream=stream)["Body"] is stream
    assert _s3("PutObject", "/b/k", body=b"data")["Body"] == b"data"
    assert _s3("PutObject", "/b/k")["Body"] == b""  # an empty upload is still an upload


def test_query_parameters_and_literal_keys():
    parsed = _s3("ListObjectsV2", "/b", "list-type=2&max-keys=5&prefix=a%2Fb&fetch-owner=true")
    assert parsed == {"Bucket": "b", "MaxKeys": 5, "Prefix": "a/b", "FetchOwner": True}
    parsed = _s3("CreateMultipartUpload", "/b/k", "uploads")
    assert parsed == {"Bucket": "b", "Key": "k"}


def test_a_querystring_map_gets_the_parameters_no_member_binds():
    model = catalog().service_model("apigateway").operation_model("GetExport")
    request = HttpRequest(
        "GET",
        "/restapis/abc/stages/prod/exports/oas30",
        "extensions=integrations&extensions=authorizers&mode=x",
        {"accept": "application/yaml"},
    )
    parsed = get_parser("rest-json").parse(request, model)
    assert parsed == {
        "restApiId": "abc",
        "stageName": "prod",
        "exportType": "oas30",
        "accepts": "application/yaml",
        "parameters": {"extensions": "integrations", "mode": "x"},
    }
