"""The baseline records the failing variants by stable key; the guard compares sets."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from cloudtwin.conformance.baseline import build, improvements, merge, regressions, stale_known_gaps
from cloudtwin.conformance.judge import Verdict
from cloudtwin.conformance.runner import OperationResult, ServiceResult
from cloudtwin.conformance.variant import Variant


def result(failing: dict[str, set[int]], total: int = 4) -> ServiceResult:
    """Operation -> the indexes of its failing variants (of ``total``)."""
    out = ServiceResult("toy")
    for name, bad in failing.items():
        op = OperationResult(name)
        for i in range(total):
            variant = Variant(name, "boundary", str(i), {"Size": i}, "negative", violation="length")
            passed = i not in bad
            op.record(variant, Verdict(passed, "rejected" if passed else "accepted-invalid"),
                      key=variant.stable_key("toy"))
        out.operations[name] = op
    return out


def test_no_regression_when_the_same_or_fewer_variants_fail():
    recorded = build([result({"A": {3}, "B": set()})], seed=0, shard=None)
    assert regressions(recorded, [result({"A": {3}, "B": set()})]) == []
    assert regressions(recorded, [result({"A": set(), "B": set()})]) == []
    assert improvements(recorded, [result({"A": set(), "B": set()})]) == ["toy.A: 1 recorded failure(s) pass now"]


def test_a_different_failing_variant_is_a_regression_even_when_the_totals_match():
    recorded = build([result({"A": {3}, "B": set()})], seed=0, shard=None)
    problems = regressions(recorded, [result({"A": {2}, "B": set()})])
    assert len(problems) == 1 and problems[0].startswith("toy.A: 1 variant(s) fail")
    assert "toy/A/boundary/" in problems[0]
    assert any("no longer claimed" in p for p in regressions(recorded, [result({"A": {3}})]))


def test_the_baseline_states_what_the_judge_measures():
    recorded = build([result({"A": {3}})], seed=0, shard=None)
    entry = recorded["services"]["toy"]
    assert {"variants", "passed", "success_path_share", "round_trips", "setup_failures"} <= set(entry)
    op = entry["operations"]["A"]
    assert op["failing"] == [Variant("A", "boundary", "3", {"Size": 3}, "negative").stable_key("toy")]
    gap = op["known_gaps"][0]
    assert gap["outcome"] == "accepted-invalid" and gap["count"] == 1 and gap["reason"]
    other = {**recorded, "services": {"other": {"passed": 1, "variants": 1, "operations": {}}}}
    assert set(merge(other, recorded)["services"]) == {"other", "toy"}


def test_stale_and_wildcard_known_gap_reasons_are_reported(monkeypatch):
    import cloudtwin.conformance.resources as resources

    reasons = {("A", "accepted-invalid", "length"): "matches", ("B", "wrong-code"): "stale",
               ("*", "accepted-invalid", "type"): "wildcard"}
    monkeypatch.setattr(resources, "known_gaps_for", lambda service: reasons)
    recorded = build([result({"A": {3}})], seed=0, shard=None)
    problems = stale_known_gaps(recorded)
    assert len(problems) == 2
    assert any("('B', 'wrong-code')" in p and "stale" in p for p in problems)
    assert any("wildcard" in p for p in problems)


def test_stable_keys_do_not_depend_on_the_process():
    """The same seed gives the same keys in another interpreter (another hash seed)."""
    code = ("from cloudtwin.conformance.runner import Runner, RunOptions\n"
            "from cloudtwin.conformance.target import Target\n"
            "r = Runner(Target('http://127.0.0.1:9'), RunOptions(operations=['SendMessage', 'CreateQueue']))\n"
            "v, _, _ = r.plan('sqs')\n"
            "import json; print(json.dumps(sorted(x.stable_key('sqs') for op in v.values() for x in op)))\n")
    runs = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout))
    assert runs[0] == runs[1] and len(runs[0]) > 50
