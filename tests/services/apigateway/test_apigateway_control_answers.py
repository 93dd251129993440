"""Details of REST API control-plane answers as AWS words them: enum value sets in the
order API Gateway lists them, TestInvokeMethod's execution log, GetExport's documents."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def _message(excinfo) -> str:
    return excinfo.value.response["Error"]["Message"]


def test_enum_value_sets_are_listed_in_api_gateways_order(apigw):
    with pytest.raises(ClientError) as excinfo:
        apigw.create_rest_api(name="x", endpointConfiguration={"types": ["wrong"]})
    assert _message(excinfo).endswith("Member must satisfy enum value set: [PRIVATE, EDGE, REGIONAL]]")
    api = apigw.create_rest_api(name="x")
    with pytest.raises(ClientError) as excinfo:
        apigw.update_rest_api(restApiId=api["id"], patchOperations=[{"op": "wrong", "path": "/name", "value": "y"}])
    assert _message(excinfo) == (
        "1 validation error detected: Value 'wrong' at 'updateRestApiInput.patchOperations.1.member.op' failed to "
        "satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]")


def _mock_method(apigw, api_id: str, resource_id: str, verb: str, response_template: str) -> None:
    apigw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=verb, authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod=verb, type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(restApiId=api_id, resourceId=resource_id, httpMethod=verb, statusCode="200")
    apigw.put_integration_response(restApiId=api_id, resourceId=resource_id, httpMethod=verb, statusCode="200",
                                   responseTemplates={"application/json": response_template})


def test_test_invoke_method_answers_the_methods_response_and_its_log(apigw):
    api = apigw.create_rest_api(name="try")
    pet = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="{petId}")
    _mock_method(apigw, api["id"], pet["id"], "POST", '{"petId": "$input.params(\'petId\')"}')
    answer = apigw.test_invoke_method(restApiId=api["id"], resourceId=pet["id"], httpMethod="POST",
                                      pathWithQueryString="/123?foo=bar", body='{"a": 1}')
    assert answer["status"] == 200 and json.loads(answer["body"]) == {"petId": "123"}
    # the method's headers, not the ones the gateway adds on the wire
    assert answer["headers"] == {"Content-Type": "application/json"}
    assert answer["multiValueHeaders"] == {"Content-Type": ["application/json"]}
    lines = [line.split(" : ", 1)[-1] for line in answer["log"].splitlines()]
    assert lines[0] == f"Execution log for request {answer['ResponseMetadata']['RequestId']}"
    assert lines[2:] == [
        "HTTP Method: POST, Resource Path: /123",
        "Method request path: {petId=123}",
        "Method request query string: {foo=bar}",
        "Method request headers: {}",
        'Method request body before transformations: {"a": 1}',
        'Method response body after transformations: {"petId": "123"}',
        "Method response headers: {Content-Type=application/json}",
        "Successfully completed execution",
        "Method completed with status: 200",
    ]


def test_an_export_carries_request_models_and_components(apigw):
    api = apigw.create_rest_api(name="exported")
    apigw.create_model(restApiId=api["id"], name="Pet", contentType="application/json",
                       schema=json.dumps({"type": "object", "properties": {"name": {"type": "string"}}}))
    pets = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="pets")
    _mock_method(apigw, api["id"], pets["id"], "POST", "{}")
    apigw.update_method(restApiId=api["id"], resourceId=pets["id"], httpMethod="POST", patchOperations=[
        {"op": "add", "path": "/requestModels/application~1json", "value": "Pet"}])  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="v1")

    def export(kind: str) -> dict:
        return json.loads(apigw.get_export(restApiId=api["id"], stageName="v1", exportType=kind)["body"].read())

    oas = export("oas30")
    assert oas["paths"]["/pets"]["post"]["requestBody"] == {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}, "required": True}
    assert oas["components"] == {"schemas": {"Pet": {"type": "object", "properties": {"name": {"type": "string"}}}}}
    swagger = export("swagger")
    assert swagger["paths"]["/pets"]["post"]["parameters"] == [
        {"in": "body", "name": "Pet", "required": True, "schema": {"$ref": "#/definitions/Pet"}}]

    bare = apigw.create_rest_api(name="bare")
    _mock_method(apigw, bare["id"], bare["rootResourceId"], "GET", "{}")
    apigw.create_deployment(restApiId=bare["id"], stageName="v1")
    document = json.loads(apigw.get_export(restApiId=bare["id"], stageName="v1", exportType="oas30")["body"].read())
    assert document["components"] == {}  # AWS writes the member even with no models


def test_copy_operations_promote_a_canary(apigw):
    api = apigw.create_rest_api(name="promote")
    _mock_method(apigw, api["id"], api["rootResourceId"], "GET", "{}")
    first = apigw.create_deployment(restApiId=api["id"], stageName="dev", variables={"a": "1", "b": "2"})
    promote = [{"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
               {"op": "copy", "from": "/canarySettings/stageVariableOverrides", "path": "/variables"}]
    with pytest.raises(ClientError) as excinfo:
        apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=promote)
    assert _message(excinfo) == "Promotion not available. Canary does not exist."
    second = apigw.create_deployment(restApiId=api["id"], stageName="dev",
                                     canarySettings={"percentTraffic": 50, "stageVariableOverrides": {"a": "x"}})
    stage = apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "replace", "value": "0.0", "path": "/canarySettings/percentTraffic"}, *promote])
    assert stage["deploymentId"] == second["id"] != first["id"]
    assert stage["variables"] == {"a": "x", "b": "2"}
    assert stage["canarySettings"]["percentTraffic"] == 0.0


def test_a_lambda_authorizer_is_custom_and_its_unset_ttl_is_not_answered(apigw):
    api = apigw.create_rest_api(name="auth")
    authorizer = apigw.create_authorizer(
        restApiId=api["id"], name="lambda", type="TOKEN", identitySource="method.request.header.Auth",
        authorizerUri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations")  # fmt: skip
    assert authorizer["authType"] == "custom" and "authorizerResultTtlInSeconds" not in authorizer


def test_a_model_in_use_names_the_latest_method_using_it(apigw):
    api = apigw.create_rest_api(name="models")
    apigw.create_model(restApiId=api["id"], name="Thing", contentType="application/json", schema='{"type": "object"}')
    apigw.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="ANY", authorizationType="NONE",
                     requestModels={"application/json": "Thing"})
    with pytest.raises(ClientError) as excinfo:
        apigw.delete_model(restApiId=api["id"], modelName="Thing")
    assert _message(excinfo) == "Cannot delete model 'Thing', is referenced in method request: //ANY"
    sub = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="sub")
    apigw.put_method(restApiId=api["id"], resourceId=sub["id"], httpMethod="GET", authorizationType="NONE",
                     requestModels={"application/json": "Thing"})
    with pytest.raises(ClientError) as excinfo:
        apigw.delete_model(restApiId=api["id"], modelName="Thing")
    assert _message(excinfo) == "Cannot delete model 'Thing', is referenced in method request: /sub/GET"
