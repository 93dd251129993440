"""Custom resources: backed by a real Lambda function answering through the presigned
response URL (as ``cfn-response`` does), and backed by an SNS topic answered by whoever
reads the request; a FAILED answer fails the stack with the function's reason."""

from __future__ import annotations

import io
import json
import time
import urllib.request
import zipfile

from cfn_helpers import outputs

WAIT = {"Delay": 1, "MaxAttempts": 30}
RESPONDER = '''
import json, urllib.request

def handler(event, context):
    props = event["ResourceProperties"]
    status = "FAILED" if props.get("Fail") == "yes" else "SUCCESS"
    body = {
        "Status": status, "Reason": "asked to fail" if status == "FAILED" else "ok",
        "PhysicalResourceId": event.get("PhysicalResourceId") or "custom-" + props["Name"],
        "StackId": event["StackId"], "RequestId": event["RequestId"], "LogicalResourceId": event["LogicalResourceId"],
        "Data": {"Greeting": "hello " + props["Name"], "Type": event["RequestType"]},
    }
    request = urllib.request.Request(event["ResponseURL"], data=json.dumps(body).encode(), method="PUT",
                                     headers={"content-type": ""})
    urllib.request.urlopen(request).read()
'''


TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _function(aws_client) -> str:
    role = aws_client("iam").create_role(RoleName="responder", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", RESPONDER)
    arn = aws_client("lambda").create_function(
        FunctionName="responder", Runtime="python3.12", Handler="index.handler",
        Role=role, Code={"ZipFile": buffer.getvalue()},
    )["FunctionArn"]  # fmt: skip
    aws_client("lambda").get_waiter("function_active_v2").wait(FunctionName="responder", WaiterConfig={"Delay": 1})
    return arn


def _template(token: str, **properties: str) -> dict:
    return {
        "Resources": {"Thing": {"Type": "Custom::Thing", "Properties": {"ServiceToken": token, **properties}}},
        "Outputs": {"Greeting": {"Value": {"Fn::GetAtt": ["Thing", "Greeting"]}}, "Id": {"Value": {"Ref": "Thing"}}},
    }


def test_lambda_backed_custom_resource(deploy, cfn, aws_client):
    arn = _function(aws_client)
    stack = deploy("custom", _template(arn, Name="world"), wait=None)
    cfn.get_waiter("stack_create_complete").wait(StackName="custom", WaiterConfig=WAIT)
    stack = cfn.describe_stacks(StackName="custom")["Stacks"][0]
    assert outputs(stack) == {"Greeting": "hello world", "Id": "custom-world"}
    cfn.delete_stack(StackName="custom")
    cfn.get_waiter("stack_delete_complete").wait(StackName="custom", WaiterConfig=WAIT)


def test_failed_answer_fails_the_stack(deploy, cfn, aws_client):
    arn = _function(aws_client)
    deploy("refused", _template(arn, Name="x", Fail="yes"), wait=None)
    deadline = time.monotonic() + 30
    while cfn.describe_stacks(StackName="refused")["Stacks"][0]["StackStatus"].endswith("IN_PROGRESS"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    events = cfn.describe_stack_events(StackName="refused")["StackEvents"]
    failed = next(e for e in events if e["ResourceStatus"] == "CREATE_FAILED")
    assert failed["ResourceStatusReason"] == (
        "Received response status [FAILED] from custom resource. Message returned: asked to fail"
    )


def test_sns_backed_custom_resource(deploy, cfn, aws_client):
    sqs, sns = aws_client("sqs"), aws_client("sns")
    url = sqs.create_queue(QueueName="requests")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name="custom-requests")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    deploy("bysns", _template(topic, Name="sns"), wait=None)
    message = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]
    event = json.loads(message["Body"])
    assert event["RequestType"] == "Create" and event["ResourceProperties"]["Name"] == "sns"
    answer = {"Status": "SUCCESS", "PhysicalResourceId": "from-sns", "StackId": event["StackId"],
              "RequestId": event["RequestId"], "LogicalResourceId": "Thing", "Data": {"Greeting": "hi"}}  # fmt: skip
    urllib.request.urlopen(urllib.request.Request(event["ResponseURL"], data=json.dumps(answer).encode(), method="PUT"))
    cfn.get_waiter("stack_create_complete").wait(StackName="bysns", WaiterConfig=WAIT)
    assert outputs(cfn.describe_stacks(StackName="bysns")["Stacks"][0]) == {"Greeting": "hi", "Id": "from-sns"}
