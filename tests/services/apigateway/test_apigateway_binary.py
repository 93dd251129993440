"""Binary payloads through a deployed REST API: ``binaryMediaTypes`` matched on the request's
Content-Type and the first Accept type, ``contentHandling`` conversions on the way to S3 and
back, and a Lambda proxy's ``isBase64Encoded`` answers."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from apigw_helpers import lambda_uri

RAW = gzip.compress(b"compressed data, not UTF-8", mtime=1676569620)
ENCODED = base64.b64encode(RAW)


@pytest.fixture
def s3_api(apigw, aws_client):
    """``make(request_handling, response_handling)`` -> (api id, bucket): ``ANY /{key+}`` to S3."""
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="binary-bucket")

    def make(request_handling: str | None = None, response_handling: str | None = None,
             response_template: str | None = None) -> str:
        api = apigw.create_rest_api(name="binary")
        resource = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="{key+}")
        ids = {"restApiId": api["id"], "resourceId": resource["id"], "httpMethod": "ANY"}
        apigw.put_method(**ids, authorizationType="NONE", requestParameters={"method.request.path.key": True})
        apigw.put_method_response(**ids, statusCode="200")
        apigw.put_integration(
            **ids, type="AWS", integrationHttpMethod="ANY", uri="arn:aws:apigateway:us-east-1:s3:path/binary-bucket/{key}",
            requestParameters={"integration.request.path.key": "method.request.path.key",
                               "integration.request.header.Content-Type": "method.request.header.Content-Type",
                               "integration.request.querystring.response-content-type":
                                   "method.request.header.response-content-type"},
            **({"contentHandling": request_handling} if request_handling else {}),
        )  # fmt: skip
        apigw.put_integration_response(
            **ids, statusCode="200", **({"contentHandling": response_handling} if response_handling else {}),
            **({"responseTemplates": {"application/json": response_template}} if response_template else {}))
        apigw.update_rest_api(restApiId=api["id"], patchOperations=[
            {"op": "add", "path": "/binaryMediaTypes/image~1png"}])  # fmt: skip
        apigw.create_deployment(restApiId=api["id"], stageName="dev")
        return api["id"]

    return make


def _stored(aws_client, key: str) -> bytes:
    return aws_client("s3").get_object(Bucket="binary-bucket", Key=key)["Body"].read()


def test_request_payloads_follow_the_content_type_and_content_handling(s3_api, call, aws_client):
    api_id = s3_api()
    # a binary media type travels as sent; text is read as UTF-8 (malformed bytes replaced)
    assert call(api_id, "/dev/raw", "PUT", content=RAW, headers={"Content-Type": "image/png"}).status_code == 200
    assert _stored(aws_client, "raw") == RAW
    assert call(api_id, "/dev/text", "PUT", content=RAW, headers={"Content-Type": "text/plain"}).status_code == 200
    assert _stored(aws_client, "text") == RAW.decode("utf-8", "replace").encode()

    to_text = s3_api(request_handling="CONVERT_TO_TEXT")
    call(to_text, "/dev/encoded", "PUT", content=RAW, headers={"Content-Type": "image/png"})
    assert _stored(aws_client, "encoded") == ENCODED

    to_binary = s3_api(request_handling="CONVERT_TO_BINARY")
    call(to_binary, "/dev/decoded", "PUT", content=ENCODED, headers={"Content-Type": "text/plain"})
    assert _stored(aws_client, "decoded") == RAW
    # text that is not base64 cannot be converted: 500
    response = call(to_binary, "/dev/bad", "PUT", content=b"not base64!", headers={"Content-Type": "text/plain"})
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}


def test_response_payloads_follow_the_first_accept_type(s3_api, call, aws_client):
    s3 = aws_client("s3")
    s3.put_object(Bucket="binary-bucket", Key="raw", Body=RAW)
    s3.put_object(Bucket="binary-bucket", Key="encoded", Body=ENCODED)
    api_id = s3_api()

    def get(key: str, accept: str, payload_type: str = "binary/octet-stream", api: str = api_id):
        return call(api, f"/dev/{key}", headers={"Accept": accept, "response-content-type": payload_type})

    # binary payload: as is for a binary Accept, base64-encoded for a text one
    assert get("raw", "image/png", "image/png").content == RAW
    assert get("raw", "text/plain", "image/png").content == ENCODED
    # text payload: base64-decoded for a binary Accept (only the first type counts), else text
    assert get("encoded", "image/png").content == RAW
    assert get("encoded", "text/html,image/png").content == ENCODED
    assert get("raw", "text/plain").content == RAW.decode("utf-8", "replace").encode()
    assert get("raw", "image/png").status_code == 500  # not base64

    to_text = s3_api(response_handling="CONVERT_TO_TEXT")
    assert get("raw", "image/png", "image/png", api=to_text).content == ENCODED
    assert get("encoded", "image/png", api=to_text).content == ENCODED
    to_binary = s3_api(response_handling="CONVERT_TO_BINARY")
    assert get("encoded", "text/plain", api=to_binary).content == RAW
    assert get("raw", "text/plain", "image/png", api=to_binary).content == RAW


def test_templates_read_text_only(s3_api, call, aws_client):
    aws_client("s3").put_object(Bucket="binary-bucket", Key="encoded", Body=ENCODED)
    template = '{"data": "$input.body"}'
    to_text = s3_api(response_handling="CONVERT_TO_TEXT", response_template=template)
    response = call(to_text, "/dev/encoded", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert json.loads(response.content) == {"data": ENCODED.decode()}
    to_binary = s3_api(response_handling="CONVERT_TO_BINARY", response_template=template)
    assert call(to_binary, "/dev/encoded", headers={"Accept": "image/png"}).status_code == 500


PROXY = """
import json
def handler(event, context):
    return json.loads(event["body"])
"""


def test_a_lambda_proxy_answer_is_decoded_for_a_binary_accept(apigw, function, call):
    arn = function("binary-proxy", PROXY)
    api = apigw.create_rest_api(name="proxy-binary", binaryMediaTypes=["image/png", "application/*", "*/test"])
    resource = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="{proxy+}")
    ids = {"restApiId": api["id"], "resourceId": resource["id"], "httpMethod": "ANY"}
    apigw.put_method(**ids, authorizationType="NONE")
    apigw.put_integration(**ids, type="AWS_PROXY", integrationHttpMethod="POST", uri=lambda_uri(arn))
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    answer = {"statusCode": 200, "body": ENCODED.decode(), "isBase64Encoded": True,
              "headers": {"Content-Type": "text/plain"}}  # fmt: skip

    def invoke(accept: str | None, payload: dict = answer):
        headers = {"Accept": accept} if accept else {}
        return call(api["id"], "/dev/x", "POST", content=json.dumps(payload), headers=headers)

    assert invoke("image/png").content == RAW  # the response's Content-Type plays no part
    assert invoke("application/anything").content == RAW
    for accept in ("image/jpg", "*/*", "*/test", "text/html,image/png", None):
        assert invoke(accept).content == ENCODED, accept
    assert invoke("image/png", {**answer, "isBase64Encoded": False}).content == ENCODED
    assert invoke("image/png", {**answer, "body": "èé+à)("}).status_code == 500
