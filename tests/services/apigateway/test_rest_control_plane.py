"""REST APIs' control plane with real boto3 clients: resources, methods, integrations,
models, validators, stages and deployments, API keys and usage plans — and AWS's answers
to bad input."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def _error(excinfo) -> tuple[str, str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_a_rest_api_has_a_root_resource_and_default_models(apigw):
    api = apigw.create_rest_api(name="pets", endpointConfiguration={"types": ["REGIONAL"]})
    assert api["apiKeySource"] == "HEADER" and api["endpointConfiguration"] == {"types": ["REGIONAL"], "ipAddressType": "ipv4"}
    assert apigw.get_resources(restApiId=api["id"])["items"] == [{"id": api["rootResourceId"], "path": "/"}]
    assert [m["name"] for m in apigw.get_models(restApiId=api["id"])["items"]] == ["Empty", "Error"]
    assert [a["id"] for a in apigw.get_rest_apis()["items"]] == [api["id"]]
    apigw.delete_rest_api(restApiId=api["id"])
    with pytest.raises(ClientError) as excinfo:
        apigw.get_rest_api(restApiId=api["id"])
    assert _error(excinfo) == ("NotFoundException", f"Invalid API identifier specified 000000000000:{api['id']}", 404)


def test_bad_rest_api_input_gets_aws_answers(apigw):
    with pytest.raises(ClientError) as excinfo:
        apigw.create_rest_api(name="x", endpointConfiguration={"types": ["EDGE", "REGIONAL"]})
    assert _error(excinfo) == ("BadRequestException", "Cannot create an api with multiple Endpoint Types.", 400)
    with pytest.raises(ClientError) as excinfo:
        apigw.create_rest_api(name="x", endpointConfiguration={"types": ["wrong"]})
    code, message, _ = _error(excinfo)
    assert code == "ValidationException" and "'createRestApiInput.endpointConfiguration.types'" in message
    api = apigw.create_rest_api(name="x")
    with pytest.raises(ClientError) as excinfo:
        apigw.update_rest_api(restApiId=api["id"], patchOperations=[
            {"op": "replace", "path": "/minimumCompressionSize", "value": "-1"}])
    assert _error(excinfo)[1] == "Invalid minimum compression size, must be between 0 and 10485760"
    updated = apigw.update_rest_api(restApiId=api["id"], patchOperations=[
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "add", "path": "/binaryMediaTypes/image~1png"},
    ])  # fmt: skip
    assert updated["name"] == "renamed" and updated["binaryMediaTypes"] == ["image/png"]


def test_resources_nest_move_and_refuse_duplicates(apigw):
    api = apigw.create_rest_api(name="tree")
    root = api["rootResourceId"]
    pets = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="pets")
    pet = apigw.create_resource(restApiId=api["id"], parentId=pets["id"], pathPart="{id}")
    assert pet["path"] == "/pets/{id}"
    with pytest.raises(ClientError) as excinfo:
        apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="pets")
    assert _error(excinfo) == ("ConflictException", "Another resource with the same parent already has this name: pets", 409)
    moved = apigw.update_resource(restApiId=api["id"], resourceId=pets["id"], patchOperations=[
        {"op": "replace", "path": "/pathPart", "value": "dogs"}])
    assert moved["path"] == "/dogs"
    assert apigw.get_resource(restApiId=api["id"], resourceId=pet["id"])["path"] == "/dogs/{id}"
    with pytest.raises(ClientError) as excinfo:
        apigw.update_resource(restApiId=api["id"], resourceId=pets["id"], patchOperations=[
            {"op": "replace", "path": "/parentId", "value": pet["id"]}])
    assert _error(excinfo)[1] == "Resources cannot be cyclical."
    apigw.delete_resource(restApiId=api["id"], resourceId=pets["id"])
    assert len(apigw.get_resources(restApiId=api["id"])["items"]) == 1  # the child went with it


def test_methods_integrations_and_their_responses(apigw):
    api = apigw.create_rest_api(name="m")
    root = api["rootResourceId"]
    with pytest.raises(ClientError) as excinfo:
        apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="CUSTOM")
    assert "requires a valid authorizer" in _error(excinfo)[1]
    method = apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE",
                              requestParameters={"method.request.querystring.q": True})  # fmt: skip
    assert method["apiKeyRequired"] is False
    with pytest.raises(ClientError) as excinfo:
        apigw.get_integration(restApiId=api["id"], resourceId=root, httpMethod="GET")
    assert _error(excinfo) == ("NotFoundException", "Invalid Integration identifier specified", 404)
    with pytest.raises(ClientError) as excinfo:
        apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="HTTP", uri="http://x")
    assert _error(excinfo)[1] == "Enumeration value for HttpMethod must be non-empty"
    integration = apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK",
                                        requestTemplates={"application/json": '{"statusCode": 200}'})  # fmt: skip
    assert integration["passthroughBehavior"] == "WHEN_NO_MATCH" and integration["timeoutInMillis"] == 29000
    apigw.put_method_response(restApiId=api["id"], resourceId=root, httpMethod="GET", statusCode="200")
    apigw.put_integration_response(restApiId=api["id"], resourceId=root, httpMethod="GET", statusCode="200",
                                   selectionPattern="")  # fmt: skip
    got = apigw.get_method(restApiId=api["id"], resourceId=root, httpMethod="GET")
    assert got["methodResponses"] == {"200": {"statusCode": "200"}}
    assert got["methodIntegration"]["integrationResponses"]["200"]["statusCode"] == "200"
    updated = apigw.update_method(restApiId=api["id"], resourceId=root, httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/apiKeyRequired", "value": "true"}])
    assert updated["apiKeyRequired"] is True
    with pytest.raises(ClientError) as excinfo:
        apigw.update_method(restApiId=api["id"], resourceId=root, httpMethod="GET", patchOperations=[
            {"op": "add", "path": "/httpMethod", "value": "PUT"}])
    assert _error(excinfo)[1] == "Invalid patch operation specified. Must be one of: [replace]" or \
        _error(excinfo)[1] == "Invalid patch path /httpMethod"
    apigw.delete_method(restApiId=api["id"], resourceId=root, httpMethod="GET")
    with pytest.raises(ClientError) as excinfo:
        apigw.get_method(restApiId=api["id"], resourceId=root, httpMethod="GET")
    assert _error(excinfo) == ("NotFoundException", "Invalid Method identifier specified", 404)


def test_models_in_use_cannot_be_deleted(apigw):
    api = apigw.create_rest_api(name="models")
    root = api["rootResourceId"]
    apigw.create_model(restApiId=api["id"], name="Pet", contentType="application/json",
                       schema=json.dumps({"type": "object", "properties": {"name": {"type": "string"}}}))
    with pytest.raises(ClientError) as excinfo:
        apigw.create_model(restApiId=api["id"], name="Pet", contentType="application/json", schema="{}")
    assert _error(excinfo) == ("ConflictException", "Model name already exists for this REST API", 409)
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="POST", authorizationType="NONE",
                     requestModels={"application/json": "Pet"})
    with pytest.raises(ClientError) as excinfo:
        apigw.delete_model(restApiId=api["id"], modelName="Pet")
    assert _error(excinfo)[1] == "Cannot delete model 'Pet', is referenced in method request: //POST"


def test_stages_deployments_and_method_settings(apigw):
    api = apigw.create_rest_api(name="stages")
    root = api["rootResourceId"]
    with pytest.raises(ClientError) as excinfo:
        apigw.create_deployment(restApiId=api["id"], stageName="dev")
    assert _error(excinfo)[1] == "The REST API doesn't contain any methods"
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK")
    deployment = apigw.create_deployment(restApiId=api["id"], stageName="dev", variables={"color": "red"})
    stage = apigw.get_stage(restApiId=api["id"], stageName="dev")
    assert stage["deploymentId"] == deployment["id"] and stage["variables"] == {"color": "red"}
    updated = apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "123"},
        {"op": "replace", "path": "/variables/color", "value": "blue"},
        {"op": "replace", "path": "/description", "value": "d"},
    ])  # fmt: skip
    assert updated["methodSettings"]["*/*"]["throttlingBurstLimit"] == 123
    assert updated["variables"] == {"color": "blue"} and updated["description"] == "d"
    with pytest.raises(ClientError) as excinfo:
        apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
            {"op": "replace", "path": "/tags/x", "value": "1"}])
    assert _error(excinfo)[1].startswith("Invalid method setting path: /tags/x. Must be one of: [/deploymentId,")
    with pytest.raises(ClientError) as excinfo:
        apigw.delete_deployment(restApiId=api["id"], deploymentId=deployment["id"])
    assert _error(excinfo)[1] == "Active stages pointing to this deployment must be moved or deleted"


def test_api_keys_and_usage_plans(apigw):
    with pytest.raises(ClientError) as excinfo:
        apigw.create_api_key(value="short")
    assert _error(excinfo)[1] == "API Key value should be at least 20 characters"
    key = apigw.create_api_key(name="k", enabled=True)
    assert len(key["value"]) >= 20
    assert "value" not in apigw.get_api_key(apiKey=key["id"])
    assert apigw.get_api_key(apiKey=key["id"], includeValue=True)["value"] == key["value"]
    plan = apigw.create_usage_plan(name="p", throttle={"rateLimit": 10, "burstLimit": 20},
                                   quota={"limit": 2, "period": "DAY"})  # fmt: skip
    assert plan["throttle"] == {"burstLimit": 20, "rateLimit": 10.0}
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]] == [key["id"]]
    with pytest.raises(ClientError) as excinfo:
        apigw.get_usage_plan(usagePlanId="nope")
    assert _error(excinfo)[2] == 404


def test_tags_on_apis_and_stages(apigw):
    api = apigw.create_rest_api(name="tagged", tags={"a": "1"})
    arn = f"arn:aws:apigateway:us-east-1::/restapis/{api['id']}"
    apigw.tag_resource(resourceArn=arn, tags={"b": "2"})
    apigw.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert apigw.get_tags(resourceArn=arn)["tags"] == {"b": "2"}
    assert apigw.get_rest_api(restApiId=api["id"])["tags"] == {"b": "2"}


def test_test_invoke_method_runs_the_current_api(apigw):
    api = apigw.create_rest_api(name="try")
    root = api["rootResourceId"]
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(restApiId=api["id"], resourceId=root, httpMethod="GET", statusCode="200")
    apigw.put_integration_response(restApiId=api["id"], resourceId=root, httpMethod="GET", statusCode="200",
                                   responseTemplates={"application/json": '{"q": "$input.params(\'q\')"}'})
    answer = apigw.test_invoke_method(restApiId=api["id"], resourceId=root, httpMethod="GET",
                                      pathWithQueryString="/?q=1")  # no deployment needed
    assert answer["status"] == 200 and json.loads(answer["body"]) == {"q": "1"}
    assert "HTTP Method: GET, Resource Path: /" in answer["log"]
    with pytest.raises(ClientError) as excinfo:
        apigw.test_invoke_method(restApiId=api["id"], resourceId=root, httpMethod="HEAD")
    assert _error(excinfo) == ("NotFoundException", "Invalid Method identifier specified", 404)
