"""The console in a real browser: headless Chromium (Debian's ``chromium``) driven by
Playwright. Pages are opened, forms filled and buttons clicked as a person would; every
page's screenshot is kept under ``.artifacts/console/`` (git-ignored).

Skipped, saying why, when Chromium or Playwright is not installed (``.ci/run`` installs
Chromium; the server-side tests in this folder run everywhere).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CLOUDTWIN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts" / "console"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-proxy-server",
]

if not os.path.exists(CHROMIUM):
    pytest.skip(f"Chromium is not installed ({CHROMIUM}): apt-get install -y chromium", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def browser_context():
    profile = tempfile.mkdtemp(prefix="cloudtwin-chromium-")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 900}, offline=False,
        )
        context.set_default_timeout(15_000)
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser_context, endpoint):
    """A fresh tab whose console errors (a script error, a CSP refusal) fail the test."""
    tab = browser_context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on("dialog", lambda d: d.accept())
    tab.base = endpoint + "/_cloudtwin/ui"  # type: ignore[attr-defined]
    yield tab
    tab.close()
    assert problems == []


def shot(tab, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def clock(endpoint: str) -> dict:
    with urllib.request.urlopen(f"{endpoint}/_cloudtwin/clock", timeout=10) as response:
        return json.loads(response.read())


def test_a_message_sent_with_boto3_appears_on_the_queue_page(page, aws_client) -> None:
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="order #1 <b>bold?</b>")
    page.goto(page.base + "/sqs")
    page.click("#queues a:text-is('orders')")
    page.wait_for_selector("h1:has-text('orders')")
    messages = page.locator("#messages table")
    assert "order #1 <b>bold?</b>" in messages.inner_text()
    assert page.locator("#messages b").count() == 0  # shown as text, not markup
    shot(page, "sqs-queue")
    # Send one from the page: console.js posts JSON, the page reloads with it.
    page.fill("textarea[name=body]", "typed in the browser")
    with page.expect_navigation():
        page.click("button:has-text('Send')")
    assert "typed in the browser" in page.locator("#messages").inner_text()
    assert "sent" in page.locator("#flash").inner_text()
    bodies = {m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]}
    assert bodies == {"order #1 <b>bold?</b>", "typed in the browser"}


def test_advancing_the_clock_from_the_page_moves_the_control_clock(page, endpoint, cloudtwin_client) -> None:
    cloudtwin_client.set_time("2030-01-01T00:00:00Z")
    cloudtwin_client.freeze()
    before = clock(endpoint)["now"]
    page.goto(page.base + "/clock")
    assert "2030-01-01T00:00:00" in page.locator("#clock-iso").inner_text()
    page.fill(".clock-advance input[name=seconds]", "3600")
    with page.expect_navigation():
        page.click(".clock-advance button")
    assert clock(endpoint)["now"] == pytest.approx(before + 3600)
    assert "2030-01-01T01:00:00" in page.locator("#clock-iso").inner_text()
    page.fill(".clock-set input[name=time]", "2032-02-02T02:02:02Z")
    with page.expect_navigation():
        page.click(".clock-set button")
    assert clock(endpoint)["iso"].startswith("2032-02-02T02:02:02")
    with page.expect_navigation():
        page.click(".clock-freeze button:has-text('Unfreeze')")
    assert clock(endpoint)["frozen"] is False
    shot(page, "clock")


def test_a_secret_is_hidden_until_asked(page, aws_client) -> None:
    aws_client("secretsmanager").create_secret(Name="api-key", SecretString="very-secret-value")
    page.goto(page.base + "/secretsmanager")
    assert "very-secret-value" not in page.content()
    shot(page, "secretsmanager-hidden")
    page.click("button.reveal")
    page.wait_for_selector(".secret.revealed")
    assert page.locator(".secret.revealed").inner_text() == "very-secret-value"


def test_upload_and_download_an_object(page, aws_client, tmp_path) -> None:
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="docs")
    source = tmp_path / "notes.txt"
    source.write_text("written in a browser\n")
    page.goto(page.base + "/s3/bucket?name=docs")
    page.set_input_files("input[name=file]", str(source))
    with page.expect_navigation():
        page.click("button:has-text('Upload')")
    assert s3.get_object(Bucket="docs", Key="notes.txt")["Body"].read() == b"written in a browser\n"
    assert "notes.txt" in page.locator("#objects").inner_text()
    with page.expect_download() as download:
        page.click("#objects a:has-text('download')")
    assert Path(download.value.path()).read_bytes() == b"written in a browser\n"
    assert download.value.suggested_filename == "notes.txt"
    shot(page, "s3-bucket")


def test_query_a_table_with_the_form(page, aws_client) -> None:
    ddb = aws_client("dynamodb")
    ddb.create_table(TableName="books", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "author", "KeyType": "HASH"}, {"AttributeName": "title", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "author", "AttributeType": "S"}, {"AttributeName": "title", "AttributeType": "S"}])
    for author, title in (("le guin", "the dispossessed"), ("le guin", "lathe of heaven"), ("banks", "excession")):
        ddb.put_item(TableName="books", Item={"author": {"S": author}, "title": {"S": title}})
    page.goto(page.base + "/dynamodb/table?name=books")
    assert page.locator("table.items tbody tr").count() == 3
    page.select_option("select[name=mode]", "query")
    page.fill("input[name=key]", "author = :a")
    page.fill("input[name=values]", '{":a": "le guin"}')
    with page.expect_navigation():
        page.click("button:has-text('Run')")
    rows = page.locator("table.items tbody tr")
    assert rows.count() == 2
    assert "excession" not in page.locator("table.items").inner_text()
    shot(page, "dynamodb-query")


def test_reset_from_the_page(page, aws_client) -> None:
    sqs = aws_client("sqs")
    sqs.create_queue(QueueName="doomed")
    page.goto(page.base + "/clock")
    with page.expect_navigation():
        page.click("form.danger button:has-text('Reset everything')")  # confirm() accepted
    assert sqs.list_queues().get("QueueUrls", []) == []


def test_every_page_renders_and_is_captured(page, aws_client) -> None:
    """Open every entry of the navigation (each implemented service, generic pages too)
    with a little state in it, screenshot it, and fail on any script or CSP error."""
    aws_client("sqs").create_queue(QueueName="q1")
    aws_client("sns").create_topic(Name="t1")
    aws_client("s3").create_bucket(Bucket="bucket-one")
    aws_client("kms").create_key(Description="k1")
    aws_client("ssm").put_parameter(Name="/p1", Value="v1", Type="String")
    aws_client("iam").create_user(UserName="u1")
    page.goto(page.base)
    links = page.locator("nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(links) >= 15
    for href in links:
        response = page.goto(page.base.rsplit("/_cloudtwin/ui", 1)[0] + href)
        assert response is not None and response.status == 200, href
        assert page.locator("h1").count() == 1
        name = re.sub(r"[^a-z0-9-]+", "-", href.rsplit("/ui", 1)[-1].strip("/") or "dashboard")
        shot(page, f"page-{name}")
