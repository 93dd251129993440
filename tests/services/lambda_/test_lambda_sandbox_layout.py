"""AWS's sandbox layout, for real, where this machine allows a mount namespace
(execution/sandbox_mounts.py): code at a read-only /var/task, layers merged under /opt,
the runtime at /var/runtime, a /tmp of the environment's own, and AWS's variables exactly."""

from __future__ import annotations

import pytest
from lambda_helpers import invoke_json, zipped

import sys
from pathlib import Path

import cloudtwin
from cloudtwin.execution.sandbox_mounts import own_tmp_possible, support

pytestmark = pytest.mark.skipif(
    support() is None, reason="this machine gives no mount namespace (unshare/mount refused, or not Linux)"
)
#: cloudtwin installed under /tmp (a checkout there): environments share this machine's /tmp
OWN_TMP = own_tmp_possible([sys.prefix, sys.base_prefix, str(Path(cloudtwin.__file__).parent)])

#: What AWS's Python runtimes set (recorded from AWS), besides the function's own variables.
AWS_PYTHON_VARIABLES = {
    "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "LAMBDA_RUNTIME_DIR", "LAMBDA_TASK_ROOT", "LANG",
    "LD_LIBRARY_PATH", "PATH", "PWD", "PYTHONPATH", "SHLVL", "TZ", "_HANDLER", "_X_AMZN_TRACE_ID",
    "LC_CTYPE", "AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_DAEMON_ADDRESS", "_AWS_XRAY_DAEMON_ADDRESS",
    "_AWS_XRAY_DAEMON_PORT",
}

INSPECT = """import os, sys

def handler(event, context):
    try:
        open("/var/task/new.txt", "w")
        writable = True
    except OSError:
        writable = False
    seen = sorted(os.listdir("/tmp"))
    with open("/tmp/mark", "w") as f:
        f.write(context.function_name)
    import shared
    return {"env": dict(os.environ), "cwd": os.getcwd(), "writable": writable, "tmp": seen,
            "task": sorted(os.listdir("/var/task")), "shared": shared.WHO, "path": sys.path[:3]}
"""


def _layer(lam, name: str, who: str) -> str:
    return lam.publish_layer_version(
        LayerName=name, Content={"ZipFile": zipped({"python/shared.py": f"WHO = {who!r}\n"})},
    )["LayerVersionArn"]  # fmt: skip


def test_python_sees_aws_layout_and_variables(lam, deploy):
    first, second = _layer(lam, "first", "first"), _layer(lam, "second", "second")
    deploy("layout", {"app.py": INSPECT}, Layers=[first, second], Environment={"Variables": {"MINE": "1"}})
    _, cold = invoke_json(lam, "layout")
    env = cold["env"]
    assert cold["cwd"] == "/var/task" and cold["task"] == ["app.py"]
    assert cold["writable"] is False  # /var/task is read-only, as on AWS
    assert cold["shared"] == "second"  # the later layer wins in /opt
    assert cold["path"] == ["/var/task", "/opt/python/lib/python3.12/site-packages", "/opt/python"]
    assert (env["LAMBDA_TASK_ROOT"], env["LAMBDA_RUNTIME_DIR"], env["PWD"]) == ("/var/task", "/var/runtime", "/var/task")
    assert (env["PYTHONPATH"], env["SHLVL"], env["MINE"]) == ("/var/runtime", "0", "1")
    assert set(env) - {"MINE", "AWS_ENDPOINT_URL"} <= AWS_PYTHON_VARIABLES
    assert "HOME" not in env and "TMPDIR" not in env
    # AWS's search paths first (a layer's /opt/bin and /opt/lib are searched), this machine's after
    assert env["PATH"].startswith("/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin")
    assert env["LD_LIBRARY_PATH"].startswith("/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:"
                                             "/var/task:/var/task/lib:/opt/lib")
    assert env["AWS_XRAY_CONTEXT_MISSING"] == "LOG_ERROR"
    _, warm = invoke_json(lam, "layout")
    assert "mark" in warm["tmp"]  # /tmp is kept while the environment is warm
    if OWN_TMP:  # and it is the environment's own: empty at the cold start
        assert cold["tmp"] == [] and warm["tmp"] == ["mark"]


@pytest.mark.skipif(not OWN_TMP, reason="cloudtwin runs from under /tmp: environments share this machine's /tmp")
def test_tmp_is_not_shared_between_functions(lam, deploy):
    layer = _layer(lam, "shared-one", "one")
    for name in ("tmp-a", "tmp-b"):
        deploy(name, {"app.py": INSPECT}, Layers=[layer])
    invoke_json(lam, "tmp-a")
    _, other = invoke_json(lam, "tmp-b")
    assert other["tmp"] == []  # tmp-a's mark is not there


def test_same_paths_new_code_runs_new_code(lam, deploy):
    """Every version's code is at /var/task: compiled files of one never stand in for another's."""
    deploy("versions", {"app.py": "def handler(e, c):\n    return 'v1'\n"}, Publish=True)
    lam.update_function_code(FunctionName="versions", ZipFile=zipped({"app.py": "def handler(e, c):\n    return 'v2'\n"}))
    lam.get_waiter("function_updated_v2").wait(FunctionName="versions", WaiterConfig={"Delay": 1})
    assert invoke_json(lam, "versions", Qualifier="1")[1] == "v1"
    assert invoke_json(lam, "versions")[1] == "v2"


def test_nodejs_sees_aws_node_path(lam, deploy):
    layer = lam.publish_layer_version(
        LayerName="node-lib",
        Content={"ZipFile": zipped({"nodejs/node_modules/greeting/index.js": "module.exports = 'from /opt';\n"})},
    )["LayerVersionArn"]  # fmt: skip
    source = ("exports.handler = async () => ({env: process.env, cwd: process.cwd(), "
              "greeting: require('greeting'), file: require.resolve('greeting')});\n")
    deploy("node-layout", {"index.js": source}, handler="index.handler", runtime="nodejs22.x", Layers=[layer])
    _, result = invoke_json(lam, "node-layout")
    assert result["cwd"] == "/var/task" and result["env"]["PWD"] == "/var/task"
    assert result["env"]["NODE_PATH"] == (
        "/opt/nodejs/node22/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task"
    )
    assert result["greeting"] == "from /opt" and result["file"] == "/opt/nodejs/node_modules/greeting/index.js"


def test_custom_runtime_bootstrap_runs_from_var_task(lam, deploy):
    bootstrap = """#!/bin/sh
set -e
while true; do
  HEADERS="$(mktemp)"
  curl -sS -D "$HEADERS" -o /dev/null "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next"
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  curl -sS -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$ID/response" \\
    -d "{\\"root\\": \\"$LAMBDA_TASK_ROOT\\", \\"cwd\\": \\"$(pwd)\\", \\"self\\": \\"$0\\"}"
done
"""
    deploy("custom-layout", {"bootstrap": bootstrap}, handler="function.handler", runtime="provided.al2023",
           modes={"bootstrap": 0o755})  # fmt: skip
    _, result = invoke_json(lam, "custom-layout")
    assert result == {"root": "/var/task", "cwd": "/var/task", "self": "/var/task/bootstrap"}
