"""Start and stop servers for the benchmarks (subprocesses on free loopback ports)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, timeout: float = 20.0) -> float:
    """Poll ``url`` until it answers 200; return the seconds it took."""
    start = time.perf_counter()
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return time.perf_counter() - start
        except OSError:
            pass
        if time.perf_counter() - start > timeout:
            raise TimeoutError(url)
        time.sleep(0.002)


def start_cloudtwin(port: int, log_level: str = "warning", extra_args: list[str] | None = None) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("cloudtwin")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cloudtwin"]
    return subprocess.Popen(
        [*cmd, "start", "--port", str(port), "--log-level", log_level, *(extra_args or [])],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
