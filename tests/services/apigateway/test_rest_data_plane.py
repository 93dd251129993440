"""REST APIs called over plain HTTP at their invoke URLs (host name and path forms): MOCK
integrations with VTL, Lambda proxy and custom integrations with real functions, HTTP proxy
to a loopback server, Lambda authorizers denying and caching on the virtual clock, API keys
with usage-plan quotas, OpenAPI import — and the gateway's own error answers."""

from __future__ import annotations

import http.server
import json
import threading

import httpx
import pytest
from apigw_helpers import lambda_uri


def _mock_api(apigw, path_part: str, request_template: str, response_template: str, **method) -> tuple[str, str]:
    api = apigw.create_rest_api(name="mock")
    resource = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart=path_part)
    apigw.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="POST",
                     authorizationType=method.pop("authorizationType", "NONE"), **method)
    apigw.put_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod="POST", type="MOCK",
                          requestTemplates={"application/json": request_template})  # fmt: skip
    apigw.put_method_response(restApiId=api["id"], resourceId=resource["id"], httpMethod="POST", statusCode="200")
    apigw.put_integration_response(restApiId=api["id"], resourceId=resource["id"], httpMethod="POST",
                                   statusCode="200", responseTemplates={"application/json": response_template})
    apigw.create_deployment(restApiId=api["id"], stageName="dev", variables={"env": "test"})
    return api["id"], resource["id"]


VTL = """#set($body = $input.path('$'))
{
  "json": $input.json('$.pets'),
  "first": "$input.path('$.pets[0].name')",
  "escaped": "$util.escapeJavaScript($input.path('$.quote'))",
  "id": "$input.params('id')",
  "q": "$input.params('q')",
  "header": "$input.params('X-Trace')",
  "count": $body.pets.size(),
  "names": [#foreach($pet in $body.pets)"$pet.name"#if($foreach.hasNext),#end#end],
  "stage": "$context.stage",
  "resourcePath": "$context.resourcePath",
  "env": "$stageVariables.env",
  "b64": "$util.base64Encode('hi')",
  "url": "$util.urlEncode('a b&c')"
}"""


