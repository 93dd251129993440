"""Presigned GET / PUT / POST used by a plain HTTP client (urllib3), as a browser or curl would."""

import urllib3
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from botocore.config import Config

http = urllib3.PoolManager()


def _code(response) -> bytes:
    return response.data


def test_presigned_get_and_put(s3, bucket):
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"secret content")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "doc.txt"}, ExpiresIn=300)
    got = http.request("GET", url)
    assert got.status == 200 and got.data == b"secret content"
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up.bin"}, ExpiresIn=300)
    put = http.request("PUT", put_url, body=b"uploaded!")
    assert put.status == 200, put.data
    assert s3.get_object(Bucket=bucket, Key="up.bin")["Body"].read() == b"uploaded!"


def test_presigned_virtual_host_and_key_with_spaces(s3_virtual, bucket):
    s3_virtual.put_object(Bucket=bucket, Key="dir/a file+x.txt", Body=b"v")
    url = s3_virtual.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "dir/a file+x.txt"})
    got = http.request("GET", url)
    assert got.status == 200 and got.data == b"v"


def test_expired_url_refused(s3, bucket, cloudtwin):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    assert http.request("GET", url).status == 200
    cloudtwin.client.advance(120)
    expired = http.request("GET", url)
    assert expired.status == 403
    assert b"<Code>AccessDenied</Code>" in expired.data and b"Request has expired" in expired.data


def test_tampered_url_refused(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_object(Bucket=bucket, Key="other", Body=b"y")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    tampered = url.replace("/k?", "/other?")
    refused = http.request("GET", tampered)
    assert refused.status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in refused.data
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["Expires"] = str(int(query["Expires"]) + 1000)
    longer = urlunsplit(parts._replace(query=urlencode(query)))
    assert http.request("GET", longer).status == 403


@pytest.fixture
def s3v4(aws_client):
    return aws_client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def test_presigned_sigv4(s3v4, bucket, cloudtwin):
    s3v4.put_object(Bucket=bucket, Key="k", Body=b"four")
    url = s3v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=100)
    assert "X-Amz-Signature=" in url
    got = http.request("GET", url)
    assert got.status == 200 and got.data == b"four"
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["X-Amz-Expires"] = "999"
    longer = urlunsplit(parts._replace(query=urlencode(query)))
    refused = http.request("GET", longer)
    assert refused.status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in refused.data
    put_url = s3v4.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "put4"})
    assert http.request("PUT", put_url, body=b"p4").status == 200
    assert s3v4.get_object(Bucket=bucket, Key="put4")["Body"].read() == b"p4"
    cloudtwin.client.advance(200)
    expired = http.request("GET", url)
    assert expired.status == 403 and b"Request has expired" in expired.data


def test_presigned_post_sigv4(s3v4, bucket):
    post = s3v4.generate_presigned_post(bucket, "k4", ExpiresIn=60)
    assert "x-amz-signature" in post["fields"]
    ok = http.request("POST", post["url"], fields={**post["fields"], "file": ("f", b"data4")})
    assert ok.status == 204, ok.data
    assert s3v4.get_object(Bucket=bucket, Key="k4")["Body"].read() == b"data4"
    bad = http.request("POST", post["url"], fields={**post["fields"], "x-amz-signature": "0" * 64, "file": ("f", b"x")})
    assert bad.status == 403 and b"SignatureDoesNotMatch" in bad.data


def test_presigned_sigv2(aws_client, bucket):
    s3v2 = aws_client("s3", config=Config(signature_version="s3", s3={"addressing_style": "path"}))
    s3v2.put_object(Bucket=bucket, Key="v2", Body=b"old style")
    url = s3v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "v2"})
    assert "Signature=" in url
    got = http.request("GET", url)
    assert got.status == 200 and got.data == b"old style"
    assert http.request("GET", url.replace("/v2?", "/v3?")).status == 403


def test_presigned_post(s3, bucket, cloudtwin):
    post = s3.generate_presigned_post(
        bucket, "uploads/${filename}",
        Fields={"Content-Type": "text/plain", "success_action_status": "201"},
        Conditions=[["starts-with", "$key", "uploads/"], {"Content-Type": "text/plain"},
                    {"success_action_status": "201"}, ["content-length-range", 1, 100]],
        ExpiresIn=600,
    )
    fields = dict(post["fields"])
    response = http.request("POST", post["url"], fields={**fields, "file": ("hello.txt", b"hello form")})
    assert response.status == 201, response.data
    assert b"<Key>uploads/hello.txt</Key>" in response.data
    got = s3.get_object(Bucket=bucket, Key="uploads/hello.txt")
    assert got["Body"].read() == b"hello form" and got["ContentType"] == "text/plain"
    too_big = http.request("POST", post["url"], fields={**fields, "file": ("big.txt", b"x" * 500)})
    assert too_big.status == 400 and b"EntityTooLarge" in too_big.data
    wrong = http.request("POST", post["url"], fields={**fields, "Content-Type": "image/png", "file": ("a.txt", b"x")})
    assert wrong.status == 403 and b"Policy Condition failed" in wrong.data
    signature_field = "signature" if "signature" in fields else "x-amz-signature"
    tampered = http.request("POST", post["url"], fields={**fields, signature_field: "AAAA", "file": ("a.txt", b"x")})
    assert tampered.status == 403 and b"SignatureDoesNotMatch" in tampered.data
    cloudtwin.client.advance(3600)
    expired = http.request("POST", post["url"], fields={**fields, "file": ("late.txt", b"x")})
    assert expired.status == 403 and b"Policy expired" in expired.data


@pytest.mark.parametrize("style", ["virtual", "path"])
def test_presigned_sigv4_special_keys(aws_client, bucket, style):
    client = aws_client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": style}))
    key = "dir/a file+plus=eq&amp;\u00fc.txt"
    client.put_object(Bucket=bucket, Key=key, Body=b"special")
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key, "ResponseContentType": "text/x-test"}
    )
    got = http.request("GET", url)
    assert got.status == 200, got.data
    assert got.data == b"special" and got.headers["Content-Type"] == "text/x-test"


def test_presigned_post_with_a_malformed_policy(s3, bucket, monkeypatch, server):
    import base64

    monkeypatch.setenv("CLOUDTWIN_PRESIGN_SECRETS", "*")  # signatures unchecked: reach the policy
    post = s3.generate_presigned_post(bucket, "k")
    bad_policy = base64.b64encode(b'{"expiration": "2999-01-01T00:00:00Z", "conditions": [["eq", "$key"]]}').decode()
    fields = {**post["fields"], "policy": bad_policy}
    response = http.request("POST", post["url"], fields={**fields, "file": ("f", b"x")})
    assert response.status == 400
    assert b"<Code>InvalidPolicyDocument</Code>" in response.data
