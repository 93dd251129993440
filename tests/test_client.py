"""cloudtwin.Client against the in-process server."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone

import pytest

import cloudtwin
from cloudtwin.client import ControlApiError
from cloudtwin.control.request_log import RequestRecord


@pytest.fixture
def client(endpoint) -> cloudtwin.Client:
    return cloudtwin.Client(endpoint)


def test_client_is_exported_lazily() -> None:
    code = (
        "import sys, cloudtwin; assert 'cloudtwin.client' not in sys.modules; "
        "from cloudtwin import Client; assert Client.__module__ == 'cloudtwin.client'"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
    with pytest.raises(AttributeError):
        cloudtwin.NoSuchThing  # noqa: B018


def test_default_endpoint() -> None:
    assert cloudtwin.Client().endpoint == "http://127.0.0.1:4566"
    assert cloudtwin.Client("http://127.0.0.1:9999/").endpoint == "http://127.0.0.1:9999"


def test_health_and_services(client) -> None:
    assert client.health()["status"] == "running"
    services = client.services()
    assert any(s["name"] == "sts" for s in services)
    assert "GetCallerIdentity" in client.service("sts")["implemented"]


def test_clock_round_trip(client) -> None:
    frozen = client.freeze()
    assert frozen["frozen"] is True
    moved = client.advance(90)
    # Other services' processors may be registered in this server (the session is shared).
    assert moved["now"] == frozen["now"] + 90 and isinstance(moved["processed"], dict)
    assert client.now() == moved["now"]
    at = client.set_time(datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert at["iso"] == "2030-01-01T00:00:00Z"
    assert client.set_time("2031-01-01T00:00:00Z")["iso"] == "2031-01-01T00:00:00Z"
    assert client.set_time(1_893_456_000)["now"] == 1_893_456_000
    assert client.unfreeze()["frozen"] is False
    assert client.clock()["frozen"] is False


def test_tick_and_processors(client, server) -> None:
    server.app.processors.register("client.test", lambda now: {"seen": now})
    try:
        client.freeze()
        now = client.now()
        assert client.tick("client.test") == {"seen": now}
        assert client.tick()["client.test"] == {"seen": now}
        assert client.advance(5)["processed"]["client.test"] == {"seen": now + 5}
        [stats] = [p for p in client.processors() if p["name"] == "client.test"]
        assert stats["runs"] == 4  # freeze, tick, tick-all, advance
    finally:
        server.app.processors.unregister("client.test")


def test_reset_and_requests(client, server) -> None:
    server.app.request_log.append(
        RequestRecord(1.0, "r1", "sqs", "SendMessage", "111111111111", "us-east-1", 400, "X", 1.0)
    )
    server.app.request_log.append(
        RequestRecord(2.0, "r2", "sqs", "SendMessage", "111111111111", "us-east-1", 200, None, 1.0)
    )
    assert [r["request_id"] for r in client.requests(service="sqs")] == ["r1", "r2"]
    assert [r["request_id"] for r in client.requests(errors=True)] == ["r1"]
    assert [r["request_id"] for r in client.requests(status=200, limit=5)] == ["r2"]
    assert client.requests(account="222222222222") == []
    out = client.reset(service="sts")
    assert out["scope"] == "service"
    assert len(client.requests()) == 2
    out = client.reset()
    assert out["scope"] == "all" and out["request_log"] is True
    assert client.requests() == []
    assert client.reset(account="111111111111")["scope"] == "account"


def test_errors_raise_with_status_and_message(client) -> None:
    with pytest.raises(ControlApiError) as err:
        client.tick("no.such.processor")
    assert err.value.status == 404 and "no.such.processor" in err.value.message
    with pytest.raises(ControlApiError) as err:
        client.advance(-1)
    assert err.value.status == 400
    with pytest.raises(ControlApiError) as err:
        client.reset(account="nope")
    assert err.value.status == 400 and err.value.body["error"]


def test_loopback_calls_ignore_proxy_settings(client, monkeypatch) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert cloudtwin.Client(client.endpoint).health()["status"] == "running"


def test_wait_until_ready_gives_up_on_a_dead_endpoint() -> None:
    from cloudtwin.testing.server import free_port

    dead = cloudtwin.Client(f"http://127.0.0.1:{free_port()}", timeout=1)
    with pytest.raises(OSError):
        dead.wait_until_ready(timeout=0.2)
