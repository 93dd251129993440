"""Comparison through the model (formatting never counts), and AWS re-signing."""

from __future__ import annotations

import json

import pytest

from cloudtwin.contract.compare import ResponseComparer
from cloudtwin.contract.upstream import Answer, AwsEndpoint
from cloudtwin.protocol.http import HttpRequest
from cloudtwin.specs.catalog import ServiceCatalog

CATALOG = ServiceCatalog()

IDENTITY_XML = (
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:root</Arn><UserId>AIDA</UserId>"
    "<Account>123456789012</Account></GetCallerIdentityResult>"
    "<ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
)


def operation(service: str, name: str):
    return CATALOG.service_model(service).operation_model(name)


def xml_answer(text: str) -> Answer:
    return Answer(200, [("Content-Type", "text/xml")], text.encode())


def test_xml_formatting_and_request_ids_do_not_count() -> None:
    compact = IDENTITY_XML.format(rid="one")
    pretty = IDENTITY_XML.format(rid="two").replace("><", ">\n  <")
    result = ResponseComparer().compare(xml_answer(compact), xml_answer(pretty), "query",
                                        operation("sts", "GetCallerIdentity"))
    assert result.matched, result.diffs


def test_json_key_order_does_not_count_but_values_do() -> None:
    op = operation("kms", "ListKeys")
    ref = {"Keys": [{"KeyId": "k1", "KeyArn": "arn:1"}], "Truncated": False}
    same = {"Truncated": False, "Keys": [{"KeyArn": "arn:1", "KeyId": "k1"}]}
    other = {"Truncated": True, "Keys": [{"KeyArn": "arn:1", "KeyId": "k1"}], "NextMarker": "m"}

    def answer(body: dict) -> Answer:
        return Answer(200, [("Content-Type", "application/x-amz-json-1.1")], json.dumps(body).encode())

    comparer = ResponseComparer()
    assert comparer.compare(answer(ref), answer(same), "json", op).matched
    result = comparer.compare(answer(ref), answer(other), "json", op)
    assert result.severity == "schema"  # an extra key outranks a changed value
    assert {(d["path"], d["kind"]) for d in result.diffs} == {("$.NextMarker", "extra"), ("$.Truncated", "changed")}


def test_a_different_error_code_with_the_same_status_is_data() -> None:
    def error(code: str) -> Answer:
        body = f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>m</Message></Error></ErrorResponse>"
        return Answer(400, [("Content-Type", "text/xml")], body.encode())

    result = ResponseComparer().compare(error("A"), error("B"), "query", operation("sts", "GetCallerIdentity"))
    assert result.severity == "data"
    assert result.diffs[0]["path"] == "$.Error.Code"


def test_aws_reference_re_signs_with_the_callers_credential_chain() -> None:
    import botocore.session

    session = botocore.session.Session()
    session.set_credentials("AKIDREALREALREAL", "real-secret")
    aws = AwsEndpoint(region="eu-west-1", session=session)
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    request = HttpRequest("POST", "/", "", {
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        "authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/eu-west-1/sts/aws4_request, "
                         "SignedHeaders=host, Signature=00",
        "x-amz-date": "20260101T000000Z",
        "host": "127.0.0.1:4577",
        "content-length": str(len(body)),
    }, body)
    url, target, headers = aws.signed(request, "sts", "sts", "eu-west-1")
    assert url == "https://sts.eu-west-1.amazonaws.com" and target == "/"
    assert "Credential=AKIDREALREALREAL/" in headers["Authorization"]
    assert "/eu-west-1/sts/aws4_request" in headers["Authorization"]
    assert headers["X-Amz-Date"] != "20260101T000000Z"
    assert "host" not in {k.lower() for k in headers} or headers.get("host") != "127.0.0.1:4577"


def test_aws_reference_without_credentials_is_an_error_answer() -> None:
    import botocore.session

    session = botocore.session.Session()
    session.get_credentials = lambda: None  # type: ignore[method-assign]
    answer = AwsEndpoint(region="us-east-1", session=session).send(
        HttpRequest("POST", "/", "", {}, b"Action=GetCallerIdentity"), "sts", "sts", None
    )
    assert answer.failed and "credentials" in (answer.error or "")


@pytest.mark.parametrize("service", [None])
def test_aws_reference_needs_a_service(service) -> None:
    import botocore.session

    answer = AwsEndpoint(region="us-east-1", session=botocore.session.Session()).send(
        HttpRequest("GET", "/x"), service, None, None
    )
    assert answer.failed


def test_aws_reference_keeps_a_trailer_checksum_body_streaming() -> None:
    import botocore.session

    session = botocore.session.Session()
    session.set_credentials("AKIDREALREALREAL", "real-secret")
    body = b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"
    request = HttpRequest("PUT", "/bucket/key", "", {
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "5",
        "x-amz-trailer": "x-amz-checksum-crc32",
    }, body)
    _, target, headers = AwsEndpoint(region="us-east-1", session=session).signed(request, "s3", "s3", None)
    assert target == "/bucket/key"
    assert headers["X-Amz-Content-SHA256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert headers["content-encoding"] == "aws-chunked"
