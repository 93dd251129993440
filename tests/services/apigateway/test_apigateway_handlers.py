"""The CloudFormation handlers of API Gateway resources, driven as the engine drives them
(a ResourceRequest per resource, through the internal client), then the deployed API
called over HTTP."""

from __future__ import annotations

from cloudtwin.deployment.discovery import handlers
from cloudtwin.deployment.handler import ResourceRequest


def _request(server, logical_id: str, resource_type: str, properties: dict, physical_id: str | None = None):
    env = server.app.services.env
    return ResourceRequest(logical_id, resource_type, properties, "stack", "stack-id", "000000000000",
                           "us-east-1", env.internal, env.clock, physical_id=physical_id)  # fmt: skip


def test_a_stack_of_rest_api_resources_serves_requests(server, call, apigw):
    found = handlers()

    def create(logical_id: str, kind: str, properties: dict):
        return found[kind]().create(_request(server, logical_id, kind, properties))

    api = create("Api", "AWS::ApiGateway::RestApi", {"Name": "from-cfn", "Tags": [{"Key": "k", "Value": "v"}]})
    resource = create("Hello", "AWS::ApiGateway::Resource",
                      {"RestApiId": api.physical_id, "ParentId": api.attributes["RootResourceId"], "PathPart": "hello"})
    create("HelloGet", "AWS::ApiGateway::Method", {
        "RestApiId": api.physical_id, "ResourceId": resource.physical_id, "HttpMethod": "GET",
        "AuthorizationType": "NONE", "MethodResponses": [{"StatusCode": "200"}],
        "Integration": {"Type": "MOCK", "RequestTemplates": {"application/json": '{"statusCode": 200}'},
                        "IntegrationResponses": [{"StatusCode": "200",
                                                  "ResponseTemplates": {"application/json": '{"from": "cfn"}'}}]},
    })  # fmt: skip
    create("Deployment", "AWS::ApiGateway::Deployment", {"RestApiId": api.physical_id, "StageName": "prod"})
    assert apigw.get_rest_api(restApiId=api.physical_id)["tags"] == {"k": "v"}
    assert call(api.physical_id, "/prod/hello").json() == {"from": "cfn"}
    found["AWS::ApiGateway::RestApi"]().delete(_request(server, "Api", "AWS::ApiGateway::RestApi", {}, api.physical_id))
    assert call(api.physical_id, "/prod/hello").status_code == 404


def test_http_api_resources_from_a_template(server, call, function):
    arn = function("cfn-http-echo", "def handler(e, c):\n    return {'statusCode': 200, 'body': e['routeKey']}\n")
    found = handlers()

    def create(logical_id: str, kind: str, properties: dict):
        return found[kind]().create(_request(server, logical_id, kind, properties))

    api = create("Api", "AWS::ApiGatewayV2::Api", {"Name": "cfn-http", "ProtocolType": "HTTP"})
    assert api.attributes["ApiEndpoint"].endswith(f"{api.physical_id}.execute-api.localhost.localstack.cloud:"
                                                  f"{server.config.port}")
    integration = create("Integration", "AWS::ApiGatewayV2::Integration", {
        "ApiId": api.physical_id, "IntegrationType": "AWS_PROXY", "IntegrationUri": arn, "PayloadFormatVersion": "2.0"})
    create("Route", "AWS::ApiGatewayV2::Route", {"ApiId": api.physical_id, "RouteKey": "GET /hi",
                                                 "Target": f"integrations/{integration.physical_id}"})
    create("Stage", "AWS::ApiGatewayV2::Stage", {"ApiId": api.physical_id, "StageName": "$default", "AutoDeploy": True})
    response = call(api.physical_id, "/hi")
    assert response.status_code == 200 and response.text == "GET /hi"
