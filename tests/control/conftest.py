"""Helpers for the control-surface tests: raw HTTP calls, and processors registered by the
test itself on the in-process server's gateway (removed again afterwards)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Callable

import pytest

Call = Callable[..., tuple[int, Any]]


def call_control(endpoint: str, method: str, path: str, body: Any = None, raw: bytes | None = None):
    """``(status, json)`` of one control request; ``body`` is sent as JSON, ``raw`` as is."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(
        f"{endpoint}/_cloudtwin/{path}", data=data, method=method,
        headers={"Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            status, payload = response.status, response.read()
            ctype = response.headers.get("Content-Type")
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
        ctype = error.headers.get("Content-Type")
    assert ctype == "application/json", (status, payload)
    return status, json.loads(payload)


@pytest.fixture
def control(endpoint: str) -> Call:
    """``control("POST", "clock/advance", {"seconds": 5})`` -> ``(status, json)``."""

    def call(method: str, path: str, body: Any = None, raw: bytes | None = None):
        return call_control(endpoint, method, path, body, raw)

    return call


@pytest.fixture
def control_at() -> Callable[[str], Call]:
    """``control_at(endpoint)`` -> a ``control`` function for another server."""

    def bind(endpoint: str) -> Call:
        return lambda method, path, body=None, raw=None: call_control(
            endpoint, method, path, body, raw
        )

    return bind


@pytest.fixture
def register(server):
    """``register(name, fn)`` on the test server's processors; unregistered after the test."""
    names: list[str] = []

    def add(name: str, fn) -> None:
        server.app.processors.register(name, fn)
        names.append(name)

    yield add
    for name in names:
        server.app.processors.unregister(name)
