"""``conformance-baseline.json``: what the whole generated suite measured when the baseline
was last accepted.

Per service: variants, passed, the success-path share (positive variants answered 2xx
with a valid body and, for a write, read back as written) and the round trips; per
operation: variants, passed, the **stable keys of the failing variants**
(:meth:`~cloudtwin.conformance.variant.Variant.stable_key`) and the known gaps — the
failures grouped by (outcome, strategy, violation) with a count, a reason and an example.
A gap's reason is a reviewed one (``KNOWN_GAPS`` beside the service's set-up) only where the
harness or the model is at fault, never for a cloudtwin bug: those stand as
``"reviewed": false`` until fixed.

The CI guard compares **sets**: a variant failing now that is not among its operation's
recorded failures is a regression, whatever the totals do (:func:`regressions`); recorded
failures that pass now are improvements (:func:`improvements`), recorded by running
``cloudtwin conformance run --update-baseline`` again. The run settings (seed) are stored,
so the guard re-runs exactly what the baseline measured.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from cloudtwin.conformance.runner import OperationResult, ServiceResult

VERSION = 2
FILE_NAME = "conformance-baseline.json"

#: What each kind of failure means. A gap's reason is the reviewed one its service's
#: ``KNOWN_GAPS`` gives (:func:`~cloudtwin.conformance.resources.known_gaps_for`); a gap
#: nobody has reviewed yet gets this text and ``"reviewed": false``.
REASONS = {
    "accepted-invalid": "cloudtwin accepts input that breaks the model's constraint; AWS rejects it",
    "wrong-code": "cloudtwin rejects the input, but not with the code AWS uses for this violation",
    "undeclared-error": "cloudtwin answers an error the operation does not declare (and not allow-listed)",
    "bad-output": "the response body does not validate against the operation's output shape",
    "server-error": "cloudtwin answered 5xx",
    "not-implemented": "the operation is claimed but answered NotImplemented",
    "transport": "no HTTP answer (timeout or dropped connection)",
    "roundtrip": "what the write set is not what the read returns",
    "refused-valid": "a request valid by the model was refused with a validation error, and no documented "
                     "constraint names what is wrong with it",
    "setup-failure": "a valid request about something the set-up should have made was answered "
                     "'does not exist': the set-up is incomplete",
}


def default_path() -> Path:
    """The repository root's baseline (beside pyproject.toml), else the working directory's."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists():
            return parent / FILE_NAME
    return Path.cwd() / FILE_NAME


def _gaps(op: OperationResult, reviewed: Mapping[tuple[str, ...], str]) -> list[dict[str, Any]]:
    examples: dict[tuple[str, str, str], str] = {}
    for failure in op.failures:
        examples.setdefault((failure.outcome, failure.strategy, failure.violation or ""), failure.variant)
    out = []
    for (outcome, strategy, violation), count in sorted(op.gaps.items()):
        reason = (reviewed.get((op.name, outcome, violation)) or reviewed.get((op.name, outcome))
                  or reviewed.get(("*", outcome, violation)) or reviewed.get(("*", outcome)))
        out.append({
            "outcome": outcome, "strategy": strategy, "violation": violation or None, "count": count,
            "reason": reason or REASONS.get(outcome, outcome), "reviewed": reason is not None,
            "example": examples.get((outcome, strategy, violation)),
        })
    return out


def build(results: list[ServiceResult], *, seed: int, shard: int | None) -> dict[str, Any]:
    import botocore

    from cloudtwin.conformance.resources import known_gaps_for

    services: dict[str, Any] = {}
    for result in results:
        reviewed = known_gaps_for(result.name)
        services[result.name] = {
            **service_summary(result),
            "operations": {
                name: {"variants": op.total, "passed": op.passed,
                       "success_path": op.success, "positive": op.positives,
                       **({"failing": sorted(op.failing)} if op.failing else {}),
                       **({"known_gaps": _gaps(op, reviewed)} if op.gaps else {})}
                for name, op in sorted(result.operations.items())
            },
        }
    return {"version": VERSION, "botocore": botocore.__version__, "seed": seed, "shard": shard,
            "services": services}


