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
    if event["rawPath"] == "/text":
        return "Hello from Lambda!"
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
    # under a name whose subdomains resolve to 127.0.0.1 wherever public DNS answers
    assert ".lambda-url.us-east-1.localhost.localstack.cloud:" in url
    status, headers, body = _call(endpoint, url, "/hello")
    assert status == 403 and json.loads(body) == {  # no policy lets anyone in yet
        "Message": "Forbidden. For troubleshooting Function URL authorization issues, see: "
                   "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}
    assert headers.get("x-amzn-ErrorType") == "AccessDeniedException"
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
    status, headers, body = _call(endpoint, url, "/text")  # a string is the body as it is
    assert (status, body, headers.get("Content-Type")) == (200, b"Hello from Lambda!", "application/json")
    short = url.replace(".localhost.localstack.cloud:", ".localhost:")  # the *.localhost form answers too
    status, _, body = _call(endpoint, short, "/plain")
    assert status == 200 and json.loads(body) == {"just": "data"}


def test_an_iam_url_needs_a_signature_and_errors_are_502(lam, deploy, endpoint):
    deploy("guarded-web", {"app.py": "def handler(e, c):\n    raise RuntimeError('x')\n"})
    url = lam.create_function_url_config(FunctionName="guarded-web", AuthType="AWS_IAM")["FunctionUrl"]
    assert _call(endpoint, url, "/")[0] == 403
    status, _, body = _call(endpoint, url, "/", headers={
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00"})
    assert status == 502 and body == b"Internal Server Error"


def test_urls_are_made_under_the_first_extra_host_name():
    import boto3

    from cloudtwin.config import Config
    from cloudtwin.testing.server import ServerThread, free_port
    from lambda_helpers import zipped

    with ServerThread(Config(port=free_port(), log_level="warning", hostnames=("cloud.test",))) as server:
        lam = boto3.client("lambda", endpoint_url=server.endpoint, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
        iam = boto3.client("iam", endpoint_url=server.endpoint, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
        arn = iam.create_role(RoleName="url-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
        lam.create_function(FunctionName="named", Runtime="python3.12", Role=arn, Handler="app.handler",
                            Code={"ZipFile": zipped({"app.py": ECHO})})  # fmt: skip
        url = lam.create_function_url_config(FunctionName="named", AuthType="NONE")["FunctionUrl"]
        assert urlsplit(url).hostname.endswith(".lambda-url.us-east-1.cloud.test")
        assert _call(server.endpoint, url, "/")[0] == 403  # served under that name


def test_hop_by_hop_headers_stay_out_of_the_event_and_a_deleted_alias_url_is_refused(lam, deploy, endpoint):
    deploy("headers", {"app.py": "import json\ndef handler(event, context):\n    return {'headers': event['headers']}\n"})
    version = lam.publish_version(FunctionName="headers")["Version"]
    lam.create_alias(FunctionName="headers", Name="live", FunctionVersion=version)
    url = lam.create_function_url_config(FunctionName="headers", Qualifier="live", AuthType="NONE")["FunctionUrl"]
    lam.add_permission(FunctionName="headers", Qualifier="live", StatementId="url", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE")  # fmt: skip
    status, _, body = _call(endpoint, url, "/", headers={"Connection": "keep-alive", "X-Kept": "1"})
    headers = json.loads(body)["headers"]
    assert status == 200 and headers["x-kept"] == "1" and "connection" not in headers
    lam.delete_alias(FunctionName="headers", Name="live")
    status, headers, body = _call(endpoint, url, "/")
    assert (status, headers.get("x-amzn-ErrorType")) == (403, "AccessDeniedException")
    assert json.loads(body)["Message"].startswith("Forbidden. For troubleshooting Function URL authorization issues")


STREAMER = """
exports.handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  responseStream = awslambda.HttpResponseStream.from(responseStream, {statusCode: 201, headers: {"Content-Type": "text/plain"}});
  responseStream.write("Hello,");
  responseStream.write(" " + event.rawPath.slice(1) + "!");
  responseStream.end();
});
"""


def test_a_streaming_node_function_answers_through_a_response_stream_url(lam, deploy, endpoint):
    deploy("streamer", {"index.js": STREAMER}, handler="index.handler", runtime="nodejs20.x")
    url = lam.create_function_url_config(FunctionName="streamer", AuthType="NONE", InvokeMode="RESPONSE_STREAM")["FunctionUrl"]
    lam.add_permission(FunctionName="streamer", StatementId="url", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE")  # fmt: skip
    status, headers, body = _call(endpoint, url, "/world")
    assert (status, headers.get("Content-Type"), body) == (201, "text/plain", b"Hello, world!")


def test_the_event_names_the_domain_as_host_and_the_port_as_forwarded(lam, deploy, endpoint):
    deploy("headers-web", {"app.py": "import json\ndef handler(e, c):\n    return {'statusCode': 200, 'body': json.dumps("
                                     "{'headers': e['headers'], 'domain': e['requestContext']['domainName']})}\n"})
    url = lam.create_function_url_config(FunctionName="headers-web", AuthType="NONE")["FunctionUrl"]
    lam.add_permission(FunctionName="headers-web", StatementId="url", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE")  # fmt: skip
    status, _, body = _call(endpoint, url, "/")
    assert status == 200
    seen = json.loads(body)
    netloc = urlsplit(url).netloc
    domain, port = netloc.split(":")
    assert seen["domain"] == domain and seen["headers"]["host"] == domain
    assert seen["headers"]["x-forwarded-port"] == port and seen["headers"]["x-forwarded-proto"] == "http"
    assert seen["headers"]["x-amzn-trace-id"].startswith("Root=1-")


def test_a_custom_id_tag_names_the_url(lam, deploy, endpoint):
    deploy("named-web", {"app.py": "def handler(e, c):\n    return {'ok': True}\n"}, Tags={"_custom_id_": "my-web"})
    lam.create_alias(FunctionName="named-web", Name="live", FunctionVersion="$LATEST")
    plain = lam.create_function_url_config(FunctionName="named-web", AuthType="NONE")["FunctionUrl"]
    aliased = lam.create_function_url_config(FunctionName="named-web", Qualifier="live", AuthType="NONE")["FunctionUrl"]
    assert plain.startswith("http://my-web.lambda-url.us-east-1.") and aliased.startswith("http://my-web-live.lambda-url.")
    lam.add_permission(FunctionName="named-web", Qualifier="live", StatementId="url", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE")  # fmt: skip
    status, _, body = _call(endpoint, aliased, "/")
    assert status == 200 and json.loads(body) == {"ok": True}
    deploy("other-web", {"app.py": "def handler(e, c):\n    return 1\n"}, Tags={"_custom_id_": "my-web"})
    taken = lam.create_function_url_config(FunctionName="other-web", AuthType="NONE")["FunctionUrl"]
    assert not taken.startswith("http://my-web.")  # an id another URL has: a random one, as without the tag
