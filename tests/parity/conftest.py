"""The parity suite: the same test bodies against cloudtwin (default) and real AWS.

    pytest tests/parity                       # cloudtwin, in-process
    pytest tests/parity --aws-target=aws      # your sandbox account (normal credential chain)
    pytest tests/parity --aws-target=http://127.0.0.1:4566

Every module is marked ``parity`` (``pytestmark``) and names its resources with ``resource_name``; every
resource it creates is deleted by a finalizer, also when the test fails. Against cloudtwin
a test skips when an operation it needs is not implemented yet (services are still being
built); against AWS nothing skips.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest


@pytest.fixture
def require(cloudtwin: Any) -> Callable[..., None]:
    """``require("sqs", "CreateQueue", ...)``: skip unless the target implements them."""

    def check(service: str, *operations: str) -> None:
        if cloudtwin.is_aws:
            return
        implemented = set(cloudtwin.control().service(service).get("implemented", []))
        missing = [op for op in operations if op not in implemented]
        if missing:
            pytest.skip(f"{service} does not implement {', '.join(missing)} yet")

    return check


@pytest.fixture
def cleanup(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``cleanup(fn, *args, **kwargs)``: call it after the test, errors ignored (LIFO)."""

    def add(function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        def run() -> None:
            try:
                function(*args, **kwargs)
            except Exception:  # noqa: BLE001 - best effort: the resource may be gone already
                pass

        request.addfinalizer(run)

    return add
