"""Functions that really run: Python (AWS's runtime interface client), Node.js and a
custom runtime, as local processes speaking the Lambda Runtime API."""

from __future__ import annotations

import base64
import json
import threading
import urllib.request

import pytest
from botocore.exceptions import ClientError
from lambda_helpers import eventually, invoke_json

PY_COUNTER = """
import os, boto3
COUNT = 0
def handler(event, context):
    global COUNT
    COUNT += 1
    print("got", json_dump(event))
    return {"count": COUNT, "event": event, "request_id": context.aws_request_id,
            "function": os.environ["AWS_LAMBDA_FUNCTION_NAME"], "region": os.environ["AWS_REGION"],
            "remaining": context.get_remaining_time_in_millis()}
def json_dump(value):
    import json
    return json.dumps(value)
"""


def test_python_function_keeps_globals_warm_and_logs_in_aws_shape(lam, deploy):
    deploy("counter", {"app.py": PY_COUNTER})
    response, first = invoke_json(lam, "counter", {"n": 1}, LogType="Tail")
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert first["count"] == 1 and first["event"] == {"n": 1}
    assert first["function"] == "counter" and first["region"] == "us-east-1"
    assert 0 < first["remaining"] <= 3000
    # the invocation's request id is the Invoke call's own, as in AWS's logs
    assert first["request_id"] == response["ResponseMetadata"]["RequestId"]
    log = base64.b64decode(response["LogResult"]).decode()
    lines = log.strip().splitlines()
    assert lines[0] == f"START RequestId: {first['request_id']} Version: $LATEST"
    assert 'got {"n": 1}' in log
    assert lines[-2] == f"END RequestId: {first['request_id']}"
    assert lines[-1].startswith(f"REPORT RequestId: {first['request_id']}\tDuration: ")
    assert "Init Duration" in lines[-1]  # a cold start
    _, second = invoke_json(lam, "counter", {"n": 2}, LogType="Tail")
    assert second["count"] == 2  # the same process: globals kept
    third = lam.invoke(FunctionName="counter", Payload=b'{"n": 3}', LogType="Tail")
    assert "Init Duration" not in base64.b64decode(third["LogResult"]).decode()


def test_sdk_calls_from_the_function_reach_cloudtwin_as_the_execution_role(lam, deploy, aws_client):
    aws_client("dynamodb").create_table(
        TableName="written-by-lambda", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )  # fmt: skip
    source = """
import boto3
def handler(event, context):
    boto3.client("dynamodb").put_item(TableName="written-by-lambda", Item={"id": {"S": event["id"]}})
    return boto3.client("sts").get_caller_identity()["Arn"]
"""
    deploy("writer", {"app.py": source})
    response, caller = invoke_json(lam, "writer", {"id": "from-inside"})
    assert "FunctionError" not in response, caller
    assert caller == "arn:aws:sts::000000000000:assumed-role/lambda-exec/writer"
    item = aws_client("dynamodb").get_item(TableName="written-by-lambda", Key={"id": {"S": "from-inside"}})
    assert item["Item"] == {"id": {"S": "from-inside"}}


@pytest.mark.parametrize(
    "source,handler,error_type,message",
    [
        ("def handler(e, c):\n    raise ValueError('boom')\n", "app.handler", "ValueError", "boom"),
        ("def handler(e, c):\n    return 1\n", "missing.handler", "Runtime.ImportModuleError",
         "Unable to import module 'missing': No module named 'missing'"),
        ("def other(e, c):\n    return 1\n", "app.handler", "Runtime.HandlerNotFound",
         "Handler 'handler' missing on module 'app'"),
        ("def handler(e, c)\n    return 1\n", "app.handler", "Runtime.UserCodeSyntaxError", None),
    ],
)
def test_python_errors_in_aws_shape(lam, deploy, source, handler, error_type, message):
    deploy("failing", {"app.py": source}, handler=handler)
    response, payload = invoke_json(lam, "failing")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == error_type
    if message is not None:
        assert payload["errorMessage"] == message
    assert "stackTrace" in payload
    # the server keeps serving, and the function can be fixed
    lam.update_function_code(FunctionName="failing", ZipFile=_zip({"app.py": "def handler(e, c):\n    return 'ok'\n"}))
    lam.update_function_configuration(FunctionName="failing", Handler="app.handler")
    lam.get_waiter("function_updated_v2").wait(FunctionName="failing", WaiterConfig={"Delay": 1})
    assert invoke_json(lam, "failing")[1] == "ok"


def _zip(files):
    from lambda_helpers import zipped

    return zipped(files)


