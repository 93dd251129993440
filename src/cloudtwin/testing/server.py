"""A cloudtwin server running in a background thread of the current process.

Used by cloudtwin's own tests (and later the pytest plugin): no subprocess, a free port,
ready in well under a second, and stopped cleanly.
"""

from __future__ import annotations

import socket
import threading
import time

from cloudtwin.config import Config


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class ServerThread:
    """Start with :meth:`start`, stop with :meth:`stop`; ``endpoint`` is its URL."""

    def __init__(self, config: Config | None = None) -> None:
        from cloudtwin.server import build_server

        # Every record a test's calls write is encoded as --data-dir would: a service
        # keeping something the data dir cannot hold fails that test.
        self.config = config or Config(port=free_port(), log_level="warning", check_records=True)
        if self.config.port == 0:
            self.config.port = free_port(self.config.host)
        self.server, self.app = build_server(self.config)
        self._thread = threading.Thread(target=self.server.run, name="cloudtwin", daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://{self.config.host}:{self.config.port}"

    def start(self, timeout: float = 10.0) -> "ServerThread":
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError("cloudtwin server thread exited during start-up")
            if time.monotonic() > deadline:
                raise TimeoutError("cloudtwin server did not start in time")
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self._thread.join(timeout)

    def __enter__(self) -> "ServerThread":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_command(port: int, *args: str, python: str | None = None) -> list[str]:
    """The ``cloudtwin start`` command line the subprocess helpers run (``python``: another
    interpreter than this one)."""
    import sys

    return [python or sys.executable, "-m", "cloudtwin", "start", "--port", str(port), "--log-level", "warning", *args]


def start_process(port: int, *args: str, timeout: float = 60.0):
    """``cloudtwin start`` in a subprocess (for restart and crash tests), returned once it
    answers ``/_cloudtwin/health``. Extra ``args`` go to ``start`` (e.g. ``--data-dir``)."""
    import subprocess
    import urllib.request

    proc = subprocess.Popen(
        start_command(port, *args),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"cloudtwin exited during start-up with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_cloudtwin/health", timeout=1):
                return proc
        except OSError:
            time.sleep(0.02)
    proc.kill()
    proc.wait()
    raise TimeoutError("cloudtwin did not start in time")
