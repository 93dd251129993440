"""Functions, versions, aliases, layers, their code, event source mappings and function
logs survive a restart with ``--data-dir`` — and the function still runs."""

from __future__ import annotations

import json
import signal

import boto3
from lambda_helpers import zipped

from cloudtwin.testing.server import free_port, start_process

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
    "Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _clients(port):
    kw = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
              aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    return boto3.client("lambda", **kw), boto3.client("iam", **kw), boto3.client("logs", **kw), boto3.client("sqs", **kw)


def test_lambda_state_survives_a_kill(tmp_path):
    port = free_port()
    proc = start_process(port, "--data-dir", str(tmp_path))
    try:
        lam, iam, logs, sqs = _clients(port)
        role = iam.create_role(RoleName="persisted", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        layer = lam.publish_layer_version(
            LayerName="greeting", Content={"ZipFile": zipped({"python/greeting.py": "WORD = 'kept'\n"})}
        )["LayerVersionArn"]
        lam.create_function(
            FunctionName="survivor", Runtime="python3.12", Role=role, Handler="app.handler",
            Code={"ZipFile": zipped({"app.py": "import greeting\ndef handler(e, c):\n    print('ran')\n    return greeting.WORD\n"})},
            Layers=[layer], Environment={"Variables": {"MODE": "persisted"}},
        )  # fmt: skip
        lam.publish_version(FunctionName="survivor")
        lam.create_alias(FunctionName="survivor", Name="live", FunctionVersion="1")
        url = sqs.create_queue(QueueName="feed")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        mapping = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="survivor", Enabled=False)["UUID"]
        assert json.loads(lam.invoke(FunctionName="survivor")["Payload"].read()) == "kept"
        before = lam.get_function(FunctionName="survivor")["Configuration"]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    proc = start_process(port, "--data-dir", str(tmp_path))
    try:
        lam, _, logs, _ = _clients(port)
        after = lam.get_function(FunctionName="survivor")["Configuration"]
        assert after["CodeSha256"] == before["CodeSha256"] and after["Environment"] == before["Environment"]
        assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="survivor")["Versions"]] == ["$LATEST", "1"]
        assert lam.get_alias(FunctionName="survivor", Name="live")["FunctionVersion"] == "1"
        assert lam.get_event_source_mapping(UUID=mapping)["State"] == "Disabled"
        assert lam.list_layer_versions(LayerName="greeting")["LayerVersions"][0]["Version"] == 1
        response = lam.invoke(FunctionName="survivor", Qualifier="live")
        assert json.loads(response["Payload"].read()) == "kept" and response["ExecutedVersion"] == "1"
        messages = [e["message"] for e in logs.filter_log_events(logGroupName="/aws/lambda/survivor")["events"]]
        assert messages.count("ran") == 2  # the log written before the kill, and the one after
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
