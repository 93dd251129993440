"""Target selection for same-body parity runs: ``--aws-target``, the ``parity`` marker and
safe resource names."""

from __future__ import annotations

import boto3  # noqa: F401 - imported once here, not by every inner run
import pytest

from cloudtwin.testing.server import ServerThread

from test_plugin import plugin_args

FAST = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:anyio", "--strict-markers")

TARGET_TEST = """
import os, pytest

@pytest.mark.parity
def test_where(cloudtwin, aws_client):
    with open(os.environ["OBS"], "w") as f:
        f.write(cloudtwin.target + " " + str(cloudtwin.endpoint) + " " + aws_client("sts").meta.endpoint_url)
"""


@pytest.fixture
def observe(pytester, monkeypatch, tmp_path):
    for name in ("CLOUDTWIN_ENDPOINT", "CLOUDTWIN_AWS_TARGET", "CLOUDTWIN_RESOURCE_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    obs = tmp_path / "obs.txt"
    monkeypatch.setenv("OBS", str(obs))
    pytester.makepyfile(test_where=TARGET_TEST)

    def run(*args: str) -> list[str]:
        pytester.runpytest(*FAST, *plugin_args(), *args).assert_outcomes(passed=1)
        return obs.read_text().split()

    return run


def test_default_target_is_cloudtwin_in_process(observe) -> None:
    kind, endpoint, used = observe()
    assert kind == "cloudtwin" and used == endpoint and endpoint.startswith("http://127.0.0.1:")


def test_aws_target_url_uses_that_endpoint(observe) -> None:
    with ServerThread() as external:
        assert observe("--aws-target", external.endpoint) == ["endpoint", external.endpoint, external.endpoint]


def test_aws_target_aws_uses_the_real_endpoints(observe) -> None:
    kind, endpoint, used = observe("--aws-target=aws")
    assert (kind, endpoint) == ("aws", "None") and used.endswith(".amazonaws.com")


def test_aws_target_cloudtwin_wins_over_the_old_option_and_env(observe, monkeypatch) -> None:
    monkeypatch.setenv("CLOUDTWIN_ENDPOINT", "http://127.0.0.1:9")  # would fail if used
    kind, _, _ = observe("--aws-target", "cloudtwin")
    assert kind == "cloudtwin"


def test_target_from_the_environment(observe, monkeypatch) -> None:
    monkeypatch.setenv("CLOUDTWIN_AWS_TARGET", "aws")
    assert observe()[0] == "aws"


def test_resource_names_are_prefixed_and_unique(pytester, monkeypatch) -> None:
    monkeypatch.setenv("CLOUDTWIN_RESOURCE_PREFIX", "ci-42-")
    pytester.makepyfile("""
import pytest
NAMES = []

@pytest.mark.parametrize("n", range(3))
def test_names(resource_name, resource_prefix, n):
    assert resource_prefix == "ci-42-"
    name = resource_name("bucket")
    assert name.startswith("ci-42-bucket-") and name not in NAMES
    NAMES.append(name)
""")
    pytester.runpytest(*FAST, *plugin_args()).assert_outcomes(passed=3)


def test_default_prefix_is_random_per_run(pytester, monkeypatch) -> None:
    monkeypatch.delenv("CLOUDTWIN_RESOURCE_PREFIX", raising=False)
    pytester.makepyfile("""
import os, re
def test_prefix(resource_prefix):
    assert re.fullmatch(r"ct-[0-9a-f]{6}-(gw[0-9]+-)?", resource_prefix), resource_prefix
""")
    pytester.runpytest(*FAST, *plugin_args()).assert_outcomes(passed=1)
