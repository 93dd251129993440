import json
import urllib.request

import cloudtwin


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.status, json.loads(resp.read())


def test_health_reports_version_services_and_uptime(endpoint):
    status, body = get_json(f"{endpoint}/_cloudtwin/health")
    assert status == 200
    assert body["status"] == "running"
    assert body["version"] == cloudtwin.__version__
    assert body["uptime_seconds"] >= 0
    assert "sts" in body["services"]["implemented"]


def test_unknown_control_endpoint_is_a_json_404(endpoint):
    try:
        urllib.request.urlopen(f"{endpoint}/_cloudtwin/nope", timeout=5)
    except urllib.error.HTTPError as err:
        assert err.code == 404
        assert "/_cloudtwin/health" in json.loads(err.read())["endpoints"]
    else:  # pragma: no cover
        raise AssertionError("expected a 404")


def test_health_answers_once_the_warm_up_is_done(server, endpoint):
    """Healthy means ready: a call made right after the first 200 waits for no warm-up."""
    import threading
    import urllib.request

    gate = threading.Event()
    server.app._warming = gate
    got: dict = {}

    def ask() -> None:
        with urllib.request.urlopen(endpoint + "/_cloudtwin/health", timeout=10) as response:
            got["status"] = response.status

    asker = threading.Thread(target=ask)
    asker.start()
    try:
        asker.join(0.2)
        assert asker.is_alive() and not got  # still warming: no answer yet
    finally:
        gate.set()
        asker.join(10)
        server.app._warming = None
    assert got == {"status": 200}
