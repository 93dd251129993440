"""A function's output in CloudWatch Logs, and Logs subscription filters delivering to a
function with the gzip'd payload AWS sends."""

from __future__ import annotations

import json

from lambda_helpers import eventually, invoke_json


def test_invocations_write_their_log_to_the_function_log_group(lam, deploy, aws_client):
    deploy("chatty", {"app.py": "def handler(e, c):\n    print('first line')\n    print('second line')\n    return 1\n"})
    response, _ = invoke_json(lam, "chatty")
    request_id = response["ResponseMetadata"]["RequestId"]
    logs = aws_client("logs")
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/chatty")["logStreams"]
    assert len(streams) == 1
    assert "/[$LATEST]" in streams[0]["logStreamName"]
    events = logs.get_log_events(logGroupName="/aws/lambda/chatty", logStreamName=streams[0]["logStreamName"], startFromHead=True)["events"]
    messages = [e["message"] for e in events]
    assert messages[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert messages[1:3] == ["first line", "second line"]
    assert messages[3] == f"END RequestId: {request_id}"
    assert messages[4].startswith(f"REPORT RequestId: {request_id}")
    found = logs.filter_log_events(logGroupName="/aws/lambda/chatty", filterPattern='"second line"')["events"]
    assert [e["message"] for e in found] == ["second line"]


def test_a_subscription_filter_delivers_gzipped_events_to_a_function(lam, deploy, aws_client):
    sink = """
import base64, gzip, json, boto3
def handler(event, context):
    doc = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    boto3.client("sqs").send_message(QueueUrl=boto3.client("sqs").get_queue_url(QueueName="seen")["QueueUrl"],
                                     MessageBody=json.dumps(doc))
"""
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName="seen")["QueueUrl"]
    arn = deploy("log-sink", {"app.py": sink})["FunctionArn"]
    logs = aws_client("logs")
    logs.create_log_group(logGroupName="app")
    logs.create_log_stream(logGroupName="app", logStreamName="web")
    import pytest
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as err:  # no permission for CloudWatch Logs yet
        logs.put_subscription_filter(logGroupName="app", filterName="errors", filterPattern="ERROR", destinationArn=arn)
    assert "Make sure you have given CloudWatch Logs permission" in err.value.response["Error"]["Message"]
    lam.add_permission(FunctionName="log-sink", StatementId="logs", Action="lambda:InvokeFunction", Principal="logs.amazonaws.com")
    logs.put_subscription_filter(logGroupName="app", filterName="errors", filterPattern="ERROR", destinationArn=arn)
    import time

    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName="app", logStreamName="web", logEvents=[
        {"timestamp": now, "message": "INFO fine"}, {"timestamp": now + 1, "message": "ERROR broken"}])

    def received():
        return sqs.receive_message(QueueUrl=url).get("Messages")

    messages = eventually(received)
    doc = json.loads(messages[0]["Body"])
    assert doc["messageType"] == "DATA_MESSAGE"
    assert doc["logGroup"] == "app" and doc["logStream"] == "web"
    assert doc["subscriptionFilters"] == ["errors"] and doc["owner"] == "000000000000"
    assert [e["message"] for e in doc["logEvents"]] == ["ERROR broken"]


def test_all_output_printed_before_the_answer_is_in_the_invocation_log(lam, deploy, aws_client):
    deploy("verbose", {"app.py": "def handler(e, c):\n    for i in range(3000):\n        print('line', i, 'x' * 40)\n"
                                  "    raise ValueError('after printing')\n"})  # fmt: skip
    for _ in range(3):
        response, _ = invoke_json(lam, "verbose")
        assert response["FunctionError"] == "Unhandled"
    logs = aws_client("logs")
    stream = logs.describe_log_streams(logGroupName="/aws/lambda/verbose")["logStreams"][0]["logStreamName"]
    messages, token = [], None
    while True:
        page = logs.get_log_events(logGroupName="/aws/lambda/verbose", logStreamName=stream, startFromHead=True,
                                   **({"nextToken": token} if token else {}))  # fmt: skip
        messages += [e["message"] for e in page["events"]]
        if page["nextForwardToken"] == token:
            break
        token = page["nextForwardToken"]
    starts = [i for i, m in enumerate(messages) if m.startswith("START RequestId:")]
    ends = [i for i, m in enumerate(messages) if m.startswith("END RequestId:")]
    assert len(starts) == len(ends) == 3
    for start, end in zip(starts, ends):
        assert sum(m.startswith("line ") for m in messages[start:end]) == 3000
