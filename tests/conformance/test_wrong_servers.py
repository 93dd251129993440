"""The judge cannot be fooled: deliberately wrong servers, on loopback, fail the harness —
one refuses every request with its protocol's validation error, one answers every request
``200`` with an empty document — and a server that never answers costs a bounded time."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cloudtwin.conformance.runner import Runner, RunOptions
from cloudtwin.conformance.target import Target

#: One service per protocol family: JSON (sqs), query (sns), rest-xml (s3).
SERVICES = ("sqs", "sns", "s3")
SAMPLE = 4


def _protocol(handler: BaseHTTPRequestHandler, body: bytes) -> str:
    if handler.headers.get("X-Amz-Target"):
        return "json"
    if b"Action=" in body:
        return "query"
    return "rest-xml"


class _Refuses(BaseHTTPRequestHandler):
    """400 with the protocol's own validation code: the code a negative variant wants."""

    protocol_version = "HTTP/1.1"  # answers Expect: 100-continue (S3 uploads) at once

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        kind = _protocol(self, body)
        if kind == "json":
            out, ctype = b'{"__type":"ValidationException","message":"refused"}', "application/x-amz-json-1.0"
        elif kind == "query":
            out = (b"<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>"
                   b"<Message>refused</Message></Error><RequestId>r</RequestId></ErrorResponse>")
            ctype = "text/xml"
        else:
            out = b"<Error><Code>InvalidArgument</Code><Message>refused</Message></Error>"
            ctype = "application/xml"
        self.send_response(400)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(out)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

    def log_message(self, *_args) -> None:
        pass


class _Empty(_Refuses):
    """200 with an empty document: ``{}`` for JSON, no body for XML."""

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        out = b"{}" if _protocol(self, body) == "json" else b""
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer


class _Silent(_Refuses):
    """Reads the request and never answers."""

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(30)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer


def _serve(handler: type[BaseHTTPRequestHandler]):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture(scope="module")
def runs():
    """Each wrong server judged on a sample of every operation of the three services."""
    out = {}
    for name, handler in (("refuses", _Refuses), ("empty", _Empty)):
        server = _serve(handler)
        try:
            target = Target(f"http://127.0.0.1:{server.server_address[1]}", timeout=5)
            out[name] = Runner(target, RunOptions(sample=SAMPLE, shrink=False)).run(list(SERVICES))
        finally:
            server.shutdown()
            server.server_close()
    return out


@pytest.mark.parametrize("server", ["refuses", "empty"])
def test_a_wrong_server_fails_the_harness(runs, server):
    for result in runs[server]:
        assert result.total > 50, result.name
        assert result.passed / result.total < 0.5, (server, result.name, result.passed, result.total)
        assert result.success_path_share < 0.5, (server, result.name, result.success_path_share)
        assert result.round_trips["verified"] == 0, (server, result.name, result.round_trips)
    everything = sum(r.total for r in runs[server])
    assert sum(r.passed for r in runs[server]) / everything < 0.25


def test_refusing_every_valid_request_is_a_failure_not_a_pass(runs):
    outcomes = set()
    for result in runs["refuses"]:
        assert result.success == 0
        outcomes |= {o for op in result.operations.values() for o in op.outcomes}
    # a refused valid request fails, and so does every valid variant after a refused set-up
    assert {"refused-valid", "setup-failure"} & outcomes, outcomes
    assert not outcomes & {"success", "declared-error", "allowed-error"}, outcomes


def test_empty_answers_fail_the_round_trips(runs):
    failed = sum(r.round_trips["failed"] for r in runs["empty"])
    assert failed > 0


def test_a_server_that_never_answers_costs_a_bounded_time():
    server = _serve(_Silent)
    try:
        target = Target(f"http://127.0.0.1:{server.server_address[1]}", timeout=0.5, generous=1.0)
        started = time.monotonic()
        options = RunOptions(sample=2, shrink=False, operations=["ListQueues", "GetQueueUrl"])
        (result,) = Runner(target, options).run(["sqs"])
        elapsed = time.monotonic() - started
    finally:
        server.shutdown()
        server.server_close()
    assert result.total == 4 and result.passed == 0
    assert all(set(op.outcomes) <= {"transport", "setup-failure"} for op in result.operations.values())
    # 4 variants and one set-up per operation, each bounded by the half-second timeout
    assert elapsed < 30, elapsed


def test_cpu_heavy_variants_get_the_generous_timeout():
    target = Target("http://127.0.0.1:9", timeout=15, generous=120)
    assert target.timeout_for("kms", {"KeySpec": "RSA_4096"}) == 120
    assert target.timeout_for("kms", {"KeyPairSpec": "RSA_3072", "KeyId": "k"}) == 120
    assert target.timeout_for("kms", {"KeySpec": "SYMMETRIC_DEFAULT"}) == 15
    assert target.timeout_for("kms", {"Tags": [{"TagKey": "KeySpec", "TagValue": "RSA_4096"}]}) == 15


def test_the_command_judges_any_endpoint_and_reports_what_it_measures(tmp_path, capsys):
    import json

    from cloudtwin.cli import main

    server = _serve(_Refuses)
    report = tmp_path / "report.json"
    try:
        code = main(["conformance", "run", "--endpoint", f"http://127.0.0.1:{server.server_address[1]}",
                     "--services", "sqs", "--sample", "2", "--timeout", "5", "--no-shrink", "--report", str(report)])
    finally:
        server.shutdown()
        server.server_close()
    assert code == 0  # another endpoint is measured, not compared with cloudtwin's baseline
    data = json.loads(report.read_text())
    sqs = data["services"]["sqs"]
    assert {"variants", "passed", "success_path_share", "round_trips"} <= set(sqs)
    assert sqs["success_path_share"] == 0.0 and sqs["passed"] < sqs["variants"] / 2
    assert data["settings"]["endpoint"].startswith("http://127.0.0.1:")
    assert "success-path share" in capsys.readouterr().out
