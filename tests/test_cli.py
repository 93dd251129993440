"""`cloudtwin start` and `python -m cloudtwin start` as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
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


def test_version_and_help():
    out = subprocess.run([sys.executable, "-m", "cloudtwin", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("cloudtwin ")
    out = subprocess.run([sys.executable, "-m", "cloudtwin", "start", "--help"], capture_output=True, text=True)
    assert "--port" in out.stdout and "--data-dir" in out.stdout
