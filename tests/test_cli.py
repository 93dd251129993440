"""`cloudtwin start` and `python -m cloudtwin start` as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from cloudtwin.testing.server import free_port


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited early: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_cloudtwin/health", timeout=1) as resp:
                return json.loads(resp.read())
        except OSError:
            time.sleep(0.02)
    raise AssertionError("server did not become healthy")


@pytest.mark.parametrize("how", ["script", "module", "env"])
def test_start_serves_logs_requests_and_stops_on_sigterm(how, tmp_path):
    import boto3

    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if how == "script":
        cmd = [os.path.join(os.path.dirname(sys.executable), "cloudtwin"), "start", "--port", str(port)]
    elif how == "module":
        cmd = [sys.executable, "-m", "cloudtwin", "start", "--port", str(port), "--log-level", "info"]
    else:
        cmd = [sys.executable, "-m", "cloudtwin", "start"]
        env.update(CLOUDTWIN_PORT=str(port), CLOUDTWIN_HOST="127.0.0.1", CLOUDTWIN_LOG_LEVEL="info")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        health = wait_healthy(port, proc)
        assert health["status"] == "running"
        sts = boto3.client(
            "sts", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
        )
        assert sts.get_caller_identity()["Account"] == "000000000000"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, stderr = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, stderr
    request_lines = [line for line in stderr.splitlines() if "sts.GetCallerIdentity 200" in line]
    assert len(request_lines) == 1, stderr
    assert request_lines[0].rstrip().endswith("ms")


def test_log_level_warning_silences_request_lines():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cloudtwin", "start", "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_healthy(port, proc)
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/", data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Authorization": "AWS4-HMAC-SHA256 Credential=t/20260101/us-east-1/sts/aws4_request, "
                                      "SignedHeaders=host, Signature=00"},
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.status == 200
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=15)
    assert proc.returncode == 0
    assert "GetCallerIdentity" not in stderr
    # the URL is said whatever the level
    assert f"cloudtwin listening on http://127.0.0.1:{port}" in stderr


def test_version_and_help():
    out = subprocess.run([sys.executable, "-m", "cloudtwin", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("cloudtwin ")
    out = subprocess.run([sys.executable, "-m", "cloudtwin", "start", "--help"], capture_output=True, text=True)
    assert "--port" in out.stdout and "--data-dir" in out.stdout


def test_request_lines_name_the_error_code():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cloudtwin", "start", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_healthy(port, proc)
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/", data=b"Action=GetQueueUrl&QueueName=nope&Version=2012-11-05",
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Authorization": "AWS4-HMAC-SHA256 Credential=t/20260101/us-east-1/sqs/aws4_request, "
                                      "SignedHeaders=host, Signature=00"},
        )
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(req, timeout=5)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=15)
    lines = [line for line in stderr.splitlines() if "sqs.GetQueueUrl 400" in line]
    assert len(lines) == 1, stderr
    assert "QueueDoesNotExist" in lines[0] or "NonExistentQueue" in lines[0], lines[0]


def test_no_command_prints_the_usage():
    out = subprocess.run([sys.executable, "-m", "cloudtwin"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    for command in ("start", "contract", "conformance", "aws"):
        assert command in out.stderr


def test_port_in_use_is_one_clear_line():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        out = subprocess.run(
            [sys.executable, "-m", "cloudtwin", "start", "--port", str(port)],
            capture_output=True, text=True, timeout=30,
        )
    assert out.returncode == 1
    assert "listening on" not in out.stderr  # never claims to listen where it cannot
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert lines == [
        f"cloudtwin: cannot listen on 127.0.0.1:{port}: the port is in use (another cloudtwin "
        "or LocalStack?); stop it or choose another with --port (--port 0: any free port)"
    ], out.stderr


def test_port_zero_picks_a_free_port_and_says_which():
    proc = subprocess.Popen(
        [sys.executable, "-m", "cloudtwin", "start", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        first = proc.stderr.readline()
        assert first.startswith("cloudtwin listening on http://127.0.0.1:"), first
        port = int(first.rsplit(":", 1)[1])
        assert port > 0
        assert wait_healthy(port, proc)["status"] == "running"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    assert proc.returncode == 0


def test_localstack_settings_are_adopted_with_a_note():
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDTWIN_")}
    env.update(GATEWAY_LISTEN=f"127.0.0.1:{port}", PERSISTENCE="1", DEFAULT_REGION="eu-west-1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cloudtwin", "start"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        wait_healthy(port, proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=15)
    assert f"using LocalStack's GATEWAY_LISTEN=127.0.0.1:{port} as CLOUDTWIN_HOST=127.0.0.1, CLOUDTWIN_PORT={port}" in stderr
    assert "using LocalStack's DEFAULT_REGION=eu-west-1 as CLOUDTWIN_DEFAULT_REGION=eu-west-1" in stderr
    assert "LocalStack's PERSISTENCE is not read: keep state with --data-dir DIR" in stderr


def test_aws_wrapper_reaches_sqs_in_another_region(endpoint):
    """AWS CLI v1 ignores AWS_ENDPOINT_URL for SQS; ``cloudtwin aws`` does not."""
    import boto3

    env = {**os.environ, "CLOUDTWIN_ENDPOINT": endpoint}
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS"):
        env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-m", "cloudtwin", "aws", "sqs", "create-queue", "--queue-name",
         "wrapped-eu", "--region", "eu-west-1", "--output", "json"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["QueueUrl"].endswith("/wrapped-eu")
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="eu-west-1")
    assert any(url.endswith("/wrapped-eu") for url in sqs.list_queues()["QueueUrls"])
    assert "QueueUrls" not in boto3.client("sqs", endpoint_url=endpoint, region_name="us-west-2").list_queues()
