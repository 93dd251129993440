"""The cloudtwin pytest plugin (registered as the ``cloudtwin`` pytest11 entry point).

Fixtures:

- ``cloudtwin`` (session): the target. By default a cloudtwin server started inside the
  test process on a free port (each ``pytest -n`` worker gets its own); with
  ``--cloudtwin-endpoint URL`` (or ``CLOUDTWIN_ENDPOINT``) a server already running there;
  with ``--cloudtwin-endpoint aws``, real AWS with your own credentials. Has
  ``.endpoint``, ``.client`` (a :class:`cloudtwin.Client`, None against AWS), ``.region``,
  and ``.gateway`` (the in-process server's app, None otherwise).
- ``aws_client``: ``aws_client("sqs", region=None, **kwargs)`` -> a boto3 client for the
  target: dummy credentials (``test``/``test``), ``us-east-1`` unless told, no retries.
- ``cloudtwin_client``, ``cloudtwin_endpoint``: shortcuts.
- ``cloudtwin_env``: sets ``AWS_ENDPOINT_URL``, ``AWS_DEFAULT_REGION``,
  ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY`` for one test (restored after), so code
  that makes its own clients reaches the target. Make it autouse with the ini option
  ``cloudtwin_autouse_env = true``.

State is reset before every test that uses the target (``--cloudtwin-reset`` or the
``cloudtwin_reset`` ini option: ``test`` (default), ``module``, ``session``, ``never``);
``@pytest.mark.cloudtwin_no_reset`` skips the reset for one test or module.

Parity and snapshots (see :mod:`cloudtwin.testing.parity` and
:mod:`cloudtwin.testing.snapshot`): ``--aws-target cloudtwin|aws|URL`` picks the target
(an alias of ``--cloudtwin-endpoint`` that also names the default), the ``parity`` marker
selects tests meant for every target, ``resource_prefix`` / ``resource_name`` make safe
names, and ``snapshot`` with ``--snapshot-update`` and ``skip_snapshot_verify`` records and
verifies responses.

The plugin is loaded by every pytest run in the environment, so importing it costs
nothing: boto3 and the server are imported when a test first asks for them, and tests
that use none of its fixtures see no difference.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator

import pytest

from cloudtwin.testing import parity, snapshot_plugin
from cloudtwin.testing.parity import _cloudtwin_names, resource_name, resource_prefix  # noqa: F401 (fixtures)
from cloudtwin.testing.snapshot_plugin import pytest_runtest_call, snapshot  # noqa: F401 (hook, fixture)

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.client import Client
    from cloudtwin.gateway.app import Gateway
    from cloudtwin.testing.server import ServerThread

RESET_MODES = ("test", "module", "session", "never")
#: The ``--cloudtwin-endpoint`` value that means real AWS.
AWS = "aws"
DUMMY_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}

_MARKER = "cloudtwin_no_reset"


@dataclass
class CloudTwin:
    """What the ``cloudtwin`` fixture yields: where the target is and how to drive it."""

    #: The URL to send AWS requests to; None when the target is real AWS.
    endpoint: str | None
    #: The control API client; None when the target is real AWS.
    client: "Client | None"
    #: The default region of ``aws_client`` and ``cloudtwin_env``.
    region: str = "us-east-1"
    #: The in-process server, when the plugin started one.
    server: "ServerThread | None" = None
    #: How state is reset between tests (see ``--cloudtwin-reset``).
    reset_mode: str = "test"
    _last_reset_module: str | None = field(default=None, repr=False)

    @property
    def is_aws(self) -> bool:
        return self.endpoint is None

    @property
    def target(self) -> str:
        """``cloudtwin`` (in-process), ``endpoint`` (a URL) or ``aws``."""
        if self.is_aws:
            return "aws"
        return "cloudtwin" if self.server is not None else "endpoint"

    @property
    def gateway(self) -> "Gateway | None":
        """The in-process server's app (clock, processors, stores...), else None."""
        return self.server.app if self.server is not None else None

    def control(self) -> "Client":
        """The control client, or skip the test when the target is real AWS."""
        if self.client is None:
            pytest.skip("needs cloudtwin's control API; the target is real AWS")
        return self.client

    def reset(self) -> None:
        if self.client is not None:
            self.client.reset()


