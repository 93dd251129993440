"""The AWS SDK for JavaScript that AWS's Node.js runtimes bundle: a function requires or
imports it without bundling it (from the cache ``cloudtwin lambda install-node-sdk`` fills),
reaches cloudtwin through ``AWS_ENDPOINT_URL``, and a copy in its own node_modules wins."""

from __future__ import annotations

import shutil

import pytest
from lambda_helpers import invoke_json

from cloudtwin.execution import node_sdk


def needs_sdk(runtime: str) -> None:
    if shutil.which("node") is None:
        pytest.skip("no node on PATH")
    if node_sdk.node_modules(runtime) is None:
        pytest.skip(f"the AWS SDK for JavaScript is not installed: cloudtwin lambda install-node-sdk ({runtime})")


CJS_V3 = """
const { SQSClient, SendMessageCommand } = require("@aws-sdk/client-sqs");
const client = new SQSClient({});
exports.handler = async (event) => {
  const sent = await client.send(new SendMessageCommand({ QueueUrl: event.url, MessageBody: "from cjs" }));
  return { id: sent.MessageId };
};
"""

ESM_V3 = """
import { SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
const client = new SQSClient({});
export const handler = async (event) => {
  const sent = await client.send(new SendMessageCommand({ QueueUrl: event.url, MessageBody: "from esm" }));
  return { id: sent.MessageId };
};
"""


def received(sqs, url: str) -> list[str]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    return sorted(m["Body"] for m in messages)


def test_nodejs20_function_sends_with_the_bundled_sdk_v3(aws_client, lam, deploy):
    needs_sdk("nodejs20.x")
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName="from-node")["QueueUrl"]
    deploy("cjs-sender", {"index.js": CJS_V3}, handler="index.handler", runtime="nodejs20.x")
    deploy("esm-sender", {"index.mjs": ESM_V3}, handler="index.handler", runtime="nodejs22.x")
    for name in ("cjs-sender", "esm-sender"):
        response, payload = invoke_json(lam, name, {"url": url})
        assert "FunctionError" not in response, payload
        assert payload["id"]
    assert received(sqs, url) == ["from cjs", "from esm"]
    response, error = invoke_json(lam, "cjs-sender", {"url": url + "-gone"})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "QueueDoesNotExist"
    # the SDK's frames are shown where AWS's runtimes keep it
    assert any("/var/runtime/node_modules/@aws-sdk/" in line for line in error["trace"]), error["trace"]
    assert not any(str(node_sdk.cache_dir()) in line for line in error["trace"])


def test_a_bundled_copy_of_the_sdk_wins(lam, deploy):
    needs_sdk("nodejs20.x")
    files = {
        "index.js": 'const sqs = require("@aws-sdk/client-sqs");\n'
                    "exports.handler = async () => sqs.whose;\n",
        "node_modules/@aws-sdk/client-sqs/package.json": '{"name": "@aws-sdk/client-sqs", "main": "main.js"}',
        "node_modules/@aws-sdk/client-sqs/main.js": 'exports.whose = "the function\'s own";\n',
    }  # fmt: skip
    deploy("own-sdk", files, handler="index.handler", runtime="nodejs20.x")
    assert invoke_json(lam, "own-sdk")[1] == "the function's own"


def test_nodejs16_function_has_the_sdk_v2_and_not_v3(aws_client, lam, deploy):
    needs_sdk("nodejs16.x")
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName="from-node16")["QueueUrl"]
    source = """
const AWS = require("aws-sdk");
exports.handler = async (event) => {
  let v3 = true;
  try { require("@aws-sdk/client-sqs"); } catch (e) { v3 = e.code; }
  const sent = await new AWS.SQS({ endpoint: process.env.AWS_ENDPOINT_URL })
    .sendMessage({ QueueUrl: event.url, MessageBody: "from v2" }).promise();
  return { id: sent.MessageId, v3 };
};
"""
    deploy("v2-sender", {"index.js": source}, handler="index.handler", runtime="nodejs16.x")
    response, payload = invoke_json(lam, "v2-sender", {"url": url})
    assert "FunctionError" not in response, payload
    assert payload["v3"] == "MODULE_NOT_FOUND"
    assert received(sqs, url) == ["from v2"]


def test_the_clients_are_named_from_the_models_service_ids():
    names = node_sdk.v3_packages(["sqs", "secretsmanager", "logs", "events", "apigateway", "cognito-idp",
                                  "stepfunctions", "dynamodbstreams"])  # fmt: skip
    assert names[:8] == [
        "@aws-sdk/client-api-gateway", "@aws-sdk/client-cloudwatch-logs",
        "@aws-sdk/client-cognito-identity-provider", "@aws-sdk/client-dynamodb-streams",
        "@aws-sdk/client-eventbridge", "@aws-sdk/client-secrets-manager", "@aws-sdk/client-sfn",
        "@aws-sdk/client-sqs",
    ]  # fmt: skip
    assert "@aws-sdk/lib-dynamodb" in names[8:]


def test_which_sdk_a_runtime_bundles(tmp_path, monkeypatch):
    monkeypatch.setenv("CLOUDTWIN_LAMBDA_NODE_SDK", str(tmp_path))
    assert [node_sdk.sdk_generation(r) for r in ("nodejs16.x", "nodejs18.x", "nodejs24.x", "nodejs")] == [
        "v2", "v3", "v3", "v2"]  # fmt: skip
    assert node_sdk.node_modules("nodejs20.x") is None  # not installed: nothing changes
    (tmp_path / "v3" / "node_modules").mkdir(parents=True)
    assert node_sdk.node_modules("nodejs20.x") == tmp_path / "v3" / "node_modules"
    assert node_sdk.node_modules("nodejs16.x") is None
