"""Fixtures of the CloudWatch tests: clients, the control client, and a frozen clock set
to a whole minute (so periods line up with what the tests put)."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest


@pytest.fixture
def cw(aws_client):
    return aws_client("cloudwatch")


@pytest.fixture
def control(cloudtwin):
    return cloudtwin.control()


@pytest.fixture
def minute(control) -> datetime:
    """Freeze the clock at the start of a minute (a little in the past) and return it."""
    control.freeze()
    start = math.floor(control.now() / 60) * 60 - 3600
    control.set_time(start)
    return datetime.fromtimestamp(start, timezone.utc)
