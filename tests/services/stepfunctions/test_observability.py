"""What executions show outside the API: EventBridge status change events, the
introspection endpoint, and AWS's answer to an oversize input."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError
from sfn_helpers import finished

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def test_status_change_events_reach_eventbridge_rules(sfn, aws_client, machine):
    sqs, events = aws_client("sqs"), aws_client("events")
    url = sqs.create_queue(QueueName="sfn-status")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="sfn", EventPattern=json.dumps({"source": ["aws.states"],
                                                          "detail-type": ["Step Functions Execution Status Change"]}))
    events.put_targets(Rule="sfn", Targets=[{"Id": "q", "Arn": queue_arn}])
    arn = machine(PASS)
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    finished(sfn, execution)
    seen: list[str] = []
    deadline = time.monotonic() + 5
    while len(seen) < 2 and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            body = json.loads(message["Body"])
            assert body["resources"] == [execution]
            seen.append(body["detail"]["status"])
    assert seen == ["RUNNING", "SUCCEEDED"]


def test_introspection_lists_executions(sfn, machine, endpoint):
    arn = machine(PASS)
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    finished(sfn, execution)
    with urllib.request.urlopen(f"{endpoint}/_cloudtwin/stepfunctions/executions", timeout=5) as response:
        listed = json.loads(response.read())["executions"]
    found = next(e for e in listed if e["executionArn"] == execution)
    assert (found["status"], found["currentState"], found["historyLength"]) == ("SUCCEEDED", "P", 4)


def test_oversize_input_is_refused(sfn, machine):
    arn = machine(PASS)
    with pytest.raises(ClientError) as raised:
        sfn.start_execution(stateMachineArn=arn, input=json.dumps({"v": "x" * 262144}))
    assert raised.value.response["Error"]["Code"] in ("InvalidExecutionInput", "ValidationException")
