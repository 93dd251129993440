"""The pytest side of snapshot testing: ``--snapshot-update``, the ``snapshot`` fixture,
``@pytest.mark.skip_snapshot_verify(paths=[...])`` and the waiver summary.

Hooks and fixtures here are re-exported by :mod:`cloudtwin.testing.plugin` (the one
registered entry point), so they load with it. Verification runs right after the test
body, inside the call phase, so a mismatch is a test *failure* with the diff as its
message, not a teardown error. Waivers travel on the report's ``user_properties`` so the
summary also lists them under ``pytest -n``.
"""

from __future__ import annotations

from typing import Any, Generator

import pytest

from cloudtwin.testing.snapshot import Snapshot, SnapshotFile

MARKER = "skip_snapshot_verify"
_PROPERTY = "cloudtwin_snapshot_waivers"
_SNAPSHOT = pytest.StashKey[Snapshot]()
_SUMMARY_NAME = "cloudtwin-snapshot-waivers"


def add_options(group: Any) -> None:
    group.addoption(
        "--snapshot-update",
        dest="snapshot_update",
        action="store_true",
        default=False,
        help="write the snapshot files (<test_file>.snapshot.json) instead of verifying them",
    )


def configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(paths=None, condition=None): do not verify these JSONPaths of the "
        "test's snapshot (all of it when no paths are given); listed in the run's summary",
    )
    if not config.pluginmanager.has_plugin(_SUMMARY_NAME):
        config.pluginmanager.register(WaiverSummary(), _SUMMARY_NAME)


@pytest.fixture
def snapshot(request: pytest.FixtureRequest) -> Snapshot:
    """Record responses with ``snapshot.match(key, value)``; verified after the test body."""
    snap = Snapshot(
        SnapshotFile.for_test_file(request.node.path),
        request.node.nodeid,
        update=bool(request.config.getoption("snapshot_update", False)),
    )
    request.node.stash[_SNAPSHOT] = snap
    return snap


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    result = yield  # a failing test body raises here, and is neither verified nor recorded
    snap = item.stash.get(_SNAPSHOT, None)
    if snap is None or not snap.matches:
        return result
    if snap.update:
        snap.record()
        return result
    paths = _waived_paths(item)
    if paths == ["$"]:
        item.user_properties.append((_PROPERTY, {"paths": ["(all)"], "waived": None}))
        return result
    if paths:
        item.user_properties.append((_PROPERTY, {"paths": paths, "waived": 0}))
    __tracebackhide__ = True
    outcome = snap.verify(paths)
    if paths:
        item.user_properties[-1] = (_PROPERTY, {"paths": paths, "waived": len(outcome.waived)})
    return result


def _waived_paths(item: pytest.Item) -> list[str]:
    paths: list[str] = []
    for marker in item.iter_markers(MARKER):
        condition = marker.kwargs.get("condition", True)
        if callable(condition):
            condition = condition()
        if not condition:
            continue
        given = marker.kwargs.get("paths", marker.args[0] if marker.args else None)
        if not given:
            return ["$"]
        paths.extend([given] if isinstance(given, str) else given)
    return paths


class WaiverSummary:
    """Collects the waivers from the reports (the controller's, under xdist) and lists
    them at the end of the run; registered per run in :func:`configure`."""

    def __init__(self) -> None:
        self.waivers: list[tuple[str, dict[str, Any]]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call":
            return
        for name, value in report.user_properties:
            if name == _PROPERTY:
                self.waivers.append((report.nodeid, value))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.waivers:
            return
        terminalreporter.section("snapshot waivers")
        for node_id, value in self.waivers:
            count = value.get("waived")
            note = "" if count is None else f" ({count} difference{'s' if count != 1 else ''} waived)"
            terminalreporter.write_line(f"{node_id}: {', '.join(value['paths'])}{note}")
