"""Routing rules the SDK sweep does not exercise: unsigned and hand-made requests, Host
hints, legacy query clients, and the errors for requests that match nothing."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

import pytest

from cloudtwin.gateway.router import Route, Router, RoutingError, unknown_operation_error
from cloudtwin.gateway.signing import parse_credentials
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.http import HttpRequest
from cloudtwin.specs.catalog import ServiceCatalog
from cloudtwin.specs.index import ServiceIndex

FORM = "application/x-www-form-urlencoded; charset=utf-8"


@lru_cache(maxsize=None)
def _router() -> Router:
    return Router(ServiceCatalog(), ServiceIndex.load(), hostnames=("aws.internal",))


def auth(signing_name: str, region: str = "us-east-1") -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential=AKID/20240101/{region}/{signing_name}/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=00"
    )


def route(method="GET", url="/", headers=None, body=b"") -> Route:
    path, _, query = url.partition("?")
    request = HttpRequest(method, path, query, {"host": "localhost:4566", **(headers or {})}, body)
    return _router().route(request, parse_credentials(request))


def names(r: Route) -> tuple:
    return (r.service, r.operation.name if r.operation else None, r.protocol)


# -- S3 without a signature -------------------------------------------------------------


@pytest.mark.parametrize(
    "method,url,expected,params",
    [
        ("GET", "/bucket/some/key.txt", "GetObject", {"Bucket": "bucket", "Key": "some/key.txt"}),
        ("HEAD", "/bucket/key", "HeadObject", {"Bucket": "bucket", "Key": "key"}),
        ("GET", "/bucket", "ListObjects", {"Bucket": "bucket"}),
        ("GET", "/bucket/", "ListObjects", {"Bucket": "bucket"}),
        ("GET", "/bucket?list-type=2&prefix=a", "ListObjectsV2", {"Bucket": "bucket"}),
        ("PUT", "/bucket/key", "PutObject", {"Bucket": "bucket", "Key": "key"}),
        # a public object whose path looks like another service's template is still S3
        ("GET", "/tags/foo", "GetObject", {"Bucket": "tags", "Key": "foo"}),
        ("GET", "/2015-03-31/functions", "GetObject", {"Bucket": "2015-03-31", "Key": "functions"}),
    ],
)
def test_unsigned_path_style_requests_are_s3(method, url, expected, params):
    r = route(method, url)
    assert names(r) == ("s3", expected, "rest-xml")
    assert r.uri_params == params


def test_presigned_post_is_s3_with_no_botocore_operation():
    """S3's POST Object (browser form upload) is not in botocore's model."""
    form = {"content-type": "multipart/form-data; boundary=xyz"}
    for url, headers in (("/bucket", form), ("/bucket/", form), ("/", {**form, "host": "bucket.s3.localhost:4566"})):
        r = route("POST", url, headers, b"--xyz\r\n")
        assert (names(r), r.uri_params) == (("s3", None, "rest-xml"), {"Bucket": "bucket"})


def test_sigv2_and_presigned_s3_requests():
    assert names(route("GET", "/b/k", {"authorization": "AWS AKID:c2lnbmF0dXJl"})) == ("s3", "GetObject", "rest-xml")
    presigned_v2 = "/b/k?AWSAccessKeyId=AKID&Expires=1700000000&Signature=abc"
    assert names(route("GET", presigned_v2)) == ("s3", "GetObject", "rest-xml")
    presigned_v4 = (
        "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
    )
    assert names(route("PUT", presigned_v4)) == ("s3", "PutObject", "rest-xml")


def test_botocore_presigned_urls_route():
    import botocore.session

    s3 = botocore.session.Session().create_client(
        "s3", region_name="us-east-1", endpoint_url="http://localhost:4566",
        aws_access_key_id="AKID", aws_secret_access_key="secret",
    )
    for operation, params in (
        ("get_object", {"Bucket": "b", "Key": "a/b.txt"}),
        ("put_object", {"Bucket": "b", "Key": "k"}),
        ("list_objects_v2", {"Bucket": "b"}),
        ("upload_part", {"Bucket": "b", "Key": "k", "UploadId": "u", "PartNumber": 1}),
    ):
        url = urlsplit(s3.generate_presigned_url(operation, Params=params))
        method = {"get_object": "GET", "list_objects_v2": "GET"}.get(operation, "PUT")
        r = route(method, f"{url.path}?{url.query}", {"host": url.netloc})
        assert r.operation.name == s3.meta.method_to_api_mapping[operation]


def test_unsigned_only_when_an_sdk_sends_it_so_and_more_specific_than_s3():
    assert names(route("POST", "/token", {"content-type": "application/json"}, b"{}")) == (
        "sso-oidc", "CreateToken", "rest-json"
    )
    assert names(route("GET", "/federation/credentials?role_name=r&account_id=1")) == (
        "sso", "GetRoleCredentials", "rest-json"
    )
    # nothing in S3 is a PATCH: any rest service's template then
    assert names(route("PATCH", "/restapis/a1/stages/s1")) == ("apigateway", "UpdateStage", "rest-json")


# -- S3 virtual host and S3 Control --------------------------------------------------------


def test_virtual_host_bucket_from_host():
    r = route("GET", "/path/to/key", {"host": "my-bucket.s3.localhost:4566", "authorization": auth("s3")})
    assert names(r) == ("s3", "GetObject", "rest-xml")
    assert r.uri_params == {"Bucket": "my-bucket", "Key": "path/to/key"}
    r = route("GET", "/", {"host": "my-bucket.s3.us-west-2.localhost.localstack.cloud", "authorization": auth("s3")})
    assert (r.operation.name, r.uri_params) == ("ListObjects", {"Bucket": "my-bucket"})
    # unsigned, too
    r = route("PUT", "/k?tagging", {"host": "b.s3.localhost:4566"})
    assert (r.operation.name, r.uri_params) == ("PutObjectTagging", {"Bucket": "b", "Key": "k"})


def test_bucket_subdomain_of_localhost_when_signed_for_s3():
    r = route("GET", "/key", {"host": "my-bucket.localhost:4566", "authorization": auth("s3")})
    assert (r.operation.name, r.uri_params) == ("GetObject", {"Bucket": "my-bucket", "Key": "key"})


def test_s3_control_account_id_host_prefix_is_not_a_bucket():
    headers = {"host": "123456789012.localhost:4566", "authorization": auth("s3"), "x-amz-account-id": "123456789012"}
    r = route("GET", "/v20180820/accesspoint/ap1", headers)
    assert names(r) == ("s3control", "GetAccessPoint", "rest-xml")
    assert r.uri_params == {"name": "ap1"}  # keyed by the template's label names


def test_s3_express_signing_name_picks_the_directory_bucket_operation():
    assert route("GET", "/", {"authorization": auth("s3")}).operation.name == "ListBuckets"
    assert route("GET", "/", {"authorization": auth("s3express")}).operation.name == "ListDirectoryBuckets"


def test_identical_s3_requests_are_told_apart_by_their_required_members():
    signed = {"authorization": auth("s3")}
    assert route("PUT", "/b/k", signed).operation.name == "PutObject"
    assert route("PUT", "/b/k", {**signed, "x-amz-copy-source": "src/k"}).operation.name == "CopyObject"
    assert route("PUT", "/b/k?partNumber=1&uploadId=u", signed).operation.name == "UploadPart"
    copy_part = route("PUT", "/b/k?partNumber=1&uploadId=u", {**signed, "x-amz-copy-source": "s/k"})
    assert copy_part.operation.name == "UploadPartCopy"
    assert route("DELETE", "/b/k?uploadId=u", signed).operation.name == "AbortMultipartUpload"
    assert route("DELETE", "/b/k", signed).operation.name == "DeleteObject"
    assert route("GET", "/b?analytics&id=a", signed).operation.name == "GetBucketAnalyticsConfiguration"
    assert route("GET", "/b?analytics", signed).operation.name == "ListBucketAnalyticsConfigurations"


# -- Host hints --------------------------------------------------------------------------


def test_host_settles_services_that_share_a_signing_name():
    signed = {"authorization": auth("bedrock")}
    assert route("GET", "/tags/arn", signed).service == "bedrock-agent"
    hinted = {**signed, "host": "bedrock-agent-runtime.us-east-1.localhost:4566"}
    assert names(route("GET", "/tags/arn", hinted)) == ("bedrock-agent-runtime", "ListTagsForResource", "rest-json")


def test_host_names_the_service_of_an_unsigned_request():
    r = route("GET", "/2015-03-31/functions/f", {"host": "lambda.us-east-1.localhost:4566"})
    assert names(r) == ("lambda", "GetFunction", "rest-json")
    r = route("POST", "/", {"host": "sqs.aws.internal", "content-type": FORM}, b"Action=ListQueues&Version=2012-11-05")
    assert names(r) == ("sqs", "ListQueues", "query")


# -- rpc protocols ---------------------------------------------------------------------


def test_legacy_query_clients_reach_json_services():
    body = b"Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2Fx&MessageBody=hi"
    r = route("POST", "/000000000000/my-queue", {"content-type": FORM, "authorization": auth("sqs")}, body)
    assert names(r) == ("sqs", "SendMessage", "query")
    r = route("GET", "/?Action=ListMetrics&Version=2010-08-01", {"authorization": auth("monitoring")})
    assert names(r) == ("cloudwatch", "ListMetrics", "query")


def test_unsigned_query_action_finds_its_only_service():
    body = b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=a&RoleSessionName=s&WebIdentityToken=t"
    assert names(route("POST", "/", {"content-type": FORM}, body)) == ("sts", "AssumeRoleWithWebIdentity", "query")


def test_query_version_separates_services_sharing_a_signing_name():
    headers = {"content-type": FORM, "authorization": auth("elasticloadbalancing")}
    v1 = route("POST", "/", headers, b"Action=DescribeLoadBalancers&Version=2012-06-01")
    v2 = route("POST", "/", headers, b"Action=DescribeLoadBalancers&Version=2015-12-01")
    assert (v1.service, v2.service) == ("elb", "elbv2")


def test_ec2_is_its_own_protocol():
    r = route("POST", "/", {"content-type": FORM, "authorization": auth("ec2")}, b"Action=DescribeVpcs&Version=2016-11-15")
    assert names(r) == ("ec2", "DescribeVpcs", "ec2")


def test_json_and_cbor():
    headers = {"x-amz-target": "DynamoDB_20120810.ListTables", "content-type": "application/x-amz-json-1.0"}
    assert names(route("POST", "/", headers, b"{}")) == ("dynamodb", "ListTables", "json")
    cbor = {"smithy-protocol": "rpc-v2-cbor", "content-type": "application/cbor", "authorization": auth("monitoring")}
    r = route("POST", "/service/GraniteServiceVersion20100801/operation/ListMetrics", cbor, b"\xa0")
    assert names(r) == ("cloudwatch", "ListMetrics", "smithy-rpc-v2-cbor")


def test_target_prefix_shared_by_two_services_is_settled_by_the_host():
    headers = {"x-amz-target": "Timestream_20181101.TagResource", "authorization": auth("timestream")}
    assert route("POST", "/", headers, b"{}").service == "timestream-query"
    hinted = {**headers, "host": "ingest.timestream.us-east-1.localhost:4566"}
    assert route("POST", "/", hinted, b"{}").service == "timestream-write"
    only_write = {**headers, "x-amz-target": "Timestream_20181101.WriteRecords"}
    assert route("POST", "/", only_write, b"{}").service == "timestream-write"


# -- nothing matches ---------------------------------------------------------------------


def test_known_service_unknown_operation_has_no_operation():
    json_headers = {"x-amz-target": "AmazonSQS.NoSuchThing", "authorization": auth("sqs")}
    assert names(route("POST", "/", json_headers, b"{}")) == ("sqs", None, "json")
    query = route("POST", "/", {"content-type": FORM, "authorization": auth("sns")}, b"Action=Nope&Version=2010-03-31")
    assert names(query) == ("sns", None, "query")
    assert names(route("GET", "/2015-03-31/nothing-here/x/y/z", {"authorization": auth("lambda")})) == (
        "lambda", None, "rest-json"
    )
    # signed for a json service but without X-Amz-Target
    assert names(route("POST", "/", {"authorization": auth("dynamodb")}, b"{}")) == ("dynamodb", None, "json")


def test_nothing_matches():
    with pytest.raises(RoutingError) as caught:
        route("POST", "/", {"x-amz-target": "NoSuchPrefix_20200101.Op"}, b"{}")
    assert (caught.value.code, caught.value.status_code, caught.value.protocol) == ("UnknownOperationException", 400, "json")
    with pytest.raises(RoutingError) as caught:
        route("POST", "/", {"content-type": FORM}, b"Action=NoSuchActionAnywhere&Version=1")
    assert (caught.value.code, caught.value.status_code) == ("InvalidAction", 400)
    with pytest.raises(RoutingError) as caught:
        route("PATCH", "/nothing")
    assert (caught.value.code, caught.value.status_code) == ("UnknownOperationException", 404)
    with pytest.raises(RoutingError) as caught:
        route("POST", "/service/x", {"smithy-protocol": "rpc-v2-cbor"})
    assert caught.value.protocol == "smithy-rpc-v2-cbor"
    assert isinstance(caught.value, ServiceError)


@pytest.mark.parametrize(
    "protocol,body,code,status",
    [
        ("json", b"", "UnknownOperationException", 400),
        ("smithy-rpc-v2-cbor", b"", "UnknownOperationException", 400),
        ("query", b"Action=Nope", "InvalidAction", 400),
        ("query", b"Foo=1", "MissingAction", 400),
        ("rest-json", b"", "UnknownOperationException", 404),
        ("rest-xml", b"", "MethodNotAllowed", 405),
    ],
)
def test_unknown_operation_errors(protocol, body, code, status):
    request = HttpRequest("POST", "/", "", {"content-type": FORM}, body)
    error = unknown_operation_error(Route("svc", protocol, None), request)
    assert (error.code, error.status_code) == (code, status)
