"""The CI guard: the whole generated conformance suite (fixed seed), per implemented
service, must pass at least as many variants as ``conformance-baseline.json`` records — per
service and per claimed operation — and take at least as many valid ones to a 2xx.

When a service improves, record it with ``cloudtwin conformance run --update-baseline``
(the same seed; the lead reviews the known gaps in the diff).
"""

from __future__ import annotations

import pytest

from cloudtwin.conformance import baseline as baselines
from cloudtwin.conformance.command import CI_SEED, CI_SHARD
from cloudtwin.conformance.report import failures
from cloudtwin.conformance.runner import Runner, RunOptions
from cloudtwin.conformance.target import Target, implemented_services

RECORDED = baselines.load(baselines.default_path())


@pytest.fixture(scope="module")
def target():
    from cloudtwin.testing.server import ServerThread

    with ServerThread() as server:
        yield Target(server.endpoint)


def test_the_baseline_matches_the_ci_shard():
    assert RECORDED is not None, "conformance-baseline.json is missing: cloudtwin conformance run --update-baseline"
    assert RECORDED["seed"] == CI_SEED and RECORDED["shard"] == CI_SHARD


@pytest.mark.parametrize("service", implemented_services())
def test_no_conformance_regression(service, target):
    result = Runner(target, RunOptions(seed=CI_SEED, shard=CI_SHARD, shrink=False)).run_service(service)
    assert result.error is None, f"{service}: provider not importable: {result.error}"
    assert result.total > 0, f"{service}: no variants ran"
    if RECORDED is None or service not in RECORDED["services"]:
        pytest.skip(f"{service} is not in the baseline yet: cloudtwin conformance run --update-baseline")
    problems = baselines.regressions(RECORDED, [result])
    unsendable = [k for op in result.operations.values() for k in op.unsendable_keys]
    assert not problems, ("\n".join(problems) + "\n\n" + failures([result], 5)
                          + f"\n\nnot sendable: {unsendable}")


def test_every_known_gap_has_a_reviewed_reason():
    """No failure stands in the baseline on the generic text of its outcome alone: each kind
    has a reason someone wrote after looking (``KNOWN_GAPS`` beside the service's set-up)."""
    from cloudtwin.conformance.resources import known_gaps_for

    unreviewed = []
    for service, recorded in (RECORDED or {}).get("services", {}).items():
        reviewed = known_gaps_for(service)
        for op, entry in recorded["operations"].items():
            for gap in entry.get("known_gaps", []):
                outcome, violation = gap["outcome"], gap["violation"] or ""
                if not any(k in reviewed for k in ((op, outcome, violation), (op, outcome),
                                                   ("*", outcome, violation), ("*", outcome))):
                    unreviewed.append(f"{service}.{op}: {outcome} {violation} ({gap['example']})")
    assert not unreviewed, "\n".join(unreviewed)
