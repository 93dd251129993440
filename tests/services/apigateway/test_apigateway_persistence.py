"""With --data-dir, REST APIs (with their deployed stages, keys and usage counted so far)
and HTTP APIs survive a restart, and keep serving requests."""

import boto3
import httpx

from cloudtwin.config import Config
from cloudtwin.testing.server import ServerThread, free_port


def _client(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip


def test_apis_survive_a_restart(tmp_path):
    data_dir = str(tmp_path / "state")
    with ServerThread(Config(port=free_port(), log_level="warning", data_dir=data_dir)) as server:
        apigw = _client("apigateway", server.endpoint)
        api = apigw.create_rest_api(name="kept")
        root = api["rootResourceId"]
        apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE",
                         apiKeyRequired=True)
        apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 200}'})
        apigw.put_method_response(restApiId=api["id"], resourceId=root, httpMethod="GET", statusCode="200")
        apigw.put_integration_response(restApiId=api["id"], resourceId=root, httpMethod="GET", statusCode="200",
                                       responseTemplates={"application/json": '{"stage": "$context.stage"}'})
        apigw.create_deployment(restApiId=api["id"], stageName="live")
        key = apigw.create_api_key(name="k", enabled=True)
        plan = apigw.create_usage_plan(name="p", apiStages=[{"apiId": api["id"], "stage": "live"}],
                                       quota={"limit": 1, "period": "DAY"})  # fmt: skip
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        url = f"{server.endpoint}/restapis/{api['id']}/live/_user_request_/"
        assert httpx.get(url, headers={"x-api-key": key["value"]}).json() == {"stage": "live"}
        http_api = _client("apigatewayv2", server.endpoint).create_api(Name="h", ProtocolType="HTTP")["ApiId"]
    with ServerThread(Config(port=free_port(), log_level="warning", data_dir=data_dir)) as server:
        apigw = _client("apigateway", server.endpoint)
        assert apigw.get_stage(restApiId=api["id"], stageName="live")["stageName"] == "live"
        url = f"{server.endpoint}/restapis/{api['id']}/live/_user_request_/"
        assert httpx.get(url, headers={"x-api-key": key["value"]}).status_code == 429  # the quota was used up
        assert _client("apigatewayv2", server.endpoint).get_api(ApiId=http_api)["Name"] == "h"
