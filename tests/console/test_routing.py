"""Routing, guards and headers of ``/_cloudtwin/ui``: every implemented service has a page,
foreign pages are kept out, and nothing answers with a traceback."""

from __future__ import annotations

import pytest

from cloudtwin.services.registry import ServiceRegistry


def _implemented() -> list[str]:
    from cloudtwin.config import Config
    from cloudtwin.services.registry import ServiceEnvironment
    from cloudtwin.specs.catalog import ServiceCatalog
    from cloudtwin.gateway.identity import IdentityRegistry

    config = Config()
    env = ServiceEnvironment(config, ServiceCatalog(), IdentityRegistry(config.default_account))
    return ServiceRegistry(env).implemented()


def test_dashboard_lists_every_implemented_service(ui, server) -> None:
    page = ui("")
    assert page.status == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    text = page.text
    for service in server.app.services.implemented():
        assert f'href="/_cloudtwin/ui/{service}"' in text, service
    assert "Dashboard" in page.visible()


@pytest.mark.parametrize("service", _implemented())
def test_every_implemented_service_has_a_page(ui, service) -> None:
    page = ui(f"/{service}")
    assert page.status == 200, page.text[:500]
    assert "<!doctype html>" in page.text
    assert "Traceback" not in page.text


def test_pages_forbid_framing_and_foreign_scripts(ui) -> None:
    headers = ui("/sqs").headers
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_static_assets_are_package_data(ui) -> None:
    css, js = ui("/static/console.css"), ui("/static/console.js")
    assert css.status == js.status == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert js.headers["Content-Type"].startswith("text/javascript")
    assert "data-action" in js.text
    assert "http" not in css.text.replace("https://", "").lower() or "url(" not in css.text  # nothing fetched
    assert ui("/static/../routing.py").status == 404
    assert ui("/static/missing.js").status == 404


def test_unknown_pages_are_404_pages(ui) -> None:
    page = ui("/no-such-service")
    assert page.status == 404
    assert "no console page" in page.visible()
    assert ui("/sqs/no-such-page").status == 404


def test_a_foreign_origin_is_refused(ui) -> None:
    assert ui("", headers={"Origin": "https://evil.example"}).status == 403
    answer = ui("/sqs/create", method="POST", body={"name": "x"}, headers={"Origin": "https://evil.example"})
    assert answer.status == 403
    assert ui("", headers={"Origin": "http://localhost:3000"}).status == 200


def test_a_foreign_host_is_refused(ui) -> None:
    assert ui("", headers={"Host": "evil.example"}).status == 403


def test_actions_take_json_only(ui, aws_client) -> None:
    answer = ui("/sqs/create", method="POST", body={"name": "q"}, headers={"Content-Type": "text/plain"})
    assert answer.status == 415
    answer = ui("/sqs/create", method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 415
    assert aws_client("sqs").list_queues().get("QueueUrls", []) == []


def test_unknown_actions_and_bad_bodies(ui) -> None:
    assert ui("/sqs/nothing", method="POST", body={}).status == 404
    assert ui("/nope/create", method="POST", body={}).status == 404
    assert ui("/sqs/create", method="POST", body=["not", "an", "object"]).status == 400
    answer = ui("/sqs/create", method="POST", body={})
    assert answer.status == 400 and answer.text.startswith('{"error"')


def test_service_errors_are_shown_not_raised(ui) -> None:
    page = ui("/sqs/queue?url=http://localhost/000000000000/missing")
    assert page.status == 400
    assert "AWS.SimpleQueueService.NonExistentQueue" in page.visible() or "QueueDoesNotExist" in page.visible()


def test_the_control_404_lists_the_console(endpoint) -> None:
    import json
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(f"{endpoint}/_cloudtwin/nothing-here", timeout=10)
    assert caught.value.code == 404
    assert "/_cloudtwin/ui" in json.loads(caught.value.read())["endpoints"]
