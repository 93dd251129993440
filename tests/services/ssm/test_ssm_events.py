"""Parameter Store sends "Parameter Store Change" events to EventBridge's default bus."""

from __future__ import annotations

import json
import time


def test_parameter_changes_reach_eventbridge(aws_client):
    sqs, events, ssm = aws_client("sqs"), aws_client("events"), aws_client("ssm")
    url = sqs.create_queue(QueueName="ssm-changes")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="ssm", EventPattern=json.dumps({"source": ["aws.ssm"], "detail-type": ["Parameter Store Change"]}))
    events.put_targets(Rule="ssm", Targets=[{"Id": "q", "Arn": arn, "InputPath": "$.detail"}])
    ssm.put_parameter(Name="/app/flag", Value="on", Type="String", Description="a flag")
    ssm.put_parameter(Name="/app/flag", Value="off", Type="String", Overwrite=True)
    ssm.delete_parameter(Name="/app/flag")
    got: list[dict] = []
    deadline = time.monotonic() + 5
    while len(got) < 3 and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            got.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert sorted(got, key=lambda d: ["Create", "Update", "Delete"].index(d["operation"])) == [
        {"operation": "Create", "name": "/app/flag", "type": "String", "description": "a flag"},
        {"operation": "Update", "name": "/app/flag", "type": "String", "description": "a flag"},
        {"operation": "Delete", "name": "/app/flag", "type": "String", "description": "a flag"},
    ]
