"""Credential scopes, read from every way an SDK signs (and from what botocore really sends)."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cloudtwin.gateway.signing import SIGV2, SIGV4, SIGV4A, Credentials, parse_authorization, parse_credentials
from cloudtwin.protocol.http import HttpRequest

sys.path.insert(0, str(Path(__file__).parent))


def _request(headers=None, query="", body=b"", method="GET") -> HttpRequest:
    return HttpRequest(method, "/", query, {"host": "localhost:4566", **(headers or {})}, body)


def test_sigv4_header():
    request = _request({
        "authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/sqs/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, Signature=abc123"
    })
    assert parse_credentials(request) == Credentials("AKIDEXAMPLE", "20240101", "us-east-1", "sqs", SIGV4, False)


def test_sigv4_header_without_spaces_after_commas():
    creds = parse_authorization(
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-2/execute-api/aws4_request,SignedHeaders=host,Signature=00"
    )
    assert (creds.access_key_id, creds.region, creds.signing_name) == ("AKID", "eu-west-2", "execute-api")


def test_sigv4a_header_has_no_region_unless_the_region_set_names_one():
    value = "AWS4-ECDSA-P256-SHA256 Credential=AKID/20240101/s3/aws4_request, SignedHeaders=host, Signature=30"
    assert parse_authorization(value, "*") == Credentials("AKID", "20240101", None, "s3", SIGV4A)
    assert parse_authorization(value, "us-east-1,us-west-2").region is None
    assert parse_authorization(value, "eu-central-1").region == "eu-central-1"
    assert parse_authorization(value).region is None


def test_presigned_sigv4_query():
    query = (
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Fus-west-2%2Fs3%2Faws4_request"
        "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=ab"
    )
    assert parse_credentials(_request(query=query)) == Credentials(
        "AKID", "20240101", "us-west-2", "s3", SIGV4, presigned=True
    )


def test_presigned_sigv4a_query():
    query = (
        "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=AKID%2F20240101%2Fs3%2Faws4_request"
        "&X-Amz-Region-Set=%2A&X-Amz-Signature=ab"
    )
    assert parse_credentials(_request(query=query)) == Credentials(
        "AKID", "20240101", None, "s3", SIGV4A, presigned=True
    )


def test_s3_sigv2_header_and_presigned_url_mean_s3():
    assert parse_credentials(_request({"authorization": "AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="})) == (
        Credentials("AKIDEXAMPLE", None, None, "s3", SIGV2)
    )
    query = "AWSAccessKeyId=AKIDEXAMPLE&Expires=1700000000&Signature=abc%2Bdef%3D"
    assert parse_credentials(_request(query=query)) == Credentials(
        "AKIDEXAMPLE", None, None, "s3", SIGV2, presigned=True
    )


def test_query_protocol_sigv2_names_no_service():
    body = (
        b"Action=ListDomains&Version=2009-04-15&AWSAccessKeyId=AKIDEXAMPLE&SignatureVersion=2"
        b"&SignatureMethod=HmacSHA256&Timestamp=2024-01-01T00%3A00%3A00Z&Signature=abc"
    )
    request = _request({"content-type": "application/x-www-form-urlencoded; charset=utf-8"}, body=body, method="POST")
    assert parse_credentials(request) == Credentials("AKIDEXAMPLE", None, None, None, SIGV2)
    in_query = _request(query=body.decode())
    assert parse_credentials(in_query) == Credentials("AKIDEXAMPLE", None, None, None, SIGV2)


@pytest.mark.parametrize(
    "headers,query",
    [
        ({}, ""),
        ({"authorization": "Bearer some-token"}, ""),
        ({"authorization": "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00"}, ""),
        ({"authorization": "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1, Signature=00"}, ""),
        ({"authorization": "AWS nocolon"}, ""),
        ({}, "X-Amz-Credential=&X-Amz-Signature=00"),
        ({}, "prefix=a&delimiter=%2F"),
    ],
)
def test_unsigned_or_unreadable_is_none(headers, query):
    assert parse_credentials(_request(headers, query)) is None


def test_reads_what_botocore_signs():
    """Real signatures: a SigV4 header, a SigV4 presigned URL, a SigV2 presigned S3 URL."""
    import botocore.session
    from botocore.config import Config

    from botocore_capture import RequestCapture

    capture = RequestCapture()
    sqs = capture.client("sqs")
    request = capture.capture("sqs", sqs.meta.service_model.operation_model("ListQueues"))
    assert parse_credentials(request) == Credentials(
        "AKIDEXAMPLE", request.headers["x-amz-date"][:8], "us-east-1", "sqs", SIGV4
    )

    session = botocore.session.Session()
    for version, expected in (("s3v4", ("AKIDEXAMPLE", "eu-west-1", "s3", SIGV4)), ("s3", ("AKIDEXAMPLE", None, "s3", SIGV2))):
        s3 = session.create_client(
            "s3", region_name="eu-west-1", endpoint_url="http://localhost:4566",
            aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
            config=Config(signature_version=version),
        )
        url = urlsplit(s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"}))
        creds = parse_credentials(HttpRequest("GET", url.path, url.query, {"host": url.netloc}))
        assert (creds.access_key_id, creds.region, creds.signing_name, creds.scheme) == expected
        assert creds.presigned


def test_a_presigned_url_with_another_secret_says_why_in_the_log(endpoint, caplog):
    import logging
    import urllib.error
    import urllib.request

    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    s3.create_bucket(Bucket="hinted")
    s3.put_object(Bucket="hinted", Key="k", Body=b"x")
    other = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                         aws_access_key_id="AKIAOTHER", aws_secret_access_key="my-real-secret")  # fmt: skip
    url = other.generate_presigned_url("get_object", Params={"Bucket": "hinted", "Key": "k"})
    with caplog.at_level(logging.WARNING, logger="cloudtwin.gateway"):
        try:
            urllib.request.urlopen(url, timeout=10)
        except urllib.error.HTTPError as err:
            assert err.code == 403 and b"SignatureDoesNotMatch" in err.read()
        else:  # pragma: no cover
            raise AssertionError("expected a 403")
    assert any("CLOUDTWIN_PRESIGN_SECRETS=<that secret>" in r.getMessage() for r in caplog.records)