def service_summary(result: ServiceResult) -> dict[str, Any]:
    """What the run measured of one service (the baseline's and the JSON report's head)."""
    return {
        "variants": result.total,
        "passed": result.passed,
        "positive": result.positives,
        "success_path": result.success,
        "success_path_share": result.success_path_share,
        "setup_failures": result.setup_failed,
        "round_trips": result.round_trips,
    }


def save(data: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")


def merge(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """``new`` over ``old``: services not run this time keep their recorded entry."""
    if not old or old.get("version") != VERSION or old.get("seed") != new["seed"] or old.get("shard") != new["shard"]:
        return new
    services = dict(old.get("services", {}))
    services.update(new["services"])
    return {**new, "services": dict(sorted(services.items()))}


def load(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    return json.loads(path.read_text())


def regressions(baseline: dict[str, Any], results: list[ServiceResult]) -> list[str]:
    """What got worse: a variant failing that the baseline does not record as failing (by
    its stable key, per operation), or a claimed operation no longer claimed. A sample of
    the suite compares the same way: its failures must be among the recorded ones."""
    problems: list[str] = []
    recorded = baseline.get("services", {})
    for result in results:
        before = recorded.get(result.name)
        if before is None:
            continue
        for name, op in before.get("operations", {}).items():
            if name not in result.operations:
                problems.append(f"{result.name}.{name}: no longer claimed (the baseline had {op['passed']} passing)")
        for name, now in result.operations.items():
            known = set(before.get("operations", {}).get(name, {}).get("failing", ()))
            new = sorted(set(now.failing) - known)
            if new:
                shown = ", ".join(new[:5]) + (f" and {len(new) - 5} more" if len(new) > 5 else "")
                problems.append(f"{result.name}.{name}: {len(new)} variant(s) fail that the baseline records as "
                                f"passing or did not have: {shown}")
    return problems


def improvements(baseline: dict[str, Any], results: list[ServiceResult], ran: dict[str, set[str]] | None = None
                 ) -> list[str]:
    """Recorded failures that pass now (among the variants that ran when ``ran`` maps
    operation -> the keys run): the baseline can be recorded again."""
    out: list[str] = []
    recorded = baseline.get("services", {})
    for result in results:
        before = recorded.get(result.name, {}).get("operations", {})
        for name, now in result.operations.items():
            known = set(before.get(name, {}).get("failing", ()))
            if ran is not None:
                known &= ran.get(f"{result.name}/{name}", set())
            fixed = known - set(now.failing)
            if fixed:
                out.append(f"{result.name}.{name}: {len(fixed)} recorded failure(s) pass now")
    return out


def stale_known_gaps(baseline: dict[str, Any]) -> list[str]:
    """Reviewed reasons (``KNOWN_GAPS``) that match no gap of the baseline, and wildcard
    reasons for ``accepted-invalid`` (each such gap is reasoned per operation or fixed)."""
    from cloudtwin.conformance.resources import known_gaps_for

    out: list[str] = []
    for service, entry in baseline.get("services", {}).items():
        gaps = [(op, gap["outcome"], gap["violation"] or "")
                for op, data in entry.get("operations", {}).items() for gap in data.get("known_gaps", [])]
        for key in known_gaps_for(service):
            op, outcome, violation = (tuple(key) + ("",))[:3]
            if op == "*" and outcome == "accepted-invalid":
                out.append(f"{service}: {key}: no wildcard reason for accepted-invalid, name the operation")
                continue
            if not any((op in ("*", g_op)) and outcome == g_out and (len(key) < 3 or violation == g_vio)
                       for g_op, g_out, g_vio in gaps):
                out.append(f"{service}: {key}: matches no gap of the baseline (stale: remove it)")
    return out
