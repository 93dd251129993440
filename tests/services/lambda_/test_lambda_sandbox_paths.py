"""A function's errors name AWS's sandbox paths (/var/task, /opt), not this machine's."""

from __future__ import annotations

import base64

from lambda_helpers import invoke_json, zipped


def test_python_handler_error_names_var_task_and_opt(lam, deploy):
    layer = lam.publish_layer_version(
        LayerName="failing-lib", Content={"ZipFile": zipped({"python/failing_lib.py": "def boom():\n    raise ValueError('from layer')\n"})},
    )["LayerVersionArn"]  # fmt: skip
    deploy("tracer", {"app.py": "import failing_lib\ndef handler(e, c):\n    failing_lib.boom()\n"}, Layers=[layer])
    response, payload = invoke_json(lam, "tracer", LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorMessage"] == "from layer"
    assert payload["stackTrace"][0].startswith('  File "/var/task/app.py", line 3, in handler\n')
    assert payload["stackTrace"][1].startswith('  File "/opt/python/failing_lib.py", line 2, in boom\n')
    tail = base64.b64decode(response["LogResult"]).decode()
    assert 'File "/var/task/app.py", line 3' in tail


def test_python_init_error_names_var_task(lam, deploy):
    deploy("broken-init", {"app.py": "raise Exception('init fails')\ndef handler(e, c):\n    pass\n"})
    _, payload = invoke_json(lam, "broken-init")
    assert payload["errorMessage"] == "init fails"
    assert payload["stackTrace"][-1] == '  File "/var/task/app.py", line 1, in <module>\n    raise Exception(\'init fails\')\n'
    assert all(line.startswith(('  File "/var/', '  File "<frozen')) for line in payload["stackTrace"])


def test_nodejs_error_trace_names_var_task(lam, deploy):
    deploy("node-tracer", {"index.js": "exports.handler = async () => { throw new Error('node fails'); };\n"},
           handler="index.handler", runtime="nodejs20.x")  # fmt: skip
    _, payload = invoke_json(lam, "node-tracer")
    assert payload["errorMessage"] == "node fails"
    assert any("/var/task/index.js:1:" in line for line in payload["trace"])
    assert not any("cloudtwin" in line for line in payload["trace"])
