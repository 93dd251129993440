"""Regenerates ``aws-iam-data.json.gz``: every AWS managed policy.

Nothing here is typed by hand: the policies (each one's path, default version, dates and
default document — AWS's own documents) come from ``moto``'s
``moto/iam/aws_managed_policies.py`` (Apache-2.0), which moto regenerates from AWS's
``ListPolicies``/``GetPolicyVersion``; the wheel is downloaded with ``pip download
--no-deps`` and read, never imported.

Service-linked roles are not in the file: they are AWS's documentation, typed by hand with
their sources into ``service-linked-roles.json`` (see ``service_linked``).

Run ``python -m cloudtwin.services.iam.aws_data_build [--moto VERSION]`` to refresh it.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from cloudtwin.services.iam.aws_managed import DATA_FILE

_MOTO_FILE = "moto/iam/aws_managed_policies.py"
_ARN_PREFIX = "arn:aws:iam::aws:policy"


def _wheel(package: str, version: str | None, into: Path) -> tuple[Path, str]:
    spec = f"{package}=={version}" if version else package
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
         "-d", str(into), spec],
        check=True, capture_output=True,
    )  # fmt: skip
    wheel = next(into.glob(f"{package.replace('-', '_')}-*.whl"))
    return wheel, wheel.name.split("-")[1]


def _first_literal(source: str) -> object:
    """The value of the module's first assignment (the data, as a Python literal)."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            return ast.literal_eval(node.value)
    raise ValueError("no assignment found")


def _policies(wheel: Path) -> dict[str, list]:
    raw = _first_literal(zipfile.ZipFile(wheel).read(_MOTO_FILE).decode())
    data = json.loads(raw) if isinstance(raw, str) else raw
    out: dict[str, list] = {}
    for name in sorted(data):
        p = data[name]
        document = json.dumps(p["Document"], separators=(",", ":"))
        out[name] = [p["Path"], p["DefaultVersionId"], p["CreateDate"], p["UpdateDate"], document]
    return out




def build(moto: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        moto_wheel, moto_version = _wheel("moto", moto, Path(tmp))
        return {"sources": {"moto": moto_version}, "policies": _policies(moto_wheel)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moto", help="moto version (default: the newest)")
    args = parser.parse_args(argv)
    data = build(args.moto)
    text = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    DATA_FILE.write_bytes(gzip.compress(text, 9, mtime=0))
    print(f"{DATA_FILE.name}: {len(data['policies'])} policies from {data['sources']}")


if __name__ == "__main__":
    main()
