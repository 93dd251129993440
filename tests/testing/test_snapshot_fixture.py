"""The snapshot fixture, run the way users run it (pytester), against a live server:
record, verify, a deliberately changed response caught, waivers, and the file layout."""

from __future__ import annotations

import json
from typing import Any, Iterator

import boto3  # noqa: F401 - imported here once; pytester's inner runs would re-import it each time
import pytest

from cloudtwin.services.provider import ServiceProvider
from cloudtwin.testing.server import ServerThread

from test_plugin import plugin_args


class ChangeableSts(ServiceProvider):
    """STS whose answer the test changes between runs."""

    service_name = "sts"
    user_id = "AIDAORIGINAL"

    def get_caller_identity(self, ctx: Any, params: dict) -> dict:
        return {"UserId": self.user_id, "Account": ctx.account_id,
                "Arn": f"arn:aws:iam::{ctx.account_id}:user/ct-run-user-1"}


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[ServerThread, ChangeableSts]]:
    server = ServerThread()
    provider = ChangeableSts(server.app.services.env)
    server.app.services.install("sts", provider)
    with server:
        yield server, provider


TEST_FILE = """
import pytest

@pytest.mark.parity
def test_identity(aws_client, snapshot):
    snapshot.add_name("ct-run-user-1", "user")
    snapshot.match("identity", aws_client("sts").get_caller_identity())
    snapshot.match("region", {"Region": aws_client("sts").meta.region_name, "When": "2026-01-02T03:04:05Z"})
"""


#: Inner runs skip the plugins they do not need (hypothesis alone costs seconds a run).
FAST = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:anyio")


def run(pytester: pytest.Pytester, endpoint: str, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*FAST, *plugin_args(), "--aws-target", endpoint, *args)


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch) -> pytest.Pytester:
    monkeypatch.delenv("CLOUDTWIN_ENDPOINT", raising=False)
    monkeypatch.delenv("CLOUDTWIN_AWS_TARGET", raising=False)
    pytester.makepyfile(test_sts=TEST_FILE)
    return pytester


def test_record_then_verify_then_catch_a_changed_response(project, live) -> None:
    server, provider = live
    provider.user_id = "AIDAORIGINAL"
    recorded = run(project, server.endpoint, "--snapshot-update")
    recorded.assert_outcomes(passed=1)
    snapshot_file = project.path / "test_sts.snapshot.json"
    data = json.loads(snapshot_file.read_text())
    (node_id,) = data
    assert node_id == "test_sts.py::test_identity"
    entry = data[node_id]
    assert set(entry) == {"recorded-date", "recorded-content"}
    assert entry["recorded-content"] == {
        "identity": {
            "Account": "111111111111",
            "Arn": "arn:aws:iam::111111111111:user/<user:1>",
            "ResponseMetadata": {"HTTPHeaders": {}, "HTTPStatusCode": 200},
            "UserId": "AIDAORIGINAL",
        },
        "region": {"Region": "<region>", "When": "date"},
    }
    # verify: the same server, the same answer
    run(project, server.endpoint).assert_outcomes(passed=1)
    # a deliberately changed response is caught, with a readable structural diff
    provider.user_id = "AIDACHANGED"
    try:
        failed = run(project, server.endpoint)
    finally:
        provider.user_id = "AIDAORIGINAL"
    failed.assert_outcomes(failed=1)
    failed.stdout.fnmatch_lines([
        "*snapshot mismatch in test_sts.snapshot.json for test_sts.py::test_identity*",
        "*>> match key: identity*",
        '*(~) $.identity.UserId  "AIDAORIGINAL" -> "AIDACHANGED"*',
    ])


def test_waived_paths_pass_and_are_listed_in_the_summary(project, live) -> None:
    server, provider = live
    run(project, server.endpoint, "--snapshot-update").assert_outcomes(passed=1)
    source = (project.path / "test_sts.py").read_text()
    (project.path / "test_sts.py").write_text(source.replace(
        "@pytest.mark.parity",
        '@pytest.mark.parity\n@pytest.mark.skip_snapshot_verify(paths=["$..UserId"])',
    ))
    provider.user_id = "AIDACHANGED"
    try:
        result = run(project, server.endpoint)
    finally:
        provider.user_id = "AIDAORIGINAL"
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "*snapshot waivers*",
        "test_sts.py::test_identity: $..UserId (1 difference waived)",
    ])


def test_verifying_without_a_recording_fails_and_says_how_to_record(project, live) -> None:
    server, _ = live
    result = run(project, server.endpoint)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no snapshot recorded for test_sts.py::test_identity*--snapshot-update*"])


