"""Same-body parity runs: one test body, run against cloudtwin and against real AWS.

Choosing the target (``--aws-target``, env ``CLOUDTWIN_AWS_TARGET``; the older
``--cloudtwin-endpoint`` still works and means the same):

- ``cloudtwin`` (default): a cloudtwin server started inside the test process;
- a URL: any endpoint already running (a cloudtwin elsewhere, another emulator);
- ``aws``: real AWS, with the normal credential chain (env, profile, SSO, instance role)
  and the region from ``cloudtwin_region``. Use a sandbox account.

Mark the tests meant to run on every target with ``@pytest.mark.parity`` and select them
with ``-m parity``. Create every resource with a name from ``resource_name("queue")``: names
start with the run's ``resource_prefix`` (``ct-<6 hex>-`` unless set with
``CLOUDTWIN_RESOURCE_PREFIX`` or the ``cloudtwin_resource_prefix`` ini option), so anything
a run leaves behind in a real account is easy to find and delete, and with the
``snapshot`` fixture the names show as ``<queue:1>`` in recordings.

What a parity test must NOT assert, because it differs between AWS and cloudtwin (or
between AWS accounts and regions) without being a behaviour difference:

- exact account ids, ARNs, queue URLs, hosts or endpoints (assert their shape, or compare
  them through the snapshot transformers);
- request ids, timestamps, ETags of multipart uploads, generated ids (message ids,
  key ids, version ids) — only that they exist and look right;
- error *message* wording (AWS words the same error differently across services, regions
  and time): assert the error code and HTTP status;
- timing: eventual consistency on AWS means "immediately visible" is not guaranteed; poll
  with a deadline rather than asserting on the first read;
- anything through cloudtwin's control API (``cloudtwin_client``, the virtual clock):
  such tests skip against AWS and are not parity tests.
"""

from __future__ import annotations

import itertools
import os
import secrets
from typing import Any, Callable

import pytest

MARKER = "parity"
#: The ``--aws-target`` value for the in-process cloudtwin.
CLOUDTWIN = "cloudtwin"


def add_options(group: Any, parser: pytest.Parser) -> None:
    group.addoption(
        "--aws-target",
        dest="aws_target",
        default=None,
        metavar="cloudtwin|aws|URL",
        help="where the tests' AWS calls go: cloudtwin in this process (default), real AWS "
        "with your credential chain, or an endpoint URL; env CLOUDTWIN_AWS_TARGET",
    )
    parser.addini(
        "cloudtwin_resource_prefix",
        "prefix of the names resource_name() makes (default ct-<random>-)",
        default="",
    )


def configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}: the test's body runs unchanged against cloudtwin and real AWS "
        "(select with -m parity; see cloudtwin.testing.parity for what it must not assert)",
    )


def target_option(config: pytest.Config) -> str | None:
    """The ``--aws-target`` choice: None when not given, else ``cloudtwin``/``aws``/a URL."""
    value = config.getoption("aws_target", None) or os.environ.get("CLOUDTWIN_AWS_TARGET")
    return value.strip() if value and value.strip() else None


class NameMaker:
    """Unique resource names for one run: ``<prefix><kind>-<n>``."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._counter = itertools.count(1)

    def __call__(self, kind: str = "name") -> str:
        return f"{self.prefix}{kind}-{next(self._counter)}"


@pytest.fixture(scope="session")
def resource_prefix(pytestconfig: pytest.Config) -> str:
    """The prefix of every name ``resource_name`` makes in this run."""
    prefix = os.environ.get("CLOUDTWIN_RESOURCE_PREFIX") or pytestconfig.getini("cloudtwin_resource_prefix")
    if not prefix:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        prefix = f"ct-{secrets.token_hex(3)}-{worker + '-' if worker else ''}"
    return prefix


@pytest.fixture(scope="session")
def _cloudtwin_names(resource_prefix: str) -> NameMaker:
    return NameMaker(resource_prefix)


@pytest.fixture
def resource_name(_cloudtwin_names: NameMaker, request: pytest.FixtureRequest) -> Callable[..., str]:
    """``resource_name("queue")`` -> ``ct-1a2b3c-queue-7``: unique, prefixed, and (when the
    test uses ``snapshot``) shown as ``<queue:N>`` in its recording."""
    snap = request.getfixturevalue("snapshot") if "snapshot" in request.fixturenames else None

    def make(kind: str = "name") -> str:
        name = _cloudtwin_names(kind)
        if snap is not None:
            snap.add_name(name, kind)
        return name

    return make
