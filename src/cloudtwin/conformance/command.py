"""The ``cloudtwin conformance`` sub-commands (``run``, ``coverage``), kept here so
``cli.py`` only registers them.

``run`` judges an in-process cloudtwin by default, or any endpoint with ``--endpoint URL``
(another emulator, a recording proxy): the operations cloudtwin claims are sent there and
judged from the models alone; state is reset between operations only where the endpoint
is a cloudtwin. ``--update-baseline`` runs the whole suite (seed 0) in-process and writes
``conformance-baseline.json``: the one command to record it again."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: The baseline's shard: None, the whole generated suite (fixed seed). The default test
#: tier runs a sample of it per operation (tests/conformance, ``FAST_SAMPLE``); the full
#: run is opt-in there (``CLOUDTWIN_CONFORMANCE_FULL=1``).
CI_SHARD: int | None = None
CI_SEED = 0
#: Variants per operation of the fast test tier, chosen by stable key from the whole suite.
FAST_SAMPLE = 12


def add_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser("conformance", help="conformance tests generated from botocore's models")
    sub = parser.add_subparsers(dest="conformance_command")
    run = sub.add_parser("run", help="run the generated variants against an in-process server or --endpoint")
    run.add_argument("--endpoint", help="judge this endpoint (http://host:port) instead of an in-process cloudtwin")
    run.add_argument("--timeout", type=float, default=None,
                     help="seconds a variant may take (default 15; CPU-heavy key generation gets 120)")
    run.add_argument("--sample", type=int, default=None,
                     help="at most N variants per operation, chosen by stable key (the fast test tier uses "
                          f"{FAST_SAMPLE}); compared with the baseline like the full run")
    run.add_argument("--services", help="comma-separated botocore names (default: every implemented service)")
    run.add_argument("--operations", help="comma-separated operation names (default: all claimed)")
    run.add_argument("--seed", type=int, default=CI_SEED, help="seed of the random strategy (default 0)")
    run.add_argument("--shard", type=int, default=None,
                     help="at most N variants per operation, a fixed-seed sample (CI runs them all)")
    run.add_argument("--report", help="write the full results as JSON here")
    run.add_argument("--no-shrink", action="store_true", help="do not shrink failing random inputs")
    run.add_argument("--baseline", help="baseline file (default: conformance-baseline.json at the repo root)")
    run.add_argument("--update-baseline", action="store_true",
                     help="record this run as the baseline (what CI runs: the whole suite, seed 0)")
    run.add_argument("--failures", type=int, default=10, help="how many failures to explain (default 10)")
    cov = sub.add_parser("coverage", help="per service: operations in the model, implemented, covered")
    cov.add_argument("--baseline", help="baseline file to read the covered operations from")
    cov.add_argument("--readme", help="also rewrite the table between the coverage markers of this file")


def main(args: argparse.Namespace) -> int:
    if args.conformance_command == "run":
        return _run(args)
    if args.conformance_command == "coverage":
        return _coverage(args)
    print("usage: cloudtwin conformance {run,coverage} ...", file=sys.stderr)
    return 2


def _split(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def _run(args: argparse.Namespace) -> int:
    from cloudtwin.conformance import baseline as baselines
    from cloudtwin.conformance.report import ProgressBar, failures, summary, to_json
    from cloudtwin.conformance.runner import Runner, RunOptions
    from cloudtwin.conformance.target import Target, implemented_services
    from cloudtwin.testing.server import ServerThread

    shard = args.shard if args.shard is not None else (CI_SHARD if args.update_baseline else None)
    services = _split(args.services) or implemented_services()
    unknown = [s for s in services if s not in implemented_services()]
    if unknown:
        print(f"not implemented: {', '.join(unknown)}", file=sys.stderr)
        return 2
    if args.update_baseline and (args.endpoint or args.sample):
        print("--update-baseline records the whole suite against cloudtwin: drop --endpoint/--sample",
              file=sys.stderr)
        return 2
    options = RunOptions(services=services, operations=_split(args.operations), seed=args.seed,
                         shard=shard, sample=args.sample,
                         shrink=not args.no_shrink and not args.update_baseline)
    timeouts = {"timeout": args.timeout} if args.timeout else {}
    if args.endpoint:
        results = Runner(Target(args.endpoint, **timeouts), options, ProgressBar()).run(services)
    else:
        with ServerThread() as server:
            results = Runner(Target(server.endpoint, **timeouts), options, ProgressBar()).run(services)
    print(summary(results))
    explained = failures(results, args.failures)
    if explained:
        print("\nfirst failures:\n" + explained)
    if args.report:
        Path(args.report).write_text(to_json(results, seed=args.seed, shard=shard, sample=args.sample,
                                             endpoint=args.endpoint or "in-process cloudtwin",
                                             services=services))
    path = Path(args.baseline) if args.baseline else baselines.default_path()
    recorded = baselines.load(path)
    if args.update_baseline:
        if args.operations:
            print("--update-baseline records whole services: drop --operations", file=sys.stderr)
            return 2
        data = baselines.merge(recorded, baselines.build(results, seed=args.seed, shard=shard))
        baselines.save(data, path)
        print(f"\nbaseline written: {path}")
        return 0
    if args.endpoint:  # the baseline is cloudtwin's: another endpoint is only measured
        return 0
    if recorded is not None and recorded.get("version") == baselines.VERSION and recorded.get("seed") == args.seed \
            and recorded.get("shard") == shard and not args.operations:
        worse = baselines.regressions(recorded, results)
        better = baselines.improvements(recorded, results) if args.sample is None else []
        if better:
            print("\nimprovements (record them: cloudtwin conformance run --update-baseline):\n  "
                  + "\n  ".join(better))
        if worse:
            print("\nregressions against the baseline:\n  " + "\n  ".join(worse))
            return 1
        print("\nno regression against the baseline")
        return 0
    # No comparable baseline: the exit code says whether every variant passed.
    return 0 if all(r.passed == r.total and not r.error for r in results) else 1


def _coverage(args: argparse.Namespace) -> int:
    from cloudtwin.conformance import baseline as baselines
    from cloudtwin.conformance.coverage import collect, table, write_readme

    path = Path(args.baseline) if args.baseline else baselines.default_path()
    rows = collect(baselines.load(path))
    print(table(rows))
    if args.readme:
        if not write_readme(Path(args.readme), rows):
            print(f"{args.readme}: no coverage markers", file=sys.stderr)
            return 1
    return 0