# -- options ----------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cloudtwin", "cloudtwin: a local twin of AWS")
    group.addoption(
        "--cloudtwin-endpoint",
        dest="cloudtwin_endpoint",
        default=None,
        metavar="URL",
        help="run against a cloudtwin already running at URL (or 'aws' for real AWS) "
        "instead of one started in the test process; env CLOUDTWIN_ENDPOINT",
    )
    group.addoption(
        "--cloudtwin-reset",
        dest="cloudtwin_reset",
        default=None,
        choices=RESET_MODES,
        help="when to reset cloudtwin's state: before every test (default), every module, "
        "once per session, or never",
    )
    parity.add_options(group, parser)
    snapshot_plugin.add_options(group)
    parser.addini("cloudtwin_reset", "when to reset cloudtwin's state", default="test")
    parser.addini(
        "cloudtwin_endpoint", "a running cloudtwin (or 'aws') to test against", default=""
    )
    parser.addini(
        "cloudtwin_region", "the default region of cloudtwin fixtures", default="us-east-1"
    )
    parser.addini(
        "cloudtwin_autouse_env",
        "set AWS_ENDPOINT_URL, region and dummy credentials for every test",
        type="bool",
        default=False,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{_MARKER}: do not reset cloudtwin's state before this test (or module)"
    )
    parity.configure(config)
    snapshot_plugin.configure(config)
    _reset_mode(config)  # a bad ini value stops the run here, not in every test's setup


def _endpoint_option(config: pytest.Config) -> str | None:
    target = parity.target_option(config)
    if target is not None:
        return None if target.lower() == parity.CLOUDTWIN else target
    value = (
        config.getoption("cloudtwin_endpoint")
        or os.environ.get("CLOUDTWIN_ENDPOINT")
        or config.getini("cloudtwin_endpoint")
    )
    return (value.strip() or None) if value else None


def _reset_mode(config: pytest.Config) -> str:
    mode = config.getoption("cloudtwin_reset") or config.getini("cloudtwin_reset") or "test"
    if mode not in RESET_MODES:
        raise pytest.UsageError(
            f"cloudtwin_reset must be one of {', '.join(RESET_MODES)}, not {mode!r}"
        )
    return mode


# -- the target -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def cloudtwin(pytestconfig: pytest.Config) -> Iterator[CloudTwin]:
    """The cloudtwin server the tests talk to (in-process unless told otherwise)."""
    from cloudtwin.client import Client

    region = pytestconfig.getini("cloudtwin_region") or "us-east-1"
    mode = _reset_mode(pytestconfig)
    external = _endpoint_option(pytestconfig)
    if external is not None and external.lower() == AWS:
        yield CloudTwin(None, None, region, reset_mode="never")
        return
    if external is not None:
        from cloudtwin.client import ControlApiError

        client = Client(external)
        try:
            client.wait_until_ready(timeout=10.0)
        except (OSError, ControlApiError) as exc:
            pytest.fail(f"no cloudtwin answers at {external}: {exc}", pytrace=False)
        twin = CloudTwin(client.endpoint, client, region, reset_mode=mode)
        if mode != "never":
            twin.reset()  # whatever an earlier run left behind
        yield twin
        return
    from cloudtwin.testing.server import ServerThread

    with ServerThread() as server:
        yield CloudTwin(server.endpoint, Client(server.endpoint), region, server, mode)


@pytest.fixture(scope="session")
def cloudtwin_client(cloudtwin: CloudTwin) -> "Client":
    """The control API client (``reset``, ``advance``, ``requests``...)."""
    return cloudtwin.control()


