"""API Gateway's CloudFormation resource handlers: a REST API with a Lambda proxy method,
deployed by a stack and called over HTTP; the other types through the handlers."""

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
          import json
          def handler(event, context):
              return {"statusCode": 200, "body": json.dumps({"path": event["path"]})}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: hello-api
  Items:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: items
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Function.Arn}/invocations
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Function
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/*/*
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Get
    Properties:
      RestApiId: !Ref Api
      StageName: prod
Outputs:
  ApiId: {Value: !Ref Api}
  Root: {Value: !GetAtt Api.RootResourceId}
  DeploymentId: {Value: !Ref Deployment}
"""


def test_stack_rest_api_with_lambda_proxy_is_called(stack, aws_client, call):
    _, out = stack(APP, name="api", Capabilities=["CAPABILITY_IAM"])
    apigw = aws_client("apigateway")
    api = apigw.get_rest_api(restApiId=out["ApiId"])
    assert api["name"] == "hello-api" and api["rootResourceId"] == out["Root"]
    assert apigw.get_stage(restApiId=out["ApiId"], stageName="prod")["deploymentId"] == out["DeploymentId"]
    response = call(out["ApiId"], "/prod/items")
    assert response.status_code == 200 and response.json() == {"path": "/items"}

    cloudformation = aws_client("cloudformation")
    cloudformation.delete_stack(StackName="api")
    cloudformation.get_waiter("stack_delete_complete").wait(StackName="api", WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    with pytest.raises(ClientError):
        apigw.get_rest_api(restApiId=out["ApiId"])


def test_mock_method_stage_keys_plans_validators_models_and_responses(handlers, aws_client):
    apigw = aws_client("apigateway")
    api = handlers.create("AWS::ApiGateway::RestApi", {"Name": "plain", "Tags": [{"Key": "team", "Value": "a"}]})
    api_id = api.physical_id
    root = api.attributes["RootResourceId"]
    validator = handlers.create("AWS::ApiGateway::RequestValidator", {"RestApiId": api_id, "ValidateRequestBody": True})
    model = handlers.create("AWS::ApiGateway::Model", {
        "RestApiId": api_id, "Name": "Item", "ContentType": "application/json", "Schema": {"type": "object"},
    })
    method = handlers.create("AWS::ApiGateway::Method", {
        "RestApiId": api_id, "ResourceId": root, "HttpMethod": "POST", "AuthorizationType": "NONE",
        "RequestValidatorId": validator.physical_id, "RequestModels": {"application/json": "Item"},
        "MethodResponses": [{"StatusCode": "200"}],
        "Integration": {"Type": "MOCK", "RequestTemplates": {"application/json": '{"statusCode": 200}'},
                        "IntegrationResponses": [{"StatusCode": "200", "ResponseTemplates": {"application/json": "{}"}}]},
    })
    got = apigw.get_method(restApiId=api_id, resourceId=root, httpMethod="POST")
    assert got["requestValidatorId"] == validator.physical_id
    assert got["methodIntegration"]["type"] == "MOCK"
    assert got["methodIntegration"]["integrationResponses"]["200"]["responseTemplates"] == {"application/json": "{}"}
    assert apigw.get_model(restApiId=api_id, modelName="Item")["schema"] == '{"type": "object"}'

    deployment = handlers.create("AWS::ApiGateway::Deployment", {"RestApiId": api_id})
    stage = handlers.create("AWS::ApiGateway::Stage", {
        "RestApiId": api_id, "StageName": "dev", "DeploymentId": deployment.physical_id, "Variables": {"a": "1"},
        "MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": True}],
    })
    got = apigw.get_stage(restApiId=api_id, stageName="dev")
    assert got["variables"] == {"a": "1"} and got["methodSettings"]["*/*"]["metricsEnabled"] is True
    stage = handlers.update(stage, {**stage.properties, "Variables": {"b": "2"}, "Description": "d"})
    got = apigw.get_stage(restApiId=api_id, stageName="dev")
    assert got["variables"] == {"b": "2"} and got["description"] == "d"

    key = handlers.create("AWS::ApiGateway::ApiKey", {"Enabled": True, "StageKeys": [{"RestApiId": api_id, "StageName": "dev"}]})
    assert apigw.get_api_key(apiKey=key.physical_id)["enabled"] is True
    plan = handlers.create("AWS::ApiGateway::UsagePlan", {
        "ApiStages": [{"ApiId": api_id, "Stage": "dev"}], "Throttle": {"BurstLimit": 10, "RateLimit": 5},
    })
    assert apigw.get_usage_plan(usagePlanId=plan.physical_id)["throttle"] == {"burstLimit": 10, "rateLimit": 5.0}
    plan_key = handlers.create("AWS::ApiGateway::UsagePlanKey", {
        "UsagePlanId": plan.physical_id, "KeyId": key.physical_id, "KeyType": "API_KEY",
    })
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan.physical_id)["items"]] == [key.physical_id]
    response = handlers.create("AWS::ApiGateway::GatewayResponse", {
        "RestApiId": api_id, "ResponseType": "DEFAULT_4XX", "ResponseParameters": {"gatewayresponse.header.X-A": "'b'"},
    })
    got = apigw.get_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX")
    assert got["responseParameters"] == {"gatewayresponse.header.X-A": "'b'"}

    for resource in (response, plan_key, plan, key, stage, deployment, method, model, validator):
        handlers.delete(resource)
        handlers.delete(resource)
    assert apigw.get_stages(restApiId=api_id)["item"] == []
    assert apigw.get_usage_plans()["items"] == []
    handlers.delete(api)
    handlers.delete(api)
    assert apigw.get_rest_apis()["items"] == []


