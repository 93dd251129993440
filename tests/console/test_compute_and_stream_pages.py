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
    put = ui("/events/put", method="POST", body={"bus": "default", "source": "console", "detail_type": "Typed", "detail": '{"n": 1}'})
    assert put.status == 200, put.text
    assert "console / Typed" in ui("/events/bus?name=default").visible()
    bad = ui("/events/put", method="POST", body={"bus": "default", "source": "console", "detail_type": "T", "detail": "[nope"})
    assert bad.status == 400


def test_kinesis_stream_records(ui, aws_client) -> None:
    kinesis = aws_client("kinesis")
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    kinesis.put_record(StreamName="clicks", Data=b"click <1>", PartitionKey="user-1")
    assert "clicks" in ui("/kinesis").visible()
    text = ui("/kinesis/stream?name=clicks").visible()
    assert "click <1>" in text and "user-1" in text and "shardId-000000000000" in text


def _zip(source: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def test_lambda_function_invoked_from_the_page_with_invocations_and_logs(ui, aws_client) -> None:
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = aws_client("iam").create_role(RoleName="console-fn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    lam = aws_client("lambda")
    source = "def handler(event, context):\n    print('got <%s>' % event.get('n'))\n    return {'double': event.get('n', 0) * 2}\n"
    lam.create_function(FunctionName="doubler", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": _zip(source)})
    lam.get_waiter("function_active_v2").wait(FunctionName="doubler", WaiterConfig={"Delay": 1})
    assert "doubler" in ui("/lambda").visible()
    answer = ui("/lambda/invoke", method="POST", body={"name": "doubler", "payload": '{"n": 21}'})
    assert answer.status == 200, answer.text
    out = json.loads(answer.body)
    assert json.loads(out["value"]) == {"double": 42} and "status 200" in out["message"]
    text = ui("/lambda/function?name=doubler").visible()
    assert "success" in text and "got <21>" in text and "python3.12" in text
    bad = ui("/lambda/invoke", method="POST", body={"name": "doubler", "payload": "{nope"})
    assert bad.status == 400 and "not valid JSON" in bad.text
