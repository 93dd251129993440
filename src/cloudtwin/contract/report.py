"""The contract proxy's findings: per-request verdicts, totals, and the summary table.

The JSON report has exactly these fields: ``started_at``, ``duration_sec``,
``total_requests``, ``matched``, ``mismatched``, ``compatibility_pct``, ``by_service``
(``total``, ``matched``, ``pct`` per service) and ``mismatches`` (``service``, ``action``,
``reference_status``, ``target_status``, ``diffs``, ``severity`` per mismatching request).
"""

from __future__ import annotations

import datetime as _dt
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cloudtwin.contract.compare import SEVERITIES, Comparison

__all__ = ["ExchangeResult", "Report"]


@dataclass(slots=True)
class ExchangeResult:
    service: str
    action: str
    reference_status: int | None
    target_status: int | None
    comparison: Comparison

    def mismatch(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "action": self.action,
            "reference_status": self.reference_status,
            "target_status": self.target_status,
            "diffs": self.comparison.diffs,
            "severity": self.comparison.severity,
        }


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 100.0


@dataclass
class Report:
    """Collects results from the proxy's worker threads; read it any time."""

    started_at: _dt.datetime = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc))
    _start: float = field(default_factory=time.monotonic)
    _end: float | None = None
    results: list[ExchangeResult] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, result: ExchangeResult) -> None:
        with self._lock:
            self.results.append(result)

    def finish(self) -> None:
        self._end = time.monotonic()

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            results = list(self.results)
        matched = sum(1 for r in results if r.comparison.matched)
        by_service: dict[str, dict[str, Any]] = {}
        for result in results:
            entry = by_service.setdefault(result.service, {"total": 0, "matched": 0, "pct": 0.0})
            entry["total"] += 1
            entry["matched"] += result.comparison.matched
        for entry in by_service.values():
            entry["pct"] = _pct(entry["matched"], entry["total"])
        end = self._end if self._end is not None else time.monotonic()
        return {
            "started_at": self.started_at.isoformat().replace("+00:00", "Z"),
            "duration_sec": round(end - self._start, 3),
            "total_requests": len(results),
            "matched": matched,
            "mismatched": len(results) - matched,
            "compatibility_pct": _pct(matched, len(results)),
            "by_service": dict(sorted(by_service.items())),
            "mismatches": [r.mismatch() for r in results if not r.comparison.matched],
        }

    def write(self, path: str | Path) -> dict[str, Any]:
        data = self.to_dict()
        Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return data


def summary_table(report: dict[str, Any]) -> str:
    """The human summary printed when a run ends."""
    rows = [("service", "total", "matched", "pct")]
    for service, entry in report["by_service"].items():
        rows.append((service, str(entry["total"]), str(entry["matched"]), f"{entry['pct']:.1f}%"))
    rows.append(("ALL", str(report["total_requests"]), str(report["matched"]), f"{report['compatibility_pct']:.1f}%"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))

    out = [line(rows[0]), "  ".join("-" * w for w in widths)]
    out.extend(line(row) for row in rows[1:-1])
    out.append("  ".join("-" * w for w in widths))
    out.append(line(rows[-1]))
    mismatches = report["mismatches"]
    if mismatches:
        counts: dict[tuple[str, str, str], int] = {}
        for m in mismatches:
            key = (m["severity"], m["service"], m["action"])
            counts[key] = counts.get(key, 0) + 1
        out.append("")
        out.append("mismatches (severity  service.action  count  first difference):")
        firsts: dict[tuple[str, str, str], str] = {}
        for m in mismatches:
            key = (m["severity"], m["service"], m["action"])
            if key not in firsts and m["diffs"]:
                d = m["diffs"][0]
                firsts[key] = f"{d['path']} {d['kind']}: {json.dumps(d['reference'], default=str)[:40]} -> {json.dumps(d['target'], default=str)[:40]}"
        order = {s: i for i, s in enumerate(SEVERITIES)}
        for key in sorted(counts, key=lambda k: (order.get(k[0], 9), k[1], k[2])):
            out.append(f"  {key[0]:<7} {key[1]}.{key[2]}  x{counts[key]}  {firsts.get(key, '')}")
    return "\n".join(out)
