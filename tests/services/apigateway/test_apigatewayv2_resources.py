"""API Gateway's HTTP API CloudFormation handlers (``AWS::ApiGatewayV2::*``): an HTTP API
with a Lambda proxy route deployed by a stack and called over HTTP."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

APP = """
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
  Function:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              return {"statusCode": 200, "body": event["rawPath"]}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: http-api
      ProtocolType: HTTP
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt Function.Arn
      PayloadFormatVersion: '2.0'
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: GET /hello
      Target: !Sub integrations/${Integration}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Api
      StageName: $default
      AutoDeploy: true
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Function
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
Outputs:
  ApiId: {Value: !Ref Api}
  Endpoint: {Value: !GetAtt Api.ApiEndpoint}
  RouteId: {Value: !Ref Route}
  Stage: {Value: !Ref Stage}
"""


def test_stack_http_api_with_lambda_route_is_called(stack, aws_client, call):
    _, out = stack(APP, name="http", Capabilities=["CAPABILITY_IAM"])
    apigw = aws_client("apigatewayv2")
    api = apigw.get_api(ApiId=out["ApiId"])
    assert api["Name"] == "http-api" and api["ApiEndpoint"] == out["Endpoint"]
    assert apigw.get_route(ApiId=out["ApiId"], RouteId=out["RouteId"])["RouteKey"] == "GET /hello"
    assert out["Stage"] == "$default"
    response = call(out["ApiId"], "/hello")
    assert response.status_code == 200 and response.text == "/hello"

    cloudformation = aws_client("cloudformation")
    cloudformation.delete_stack(StackName="http")
    cloudformation.get_waiter("stack_delete_complete").wait(StackName="http", WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    with pytest.raises(ClientError):
        apigw.get_api(ApiId=out["ApiId"])


def test_route_update_and_deployment(handlers, aws_client):
    apigw = aws_client("apigatewayv2")
    api = handlers.create("AWS::ApiGatewayV2::Api", {"Name": "plain", "ProtocolType": "HTTP"})
    assert api.attributes["ExecuteApiArn"].endswith(f":{api.physical_id}")
    integration = handlers.create("AWS::ApiGatewayV2::Integration", {
        "ApiId": api.physical_id, "IntegrationType": "HTTP_PROXY", "IntegrationMethod": "GET",
        "IntegrationUri": "https://example.com", "PayloadFormatVersion": "1.0",
    })
    route = handlers.create("AWS::ApiGatewayV2::Route", {
        "ApiId": api.physical_id, "RouteKey": "GET /a", "Target": f"integrations/{integration.physical_id}",
    })
    handlers.update(route, {**route.properties, "RouteKey": "GET /b"})
    assert apigw.get_route(ApiId=api.physical_id, RouteId=route.physical_id)["RouteKey"] == "GET /b"
    stage = handlers.create("AWS::ApiGatewayV2::Stage", {"ApiId": api.physical_id, "StageName": "dev"})
    deployment = handlers.create("AWS::ApiGatewayV2::Deployment", {"ApiId": api.physical_id, "StageName": "dev"})
    assert apigw.get_stage(ApiId=api.physical_id, StageName="dev")["DeploymentId"] == deployment.physical_id
    for resource in (deployment, stage, route, integration, api):
        handlers.delete(resource)
        handlers.delete(resource)
    assert apigw.get_apis()["Items"] == []


def test_websocket_responses_model_domain_mapping_and_vpc_link(handlers, aws_client):
    apigw = aws_client("apigatewayv2")
    api = handlers.create("AWS::ApiGatewayV2::Api", {
        "Name": "ws", "ProtocolType": "WEBSOCKET", "RouteSelectionExpression": "$request.body.action",
    })
    api_id = api.physical_id
    integration = handlers.create("AWS::ApiGatewayV2::Integration", {"ApiId": api_id, "IntegrationType": "MOCK"})
    route = handlers.create("AWS::ApiGatewayV2::Route", {
        "ApiId": api_id, "RouteKey": "$default", "Target": f"integrations/{integration.physical_id}",
    })
    route_response = handlers.create("AWS::ApiGatewayV2::RouteResponse", {
        "ApiId": api_id, "RouteId": route.physical_id, "RouteResponseKey": "$default",
    })
    integration_response = handlers.create("AWS::ApiGatewayV2::IntegrationResponse", {
        "ApiId": api_id, "IntegrationId": integration.physical_id, "IntegrationResponseKey": "$default",
    })
    model = handlers.create("AWS::ApiGatewayV2::Model", {
        "ApiId": api_id, "Name": "Item", "ContentType": "application/json", "Schema": {"type": "object"},
    })
    assert apigw.get_model(ApiId=api_id, ModelId=model.physical_id)["Schema"] == '{"type": "object"}'
    assert apigw.get_route_response(ApiId=api_id, RouteId=route.physical_id,
                                    RouteResponseId=route_response.physical_id)["RouteResponseKey"] == "$default"
    stage = handlers.create("AWS::ApiGatewayV2::Stage", {"ApiId": api_id, "StageName": "prod"})
    domain = handlers.create("AWS::ApiGatewayV2::DomainName", {
        "DomainName": "api.example.com",
        "DomainNameConfigurations": [{"CertificateArn": "arn:aws:acm:us-east-1:000000000000:certificate/x",
                                      "EndpointType": "REGIONAL"}],
    })
    assert domain.attributes["RegionalDomainName"]
    mapping = handlers.create("AWS::ApiGatewayV2::ApiMapping", {
        "ApiId": api_id, "DomainName": "api.example.com", "Stage": "prod",
    })
    assert [m["ApiMappingId"] for m in apigw.get_api_mappings(DomainName="api.example.com")["Items"]] == [mapping.physical_id]
    link = handlers.create("AWS::ApiGatewayV2::VpcLink", {"Name": "link", "SubnetIds": ["subnet-1"]})
    assert apigw.get_vpc_link(VpcLinkId=link.physical_id)["Name"] == "link"
    for resource in (link, mapping, domain, stage, model, integration_response, route_response, route, integration, api):
        handlers.delete(resource)
        handlers.delete(resource)
    assert apigw.get_domain_names()["Items"] == []