def test_an_http_integration_runs_vtl_as_aws_documents(apigw, call, echo_server):
    """The request template renders what the backend receives; the backend (an echo server)
    returns it, and the response template hands it back as the method's body."""
    api = apigw.create_rest_api(name="vtl")
    resource = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="{id}")
    apigw.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="POST", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod="POST", type="HTTP",
                          integrationHttpMethod="POST", uri=echo_server + "/render",
                          requestTemplates={"application/json": VTL})  # fmt: skip
    apigw.put_method_response(restApiId=api["id"], resourceId=resource["id"], httpMethod="POST", statusCode="200")
    apigw.put_integration_response(restApiId=api["id"], resourceId=resource["id"], httpMethod="POST",
                                   statusCode="200", responseTemplates={"application/json": "$input.path('$.body')"})
    apigw.create_deployment(restApiId=api["id"], stageName="dev", variables={"env": "test"})
    body = {"pets": [{"name": "rex", "age": 3}, {"name": "tom"}], "quote": 'He said "hi"\n'}
    for by_host in (True, False):
        response = call(api["id"], "/dev/42?q=dogs", "POST", host=by_host, json=body, headers={"X-Trace": "t-1"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-amzn-requestid"]
        assert json.loads(response.text) == {
            "json": [{"name": "rex", "age": 3}, {"name": "tom"}],
            "first": "rex", "escaped": 'He said "hi"\n', "id": "42", "q": "dogs", "header": "t-1",
            "count": 2, "names": ["rex", "tom"], "stage": "dev", "resourcePath": "/{id}", "env": "test",
            "b64": "aGk=", "url": "a+b%26c",
        }  # fmt: skip
        # $util.escapeJavaScript wrote the quotes and the newline escaped, as JavaScript string content
        assert '"escaped": "He said \\"hi\\"\\n"' in response.text


def test_the_gateway_answers_for_what_it_cannot_route(apigw, call, endpoint):
    api_id, _ = _mock_api(apigw, "pets", '{"statusCode": 200}', "{}")
    response = call(api_id, "/dev/nothing-here", "GET")
    assert response.status_code == 403 and response.json() == {"message": "Missing Authentication Token"}
    assert response.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert call(api_id, "/dev/pets", "GET").status_code == 403  # no GET method: same answer
    assert call(api_id, "/nostage/pets", "POST").status_code == 403
    response = call("nosuchapi0", "/dev/pets", "POST")
    assert response.status_code == 404
    assert response.json() == {"message": "The API id 'nosuchapi0' does not correspond to a deployed API Gateway API"}


def test_mock_status_selection_and_a_bad_template(apigw, call):
    api_id, resource_id = _mock_api(apigw, "s", '{"statusCode": $input.params("code")}', '{"ok": true}')
    apigw.put_method_response(restApiId=api_id, resourceId=resource_id, httpMethod="POST", statusCode="404")
    apigw.put_integration_response(restApiId=api_id, resourceId=resource_id, httpMethod="POST", statusCode="404",
                                   selectionPattern="404", responseTemplates={"application/json": '{"missing": true}'})
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    assert call(api_id, "/dev/s?code=200", "POST").json() == {"ok": True}
    missing = call(api_id, "/dev/s?code=404", "POST")
    assert missing.status_code == 404 and missing.json() == {"missing": True}
    broken = call(api_id, "/dev/s?code=oops", "POST")  # the template makes invalid JSON
    assert broken.status_code == 500 and broken.json() == {"message": "Internal server error"}


PROXY = """
import json
def handler(event, context):
    return {"statusCode": 201, "headers": {"x-from": "lambda"}, "multiValueHeaders": {"x-multi": ["a", "b"]},
            "body": json.dumps({"path": event["path"], "resource": event["resource"],
                                "params": event["pathParameters"], "query": event["queryStringParameters"],
                                "multi": event["multiValueQueryStringParameters"], "body": event["body"],
                                "method": event["httpMethod"], "stage": event["requestContext"]["stage"],
                                "stageVariables": event["stageVariables"]})}
"""


def test_a_lambda_proxy_integration_gets_the_1_0_event(apigw, call, function):
    arn = function("proxy", PROXY)
    api = apigw.create_rest_api(name="proxy")
    resource = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="{proxy+}")
    apigw.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="ANY", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod="ANY", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=lambda_uri(arn))  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    response = call(api["id"], "/prod/a/b?x=1&x=2", "PUT", content=b'{"k": 1}')
    assert response.status_code == 201, response.text
    assert response.headers["x-from"] == "lambda" and response.headers["x-multi"] == "a, b"
    assert response.json() == {
        "path": "/a/b", "resource": "/{proxy+}", "params": {"proxy": "a/b"}, "query": {"x": "2"},
        "multi": {"x": ["1", "2"]}, "body": '{"k": 1}', "method": "PUT", "stage": "prod", "stageVariables": None,
    }  # fmt: skip


def test_a_lambda_custom_integration_maps_errors_with_selection_patterns(apigw, call, function):
    arn = function("custom", "def handler(event, context):\n"
                             "    if event.get('fail'):\n        raise ValueError('bad input: ' + event['fail'])\n"
                             "    return {'echo': event}\n")
    api = apigw.create_rest_api(name="custom")
    root = api["rootResourceId"]
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="POST", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="POST", type="AWS",
                          integrationHttpMethod="POST", uri=lambda_uri(arn),
                          requestTemplates={"application/json": '{"fail": "$input.params(\'fail\')", "n": $input.json(\'$.n\')}'})
    for status, pattern in (("200", None), ("400", "bad input.*")):
        apigw.put_method_response(restApiId=api["id"], resourceId=root, httpMethod="POST", statusCode=status)
        extra = {"selectionPattern": pattern} if pattern else {}
        apigw.put_integration_response(restApiId=api["id"], resourceId=root, httpMethod="POST", statusCode=status,
                                       responseTemplates={"application/json": "$input.json('$')"}, **extra)
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    ok = call(api["id"], "/dev/", "POST", json={"n": 5})
    assert ok.status_code == 200 and ok.json() == {"echo": {"fail": "", "n": 5}}
    failed = call(api["id"], "/dev/?fail=oops", "POST", json={"n": 1})
    assert failed.status_code == 400 and failed.json()["errorMessage"] == "bad input: oops"