def test_timeout_stops_the_environment_with_aws_message(lam, deploy):
    deploy("sleepy", {"app.py": "import time\nN = 0\ndef handler(e, c):\n    global N\n    N += 1\n    if e.get('sleep'):\n        time.sleep(30)\n    return N\n"}, Timeout=1)
    response, payload = invoke_json(lam, "sleepy", {"sleep": True}, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    assert payload["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert "Task timed out after 1.00 seconds" in base64.b64decode(response["LogResult"]).decode()
    assert invoke_json(lam, "sleepy")[1] == 1  # a fresh environment: init ran again


def test_a_handler_that_kills_its_process(lam, deploy):
    deploy("suicidal", {"app.py": "import os\ndef handler(e, c):\n    os._exit(3)\n"})
    response, payload = invoke_json(lam, "suicidal")
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith("Runtime exited with error: exit status 3")
    assert lam.get_function(FunctionName="suicidal")["Configuration"]["State"] == "Active"


def test_reserved_concurrency_throttles_the_second_parallel_invoke(lam, deploy):
    deploy("single", {"app.py": "import time\ndef handler(e, c):\n    time.sleep(e.get('s', 0))\n    return 'done'\n"}, Timeout=10)
    invoke_json(lam, "single")  # warm one environment
    lam.put_function_concurrency(FunctionName="single", ReservedConcurrentExecutions=1)
    started = threading.Event()
    results: list = []

    def slow():
        started.set()
        results.append(invoke_json(lam, "single", {"s": 2})[1])

    worker = threading.Thread(target=slow)
    worker.start()
    started.wait()
    # the slow invoke holds the only slot until it returns: poll until it is running
    from lambda_helpers import eventually
    import urllib.request

    endpoint = lam.meta.endpoint_url

    def busy():
        with urllib.request.urlopen(f"{endpoint}/_cloudtwin/lambda/environments", timeout=5) as resp:
            return any(e["state"] == "busy" for e in json.loads(resp.read())["environments"])

    assert eventually(busy, 10)
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName="single", Payload=b"{}")
    assert err.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert err.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    worker.join(15)
    assert results == ["done"]


def test_invoke_types_and_bad_payloads(lam, deploy):
    deploy("kinds", {"app.py": "def handler(e, c):\n    return e\n"})
    assert lam.invoke(FunctionName="kinds", InvocationType="DryRun")["StatusCode"] == 204
    assert lam.invoke(FunctionName="kinds", InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName="kinds", Payload=b"not json")
    assert err.value.response["Error"]["Code"] == "InvalidRequestContentException"
    assert err.value.response["Error"]["Message"].startswith("Could not parse request body into json")
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName="kinds", Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    assert err.value.response["Error"]["Code"] == "RequestTooLargeException"


def test_alias_invocations_report_the_version_that_ran(lam, deploy):
    deploy("aliased", {"app.py": "def handler(e, c):\n    return 'v1'\n"})
    lam.publish_version(FunctionName="aliased")
    lam.update_function_code(FunctionName="aliased", ZipFile=_zip({"app.py": "def handler(e, c):\n    return 'v2'\n"}))
    lam.get_waiter("function_updated_v2").wait(FunctionName="aliased", WaiterConfig={"Delay": 1})
    lam.create_alias(FunctionName="aliased", Name="prod", FunctionVersion="1")
    response, payload = invoke_json(lam, "aliased", Qualifier="prod")
    assert payload == "v1" and response["ExecutedVersion"] == "1"
    assert invoke_json(lam, "aliased")[1] == "v2"  # $LATEST runs the new code


NODE_SOURCE = """
let count = 0;
exports.handler = async (event, context) => {
  count += 1;
  console.log("node got", JSON.stringify(event));
  if (event.fail) { throw new TypeError("bad thing"); }
  return { count, event, requestId: context.awsRequestId };
};
"""


def test_nodejs_function_runs_warm_and_fails_in_aws_shape(lam, deploy):
    import shutil

    if shutil.which("node") is None:
        pytest.skip("no node on PATH")
    deploy("noder", {"index.js": NODE_SOURCE}, handler="index.handler", runtime="nodejs20.x")
    response, first = invoke_json(lam, "noder", {"a": 1}, LogType="Tail")
    assert first["count"] == 1 and first["event"] == {"a": 1}
    assert first["requestId"] == response["ResponseMetadata"]["RequestId"]
    log = base64.b64decode(response["LogResult"]).decode()
    assert f"\t{first['requestId']}\tINFO\tnode got" in log
    assert invoke_json(lam, "noder")[1]["count"] == 2
    response, error = invoke_json(lam, "noder", {"fail": True})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "TypeError" and error["errorMessage"] == "bad thing"
    assert isinstance(error["trace"], list)


BOOTSTRAP = """#!/bin/sh
set -eu
while true; do
  HEADERS=$(mktemp)
  EVENT=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  echo "custom runtime got $EVENT"
  curl -sS -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$ID/response" -d "{\\"echo\\": $EVENT, \\"handler\\": \\"$_HANDLER\\"}" > /dev/null
done
"""


def test_custom_runtime_with_a_shell_bootstrap(lam, deploy):
    import shutil

    if shutil.which("curl") is None:
        pytest.skip("no curl on PATH")
    deploy("custom", {"bootstrap": BOOTSTRAP}, handler="function.handler", runtime="provided.al2023",
           modes={"bootstrap": 0o755})  # fmt: skip
    response, payload = invoke_json(lam, "custom", {"x": 1}, LogType="Tail")
    assert payload == {"echo": {"x": 1}, "handler": "function.handler"}
    assert 'custom runtime got {"x": 1}' in base64.b64decode(response["LogResult"]).decode()


def test_runtimes_this_machine_cannot_run_get_a_clear_error(lam, deploy):
    deploy("javaish", {"App.class": b"\xca\xfe\xba\xbe"}, handler="example.Handler::handleRequest", runtime="java21")
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName="javaish", Payload=b"{}")
    assert err.value.response["Error"]["Code"] == "InvalidRuntimeException"
    assert "java21" in err.value.response["Error"]["Message"]


