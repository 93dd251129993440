"""What a run prints: a progress bar, a summary table per service, the first failures
explained, and the JSON report (``--report out.json``)."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import IO, Any

from cloudtwin.conformance.runner import ServiceResult


class ProgressBar:
    """One line on stderr, redrawn on a terminal; elsewhere (CI, a pipe) plain lines: one
    when a service starts, one per tenth of its variants, one when it is done."""

    def __init__(self, stream: IO[str] | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.enabled = self.stream.isatty()
        self._tenth: dict[str, int] = {}

    def _plain(self, service: str, operation: str, done: int, total: int) -> None:
        tenth = (10 * done // total) if total else 10
        if self._tenth.get(service) == tenth:
            return
        self._tenth[service] = tenth
        if done >= total:
            self.stream.write(f"{service}: {total} variants done\n")
        else:
            self.stream.write(f"{service}: {done}/{total} variants ({operation})\n")
        self.stream.flush()

    def __call__(self, service: str, operation: str, done: int, total: int) -> None:
        if not self.enabled:
            self._plain(service, operation, done, total)
            return
        filled = int(self.width * done / total) if total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"\r{service:<16} [{bar}] {done}/{total} {operation:<40.40}"
        self.stream.write(line)
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:5.1f}%" if whole else "    -"


def summary(results: list[ServiceResult]) -> str:
    header = (f"{'service':<16} {'ops':>4} {'variants':>8} {'passed':>7} {'pass':>6} {'positive':>8} "
              f"{'2xx':>6} {'set-up':>6} {'rt ok':>5} {'rt bad':>6} {'time':>7}")
    lines = [header, "-" * len(header)]
    for r in results:
        trips = r.round_trips
        lines.append(f"{r.name:<16} {len(r.operations):>4} {r.total:>8} {r.passed:>7} {_pct(r.passed, r.total):>6} "
                     f"{r.positives:>8} {_pct(r.success, r.positives):>6} {r.setup_failed:>6} "
                     f"{trips['verified']:>5} {trips['failed']:>6} {r.seconds:>6.1f}s")
        if r.error:
            lines.append(f"  ! provider not importable: {r.error}")
        for step, count in r.setup_failures.items():
            lines.append(f"  ! set-up step failed {count}x: {step}")
    total = sum(r.total for r in results)
    passed = sum(r.passed for r in results)
    pos = sum(r.positives for r in results)
    ok = sum(r.success for r in results)
    lines.append("-" * len(header))
    lines.append(f"{'all':<16} {sum(len(r.operations) for r in results):>4} {total:>8} {passed:>7} "
                 f"{_pct(passed, total):>6} {pos:>8} {_pct(ok, pos):>6} {sum(r.setup_failed for r in results):>6} "
                 f"{sum(r.round_trips['verified'] for r in results):>5} "
                 f"{sum(r.round_trips['failed'] for r in results):>6} {sum(r.seconds for r in results):>6.1f}s")
    lines.append("pass = variants judged correct; 2xx = success-path share of the positive variants (answered "
                 "2xx with a valid body, and read back as written); set-up = positive variants answered "
                 "'does not exist'; rt = round trips verified / failed")
    return "\n".join(lines)


def failures(results: list[ServiceResult], limit: int = 10) -> str:
    out: list[str] = []
    for r in results:
        for op in r.operations.values():
            for f in op.failures:
                if len(out) >= limit:
                    return "\n\n".join(out)
                text = (f"FAIL {r.name} {f.variant} ({f.kind}) -> {f.outcome}\n"
                        f"  why:      {f.reason}\n  params:   {f.params}\n"
                        f"  request:  {f.request.replace(chr(10), chr(10) + '            ')}\n"
                        f"  response: {f.response.replace(chr(10), chr(10) + '            ')}")
                if f.shrunk:
                    text += f"\n  shrunk:   {f.shrunk}"
                out.append(text)
    return "\n\n".join(out)


def to_json(results: list[ServiceResult], **settings: Any) -> str:
    from cloudtwin.conformance.baseline import service_summary

    data = {"settings": settings, "services": {}}
    for r in results:
        data["services"][r.name] = {
            **service_summary(r),
            "seconds": round(r.seconds, 2), "error": r.error,
            "setup_steps_failed": r.setup_failures,
            "operations": {
                name: {"variants": op.total, "passed": op.passed, "positive": op.positives,
                       "success_path": op.success, "unsendable": op.unsendable,
                       "round_trips": {"verified": op.round_trips_verified, "failed": op.round_trips_failed},
                       "reclassified": op.reclassified,
                       "outcomes": dict(op.outcomes), "strategies": dict(op.strategies),
                       "off_path": dict(op.off_path.most_common()),
                       "off_path_samples": op.off_path_samples,
                       "failing": sorted(op.failing),
                       "failures": [asdict(f) for f in op.failures]}
                for name, op in r.operations.items()
            },
        }
    return json.dumps(data, indent=1, default=str)