AUTHORIZER = """
def handler(event, context):
    token = event["authorizationToken"]
    if token == "boom":
        raise Exception("Unauthorized")
    effect = "Allow" if token == "allow" else "Deny"
    return {"principalId": "user-1", "context": {"tier": "gold"},
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
"""


def test_a_lambda_authorizer_denies_allows_and_caches_on_the_clock(apigw, call, function, cloudtwin_client):
    arn = function("authz", AUTHORIZER)
    api = apigw.create_rest_api(name="guarded")
    authorizer = apigw.create_authorizer(restApiId=api["id"], name="tok", type="TOKEN", authorizerUri=lambda_uri(arn),
                                         identitySource="method.request.header.Authorization",
                                         authorizerResultTtlInSeconds=300)  # fmt: skip
    root = api["rootResourceId"]
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="CUSTOM",
                     authorizerId=authorizer["id"])
    apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(restApiId=api["id"], resourceId=root, httpMethod="GET", statusCode="200")
    apigw.put_integration_response(restApiId=api["id"], resourceId=root, httpMethod="GET", statusCode="200",
                                   responseTemplates={"application/json": '{"who": "$context.authorizer.principalId", "tier": "$context.authorizer.tier"}'})
    apigw.create_deployment(restApiId=api["id"], stageName="dev")

    missing = call(api["id"], "/dev/")
    assert missing.status_code == 401 and missing.json() == {"message": "Unauthorized"}
    denied = call(api["id"], "/dev/", headers={"Authorization": "deny"})
    assert denied.status_code == 403
    assert denied.json() == {"message": "User is not authorized to access this resource with an explicit deny"}
    assert call(api["id"], "/dev/", headers={"Authorization": "boom"}).status_code == 401
    allowed = call(api["id"], "/dev/", headers={"Authorization": "allow"})
    assert allowed.status_code == 200 and allowed.json() == {"who": "user-1", "tier": "gold"}

    def cached() -> bool:
        call(api["id"], "/dev/", headers={"Authorization": "allow"})
        entries = httpx.get(f"{cloudtwin_client.endpoint}/_cloudtwin/apigateway/requests").json()["requests"]
        return entries[-1]["authorizer"]["cached"]

    assert cached() is True
    cloudtwin_client.advance(301)
    assert cached() is False  # the TTL passed on the virtual clock: the authorizer ran again
    assert cached() is True


def test_api_keys_and_quotas_on_the_clock(apigw, call, cloudtwin_client):
    api_id, _ = _mock_api(apigw, "metered", '{"statusCode": 200}', '{"ok": true}', apiKeyRequired=True)
    key = apigw.create_api_key(name="client", enabled=True)
    plan = apigw.create_usage_plan(name="small", apiStages=[{"apiId": api_id, "stage": "dev"}],
                                   quota={"limit": 2, "period": "DAY"})  # fmt: skip
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    no_key = call(api_id, "/dev/metered", "POST")
    assert no_key.status_code == 403 and no_key.json() == {"message": "Forbidden"}
    headers = {"x-api-key": key["value"]}
    assert [call(api_id, "/dev/metered", "POST", headers=headers).status_code for _ in range(3)] == [200, 200, 429]
    assert call(api_id, "/dev/metered", "POST", headers=headers).json() == {"message": "Limit Exceeded"}
    cloudtwin_client.advance(86400)
    assert call(api_id, "/dev/metered", "POST", headers=headers).status_code == 200