def test_a_recording_made_elsewhere_in_the_published_layout_verifies(pytester, monkeypatch, live) -> None:
    """Recordings keyed from another root (``tests/aws/...::test``) verify by file + test name."""
    server, _ = live
    monkeypatch.delenv("CLOUDTWIN_ENDPOINT", raising=False)
    pytester.makepyfile(test_published="""
def test_caller(aws_client, snapshot):
    response = aws_client("sts").get_caller_identity()
    snapshot.match("get-caller-identity", {"Account": response["Account"], "ResponseMetadata": response["ResponseMetadata"]})
""")
    published = {
        "tests/aws/services/sts/test_published.py::test_caller": {
            "recorded-date": "01-02-2024, 10:11:12",
            "recorded-content": {"get-caller-identity": {
                "Account": "111111111111",
                "ResponseMetadata": {"HTTPHeaders": {}, "HTTPStatusCode": 200},
            }},
        }
    }
    (pytester.path / "test_published.snapshot.json").write_text(json.dumps(published, indent=2))
    run(pytester, server.endpoint).assert_outcomes(passed=1)


def test_references_number_names_across_matches_and_inside_arns(pytester, monkeypatch, live) -> None:
    server, _ = live
    monkeypatch.delenv("CLOUDTWIN_ENDPOINT", raising=False)
    pytester.makepyfile(test_names="""
def test_names(snapshot, resource_name, resource_prefix):
    first, second = resource_name("queue"), resource_name("queue")
    assert first.startswith(resource_prefix) and first != second
    url = "https://sqs.eu-west-2.amazonaws.com/123456789012/" + second
    snapshot.match("a", {"QueueArn": "arn:aws:sqs:eu-west-2:123456789012:" + first, "Other": second})
    snapshot.match("b", {"QueueUrl": url, "Id": "0b5f3a7e-7d1c-4d2b-9a56-2f3c1d0e9b8a", "Again": first})
""")
    run(pytester, server.endpoint, "--snapshot-update").assert_outcomes(passed=1)
    content = json.loads((pytester.path / "test_names.snapshot.json").read_text())["test_names.py::test_names"]["recorded-content"]
    assert content == {
        "a": {"QueueArn": "arn:aws:sqs:<region>:111111111111:<queue:1>", "Other": "<queue:2>"},
        "b": {"QueueUrl": "<queue-url:1>", "Id": "<uuid:1>", "Again": "<queue:1>"},
    }
    run(pytester, server.endpoint).assert_outcomes(passed=1)  # a new prefix verifies the same


def test_a_failing_body_records_nothing_and_a_bare_waiver_skips_verification(pytester, monkeypatch, live) -> None:
    server, _ = live
    monkeypatch.delenv("CLOUDTWIN_ENDPOINT", raising=False)
    pytester.makepyfile(test_more="""
import pytest

def test_fails(snapshot):
    snapshot.match("x", {"A": 1})
    raise AssertionError("the body failed")

@pytest.mark.skip_snapshot_verify
def test_never_verified(snapshot):
    snapshot.match("x", {"A": 1})

@pytest.mark.skip_snapshot_verify(paths=["$..A"], condition=lambda: False)
def test_condition_false_means_verified(snapshot):
    snapshot.match("x", {"A": 1})
""")
    run(pytester, server.endpoint, "--snapshot-update").assert_outcomes(passed=2, failed=1)
    recorded = json.loads((pytester.path / "test_more.snapshot.json").read_text())
    assert sorted(recorded) == ["test_more.py::test_condition_false_means_verified", "test_more.py::test_never_verified"]
    source = (pytester.path / "test_more.py").read_text().replace('{"A": 1})\n\n@pytest', '{"A": 2})\n\n@pytest')
    source = source.replace('def test_condition_false_means_verified(snapshot):\n    snapshot.match("x", {"A": 1})',
                            'def test_condition_false_means_verified(snapshot):\n    snapshot.match("x", {"A": 2})')
    source = source.replace('def test_never_verified(snapshot):\n    snapshot.match("x", {"A": 1})',
                            'def test_never_verified(snapshot):\n    snapshot.match("x", {"A": 2})')
    (pytester.path / "test_more.py").write_text(source)
    result = run(pytester, server.endpoint, "-k", "not fails")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_more.py::test_never_verified: (all)*"])
    result.stdout.fnmatch_lines(["FAILED test_more.py::test_condition_false_means_verified*"])
