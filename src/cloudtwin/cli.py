"""The ``cloudtwin`` command."""

from __future__ import annotations

import argparse
import sys

from cloudtwin import __version__

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def build_parser(full: bool = True) -> argparse.ArgumentParser:
    """The command line; ``full=False`` (for ``start``) leaves out the other commands'
    options, whose modules cost a tenth of a second to import."""
    parser = argparse.ArgumentParser(
        prog="cloudtwin", description="A local twin of AWS on one endpoint."
    )
    parser.add_argument("--version", action="version", version=f"cloudtwin {__version__}")
    commands = parser.add_subparsers(dest="command")
    start = commands.add_parser("start", help="run the server in the foreground")
    start.add_argument("--host", help="address to bind (default 127.0.0.1, env CLOUDTWIN_HOST)")
    start.add_argument("--port", type=int, help="port (default 4566, env CLOUDTWIN_PORT)")
    start.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        help="request log level (default info, env CLOUDTWIN_LOG_LEVEL); "
        "'info' logs one line per request",
    )
    start.add_argument(
        "--data-dir",
        help="keep all state in this directory and restore it on the next start "
        "(env CLOUDTWIN_DATA_DIR; default: in memory only)",
    )
    start.add_argument(
        "--hostname",
        action="append",
        help="an extra host name to answer to (e.g. for <bucket>.s3.<hostname>); repeatable",
    )
    if not full:
        return parser
    from cloudtwin.contract.cli import add_parser as add_contract_parser

    add_contract_parser(commands)
    from cloudtwin.conformance.command import add_parser as add_conformance_parser

    add_conformance_parser(commands)
    from cloudtwin.execution.node_sdk import add_parser as add_lambda_parser

    add_lambda_parser(commands)
    commands.add_parser(
        "aws",
        help="run the AWS CLI against the running cloudtwin: cloudtwin aws sqs list-queues "
        "(endpoint from CLOUDTWIN_ENDPOINT, else CLOUDTWIN_HOST/CLOUDTWIN_PORT)",
        add_help=False,
    )
    return parser


def _adopt_localstack_settings() -> None:
    """LocalStack's variables become their CLOUDTWIN_* equivalents; say what was done."""
    import os

    from cloudtwin.localstack_settings import translate

    settings, notes = translate(os.environ)
    os.environ.update(settings)
    for note in notes:
        print(f"cloudtwin: {note}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["aws"]:  # everything after "aws" is the AWS CLI's, help included
        from cloudtwin.aws_cli import run as run_aws

        return run_aws(argv[1:])
    parser = build_parser(full=argv[:1] != ["start"])
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command == "start":
        from cloudtwin.config import Config
        from cloudtwin.server import BindError, serve
        from cloudtwin.state.backend import DataDirError

        _adopt_localstack_settings()
        config = Config.from_env(
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            log_level=getattr(args, "log_level", None),
            data_dir=getattr(args, "data_dir", None),
            hostnames=tuple(h.lower() for h in args.hostname) if getattr(args, "hostname", None) else None,
        )
        try:
            serve(config)
        except BindError as exc:
            print(f"cloudtwin: {exc}", file=sys.stderr)
            return 1
        except DataDirError as exc:
            print(f"cloudtwin: --data-dir {config.data_dir}: {exc}", file=sys.stderr)
            return 1
        return 0
    if args.command == "contract":
        from cloudtwin.contract.cli import run as run_contract

        return run_contract(args)
    if args.command == "conformance":
        from cloudtwin.conformance.command import main as run_conformance

        return run_conformance(args)
    if args.command == "lambda":
        from cloudtwin.execution.node_sdk import run as run_lambda

        return run_lambda(args)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
