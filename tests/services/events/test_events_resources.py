"""EventBridge's CloudFormation resource handlers, checked through its API."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def test_rules_on_default_and_custom_bus_with_targets(handlers, aws_client):
    events, sqs = aws_client("events"), aws_client("sqs")
    url = sqs.create_queue(QueueName="target")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = handlers.create("AWS::Events::EventBus", {"Name": "orders"})
    assert bus.physical_id == "orders"
    assert bus.attributes["Arn"] == events.describe_event_bus(Name="orders")["Arn"]

    pattern = {"source": ["app"]}
    rule = handlers.create("AWS::Events::Rule", {
        "EventBusName": "orders", "EventPattern": pattern,
        "Targets": [{"Id": "q", "Arn": queue_arn}],
    }, logical_id="Rule")
    bus_name, _, name = rule.physical_id.partition("|")
    assert bus_name == "orders" and name.startswith("test-stack-Rule-")
    assert rule.attributes["Arn"].endswith(f":rule/orders/{name}")
    described = events.describe_rule(Name=name, EventBusName="orders")
    assert json.loads(described["EventPattern"]) == pattern
    events.put_events(Entries=[{"Source": "app", "DetailType": "t", "Detail": "{}", "EventBusName": "orders"}])
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages")

    rule = handlers.update(rule, {**rule.properties, "Targets": [], "State": "DISABLED"})
    assert events.list_targets_by_rule(Rule=name, EventBusName="orders")["Targets"] == []
    assert events.describe_rule(Name=name, EventBusName="orders")["State"] == "DISABLED"

    default_rule = handlers.create("AWS::Events::Rule", {"Name": "nightly", "ScheduleExpression": "cron(0 1 * * ? *)"})
    assert default_rule.physical_id == "nightly"

    archive = handlers.create("AWS::Events::Archive", {"SourceArn": bus.attributes["Arn"], "RetentionDays": "3"})
    assert events.describe_archive(ArchiveName=archive.physical_id)["RetentionDays"] == 3

    for resource in (archive, default_rule, rule, bus):
        handlers.delete(resource)
        handlers.delete(resource)
    with pytest.raises(ClientError):
        events.describe_event_bus(Name="orders")
    assert events.list_rules()["Rules"] == []


def test_connection_and_api_destination(handlers, aws_client):
    events = aws_client("events")
    connection = handlers.create("AWS::Events::Connection", {
        "AuthorizationType": "API_KEY",
        "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-key", "ApiKeyValue": "secret"}},
    })
    described = events.describe_connection(Name=connection.physical_id)
    assert connection.attributes["Arn"] == described["ConnectionArn"]
    assert connection.attributes["SecretArn"] == described["SecretArn"]
    destination = handlers.create("AWS::Events::ApiDestination", {
        "ConnectionArn": connection.attributes["Arn"], "InvocationEndpoint": "https://example.com/hook",
        "HttpMethod": "POST", "InvocationRateLimitPerSecond": "10",
    })
    got = events.describe_api_destination(Name=destination.physical_id)
    assert got["InvocationRateLimitPerSecond"] == 10
    handlers.update(destination, {**destination.properties, "HttpMethod": "PUT"})
    assert events.describe_api_destination(Name=destination.physical_id)["HttpMethod"] == "PUT"
    handlers.delete(destination)
    handlers.delete(connection)
    assert events.list_connections()["Connections"] == []


def test_stack_rule_refs_on_default_and_custom_bus(stack, aws_client):
    _, out = stack({
        "Resources": {
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "custom"}},
            "OnBus": {"Type": "AWS::Events::Rule", "Properties": {
                "EventBusName": {"Ref": "Bus"}, "EventPattern": {"source": ["a"]}}},
            "OnDefault": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 hour)"}},
        },
        "Outputs": {"OnBusRef": {"Value": {"Ref": "OnBus"}}, "OnBusArn": {"Value": {"Fn::GetAtt": ["OnBus", "Arn"]}},
                    "OnDefaultRef": {"Value": {"Ref": "OnDefault"}}},
    }, name="rules")
    bus, _, name = out["OnBusRef"].partition("|")
    assert bus == "custom" and out["OnBusArn"].endswith(f":rule/custom/{name}")
    assert "|" not in out["OnDefaultRef"]
    assert aws_client("events").describe_rule(Name=out["OnDefaultRef"])["ScheduleExpression"] == "rate(1 hour)"
