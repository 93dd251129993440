"""The AWS SDK for JavaScript that AWS's Node.js runtimes bundle, kept in a cache directory.

AWS's ``nodejs18.x`` and later runtimes include the SDK v3 (``@aws-sdk/*``), ``nodejs16.x``
and earlier the SDK v2 (``aws-sdk``): a function may ``require``/``import`` them without
bundling them. cloudtwin installs them with npm into ``~/.cache/cloudtwin/lambda-node-sdk``
(``CLOUDTWIN_LAMBDA_NODE_SDK`` moves it) by ``cloudtwin lambda install-node-sdk``; a function
of a Node.js runtime finds them after its own ``node_modules`` and its layers, as on AWS
(``/var/runtime/node_modules`` comes last on ``NODE_PATH``). Without the cache nothing changes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

#: The SDK v3's libraries besides the clients (document client, uploads, credentials, presigning).
V3_LIBRARIES = (
    "@aws-sdk/lib-dynamodb", "@aws-sdk/lib-storage", "@aws-sdk/credential-providers",
    "@aws-sdk/s3-request-presigner", "@aws-sdk/util-dynamodb",
)
#: The SDK v2, one package.
V2_PACKAGES = ("aws-sdk@2",)


def cache_dir() -> Path:
    configured = os.environ.get("CLOUDTWIN_LAMBDA_NODE_SDK")
    return Path(configured) if configured else Path.home() / ".cache" / "cloudtwin" / "lambda-node-sdk"


def major_version(runtime: str) -> int | None:
    """``nodejs20.x`` -> 20 (None for ``nodejs``/``nodejs4.3``-style names without ``.x``)."""
    version = runtime.removeprefix("nodejs").split(".")[0]
    return int(version) if version.isdigit() else None


def sdk_generation(runtime: str) -> str:
    """``v3`` for nodejs18.x and later, ``v2`` before (as AWS's runtimes bundle them)."""
    major = major_version(runtime)
    return "v3" if major is not None and major >= 18 else "v2"


def node_modules(runtime: str) -> Path | None:
    """The bundled SDK's ``node_modules`` for ``runtime``, if it is installed."""
    folder = cache_dir() / sdk_generation(runtime) / "node_modules"
    return folder if folder.is_dir() else None


def v3_packages(services: list[str]) -> list[str]:
    """``@aws-sdk/client-<service id>`` of each service (the SDK v3 names its clients after the
    model's service id: ``Secrets Manager`` -> ``client-secrets-manager``), plus the libraries."""
    import botocore.exceptions
    import botocore.loaders

    loader = botocore.loaders.Loader()
    clients = set()
    for service in services:
        try:
            service_id = loader.load_service_model(service, "service-2")["metadata"]["serviceId"]
        except botocore.exceptions.DataNotFoundError:  # pragma: no cover - a folder without a model
            continue
        clients.add("@aws-sdk/client-" + service_id.lower().replace(" ", "-"))
    return sorted(clients) + list(V3_LIBRARIES)


def implemented_services() -> list[str]:
    here = Path(__file__).parent.parent / "services"
    return sorted(
        p.name.rstrip("_").replace("_", "-") for p in here.iterdir() if (p / "provider.py").is_file()
    )


def install(generations: tuple[str, ...] = ("v3", "v2")) -> int:
    """Install the SDK(s) with npm into the cache; 0 when all went well."""
    npm = shutil.which("npm")
    if npm is None:
        print("cloudtwin: npm is not on PATH: cannot install the AWS SDK for JavaScript", file=sys.stderr)
        return 1
    status = 0
    for generation in generations:
        packages = v3_packages(implemented_services()) if generation == "v3" else list(V2_PACKAGES)
        prefix = cache_dir() / generation
        prefix.mkdir(parents=True, exist_ok=True)
        print(f"+ npm install --prefix {prefix} ({len(packages)} packages)", file=sys.stderr)
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(prefix), *packages],
            check=False,
        )
        status = status or done.returncode
    return status


def add_parser(commands) -> None:
    lambda_ = commands.add_parser("lambda", help="Lambda helpers")
    actions = lambda_.add_subparsers(dest="lambda_command", required=True)
    sdk = actions.add_parser(
        "install-node-sdk",
        help="install the AWS SDK for JavaScript that AWS's Node.js runtimes bundle (v3 for "
        "nodejs18.x and later, v2 before) into ~/.cache/cloudtwin/lambda-node-sdk with npm",
    )
    sdk.add_argument("--only", choices=("v3", "v2"), help="install one generation only")


def run(args) -> int:
    if args.lambda_command == "install-node-sdk":
        return install((args.only,) if args.only else ("v3", "v2"))
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover - .ci/run, before cloudtwin's virtualenv exists
    sys.exit(install())
