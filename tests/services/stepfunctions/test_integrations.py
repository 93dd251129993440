"""Service integrations through cloudtwin's own services: a ``.waitForTaskToken`` round trip
through SQS, nested ``states:startExecution.sync`` / ``.sync:2``, DynamoDB, the generic AWS
SDK integration with its error names, and a real Lambda function as a Task."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from sfn_helpers import finished, history, types

sys.path.insert(0, str(Path(__file__).parents[1] / "lambda_"))
from lambda_helpers import zipped  # noqa: E402


def test_wait_for_task_token_round_trip_through_sqs(sfn, aws_client, machine):
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName="tokens")["QueueUrl"]
    arn = machine({"StartAt": "Send", "States": {"Send": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$.order"}},
        "End": True}}})  # fmt: skip
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"order": 7}))["executionArn"]
    messages = []
    deadline = time.monotonic() + 5
    while not messages and time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=url).get("Messages", [])
    body = json.loads(messages[0]["Body"])
    assert body["order"] == 7
    assert finished(sfn, execution, seconds=0.2)["status"] == "RUNNING"
    sfn.send_task_success(taskToken=body["token"], output=json.dumps({"shipped": True}))
    done = finished(sfn, execution)
    assert json.loads(done["output"]) == {"shipped": True}
    assert types(sfn, execution) == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
                                     "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]
    try:
        sfn.send_task_success(taskToken=body["token"], output="{}")
    except sfn.exceptions.InvalidToken:
        pass
    else:
        raise AssertionError("a used token must be invalid")


def test_nested_sync_executions(sfn, machine):
    child = machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"from": "child"}, "End": True}}})
    parent = machine({"StartAt": "Run", "States": {
        "Run": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": child, "Input": {"x": 1}}, "Next": "Run1"},
        "Run1": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
                 "Parameters": {"StateMachineArn": child, "Input": {"x": 2}}, "ResultPath": "$.v1", "End": True}}})
    execution = sfn.start_execution(stateMachineArn=parent)["executionArn"]
    done = finished(sfn, execution)
    assert done["status"] == "SUCCEEDED", done
    output = json.loads(done["output"])
    assert output["Output"] == {"from": "child"} and output["Status"] == "SUCCEEDED"
    assert output["v1"]["Output"] == '{"from":"child"}'
    assert "TaskSubmitted" in types(sfn, execution)


def test_dynamodb_put_and_get(sfn, aws_client, run):
    ddb = aws_client("dynamodb")
    ddb.create_table(TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    done = run({"StartAt": "Put", "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": "orders", "Item": {"id": {"S": "1"}, "v": {"N.$": "States.JsonToString($.n)"}}},
                "ResultPath": None, "Next": "Get"},
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": "orders", "Key": {"id": {"S": "1"}}}, "End": True}}}, {"n": 5})
    assert json.loads(done["output"])["Item"] == {"id": {"S": "1"}, "v": {"N": "5"}}


def test_aws_sdk_integration_and_error_names(sfn, run):
    done = run({"StartAt": "Create", "States": {
        "Create": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:secretsmanager:createSecret",
                   "Parameters": {"Name": "s1", "SecretString": "v"}, "Next": "Get"},
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
                "Parameters": {"SecretId": "s1"}, "End": True}}})
    assert json.loads(done["output"])["SecretString"] == "v"
    failed = run({"StartAt": "Get", "States": {"Get": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
        "Parameters": {"SecretId": "nope"}, "End": True}}})
    assert failed["error"] == "SecretsManager.ResourceNotFoundException"
    scheduled = [e for e in history(sfn, failed["executionArn"]) if e["type"] == "TaskScheduled"][0]
    assert scheduled["taskScheduledEventDetails"]["resourceType"] == "aws-sdk:secretsmanager"


def test_lambda_function_task(sfn, aws_client, run):
    lam = aws_client("lambda")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "lambda.amazonaws.com"}}]}
    role = aws_client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    code = zipped({"app.py": "def handler(event, context):\n    return {'doubled': event['n'] * 2}\n"})
    function = lam.create_function(FunctionName="double", Runtime="python3.12", Role=role, Handler="app.handler",
                                   Code={"ZipFile": code})["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName="double", WaiterConfig={"Delay": 1})
    done = run({"StartAt": "Direct", "States": {
        "Direct": {"Type": "Task", "Resource": function, "Next": "Optimized"},
        "Optimized": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                      "Parameters": {"FunctionName": "double", "Payload": {"n.$": "$.doubled"}},
                      "ResultSelector": {"value.$": "$.Payload.doubled"}, "End": True}}}, {"n": 3})
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {"value": 12}
    assert types(sfn, done["executionArn"])[2:5] == ["LambdaFunctionScheduled", "LambdaFunctionStarted",
                                                      "LambdaFunctionSucceeded"]


def test_a_sync_task_ends_when_its_token_is_answered(sfn, aws_client, machine):
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName="sync-token")["QueueUrl"]
    child = machine({"StartAt": "Tell", "States": {"Tell": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": url, "MessageBody.$": "$.ParentToken"}, "End": True}}})
    parent = machine({"StartAt": "Run", "States": {"Run": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
        "Parameters": {"StateMachineArn": child, "Input": {"ParentToken.$": "$$.Task.Token"}}, "End": True}}})
    execution = sfn.start_execution(stateMachineArn=parent)["executionArn"]
    messages = []
    deadline = time.monotonic() + 5
    while not messages and time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=url).get("Messages", [])
    sfn.send_task_success(taskToken=messages[0]["Body"], output='"from the child"')  # the parent's token
    done = finished(sfn, execution)
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == "from the child"


def test_apigateway_invoke_calls_a_stage_of_a_rest_api(sfn, aws_client, machine):
    apigw = aws_client("apigateway")
    api = apigw.create_rest_api(name="orders")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    resource = apigw.create_resource(restApiId=api, parentId=root, pathPart="orders")["id"]
    apigw.put_method(restApiId=api, resourceId=resource, httpMethod="POST", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=resource, httpMethod="POST", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(restApiId=api, resourceId=resource, httpMethod="POST", statusCode="200")
    apigw.put_integration_response(restApiId=api, resourceId=resource, httpMethod="POST", statusCode="200",
                                   responseTemplates={"application/json": '{"accepted": true}'})
    apigw.create_deployment(restApiId=api, stageName="prod")
    invoke = {"Type": "Task", "Resource": "arn:aws:states:::apigateway:invoke", "End": True,
              "Parameters": {"ApiEndpoint": f"{api}.execute-api.us-east-1.amazonaws.com", "Method": "POST",
                             "Stage": "prod", "Path.$": "$.path", "RequestBody": {"n": 1},
                             "Headers": {"x-order": ["7"]}}}
    arn = machine({"StartAt": "Call", "States": {"Call": invoke}})

    done = finished(sfn, sfn.start_execution(stateMachineArn=arn, input='{"path": "orders"}')["executionArn"])
    assert done["status"] == "SUCCEEDED", done
    output = json.loads(done["output"])
    assert output["StatusCode"] == 200 and output["StatusText"] == "OK"
    assert output["ResponseBody"] == {"accepted": True}
    assert output["Headers"]["Content-Type"] == ["application/json"]
    assert output["Headers"]["X-Cache"] == ["Miss from cloudfront"]

    failed = finished(sfn, sfn.start_execution(stateMachineArn=arn, input='{"path": "nowhere"}')["executionArn"])
    assert failed["status"] == "FAILED" and failed["error"] == "ApiGateway.403"
    assert json.loads(failed["cause"]) == {"message": "Missing Authentication Token"}


def test_an_oversize_task_result_is_a_task_failure_catch_all_takes(sfn, machine):
    big = "x" * 262144
    arn = machine({"StartAt": "Make", "States": {
        "Make": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeStateMachine",
                 "Parameters": {"StateMachineArn.$": "$.arn"}, "ResultSelector": {"v.$": "$.Definition"},
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": True},
        "Caught": {"Type": "Pass", "End": True}}})
    big_machine = machine({"StartAt": "P", "Comment": big, "States": {"P": {"Type": "Pass", "End": True}}})
    done = finished(sfn, sfn.start_execution(stateMachineArn=arn, input=json.dumps({"arn": big_machine}))[
        "executionArn"])
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"])["Error"] == "States.DataLimitExceeded"
    assert "TaskFailed" in types(sfn, done["executionArn"])
