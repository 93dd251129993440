"""Events routed from PutEvents through rules to targets: AWS's event shape, per-entry
checks, the size rule, input transformation, FIFO queues and bus-to-bus delivery."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from events_helpers import bodies, deliveries, queue, receive


@pytest.fixture
def events(aws_client):
    return aws_client("events")


def _rule_to(events, name: str, pattern: dict, targets: list[dict], bus: str = "default") -> str:
    arn = events.put_rule(Name=name, EventPattern=json.dumps(pattern), EventBusName=bus)["RuleArn"]
    assert events.put_targets(Rule=name, EventBusName=bus, Targets=targets)["FailedEntryCount"] == 0
    return arn


def test_put_events_reaches_a_queue_in_aws_event_shape(events, aws_client, endpoint):
    url, arn = queue(aws_client, "routed")
    rule_arn = _rule_to(events, "orders", {"source": ["shop"], "detail": {"total": [{"numeric": [">", 10]}]}},
                        [{"Id": "q", "Arn": arn}])
    out = events.put_events(Entries=[
        {"Source": "shop", "DetailType": "Order Placed", "Detail": json.dumps({"total": 12}), "Resources": ["r1"]},
        {"Source": "shop", "DetailType": "Order Placed", "Detail": json.dumps({"total": 5})},
    ])
    assert out["FailedEntryCount"] == 0
    [event] = bodies(aws_client, url)
    assert event["id"] == out["Entries"][0]["EventId"]
    assert {k: event[k] for k in ("version", "detail-type", "source", "account", "region", "resources", "detail")} == {
        "version": "0", "detail-type": "Order Placed", "source": "shop", "account": "000000000000",
        "region": "us-east-1", "resources": ["r1"], "detail": {"total": 12},
    }
    assert receive(aws_client, url) == []
    record = next(d for d in deliveries(endpoint) if d["event_id"] == event["id"])
    assert record["rules"] == [rule_arn]
    assert [a["outcome"] for a in record["attempts"]] == ["delivered"]


def test_per_entry_errors_and_the_size_limit(events):
    out = events.put_events(Entries=[
        {"Source": "a", "Detail": "{}"},
        {"Source": "a", "DetailType": "t", "Detail": "[1]"},
        {"Source": "a", "DetailType": "t", "Detail": "{}"},
    ])
    assert out["FailedEntryCount"] == 2
    assert out["Entries"][0] == {"ErrorCode": "InvalidArgument",
                                 "ErrorMessage": "Parameter DetailType is not valid. Reason: DetailType is a required argument."}
    assert out["Entries"][1] == {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    assert "EventId" in out["Entries"][2]
    # 256 KB counts Source + DetailType + Detail: exactly at the limit passes, one byte more fails
    detail = json.dumps({"p": "x" * (256 * 1024 - 9 - 2)})
    assert events.put_events(Entries=[{"Source": "a", "DetailType": "t", "Detail": detail}])["FailedEntryCount"] == 0
    with pytest.raises(ClientError) as error:
        events.put_events(Entries=[{"Source": "ab", "DetailType": "t", "Detail": detail}])
    assert error.value.response["Error"] == {
        "Code": "ValidationException", "Message": "Total size of the entries in the request is over the limit."}


def test_input_transformer_as_documented(events, aws_client):
    """AWS's documented example: a JSON template takes strings quoted outside a string and
    bare inside one; a plain-text template takes them bare."""
    json_url, json_arn = queue(aws_client, "transformed-json")
    text_url, text_arn = queue(aws_client, "transformed-text")
    paths = {"instance": "$.detail.instance-id", "state": "$.detail.state", "missing": "$.detail.nope"}
    _rule_to(events, "ec2", {"source": ["aws.ec2"]}, [
        {"Id": "json", "Arn": json_arn, "InputTransformer": {
            "InputPathsMap": paths,
            "InputTemplate": '{"instance": <instance>, "state": "<state>", "text": "<instance> is <state>", '
                             '"rule": "<aws.events.rule-name>", "none": <missing>}'}},
        {"Id": "text", "Arn": text_arn, "InputTransformer": {
            "InputPathsMap": paths, "InputTemplate": "instance <instance> is in <state>"}},
    ])
    detail = {"instance-id": "i-0123456789", "state": "RUNNING"}
    events.put_events(Entries=[{"Source": "aws.ec2", "DetailType": "EC2 Instance State-change Notification",
                                "Detail": json.dumps(detail)}])
    [document] = bodies(aws_client, json_url)
    assert document == {"instance": "i-0123456789", "state": "RUNNING", "text": "i-0123456789 is RUNNING",
                        "rule": "ec2", "none": ""}
    [message] = [m["Body"] for m in _wait(aws_client, text_url)]
    assert message == "instance i-0123456789 is in RUNNING"


def _wait(aws_client, url):
    from events_helpers import eventually

    return eventually(lambda: receive(aws_client, url))


def test_put_targets_refuses_unknown_placeholders_and_two_inputs(events):
    events.put_rule(Name="r", EventPattern='{"source": ["x"]}')
    with pytest.raises(ClientError) as error:
        events.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:000000000000:q",
                                               "InputTransformer": {"InputTemplate": '"<nope>"'}}])
    assert error.value.response["Error"]["Message"] == "InputTemplate for target t contains invalid placeholder nope."
    with pytest.raises(ClientError) as error:
        events.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:000000000000:q",
                                               "Input": "{}", "InputPath": "$.detail"}])
    assert error.value.response["Error"]["Message"] == (
        "Only one of Input, InputPath, or InputTransformer must be provided for target t.")


def test_fifo_queue_target_uses_the_message_group(events, aws_client):
    url, arn = queue(aws_client, "ordered.fifo", FifoQueue="true")
    _rule_to(events, "fifo", {"source": ["s"]}, [{"Id": "f", "Arn": arn, "SqsParameters": {"MessageGroupId": "g1"}}])
    events.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}])
    from events_helpers import eventually

    messages = eventually(lambda: aws_client("sqs").receive_message(QueueUrl=url, AttributeNames=["All"]).get("Messages"))
    assert messages[0]["Attributes"]["MessageGroupId"] == "g1"


def test_bus_to_bus_and_unknown_bus(events, aws_client):
    url, arn = queue(aws_client, "from-custom")
    bus_arn = events.create_event_bus(Name="custom")["EventBusArn"]
    _rule_to(events, "forward", {"source": ["s"]}, [{"Id": "b", "Arn": bus_arn}])
    _rule_to(events, "land", {"source": ["s"]}, [{"Id": "q", "Arn": arn}], bus="custom")
    out = events.put_events(Entries=[
        {"Source": "s", "DetailType": "d", "Detail": '{"n": 1}'},
        {"Source": "s", "DetailType": "d", "Detail": '{"n": 2}', "EventBusName": "nowhere"},
    ])
    assert out["FailedEntryCount"] == 0  # an unknown bus takes the event and drops it, as AWS does
    [event] = bodies(aws_client, url)
    assert event["detail"] == {"n": 1}
    with pytest.raises(ClientError) as error:
        events.describe_event_bus(Name="nowhere")
    assert error.value.response["Error"]["Message"] == "Event bus nowhere does not exist."


def test_sns_and_cloudwatch_logs_targets(events, aws_client):
    sns, logs = aws_client("sns"), aws_client("logs")
    url, arn = queue(aws_client, "via-sns")
    topic = sns.create_topic(Name="fanout")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    logs.create_log_group(logGroupName="/aws/events/audit")
    group_arn = "arn:aws:logs:us-east-1:000000000000:log-group:/aws/events/audit"
    _rule_to(events, "fan", {"source": ["s"]}, [{"Id": "t", "Arn": topic}, {"Id": "l", "Arn": group_arn}])
    event_id = events.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": '{"k": "v"}'}])["Entries"][0]["EventId"]
    [event] = bodies(aws_client, url)
    assert event["id"] == event_id and event["detail"] == {"k": "v"}
    from events_helpers import eventually

    logged = eventually(lambda: logs.filter_log_events(logGroupName="/aws/events/audit")["events"])
    assert logged[0]["logStreamName"] == event_id
    assert json.loads(logged[0]["message"])["id"] == event_id
