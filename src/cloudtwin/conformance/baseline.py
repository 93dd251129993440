"""``conformance-baseline.json``: what passed last time the baseline was accepted.

Per service and operation, variants passed and total, and the known gaps — every kind of
failure still open, grouped by (outcome, strategy, violation) with a count, a reason, and
one example variant. The CI guard compares a run with it: a service's pass count must not
drop, nor its success-path count, and no claimed operation may pass fewer variants than
before (:func:`regressions`).
The run settings (seed, shard) are stored too, so the guard re-runs exactly what the
baseline measured.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from cloudtwin.conformance.runner import OperationResult, ServiceResult

VERSION = 1
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
            "passed": result.passed,
            "total": result.total,
            "positive": result.positives,
            "success_path": result.success,
            "operations": {
                name: {"passed": op.passed, "total": op.total, **({"known_gaps": _gaps(op, reviewed)} if op.gaps else {})}
                for name, op in sorted(result.operations.items())
            },
        }
    return {"version": VERSION, "botocore": botocore.__version__, "seed": seed, "shard": shard,
            "services": services}


def save(data: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")


def merge(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """``new`` over ``old``: services not run this time keep their recorded entry."""
    if not old or old.get("seed") != new["seed"] or old.get("shard") != new["shard"]:
        return new
    services = dict(old.get("services", {}))
    services.update(new["services"])
    return {**new, "services": dict(sorted(services.items()))}


def load(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    return json.loads(path.read_text())


def regressions(baseline: dict[str, Any], results: list[ServiceResult]) -> list[str]:
    """What got worse: a service passing fewer variants or taking fewer positive ones down the
    success path, a claimed operation passing fewer."""
    problems: list[str] = []
    recorded = baseline.get("services", {})
    for result in results:
        before = recorded.get(result.name)
        if before is None:
            continue
        if result.passed < before["passed"]:
            problems.append(f"{result.name}: {result.passed} variants pass, the baseline has {before['passed']}")
        if result.success < before.get("success_path", 0):
            problems.append(f"{result.name}: {result.success} positive variants reach a 2xx, the baseline has "
                            f"{before['success_path']}")
        for name, op in before.get("operations", {}).items():
            now = result.operations.get(name)
            if now is None:
                problems.append(f"{result.name}.{name}: no longer claimed (the baseline had {op['passed']} passing)")
            elif now.passed < op["passed"]:
                problems.append(f"{result.name}.{name}: {now.passed}/{now.total} pass, the baseline has "
                                f"{op['passed']}/{op['total']}")
    return problems
