"""S3 refuses XML documents carrying a DTD with MalformedXML, whatever their encoding; the
entity's text never reaches stored state, and what was stored before survives."""

from __future__ import annotations

import base64
import hashlib
import http.client
import time
from urllib.parse import urlparse

import pytest

AUTH = (
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
    "SignedHeaders=host, Signature=" + "0" * 64
)
TAGGING = (
    '<?xml version="1.0" encoding="{enc}"?><!DOCTYPE t [<!ENTITY e "EVILTEXT">]>'
    '<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>'
    "<Tag><Key>&e;</Key><Value>v</Value></Tag></TagSet></Tagging>"
)
ENCODINGS = {
    "utf-8": ("UTF-8", "utf-8"),
    "utf-16": ("UTF-16", "utf-16"),
    "utf-16le": ("UTF-16LE", "utf-16-le"),
    "utf-16be": ("UTF-16BE", "utf-16-be"),
    "utf-32": ("UTF-32", "utf-32"),
}


def put_tagging(endpoint: str, bucket: str, body: bytes) -> tuple[int, bytes]:
    url = urlparse(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request("PUT", f"/{bucket}?tagging", body=body, headers={
            "Authorization": AUTH,
            "Content-Type": "application/xml",
            "Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode(),
        })
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_dtd_in_any_encoding_is_malformed_xml(s3, bucket, endpoint, encoding):
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "before", "Value": "kept"}]})
    declared, codec = ENCODINGS[encoding]
    status, body = put_tagging(endpoint, bucket, TAGGING.format(enc=declared).encode(codec))
    assert status == 400
    assert b"<Code>MalformedXML</Code>" in body
    assert (
        b"<Message>The XML you provided was not well-formed or did not validate against our "
        b"published schema</Message>" in body
    )
    assert b"EVILTEXT" not in body
    tags = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert tags == [{"Key": "before", "Value": "kept"}]


def test_billion_laughs_is_refused_at_once(s3, bucket, endpoint):
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "before", "Value": "kept"}]})
    entities = "".join(
        f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10 if i else "lol"}">' for i in range(10)
    )
    body = (
        f'<?xml version="1.0"?><!DOCTYPE z [{entities}]><Tagging><TagSet><Tag><Key>&l9;</Key>'
        "<Value>v</Value></Tag></TagSet></Tagging>"
    ).encode()
    started = time.perf_counter()
    status, answer = put_tagging(endpoint, bucket, body)
    assert status == 400 and b"<Code>MalformedXML</Code>" in answer
    assert time.perf_counter() - started < 2  # generous for a loaded machine; ~ms here
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "before", "Value": "kept"}]


def test_documents_in_utf16_without_dtd_are_read(s3, bucket, endpoint):
    body = TAGGING.replace('<!DOCTYPE t [<!ENTITY e "EVILTEXT">]>', "").replace("&e;", "k")
    status, answer = put_tagging(endpoint, bucket, body.format(enc="UTF-16").encode("utf-16"))
    assert status == 204, answer  # PutBucketTagging answers 204, as AWS does
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "k", "Value": "v"}]