@pytest.fixture(scope="session")
def cloudtwin_endpoint(cloudtwin: CloudTwin) -> str | None:
    return cloudtwin.endpoint


@pytest.fixture(scope="session")
def aws_client(cloudtwin: CloudTwin) -> Callable[..., Any]:
    """``aws_client("sqs", region=None, **client_kwargs)``: a boto3 client for the target.

    Clients are cached for the session (creating one costs milliseconds); extra keyword
    arguments go to ``boto3.client`` (e.g. ``aws_access_key_id="123456789012"`` to act in
    another account).
    """
    import boto3
    from botocore.config import Config as BotoConfig

    if cloudtwin.is_aws:
        session = boto3.session.Session(region_name=cloudtwin.region)
        defaults: dict[str, Any] = {}
    else:
        session = boto3.session.Session(region_name=cloudtwin.region, **DUMMY_CREDENTIALS)
        defaults = {"endpoint_url": cloudtwin.endpoint, **DUMMY_CREDENTIALS}
    no_retries = BotoConfig(retries={"total_max_attempts": 1, "mode": "standard"})
    cache: dict[tuple, Any] = {}

    def make(service: str, region: str | None = None, **kwargs: Any) -> Any:
        region = region or cloudtwin.region
        key = None
        if all(isinstance(v, (str, int, bool, type(None))) for v in kwargs.values()):
            key = (service, region, tuple(sorted(kwargs.items())))
            if key in cache:
                return cache[key]
        config = no_retries.merge(kwargs.pop("config")) if "config" in kwargs else no_retries
        options = {**defaults, **kwargs}
        client = session.client(service, region_name=region, config=config, **options)
        if key is not None:
            cache[key] = client
        return client

    return make


@pytest.fixture
def cloudtwin_env(cloudtwin: CloudTwin, monkeypatch: pytest.MonkeyPatch) -> CloudTwin:
    """Point code that builds its own AWS clients at the target, for one test."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", cloudtwin.region)
    if cloudtwin.is_aws:
        return cloudtwin
    monkeypatch.setenv("AWS_ENDPOINT_URL", cloudtwin.endpoint)  # type: ignore[arg-type]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DUMMY_CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DUMMY_CREDENTIALS["aws_secret_access_key"])
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return cloudtwin


# -- reset between tests ----------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _cloudtwin_module_reset(request: pytest.FixtureRequest) -> None:
    """In ``module`` mode, reset before the module's own module-scoped fixtures run."""
    if not _uses_cloudtwin(request) or _reset_mode(request.config) != "module":
        return
    if request.node.get_closest_marker(_MARKER) is not None:
        return
    twin: CloudTwin = request.getfixturevalue("cloudtwin")
    twin.reset()
    twin._last_reset_module = request.node.nodeid


@pytest.fixture(autouse=True)
def _cloudtwin_test_reset(request: pytest.FixtureRequest) -> None:
    if not _uses_cloudtwin(request):
        return
    if request.config.getini("cloudtwin_autouse_env"):
        request.getfixturevalue("cloudtwin_env")
    mode = _reset_mode(request.config)
    if mode in ("session", "never") or request.node.get_closest_marker(_MARKER) is not None:
        return
    twin: CloudTwin = request.getfixturevalue("cloudtwin")
    if mode == "test":
        twin.reset()
        return
    owner = request.node.getparent(pytest.Module)
    module_id = owner.nodeid if owner is not None else None
    if twin._last_reset_module != module_id:
        # The module's first test did not use cloudtwin, so no module-level reset ran.
        twin.reset()
        twin._last_reset_module = module_id


def _uses_cloudtwin(request: pytest.FixtureRequest) -> bool:
    return "cloudtwin" in request.fixturenames or bool(
        request.config.getini("cloudtwin_autouse_env")
    )
