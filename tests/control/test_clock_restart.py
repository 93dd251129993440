"""With ``--data-dir`` the virtual clock survives a restart (even ``kill -9``): a running
clock keeps its offset from real time, a frozen one its instant; a reset is durable too."""

from __future__ import annotations

import json
import signal
import urllib.request
from datetime import datetime, timezone

from cloudtwin.testing.server import free_port, start_process


def call(port: int, method: str, path: str, params: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_cloudtwin/{path}", method=method,
        data=json.dumps(params or {}).encode() if method == "POST" else None,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_the_clock_survives_a_restart(tmp_path):
    data_dir = str(tmp_path / "state")
    port = free_port()
    proc = start_process(port, "--data-dir", data_dir)
    try:
        target = datetime(2031, 5, 1, tzinfo=timezone.utc).timestamp()
        offset = call(port, "POST", "clock/set", {"time": target})["offset"]
        assert offset > 100_000_000  # years ahead of real time

        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc = start_process(port, "--data-dir", data_dir)
        clock = call(port, "GET", "clock")
        assert clock["frozen"] is False
        assert abs(clock["offset"] - offset) < 5  # running: the same offset from real time

        call(port, "POST", "clock/freeze")
        frozen_at = call(port, "POST", "clock/advance", {"seconds": 3600})["now"]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc = start_process(port, "--data-dir", data_dir)
        clock = call(port, "GET", "clock")
        assert clock["frozen"] is True
        assert clock["now"] == frozen_at

        call(port, "POST", "reset")
        proc.terminate()
        proc.wait(10)
        proc = start_process(port, "--data-dir", data_dir)
        clock = call(port, "GET", "clock")
        assert clock["frozen"] is False and abs(clock["offset"]) < 5
    finally:
        proc.kill()
        proc.wait()
