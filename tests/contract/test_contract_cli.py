"""``cloudtwin contract --run``: exit codes, the report file and the summary table."""

from __future__ import annotations

import json
import shlex
import sys

import pytest

from cloudtwin.cli import main
from cloudtwin.testing.server import free_port

# What the command under test does: one STS call through AWS_ENDPOINT_URL. The SDK call
# is the real thing; the raw one (the same request on the wire) spares a boto3 import.
BOTO3_MATCHING = "import boto3; boto3.client('sts').get_caller_identity()"
RAW_CALL = (
    "import os, urllib.request; urllib.request.urlopen(urllib.request.Request("
    "os.environ['AWS_ENDPOINT_URL'] + '/', data=b'Action={action}&Version=2011-06-15{extra}', headers={{"
    "'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8', 'Authorization': "
    "'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0'}}"
    "), timeout=30).read()"
)
MATCHING = RAW_CALL.format(action="GetCallerIdentity", extra="")
MISMATCHING = RAW_CALL.format(action="DecodeAuthorizationMessage", extra="&EncodedMessage=x")


def command(code: str) -> str:
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


@pytest.fixture(autouse=True)
def dummy_aws_env(monkeypatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


def run(tmp_path, reference_server, target_server, code: str, *extra: str) -> tuple[int, dict]:
    output = tmp_path / "report.json"
    status = main([
        "contract", "--target", target_server.endpoint, "--reference", reference_server.endpoint,
        "--port", str(free_port()), "--output", str(output), "--run", command(code), *extra,
    ])
    return status, json.loads(output.read_text())


def test_everything_matched_exits_0(tmp_path, reference_server, target_server, capsys) -> None:
    status, report = run(tmp_path, reference_server, target_server, BOTO3_MATCHING)
    assert status == 0
    assert (report["total_requests"], report["matched"]) == (1, 1)
    out = capsys.readouterr().out
    assert "ALL" in out and "100.0%" in out and "report written to" in out


def test_a_mismatch_exits_1(tmp_path, reference_server, target_server, capsys) -> None:
    status, report = run(tmp_path, reference_server, target_server, MISMATCHING)
    assert status == 1
    assert report["mismatches"][0]["severity"] == "data"
    assert "sts.DecodeAuthorizationMessage" in capsys.readouterr().out


def test_ignore_paths_turn_the_mismatch_into_a_match(tmp_path, reference_server, target_server) -> None:
    status, report = run(tmp_path, reference_server, target_server, MISMATCHING,
                         "--ignore-paths", "DecodedMessage")
    assert status == 0 and report["matched"] == 1


def test_a_failing_command_exits_1_even_when_everything_matched(tmp_path, reference_server, target_server) -> None:
    status, report = run(tmp_path, reference_server, target_server, MATCHING + "; raise SystemExit(3)")
    assert status == 1 and report["mismatched"] == 0


def test_record_then_replay_from_the_command_line(tmp_path, target_server) -> None:
    from planted_sts import planted_server

    reference = planted_server("reference")
    try:
        status, _ = run(tmp_path, reference, target_server, MISMATCHING, "--record", str(tmp_path / "rec"))
    finally:
        reference.stop()
    assert status == 1
    output = tmp_path / "replay.json"
    status = main([
        "contract", "--target", target_server.endpoint, "--replay", str(tmp_path / "rec"),
        "--port", "0", "--output", str(output), "--run", command(MISMATCHING),
    ])
    assert status == 1
    (mismatch,) = json.loads(output.read_text())["mismatches"]
    assert mismatch["diffs"][0]["reference"] == "reference" and mismatch["diffs"][0]["target"] == "target"


def test_bad_arguments_exit_2(tmp_path, capsys) -> None:
    assert main(["contract", "--target", "http://127.0.0.1:1", "--output", str(tmp_path / "r.json")]) == 2
    assert "--reference or --replay" in capsys.readouterr().err


def test_without_run_it_serves_until_stopped_then_reports(tmp_path, reference_server, target_server) -> None:
    import signal
    import socket
    import subprocess
    import time

    from planted_sts import sts_client

    port, output = free_port(), tmp_path / "report.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cloudtwin.cli", "contract", "--target", target_server.endpoint,
         "--reference", reference_server.endpoint, "--port", str(port), "--output", str(output)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
                time.sleep(0.05)
        sts_client(f"http://127.0.0.1:{port}").get_caller_identity()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert json.loads(output.read_text())["matched"] == 1
    assert "ALL" in out
