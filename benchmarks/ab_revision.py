"""cloudtwin at another git revision against the working tree, interleaved: the same
workloads as ``peers.py`` (SendMessage and GetItem at 16 connections, SendMessage with
``--data-dir``, SNS publish to one SQS subscriber), rate and server CPU per request.

    .venv/bin/python benchmarks/ab_revision.py main [--rounds 3] [--seconds 5]

The revision is exported with ``git archive`` into a temporary directory and run from
there with this virtualenv (``PYTHONPATH`` ahead of the editable install), so both use
the same dependencies. Prints the median of each figure and the load average per round.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from peers import Server, persisted, sns_delivery, throughput

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ("send_rps", "send_cpu_ms", "getitem_rps", "getitem_cpu_ms", "persist_send_rps", "persist_send_cpu_ms",
           "sns_p50_ms", "sns_cpu_ms", "load")


def export(revision: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "src"], check=True, capture_output=True).stdout
    path = into / "archive.tar"
    path.write_bytes(archive)
    with tarfile.open(path) as tar:
        tar.extractall(into, filter="data")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(into / "src")], check=True, stdout=subprocess.DEVNULL)
    return into / "src"


def run(name: str, pythonpath: str | None, args) -> dict:
    saved = os.environ.get("PYTHONPATH")
    if pythonpath:
        os.environ["PYTHONPATH"] = pythonpath
    server = Server("cloudtwin", args.port)
    try:
        out = {"load": os.getloadavg()[0]}
        server.start()
        out |= throughput(server, args)
        out |= sns_delivery(server, args.messages)
        out |= persisted(server, args)
        return out
    finally:
        server.stop()
        if pythonpath:
            if saved is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = saved


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("revision")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--port", type=int, default=4606)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cloudtwin-ab-"))
    try:
        base = str(export(args.revision, folder))
        results: dict[str, list[dict]] = {args.revision: [], "working tree": []}
        for r in range(args.rounds):
            order = [(args.revision, base), ("working tree", None)]
            for name, path in order if r % 2 == 0 else order[::-1]:
                figures = run(name, path, args)
                results[name].append(figures)
                print(f"round {r + 1} {name}: {json.dumps(figures)}", file=sys.stderr)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{'figure (median)':<24}" + "".join(f"{n:>16}" for n in results))
    for key in FIGURES:
        cells = [statistics.median(f[key] for f in rs if key in f) if any(key in f for f in rs) else None
                 for rs in results.values()]
        print(f"{key:<24}" + "".join(f"{c:>16,.3f}" if c is not None else f"{'—':>16}" for c in cells))


if __name__ == "__main__":
    main()