def test_layers_are_on_the_runtime_search_path(lam, deploy):
    from lambda_helpers import zipped

    layer = lam.publish_layer_version(
        LayerName="shared-lib", Content={"ZipFile": zipped({"python/shared_lib.py": "GREETING = 'from a layer'\n"})},
        CompatibleRuntimes=["python3.12"],
    )  # fmt: skip
    assert layer["Version"] == 1 and layer["LayerVersionArn"].endswith(":layer:shared-lib:1")
    assert layer["Content"]["CodeSize"] > 0
    versions = lam.list_layer_versions(LayerName="shared-lib")["LayerVersions"]
    assert [v["Version"] for v in versions] == [1]
    assert lam.list_layers(CompatibleRuntime="python3.12")["Layers"][0]["LayerName"] == "shared-lib"
    deploy("layered", {"app.py": "import shared_lib\ndef handler(e, c):\n    return shared_lib.GREETING\n"},
           Layers=[layer["LayerVersionArn"]])  # fmt: skip
    assert lam.get_function_configuration(FunctionName="layered")["Layers"][0]["Arn"] == layer["LayerVersionArn"]
    assert invoke_json(lam, "layered")[1] == "from a layer"
    with pytest.raises(ClientError) as err:
        lam.update_function_configuration(FunctionName="layered", Layers=[layer["LayerVersionArn"][:-1] + "9"])
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_invoke_with_response_stream(lam, deploy):
    deploy("streamed", {"app.py": "def handler(e, c):\n    if e.get('fail'):\n        raise KeyError('nope')\n    return {'big': 'x' * 100000}\n"})
    response = lam.invoke_with_response_stream(FunctionName="streamed", Payload=b"{}", LogType="Tail")
    assert response["StatusCode"] == 200 and response["ExecutedVersion"] == "$LATEST"
    chunks, complete = [], None
    for event in response["EventStream"]:
        if "PayloadChunk" in event:
            chunks.append(event["PayloadChunk"]["Payload"])
        if "InvokeComplete" in event:
            complete = event["InvokeComplete"]
    assert len(chunks) > 1 and json.loads(b"".join(chunks)) == {"big": "x" * 100000}
    assert complete is not None and "ErrorCode" not in complete and complete["LogResult"]
    failed = lam.invoke_with_response_stream(FunctionName="streamed", Payload=b'{"fail": true}')
    events = list(failed["EventStream"])
    assert events[-1]["InvokeComplete"]["ErrorCode"] == "KeyError"


def test_memory_size_is_enforced_and_reported(lam, deploy):
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("memory is watched through /proc")
    # the function holds what it took for a second: the watcher samples every 50 ms
    source = ("import time\ndef handler(e, c):\n    hog = bytearray(e['mb'] * 1024 * 1024)\n"
              "    hog[::4096] = b'x' * len(hog[::4096])\n    time.sleep(1 if e['mb'] > 128 else 0)\n    return len(hog)\n")
    deploy("hungry", {"app.py": source}, MemorySize=128, Timeout=10)
    response, payload = invoke_json(lam, "hungry", {"mb": 1}, LogType="Tail")
    assert payload == 1024 * 1024
    report = base64.b64decode(response["LogResult"]).decode().strip().splitlines()[-1]
    used = int(report.split("Max Memory Used: ")[1].split(" MB")[0])
    assert 1 < used <= 128
    response, payload = invoke_json(lam, "hungry", {"mb": 400})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.OutOfMemory"
    assert payload["errorMessage"].endswith("Runtime exited with error: signal: killed")


