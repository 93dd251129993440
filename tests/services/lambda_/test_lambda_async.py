"""Asynchronous invocation as AWS does it: an internal queue, two retries with backoff on
the virtual clock, destinations and the dead-letter queue, in AWS's record format."""

from __future__ import annotations

import json
import urllib.request

from lambda_helpers import eventually

FLAKY = """
def handler(event, context):
    if event.get("fail"):
        raise RuntimeError("always fails")
    return {"ok": event}
"""


def _invocations(endpoint: str, function: str) -> list[dict]:
    with urllib.request.urlopen(f"{endpoint}/_cloudtwin/lambda/invocations?function={function}", timeout=5) as resp:
        return json.loads(resp.read())["invocations"]


def _queue(aws_client, name: str) -> tuple[str, str]:
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _receive(aws_client, url: str) -> list[dict]:
    return aws_client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                             MessageSystemAttributeNames=["All"]).get("Messages", [])  # fmt: skip


def test_failed_event_is_retried_on_the_clock_then_goes_to_its_destination_and_dlq(
    lam, deploy, aws_client, cloudtwin_client
):
    failure_url, failure_arn = _queue(aws_client, "on-failure")
    dlq_url, dlq_arn = _queue(aws_client, "function-dlq")
    deploy("flaky", {"app.py": FLAKY}, DeadLetterConfig={"TargetArn": dlq_arn})
    lam.put_function_event_invoke_config(
        FunctionName="flaky", DestinationConfig={"OnFailure": {"Destination": failure_arn}}
    )
    endpoint = lam.meta.endpoint_url
    assert lam.invoke(FunctionName="flaky", InvocationType="Event", Payload=b'{"fail": true}')["StatusCode"] == 202
    assert eventually(lambda: len(_invocations(endpoint, "flaky")) == 1)
    cloudtwin_client.advance(30)
    assert len(_invocations(endpoint, "flaky")) == 1  # the first retry waits a minute
    cloudtwin_client.advance(31)
    assert eventually(lambda: len(_invocations(endpoint, "flaky")) == 2)
    cloudtwin_client.advance(120)
    messages = eventually(lambda: _receive(aws_client, failure_url))
    assert len(_invocations(endpoint, "flaky")) == 3
    record = json.loads(messages[0]["Body"])
    assert record["version"] == "1.0"
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:flaky:$LATEST"
    assert record["requestPayload"] == {"fail": True}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"]["errorType"] == "RuntimeError"
    dead = eventually(lambda: _receive(aws_client, dlq_url))
    assert json.loads(dead[0]["Body"]) == {"fail": True}
    attributes = dead[0]["MessageAttributes"]
    assert attributes["RequestID"]["StringValue"] == record["requestContext"]["requestId"]
    assert attributes["ErrorMessage"]["StringValue"] == "always fails"


