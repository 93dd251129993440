"""``cloudtwin aws ...``: the AWS CLI, pointed at the running cloudtwin.

The AWS CLI v1 (the ``awscli`` package) pins some services to AWS's own host names in some
regions -- SQS in every region tried -- and then ignores ``AWS_ENDPOINT_URL``. This wrapper
passes ``--endpoint-url`` explicitly (which every version honours), sets the environment
variable for anything the CLI calls itself, and supplies dummy credentials and a region
when none are configured.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Mapping

from cloudtwin.config import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_REGION


def endpoint_from(environ: Mapping[str, str]) -> str:
    """``CLOUDTWIN_ENDPOINT``, else the address ``cloudtwin start`` would use."""
    if environ.get("CLOUDTWIN_ENDPOINT"):
        return environ["CLOUDTWIN_ENDPOINT"].rstrip("/")
    host = environ.get("CLOUDTWIN_HOST", DEFAULT_HOST)
    if host in ("0.0.0.0", "::", ""):
        host = DEFAULT_HOST
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{environ.get('CLOUDTWIN_PORT', DEFAULT_PORT)}"


def find_aws() -> str | None:
    """The ``aws`` beside this Python (a virtualenv's awscli) first, then on PATH."""
    beside = Path(sys.executable).with_name("aws")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("aws")


def command(args: list[str], environ: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """The AWS CLI command line and environment for ``args``."""
    endpoint = endpoint_from(environ)
    env = dict(environ)
    env["AWS_ENDPOINT_URL"] = endpoint
    if not (env.get("AWS_PROFILE") or env.get("AWS_ACCESS_KEY_ID")):
        env["AWS_ACCESS_KEY_ID"] = "test"
        env["AWS_SECRET_ACCESS_KEY"] = "test"
    if not (env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or env.get("AWS_PROFILE")):
        env["AWS_DEFAULT_REGION"] = DEFAULT_REGION
    explicit = any(a == "--endpoint-url" or a.startswith("--endpoint-url=") for a in args)
    return ([] if explicit else ["--endpoint-url", endpoint]) + list(args), env


def run(args: list[str]) -> int:
    exe = find_aws()
    if exe is None:
        print(
            "cloudtwin: the AWS CLI is not installed (pip install awscli, or install AWS CLI v2)",
            file=sys.stderr,
        )
        return 127
    argv, env = command(args, os.environ)
    try:
        return subprocess.call([exe, *argv], env=env)
    except KeyboardInterrupt:
        return 130
