"""Fixtures of the EC2 tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def ec2(aws_client):
    return aws_client("ec2")


@pytest.fixture
def control(cloudtwin):
    return cloudtwin.control()
