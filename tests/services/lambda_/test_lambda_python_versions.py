"""python3.x functions run on that Python version where this machine has it, with AWS's
runtime interface client and boto3, as AWS's python3.x runtimes offer them."""

from __future__ import annotations

import sys

import pytest
from lambda_helpers import invoke_json

from cloudtwin.execution.runtimes import python_interpreter

VERSION = """
import sys, boto3
def handler(event, context):
    return {"version": "%d.%d" % sys.version_info[:2], "boto3": bool(boto3.__version__),
            "remaining": context.get_remaining_time_in_millis()}
def boom(event, context):
    raise KeyError("missing")
"""


@pytest.mark.parametrize("runtime", ["python3.9", "python3.10", "python3.12", "python3.13"])
def test_a_function_runs_on_its_runtimes_python_version(lam, deploy, runtime):
    expected = python_interpreter(runtime).version
    deploy(f"version-{runtime.replace('.', '')}", {"app.py": VERSION}, runtime=runtime)
    response, payload = invoke_json(lam, f"version-{runtime.replace('.', '')}")
    assert "FunctionError" not in response, payload
    assert payload["version"] == expected and payload["boto3"] is True
    assert 0 < payload["remaining"] <= 3000
    if expected != f"{sys.version_info.major}.{sys.version_info.minor}":
        assert expected == runtime.removeprefix("python")


def test_errors_from_another_python_name_the_sandbox_paths(lam, deploy):
    runtime = "python3.13"
    deploy("version-boom", {"app.py": VERSION}, handler="app.boom", runtime=runtime)
    response, payload = invoke_json(lam, "version-boom")
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "KeyError" and payload["errorMessage"] == "'missing'"
    assert payload["stackTrace"][0].startswith('  File "/var/task/app.py", line 7, in boom\n')
