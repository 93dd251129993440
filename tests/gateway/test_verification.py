"""CLOUDTWIN_VERIFY_SIGNATURES=1: header signatures are checked against the secrets
cloudtwin knows (IAM and STS keys, ``test`` for any other key), in every protocol."""

from __future__ import annotations

import http.client
from urllib.parse import urlparse

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from cloudtwin.config import Config
from cloudtwin.testing.server import ServerThread, free_port

NO_RETRIES = BotoConfig(retries={"total_max_attempts": 1, "mode": "standard"})
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)


@pytest.fixture(scope="module")
def verifying():
    config = Config(port=free_port(), log_level="warning", verify_signatures=True)
    with ServerThread(config) as server:
        yield server


def client(server, service, key="test", secret="test", token=None, **config):
    return boto3.client(
        service, endpoint_url=server.endpoint, region_name="eu-west-1",
        config=NO_RETRIES.merge(BotoConfig(**config)) if config else NO_RETRIES,
        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
    )


def error_of(call):
    with pytest.raises(ClientError) as err:
        call()
    response = err.value.response
    return response["Error"]["Code"], response["Error"].get("Message"), response["ResponseMetadata"]["HTTPStatusCode"]


def test_config_reads_the_environment(monkeypatch):
    assert Config.from_env().verify_signatures is False
    monkeypatch.setenv("CLOUDTWIN_VERIFY_SIGNATURES", "1")
    assert Config.from_env().verify_signatures is True


def test_right_secret_works_in_every_protocol(verifying):
    assert client(verifying, "sts").get_caller_identity()["Account"] == "000000000000"  # query
    sqs = client(verifying, "sqs")  # json (query-compatible)
    url = sqs.create_queue(QueueName="signed")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="ünïcode & spaces + plus")
    ddb = client(verifying, "dynamodb")  # json
    assert "TableNames" in ddb.list_tables()
    ssm = client(verifying, "ssm")
    ssm.put_parameter(Name="/a-b/c", Value="v", Type="String")
    assert ssm.get_parameter(Name="/a-b/c")["Parameter"]["Value"] == "v"
    sns = client(verifying, "sns")
    assert sns.create_topic(Name="signed")["TopicArn"]


@pytest.mark.parametrize("signature_version", ["s3v4", "s3"])
@pytest.mark.parametrize("style", ["path", "virtual"])
def test_right_secret_works_for_s3(verifying, signature_version, style):
    s3 = client(verifying, "s3", signature_version=signature_version, s3={"addressing_style": style})
    bucket = f"signed-{signature_version}-{style}".replace("s3v4", "v4")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    key = "dir/with space/ünï+code=&?.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=b"x" * 70000)  # aws-chunked on current SDKs
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"x" * 70000
    s3.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": [{"Key": "k", "Value": "v w"}]})
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="dir/with space/", Delimiter="/")
    assert [o["Key"] for o in listed["Contents"]] == [key]
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key}]})


@pytest.mark.parametrize(
    "service, call, expected",
    [
        ("sts", lambda c: c.get_caller_identity(), ("SignatureDoesNotMatch", MISMATCH, 403)),
        ("sqs", lambda c: c.list_queues(), ("SignatureDoesNotMatch", MISMATCH, 403)),
        ("sns", lambda c: c.list_topics(), ("SignatureDoesNotMatch", MISMATCH, 403)),
        ("dynamodb", lambda c: c.list_tables(), ("InvalidSignatureException", MISMATCH, 400)),
        ("kms", lambda c: c.list_keys(), ("InvalidSignatureException", MISMATCH, 400)),
        ("s3", lambda c: c.list_buckets(), (
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
            403,
        )),
    ],
)
def test_wrong_secret_is_refused(verifying, service, call, expected):
    assert error_of(lambda: call(client(verifying, service, secret="wrong"))) == expected


