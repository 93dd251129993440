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
