"""Regenerates ``aws-iam-data.json.gz``: AWS managed policies and service-linked roles.

Nothing here is typed by hand; both tables come from packages published on PyPI, read
straight from their wheels (downloaded with ``pip download --no-deps``, never imported):

- **AWS managed policies** (every one, its path, default version, dates and default
  document): ``moto``'s ``moto/iam/aws_managed_policies.py``, which moto regenerates from
  AWS's ``ListPolicies``/``GetPolicyVersion`` (Apache-2.0).
- **Service-linked roles** (service principal → role name, attached AWS managed policies,
  whether ``CustomSuffix`` is allowed): ``localstack-core``'s
  ``localstack/services/iam/resources/service_linked_roles.py`` (Apache-2.0), the only
  published machine-readable copy of AWS's per-service table that we know of.

Run ``python -m cloudtwin.services.iam.aws_data_build [--moto VERSION] [--localstack VERSION]``
to refresh the shipped file.
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
_SLR_FILE = "localstack/services/iam/resources/service_linked_roles.py"
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


def _service_linked_roles(wheel: Path) -> dict[str, list]:
    table = _first_literal(zipfile.ZipFile(wheel).read(_SLR_FILE).decode())
    out: dict[str, list] = {}
    for service in sorted(table):
        row = table[service]
        policies = [arn.removeprefix(_ARN_PREFIX) for arn in row["attached_policies"]]
        out[service] = [row["role_name"], policies, bool(row["suffix_allowed"])]
    return out


def build(moto: str | None, localstack: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        moto_wheel, moto_version = _wheel("moto", moto, Path(tmp))
        ls_wheel, ls_version = _wheel("localstack-core", localstack, Path(tmp))
        return {
            "sources": {"moto": moto_version, "localstack-core": ls_version},
            "policies": _policies(moto_wheel),
            "service_linked_roles": _service_linked_roles(ls_wheel),
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moto", help="moto version (default: the newest)")
    parser.add_argument("--localstack", help="localstack-core version (default: the newest)")
    args = parser.parse_args(argv)
    data = build(args.moto, args.localstack)
    text = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    DATA_FILE.write_bytes(gzip.compress(text, 9, mtime=0))
    print(
        f"{DATA_FILE.name}: {len(data['policies'])} policies, "
        f"{len(data['service_linked_roles'])} service-linked roles from {data['sources']}"
    )


if __name__ == "__main__":
    main()
