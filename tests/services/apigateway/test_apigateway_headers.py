"""Headers through a REST API as AWS passes them: what the method request drops, the casing
a Lambda proxy event sees, the headers the load balancers add, and the answer's
``Connection`` and ``Date``."""

from __future__ import annotations

import http.client
import json

from apigw_helpers import lambda_uri

ECHO_EVENT = """
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""

SENT = {"Content-Type": "application/json", "user-Agent": "test/1", "headerVar": "v", "Max-Forwards": "2",
        "Content-MD5": "x", "Upgrade": "HTTP/2.0", "Connection": "close"}  # fmt: skip


def _raw_request(endpoint: str, api_id: str, path: str, headers: dict) -> http.client.HTTPResponse:
    """A request whose header names keep the casing written here (httpx would lower-case)."""
    host, port = endpoint.split("//", 1)[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
    connection.putheader("Host", f"{api_id}.execute-api.localhost:{port}")
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.putheader("Content-Length", "2")
    connection.endheaders(b"{}")
    return connection.getresponse()


def test_a_proxy_event_sees_the_headers_aws_passes_on(apigw, function, endpoint):
    arn = function("echo-event", ECHO_EVENT)
    api = apigw.create_rest_api(name="headers")
    resource = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="echo")
    apigw.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="POST", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod="POST", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=lambda_uri(arn))
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    response = _raw_request(endpoint, api["id"], "/dev/echo", SENT)
    event = json.loads(response.read())
    headers = event["headers"]
    # standard names in their canonical casing, others as the client wrote them
    assert headers["User-Agent"] == "test/1" and headers["headerVar"] == "v"
    assert headers["Content-Type"] == "application/json"
    for dropped in ("Max-Forwards", "Content-MD5", "Upgrade", "Connection", "Content-Length"):
        assert dropped.lower() not in {name.lower() for name in headers}, dropped
    assert {"X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto", "X-Amzn-Trace-Id", "Host"} <= set(headers)
    assert event["multiValueHeaders"]["headerVar"] == ["v"]
    assert event["requestContext"]["domainName"] == headers["Host"]
    # the client asked to close: the answer says so once; the Date header is written as AWS writes it
    raw = dict(response.getheaders())
    assert raw["Connection"] == "close" and "connection" not in raw
    assert raw["Date"].endswith(" GMT") and "date" not in raw


def test_templates_do_not_see_the_dropped_headers(apigw, call):
    api = apigw.create_rest_api(name="params")
    apigw.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", statusCode="200")
    template = '{"max": "$input.params(\'Max-Forwards\')", "pragma": "$input.params(\'Pragma\')"}'
    apigw.put_integration_response(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET",
                                   statusCode="200", responseTemplates={"application/json": template})
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    response = call(api["id"], "/dev/", headers={"Max-Forwards": "2", "Pragma": "cache"})
    assert response.json() == {"max": "", "pragma": "cache"}
    assert response.headers["connection"] == "keep-alive"


def test_an_edge_optimized_api_answers_through_cloudfront(apigw, call):
    answers = {}
    for kind in ("EDGE", "REGIONAL"):
        api = apigw.create_rest_api(name=kind, endpointConfiguration={"types": [kind]})
        apigw.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 200}'})
        apigw.put_method_response(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", statusCode="200")
        apigw.put_integration_response(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET",
                                       statusCode="200")
        apigw.create_deployment(restApiId=api["id"], stageName="dev")
        answers[kind] = call(api["id"], "/dev/").headers
    edge = answers["EDGE"]
    assert edge["x-cache"] == "Miss from cloudfront" and edge["via"].endswith(".cloudfront.net (CloudFront)")
    assert edge["x-amz-cf-id"] and edge["x-amz-cf-pop"]
    assert not {"via", "x-cache", "x-amz-cf-id", "x-amz-cf-pop"} & set(answers["REGIONAL"])
