"""``cloudtwin contract``: the contract proxy on the command line.

Exit status: 0 when every compared request matched (and ``--run``'s command succeeded),
1 when anything mismatched or the command failed, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from typing import Any

from cloudtwin.contract.compare import DEFAULT_IGNORE

DEFAULT_PORT = 4577
DEFAULT_TARGET = "http://127.0.0.1:4566"


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "contract",
        help="proxy that compares a reference (AWS) and a target (cloudtwin) on your traffic",
        description="Send every request to both the reference and the target, answer with "
        "one of them, and compare the two answers through the service model.",
    )
    parser.add_argument("--target", default=DEFAULT_TARGET, help=f"the endpoint under test (default {DEFAULT_TARGET})")
    parser.add_argument("--reference", help="the reference: an endpoint URL, or 'aws' (re-signed with your credentials)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0 = any)")
    parser.add_argument("--output", default="report.json", help="where to write the JSON report (default report.json)")
    parser.add_argument(
        "--ignore-paths",
        default=",".join(DEFAULT_IGNORE),
        help=f"comma-separated keys ignored at any depth (default {','.join(DEFAULT_IGNORE)})",
    )
    parser.add_argument("--region", help="region for AWS when a request's signature names none")
    parser.add_argument("--serve", choices=("reference", "target"),
                        help="whose answer the client gets (default reference; target when replaying)")
    parser.add_argument("--run", metavar="CMD", help="run CMD with AWS_ENDPOINT_URL set to the proxy, then stop")
    parser.add_argument("--record", metavar="DIR", help="store the reference's answers in DIR")
    parser.add_argument("--replay", metavar="DIR", help="compare the target with answers recorded in DIR (no reference)")
    return parser


def run(args: argparse.Namespace) -> int:
    from cloudtwin.contract.proxy import ContractProxy
    from cloudtwin.contract.report import summary_table

    if not args.reference and not args.replay:
        print("cloudtwin contract: --reference or --replay is required", file=sys.stderr)
        return 2
    if args.reference and args.replay:
        print("cloudtwin contract: --reference and --replay exclude each other", file=sys.stderr)
        return 2
    ignore = [p.strip() for p in (args.ignore_paths or "").split(",") if p.strip()]
    try:
        proxy = ContractProxy(
            args.target, args.reference, port=args.port, region=args.region, ignore_paths=ignore,
            serve=args.serve, record=args.record, replay=args.replay,
        )
    except (ValueError, FileNotFoundError) as exc:
        print(f"cloudtwin contract: {exc}", file=sys.stderr)
        return 2
    proxy.start()
    command_status = 0
    try:
        if args.run:
            print(f"contract proxy on {proxy.endpoint}; running: {args.run}", file=sys.stderr)
            env = dict(os.environ, AWS_ENDPOINT_URL=proxy.endpoint)
            if args.region:
                env.setdefault("AWS_DEFAULT_REGION", args.region)
            command_status = subprocess.run(args.run, shell=True, env=env).returncode
        else:
            print(f"contract proxy on {proxy.endpoint} (Ctrl-C to stop and write the report)", file=sys.stderr)
            _wait_for_interrupt()
    finally:
        proxy.stop()
    report = proxy.write_report(args.output)
    print(summary_table(report))
    print(f"report written to {args.output}")
    if command_status != 0:
        print(f"command exited with status {command_status}", file=sys.stderr)
        return 1
    return 0 if report["mismatched"] == 0 else 1


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


__all__ = ["add_parser", "run"]
