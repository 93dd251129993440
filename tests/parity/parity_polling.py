"""Polling for the parity suite: AWS is eventually consistent, so a parity test waits for a
condition with a deadline instead of asserting on the first read."""

from __future__ import annotations

import time
from typing import Any, Callable


def eventually(check: Callable[[], Any], timeout: float = 30.0, interval: float = 0.5) -> Any:
    """Poll ``check`` until it returns something truthy (AWS is eventually consistent)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)
