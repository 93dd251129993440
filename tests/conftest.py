"""Fixtures shared by cloudtwin's own tests: a real server on a free port, real clients."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cloudtwin.testing.server import ServerThread

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def server():
    with ServerThread() as srv:
        yield srv


@pytest.fixture(scope="session")
def endpoint(server) -> str:
    return server.endpoint


@pytest.fixture(scope="session")
def aws_client(endpoint):
    """``aws_client("sts")``: a boto3 client for the test server with dummy credentials."""
    import boto3
    from botocore.config import Config as BotoConfig

    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    cache: dict = {}

    def make(service: str, region: str = "us-east-1", **kwargs):
        key = (service, region, tuple(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = session.client(
                service,
                endpoint_url=endpoint,
                region_name=region,
                config=BotoConfig(retries={"max_attempts": 1}),
                **kwargs,
            )
        return cache[key]

    return make


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
