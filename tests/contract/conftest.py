"""Fixtures: the reference and target servers of planted_sts.py, one pair per module."""

from __future__ import annotations

from typing import Iterator

import pytest

from cloudtwin.testing.server import ServerThread
from planted_sts import planted_server


@pytest.fixture(scope="module")
def reference_server() -> Iterator[ServerThread]:
    server = planted_server("reference")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def target_server() -> Iterator[ServerThread]:
    server = planted_server("target")
    yield server
    server.stop()
