"""The baseline comparison flags exactly the regressions."""

from __future__ import annotations

from cloudtwin.conformance.baseline import build, merge, regressions
from cloudtwin.conformance.judge import Verdict
from cloudtwin.conformance.runner import OperationResult, ServiceResult
from cloudtwin.conformance.variant import Variant


def result(passes: dict[str, tuple[int, int]]) -> ServiceResult:
    out = ServiceResult("toy")
    for name, (passed, total) in passes.items():
        op = OperationResult(name)
        for i in range(total):
            op.record(Variant(name, "boundary", str(i), {}, "negative", violation="length"),
                      Verdict(i < passed, "rejected" if i < passed else "accepted-invalid"))
        out.operations[name] = op
    return out


def test_no_regression_when_equal_or_better():
    recorded = build([result({"A": (3, 4), "B": (1, 1)})], seed=0, shard=8)
    assert regressions(recorded, [result({"A": (3, 4), "B": (1, 1)})]) == []
    assert regressions(recorded, [result({"A": (4, 4), "B": (1, 1)})]) == []


def test_a_drop_in_service_or_operation_is_a_regression():
    recorded = build([result({"A": (3, 4), "B": (1, 1)})], seed=0, shard=8)
    problems = regressions(recorded, [result({"A": (2, 4), "B": (1, 1)})])
    assert any("toy: 3 variants pass" in p for p in problems)
    assert any("toy.A: 2/4" in p for p in problems)
    # moving passes between operations keeps the service count but regresses one operation
    assert any("toy.A" in p for p in regressions(recorded, [result({"A": (2, 4), "B": (2, 2)})]))
    assert any("no longer claimed" in p for p in regressions(recorded, [result({"A": (3, 4)})]))


def test_known_gaps_carry_a_reason_and_merge_keeps_other_services():
    recorded = build([result({"A": (3, 4)})], seed=0, shard=8)
    gap = recorded["services"]["toy"]["operations"]["A"]["known_gaps"][0]
    assert gap["outcome"] == "accepted-invalid" and gap["count"] == 1 and gap["reason"]
    other = {**recorded, "services": {"other": {"passed": 1, "total": 1, "operations": {}}}}
    merged = merge(other, recorded)
    assert set(merged["services"]) == {"other", "toy"}
