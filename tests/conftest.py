"""Fixtures shared by cloudtwin's own tests.

The server, ``aws_client`` and the reset between tests come from cloudtwin's own pytest
plugin (``cloudtwin.testing.plugin``), exactly as a user's test suite gets them; the names
the tests already use (``server``, ``endpoint``) are thin aliases over its ``cloudtwin``
fixture.
"""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _plugin_autoloaded() -> bool:
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return any(ep.name == "cloudtwin" for ep in entry_points(group="pytest11"))


# Installed (pip install -e .) the plugin loads through its entry point; from a bare
# checkout, or with autoloading off, load it here.
pytest_plugins = ["pytester"] + ([] if _plugin_autoloaded() else ["cloudtwin.testing.plugin"])


@pytest.fixture(scope="session")
def server(cloudtwin):
    """The in-process ServerThread (its ``.app`` is the Gateway)."""
    if cloudtwin.server is None:
        pytest.skip("needs the in-process server (not an external --cloudtwin-endpoint)")
    return cloudtwin.server


@pytest.fixture(scope="session")
def endpoint(cloudtwin) -> str:
    if cloudtwin.endpoint is None:
        pytest.skip("needs a cloudtwin endpoint")
    return cloudtwin.endpoint


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch):
    """Make sure nothing in a test can reach real AWS with real credentials."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