def test_wrong_secret_is_refused_for_s3_sigv2_and_uploads(verifying):
    good = client(verifying, "s3")
    good.create_bucket(Bucket="v2-wrong", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    v2 = client(verifying, "s3", secret="wrong", signature_version="s3")
    assert error_of(lambda: v2.list_objects(Bucket="v2-wrong"))[0] == "SignatureDoesNotMatch"
    bad = client(verifying, "s3", secret="wrong")
    assert error_of(lambda: bad.put_object(Bucket="v2-wrong", Key="k", Body=b"data"))[0] == "SignatureDoesNotMatch"
    assert "Contents" not in good.list_objects_v2(Bucket="v2-wrong")


def test_iam_and_sts_keys_are_checked_against_their_own_secrets(verifying):
    iam = client(verifying, "iam")
    iam.create_user(UserName="signer")
    key = iam.create_access_key(UserName="signer")["AccessKey"]
    user = client(verifying, "sts", key["AccessKeyId"], key["SecretAccessKey"])
    assert user.get_caller_identity()["Arn"].endswith(":user/signer")
    # The default secret does not work for an issued key.
    impostor = client(verifying, "sts", key["AccessKeyId"], "test")
    assert error_of(impostor.get_caller_identity)[0] == "SignatureDoesNotMatch"
    session = user.get_session_token()["Credentials"]
    ok = client(verifying, "sts", session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"])
    assert ok.get_caller_identity()["Arn"].endswith(":user/signer")
    wrong_secret = client(verifying, "sqs", session["AccessKeyId"], "wrong", session["SessionToken"])
    assert error_of(wrong_secret.list_queues)[0] == "SignatureDoesNotMatch"
    wrong_token = client(verifying, "sts", session["AccessKeyId"], session["SecretAccessKey"], "bogus")
    assert error_of(wrong_token.get_caller_identity) == (
        "InvalidClientTokenId", "The security token included in the request is invalid.", 403
    )
    no_token = client(verifying, "dynamodb", session["AccessKeyId"], session["SecretAccessKey"])
    assert error_of(no_token.list_tables)[:2] == (
        "UnrecognizedClientException", "The security token included in the request is invalid."
    )


def raw(server, authorization, target="DynamoDB_20120810.ListTables"):
    url = urlparse(server.endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request("POST", "/", b"{}", {
            "Authorization": authorization, "X-Amz-Target": target, "X-Amz-Date": "20260101T000000Z",
            "Content-Type": "application/x-amz-json-1.0",
        })
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_incomplete_signature(verifying):
    status, body = raw(
        verifying, "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request"
    )
    assert status == 400
    assert b"IncompleteSignatureException" in body
    assert b"Authorization header requires 'Signature' parameter." in body
    assert b"Authorization header requires 'SignedHeaders' parameter." in body


def test_off_by_default(aws_client, endpoint):
    wrong = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                         aws_access_key_id="test", aws_secret_access_key="wrong", config=NO_RETRIES)
    assert wrong.get_caller_identity()["Account"] == "000000000000"


def test_aws_chunked_upload_is_verified_on_the_headers_as_signed(verifying):
    import base64
    import zlib

    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    client(verifying, "s3").create_bucket(
        Bucket="chunked", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    data = b"chunked payload"
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    body = b"%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n" % (len(data), data, crc.encode())

    def put(secret):
        request = AWSRequest("PUT", f"{verifying.endpoint}/chunked/k", data=body, headers={
            "Content-Encoding": "aws-chunked", "X-Amz-Decoded-Content-Length": str(len(data)),
            "X-Amz-Trailer": "x-amz-checksum-crc32", "Content-Length": str(len(body)),
        })
        request.context["checksum"] = {"request_algorithm": {"in": "trailer", "name": "x-amz-checksum-crc32"}}
        S3SigV4Auth(Credentials("test", secret), "s3", "eu-west-1").add_auth(request)
        assert request.headers["X-Amz-Content-SHA256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
        url = urlparse(verifying.endpoint)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        try:
            conn.request("PUT", "/chunked/k", body, dict(request.headers.items()))
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    assert put("test")[0] == 200
    status, answer = put("wrong")
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in answer
    assert client(verifying, "s3").get_object(Bucket="chunked", Key="k")["Body"].read() == data