def test_rest_api_body_keeps_the_template_name_and_tags_follow_updates(handlers, aws_client):
    apigw = aws_client("apigateway")
    body = {"swagger": "2.0", "info": {"title": "Public API", "version": "1.0"},
            "paths": {"/test": {"post": {"responses": {}, "x-amazon-apigateway-integration": {
                "uri": "http://example.com", "httpMethod": "POST", "type": "http_proxy"}}}}}
    api = handlers.create("AWS::ApiGateway::RestApi", {"Name": "mine", "Body": body})
    got = apigw.get_rest_api(restApiId=api.physical_id)
    assert got["name"] == "mine"
    assert sorted(r["path"] for r in apigw.get_resources(restApiId=api.physical_id)["items"]) == ["/", "/test"]
    plan = handlers.create("AWS::ApiGateway::UsagePlan", {
        "Quota": {"Limit": "5", "Period": "MONTH"}, "Tags": [{"Key": "test", "Value": "value1"}],
    })
    assert apigw.get_usage_plan(usagePlanId=plan.physical_id)["quota"] == {"limit": 5, "offset": 0, "period": "MONTH"}
    handlers.update(plan, {**plan.properties, "Tags": [{"Key": "test", "Value": "value-updated"}]})
    assert apigw.get_usage_plan(usagePlanId=plan.physical_id)["tags"]["test"] == "value-updated"


def test_canary_deployment_on_an_existing_stage(handlers, aws_client):
    apigw = aws_client("apigateway")
    api = handlers.create("AWS::ApiGateway::RestApi", {"Name": "canary"})
    handlers.create("AWS::ApiGateway::Method", {
        "RestApiId": api.physical_id, "ResourceId": api.attributes["RootResourceId"], "HttpMethod": "GET",
        "Integration": {"Type": "MOCK"},
    })
    base = handlers.create("AWS::ApiGateway::Deployment", {"RestApiId": api.physical_id, "Description": "basic"})
    handlers.create("AWS::ApiGateway::Stage", {"RestApiId": api.physical_id, "StageName": "prod",
                                               "DeploymentId": base.physical_id})
    canary = handlers.create("AWS::ApiGateway::Deployment", {
        "RestApiId": api.physical_id, "StageName": "prod", "Description": "canary",
        "DeploymentCanarySettings": {"PercentTraffic": 50, "StageVariableOverrides": {"alias": "Dev"}},
    })
    stage = apigw.get_stage(restApiId=api.physical_id, stageName="prod")
    assert stage["deploymentId"] == base.physical_id
    assert stage["canarySettings"] == {"deploymentId": canary.physical_id, "percentTraffic": 50.0,
                                       "stageVariableOverrides": {"alias": "Dev"}, "useStageCache": False}


def test_domain_name_base_path_mapping_vpc_link_and_client_certificate(handlers, aws_client):
    apigw = aws_client("apigateway")
    api = handlers.create("AWS::ApiGateway::RestApi", {"Name": "domains"})
    handlers.create("AWS::ApiGateway::Method", {
        "RestApiId": api.physical_id, "ResourceId": api.attributes["RootResourceId"], "HttpMethod": "GET",
        "Integration": {"Type": "MOCK"},
    })
    handlers.create("AWS::ApiGateway::Deployment", {"RestApiId": api.physical_id, "StageName": "prod"})
    domain = handlers.create("AWS::ApiGateway::DomainName", {
        "DomainName": "api.example.com", "RegionalCertificateArn": "arn:aws:acm:us-east-1:000000000000:certificate/x",
        "EndpointConfiguration": {"Types": ["REGIONAL"]},
    })
    assert domain.physical_id == "api.example.com"
    assert domain.attributes["RegionalDomainName"] == apigw.get_domain_name(domainName="api.example.com")["regionalDomainName"]
    mapping = handlers.create("AWS::ApiGateway::BasePathMapping", {
        "DomainName": "api.example.com", "BasePath": "v1", "RestApiId": api.physical_id, "Stage": "prod",
    })
    assert [m["basePath"] for m in apigw.get_base_path_mappings(domainName="api.example.com")["items"]] == ["v1"]
    link = handlers.create("AWS::ApiGateway::VpcLink", {
        "Name": "link", "TargetArns": ["arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/x/1"],
    })
    assert apigw.get_vpc_link(vpcLinkId=link.physical_id)["name"] == "link"
    certificate = handlers.create("AWS::ApiGateway::ClientCertificate", {"Description": "c"})
    assert apigw.get_client_certificate(clientCertificateId=certificate.physical_id)["description"] == "c"
    for resource in (certificate, link, mapping, domain):
        handlers.delete(resource)
        handlers.delete(resource)
    assert apigw.get_domain_names()["items"] == []
