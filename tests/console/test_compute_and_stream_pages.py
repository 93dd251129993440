"""CloudWatch Logs, Lambda, EventBridge and Kinesis pages."""

from __future__ import annotations

import json
from urllib.parse import urlencode


def test_log_groups_streams_and_events(ui, aws_client, cloudtwin_client) -> None:
    cloudtwin_client.set_time("2031-01-02T03:04:05Z")
    logs = aws_client("logs")
    logs.create_log_group(logGroupName="/app/web")
    logs.create_log_stream(logGroupName="/app/web", logStreamName="i-1")
    logs.put_log_events(logGroupName="/app/web", logStreamName="i-1",
                        logEvents=[{"timestamp": 1_925_089_445_000, "message": "GET /health <200>"}])
    assert "/app/web" in ui("/logs").visible()
    assert "i-1" in ui("/logs/group?name=/app/web").visible()
    text = ui("/logs/stream?" + urlencode({"group": "/app/web", "name": "i-1"})).visible()
    assert "GET /health <200>" in text and "2031-01-02 03:04:05Z" in text


def test_lambda_pages_without_functions(ui) -> None:
    assert "No functions in this account and region." in ui("/lambda").visible()
    missing = ui("/lambda/function?name=nope")
    assert missing.status == 404 and "ResourceNotFoundException" in missing.visible()


def test_event_bus_rules_and_events(ui, aws_client) -> None:
    events = aws_client("events")
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_events(Entries=[{"Source": "shop", "DetailType": "OrderPlaced", "Detail": "{}"}])
    assert "default" in ui("/events").visible()
    text = ui("/events/bus?name=default").visible()
    assert "orders" in text and "shop / OrderPlaced" in text


def test_kinesis_stream_records(ui, aws_client) -> None:
    kinesis = aws_client("kinesis")
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    kinesis.put_record(StreamName="clicks", Data=b"click <1>", PartitionKey="user-1")
    assert "clicks" in ui("/kinesis").visible()
    text = ui("/kinesis/stream?name=clicks").visible()
    assert "click <1>" in text and "user-1" in text and "shardId-000000000000" in text
