"""AWS service integrations answering as AWS's do: a Query API (SQS's form requests) answers
JSON to API Gateway unless the integration maps an XML Accept header."""

from __future__ import annotations

import json


def test_a_query_api_answers_json_unless_xml_is_asked_for(apigw, aws_client, call):
    sqs = aws_client("sqs")
    queue_url = sqs.create_queue(QueueName="from-api")["QueueUrl"]
    api = apigw.create_rest_api(name="to-sqs")
    ids = {"restApiId": api["id"], "resourceId": api["rootResourceId"], "httpMethod": "POST"}
    apigw.put_method(**ids, authorizationType="NONE")
    apigw.put_integration(
        **ids, type="AWS", integrationHttpMethod="POST", uri="arn:aws:apigateway:us-east-1:sqs:path/000000000000/from-api",
        requestParameters={"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
        requestTemplates={"application/json": "Action=SendMessage&MessageBody=$input.body"},
    )  # fmt: skip
    apigw.put_method_response(**ids, statusCode="200")
    apigw.put_integration_response(**ids, statusCode="200", responseTemplates={"application/json": (
        '#set($r = $input.path(\'$.SendMessageResponse\'))'
        '{"id": "$r.SendMessageResult.MessageId", "request": "$r.ResponseMetadata.RequestId"}')})
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    answer = call(api["id"], "/dev/", "POST", content=b"<xml>hi</xml>")
    assert answer.status_code == 200, answer.text
    sent = sqs.receive_message(QueueUrl=queue_url)["Messages"][0]
    assert json.loads(answer.text)["id"] == sent["MessageId"] and sent["Body"] == "<xml>hi</xml>"
    assert json.loads(answer.text)["request"]

    apigw.update_integration(**ids, patchOperations=[
        {"op": "add", "path": "/requestParameters/integration.request.header.Accept", "value": "'application/xml'"}])
    apigw.update_integration_response(**ids, statusCode="200", patchOperations=[
        {"op": "remove", "path": "/responseTemplates/application~1json"}])  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    answer = call(api["id"], "/dev/", "POST", content=b"again")
    assert answer.status_code == 200 and answer.text.startswith("<SendMessageResponse")