def test_successful_event_goes_to_on_success_and_retry_settings_apply(lam, deploy, aws_client, cloudtwin_client):
    success_url, success_arn = _queue(aws_client, "on-success")
    failure_url, failure_arn = _queue(aws_client, "on-failure-now")
    deploy("steady", {"app.py": FLAKY})
    lam.put_function_event_invoke_config(
        FunctionName="steady", MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": success_arn}, "OnFailure": {"Destination": failure_arn}},
    )  # fmt: skip
    config = lam.get_function_event_invoke_config(FunctionName="steady")
    assert config["MaximumRetryAttempts"] == 0
    assert config["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:steady:$LATEST"
    lam.invoke(FunctionName="steady", InvocationType="Event", Payload=b'{"n": 1}')
    record = json.loads(eventually(lambda: _receive(aws_client, success_url))[0]["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"] == {"ok": {"n": 1}}
    lam.invoke(FunctionName="steady", InvocationType="Event", Payload=b'{"fail": true}')
    record = json.loads(eventually(lambda: _receive(aws_client, failure_url))[0]["Body"])
    assert record["requestContext"]["approximateInvokeCount"] == 1  # no retries asked for


def test_destination_on_an_event_bus_sends_aws_invocation_result_events(lam, deploy, aws_client):
    events = aws_client("events")
    url, arn = _queue(aws_client, "results")
    events.put_rule(Name="results", EventPattern=json.dumps({"source": ["lambda"]}))
    events.put_targets(Rule="results", Targets=[{"Id": "q", "Arn": arn}])
    bus_arn = events.describe_event_bus()["Arn"]
    deploy("to-bus", {"app.py": FLAKY})
    lam.put_function_event_invoke_config(
        FunctionName="to-bus", DestinationConfig={"OnSuccess": {"Destination": bus_arn}}
    )
    lam.invoke(FunctionName="to-bus", InvocationType="Event", Payload=b'{"n": 1}')
    [message] = eventually(lambda: _receive(aws_client, url))
    event = json.loads(message["Body"])
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["resources"] == ["arn:aws:lambda:us-east-1:000000000000:function:to-bus:$LATEST"]
    assert event["detail"]["requestContext"]["condition"] == "Success"
    assert event["detail"]["responsePayload"] == {"ok": {"n": 1}}


TRACED = """
import os

def handler(event, context):
    return {"trace": os.environ.get("_X_AMZN_TRACE_ID")}
"""


def test_eventbridge_passes_the_trace_header_to_lambda(lam, deploy, aws_client):
    """PutEvents' X-Ray trace header reaches the function (``_X_AMZN_TRACE_ID``) through a
    rule, and through a bus-to-bus hop."""
    events = aws_client("events")
    url, arn = _queue(aws_client, "traced")
    deploy("traced", {"app.py": TRACED})
    lam.put_function_event_invoke_config(FunctionName="traced", DestinationConfig={"OnSuccess": {"Destination": arn}})
    function_arn = lam.get_function(FunctionName="traced")["Configuration"]["FunctionArn"]
    inner = events.create_event_bus(Name="inner")["EventBusArn"]
    events.put_rule(Name="hop", EventPattern='{"source": ["t"]}')
    events.put_targets(Rule="hop", Targets=[{"Id": "bus", "Arn": inner}])
    events.put_rule(Name="call", EventPattern='{"source": ["t"]}', EventBusName="inner")
    events.put_targets(Rule="call", EventBusName="inner", Targets=[{"Id": "f", "Arn": function_arn}])
    header = "Root=1-67f4141f-e1cd7672871da115129f8b19;Parent=d0ee9531727135a0;Sampled=1"
    events.put_events(Entries=[{"Source": "t", "DetailType": "d", "Detail": "{}", "TraceHeader": header}])
    [message] = eventually(lambda: _receive(aws_client, url))
    assert json.loads(message["Body"])["responsePayload"]["trace"].startswith("Root=1-67f4141f-e1cd7672871da115129f8b19")


def test_zero_reserved_concurrency_ends_events_without_trying_them(lam, deploy, aws_client):
    failure_url, failure_arn = _queue(aws_client, "on-failure-zero")
    deploy("disabled", {"app.py": FLAKY})
    lam.put_function_concurrency(FunctionName="disabled", ReservedConcurrentExecutions=0)
    lam.put_function_event_invoke_config(FunctionName="disabled", DestinationConfig={"OnFailure": {"Destination": failure_arn}})
    lam.invoke(FunctionName="disabled", InvocationType="Event", Payload=b'{"n": 1}')
    record = json.loads(eventually(lambda: _receive(aws_client, failure_url))[0]["Body"])
    assert record["requestContext"]["condition"] == "ZeroReservedConcurrency"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert "responseContext" not in record and "responsePayload" not in record


def test_an_event_whose_next_retry_would_be_too_old_fails_at_once(lam, deploy, aws_client, cloudtwin_client):
    failure_url, failure_arn = _queue(aws_client, "too-old")
    deploy("aging", {"app.py": FLAKY})
    lam.put_function_event_invoke_config(
        FunctionName="aging", MaximumRetryAttempts=2, MaximumEventAgeInSeconds=90,
        DestinationConfig={"OnFailure": {"Destination": failure_arn}},
    )  # fmt: skip
    endpoint = lam.meta.endpoint_url
    lam.invoke(FunctionName="aging", InvocationType="Event", Payload=b'{"fail": true}')
    assert eventually(lambda: len(_invocations(endpoint, "aging")) == 1)
    assert _receive(aws_client, failure_url) == []  # the retry a minute later is still young enough
    cloudtwin_client.advance(61)
    # the second retry (two minutes later) would be past 90 s: the event fails without waiting
    messages = eventually(lambda: _receive(aws_client, failure_url))
    assert len(_invocations(endpoint, "aging")) == 2
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert messages[0]["Attributes"]["AWSTraceHeader"].startswith("Root=1-")  # the event's trace goes along
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"]["errorMessage"] == "always fails"