INIT_TYPE = """
import os, time
def handler(event, context):
    time.sleep(event.get("wait", 0))
    return os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"]
"""


def test_provisioned_concurrency_environments_and_reserved_carve_out(lam, deploy):
    deploy("warmed", {"app.py": INIT_TYPE}, Timeout=10)
    version = lam.publish_version(FunctionName="warmed")["Version"]
    put = lam.put_provisioned_concurrency_config(FunctionName="warmed", Qualifier=version, ProvisionedConcurrentExecutions=1)
    assert (put["Status"], put["AvailableProvisionedConcurrentExecutions"]) == ("IN_PROGRESS", 0)
    # environments are initialized ahead (a real process starting): READY once it is
    status = eventually(lambda: (s := lam.get_provisioned_concurrency_config(
        FunctionName="warmed", Qualifier=version))["Status"] != "IN_PROGRESS" and s, 20)
    assert (status["Status"], status["AvailableProvisionedConcurrentExecutions"]) == ("READY", 1)
    assert invoke_json(lam, "warmed", Qualifier=version)[1] == "provisioned-concurrency"
    assert invoke_json(lam, "warmed")[1] == "on-demand"  # $LATEST never runs provisioned

    # while the provisioned environment works, the version spills over to an on-demand one
    results: list = []
    worker = threading.Thread(target=lambda: results.append(invoke_json(lam, "warmed", {"wait": 2}, Qualifier=version)[1]))
    worker.start()

    def busy():
        with urllib.request.urlopen(f"{lam.meta.endpoint_url}/_cloudtwin/lambda/environments", timeout=5) as resp:
            return any(e["state"] == "busy" for e in json.loads(resp.read())["environments"])

    assert eventually(busy, 10)
    assert invoke_json(lam, "warmed", Qualifier=version)[1] == "on-demand"
    worker.join(15)
    assert results == ["provisioned-concurrency"]

    # reserved concurrency 1, all of it provisioned: nothing is left for $LATEST
    lam.put_function_concurrency(FunctionName="warmed", ReservedConcurrentExecutions=1)
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName="warmed", Payload=b"{}")
    assert err.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert invoke_json(lam, "warmed", Qualifier=version)[1] == "provisioned-concurrency"


INIT_FAILS_PROVISIONED = """
import os
if os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"] == "provisioned-concurrency":
    raise Exception("no provisioned start")

def handler(event, context):
    return os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"]
"""


def test_provisioned_concurrency_whose_initialization_fails_and_invocations_meanwhile(lam, deploy):
    deploy("cold-only", {"app.py": INIT_FAILS_PROVISIONED})
    version = lam.publish_version(FunctionName="cold-only")["Version"]
    lam.put_provisioned_concurrency_config(FunctionName="cold-only", Qualifier=version, ProvisionedConcurrentExecutions=1)
    # before the config is ready, invocations are served on demand
    assert invoke_json(lam, "cold-only", Qualifier=version)[1] == "on-demand"
    status = eventually(lambda: (s := lam.get_provisioned_concurrency_config(
        FunctionName="cold-only", Qualifier=version))["Status"] != "IN_PROGRESS" and s, 20)
    assert status["Status"] == "FAILED" and status["StatusReason"] == "FUNCTION_ERROR_INIT_FAILURE"
    assert (status["AllocatedProvisionedConcurrentExecutions"], status["AvailableProvisionedConcurrentExecutions"]) == (0, 0)
    assert invoke_json(lam, "cold-only", Qualifier=version)[1] == "on-demand"


def test_responses_past_aws_limit_fail_and_the_function_keeps_serving(lam, deploy):
    deploy("sized", {"app.py": "def handler(event, context):\n    return 'a' * event['n']\n"}, MemorySize=512)
    response, payload = invoke_json(lam, "sized", {"n": 6 * 1024 * 1024})  # within 6 MB + 100 bytes
    assert "FunctionError" not in response and len(payload) == 6 * 1024 * 1024
    for _ in range(2):
        response, payload = invoke_json(lam, "sized", {"n": 7 * 1024 * 1024})
        assert response["FunctionError"] == "Unhandled"
        assert payload == {
            "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        }


def test_a_one_letter_function_runs_as_its_role(lam, deploy):
    source = "import boto3\ndef handler(event, context):\n    return boto3.client('sts').get_caller_identity()['Arn']\n"
    deploy("q", {"app.py": source})
    arn = invoke_json(lam, "q")[1]
    assert arn == "arn:aws:sts::000000000000:assumed-role/lambda-exec/q@lambda_function"