@pytest.fixture
def echo_server():
    class Echo(http.server.BaseHTTPRequestHandler):
        def do_any(self):
            length = int(self.headers.get("content-length") or 0)
            body = json.dumps({"method": self.command, "path": self.path, "body": self.rfile.read(length).decode(),
                               "mapped": self.headers.get("x-mapped")}).encode()  # fmt: skip
            self.send_response(202)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Backend", "echo")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_any

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_an_http_proxy_integration_forwards_to_a_loopback_server(apigw, call, echo_server):
    api = apigw.create_rest_api(name="http")
    resource = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="{proxy+}")
    apigw.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="ANY", authorizationType="NONE",
                     requestParameters={"method.request.path.proxy": True})
    apigw.put_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod="ANY", type="HTTP_PROXY",
                          integrationHttpMethod="ANY", uri=echo_server + "/base/{proxy}",
                          requestParameters={"integration.request.path.proxy": "method.request.path.proxy",
                                             "integration.request.header.x-mapped": "'static'"})  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    response = call(api["id"], "/dev/one/two?z=9", "PUT", content=b"payload")
    assert response.status_code == 202 and response.headers["x-backend"] == "echo"
    assert response.json() == {"method": "PUT", "path": "/base/one/two?z=9", "body": "payload", "mapped": "static"}


OPENAPI = {
    "openapi": "3.0.1",
    "info": {"title": "imported", "version": "1"},
    "paths": {
        "/items/{id}": {
            "get": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {
                    "type": "mock", "passthroughBehavior": "when_no_match",
                    "requestTemplates": {"application/json": '{"statusCode": 200}'},
                    "responses": {"default": {"statusCode": "200", "responseTemplates": {
                        "application/json": '{"id": "$input.params(\'id\')"}'}}},
                },
            }
        }
    },
}


def test_an_imported_openapi_definition_serves_and_exports(apigw, call):
    api = apigw.import_rest_api(body=json.dumps(OPENAPI).encode(), failOnWarnings=True)
    assert api["name"] == "imported"
    paths = sorted(r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"])
    assert paths == ["/", "/items", "/items/{id}"]
    apigw.create_deployment(restApiId=api["id"], stageName="v1")
    assert call(api["id"], "/v1/items/abc").json() == {"id": "abc"}
    exported = json.loads(apigw.get_export(restApiId=api["id"], stageName="v1", exportType="oas30",
                                           parameters={"extensions": "integrations"})["body"].read())
    assert exported["openapi"] == "3.0.1" and exported["info"]["title"] == "imported"
    assert exported["paths"]["/items/{id}"]["get"]["x-amazon-apigateway-integration"]["type"] == "mock"
    with pytest.raises(Exception) as excinfo:
        apigw.import_rest_api(body=b"{'key:value}")
    assert excinfo.value.response["Error"]["Message"] == "Invalid OpenAPI input."


def test_a_canary_takes_its_share_of_the_traffic(apigw, call):
    api_id, _ = _mock_api(apigw, "who", '{"statusCode": 200}', '{"who": "$stageVariables.who"}')
    apigw.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/variables/who", "value": "stable"}])
    assert call(api_id, "/dev/who", "POST").json() == {"who": "stable"}
    apigw.create_deployment(restApiId=api_id, stageName="dev", canarySettings={
        "percentTraffic": 100.0, "stageVariableOverrides": {"who": "canary"}})
    stage = apigw.get_stage(restApiId=api_id, stageName="dev")
    assert stage["canarySettings"]["percentTraffic"] == 100.0 and stage["canarySettings"]["useStageCache"] is False
    assert call(api_id, "/dev/who", "POST").json() == {"who": "canary"}
    apigw.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0"}])
    assert call(api_id, "/dev/who", "POST").json() == {"who": "stable"}
