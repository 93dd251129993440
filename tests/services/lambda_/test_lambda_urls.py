"""Function URLs called with plain HTTP: the payload format 2.0 event in, the function's
answer out, auth types and CORS as AWS applies them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

ECHO = """
import json
def handler(event, context):
    if event["rawPath"] == "/plain":
        return {"just": "data"}
    return {"statusCode": 201, "headers": {"x-echo": "yes"}, "cookies": ["a=1"],
            "body": json.dumps({"path": event["rawPath"], "query": event.get("queryStringParameters"),
                                "method": event["requestContext"]["http"]["method"], "body": event.get("body"),
                                "version": event["version"], "header": event["headers"].get("x-custom")})}
"""


def _call(endpoint: str, function_url: str, path: str, data: bytes | None = None, headers=None, method=None):
    host = urlsplit(function_url).netloc
    request = urllib.request.Request(endpoint + path, data=data, method=method,
                                     headers={"Host": host, **(headers or {})})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()  # case-insensitive headers
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def test_a_function_url_serves_plain_http(lam, deploy, endpoint):
    deploy("web", {"app.py": ECHO})
    config = lam.create_function_url_config(FunctionName="web", AuthType="NONE",
                                            Cors={"AllowOrigins": ["http://localhost:3000"], "AllowMethods": ["POST"]})  # fmt: skip
    url = config["FunctionUrl"]
    assert ".lambda-url.us-east-1.localhost:" in url
    status, _, body = _call(endpoint, url, "/hello")
    assert status == 403 and body == b'{"Message":"Forbidden"}'  # no policy lets anyone in yet
    unknown = url.replace(url.split("//")[1].split(".")[0], "0" * 32)
    status, headers, body = _call(endpoint, unknown, "/")
    assert (status, body, headers.get("x-amzn-ErrorType")) == (403, b'{"Message":null}', "AccessDeniedException")
    lam.add_permission(FunctionName="web", StatementId="url", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE")  # fmt: skip
    status, headers, body = _call(endpoint, url, "/hello?a=1&a=2", data=b'{"x": 1}',
                                  headers={"Content-Type": "application/json", "X-Custom": "v",
                                           "Origin": "http://localhost:3000"})  # fmt: skip
    assert status == 201 and headers.get("X-Echo") == "yes" and headers.get("Set-Cookie") == "a=1"
    assert headers.get("Access-Control-Allow-Origin") == "http://localhost:3000"
    assert json.loads(body) == {"path": "/hello", "query": {"a": "1,2"}, "method": "POST", "body": '{"x": 1}',
                                "version": "2.0", "header": "v"}
    status, headers, body = _call(endpoint, url, "/plain")
    assert status == 200 and json.loads(body) == {"just": "data"}
    assert headers.get("Content-Type") == "application/json"


def test_an_iam_url_needs_a_signature_and_errors_are_502(lam, deploy, endpoint):
    deploy("guarded-web", {"app.py": "def handler(e, c):\n    raise RuntimeError('x')\n"})
    url = lam.create_function_url_config(FunctionName="guarded-web", AuthType="AWS_IAM")["FunctionUrl"]
    assert _call(endpoint, url, "/")[0] == 403
    status, _, body = _call(endpoint, url, "/", headers={
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00"})
    assert status == 502 and body == b"Internal Server Error"
