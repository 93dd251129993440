"""Which local command runs which Lambda runtime.

    python3.x          AWS's runtime interface client (``awslambdaric``) on the Python
                       that runs cloudtwin
    nodejs*            ``node`` on PATH with the Runtime API client shipped here
                       (``node_runtime.js``)
    provided, .al2,    the ``bootstrap`` executable in the function's code (or a layer),
    provided.al2023    as on AWS

Anything else (Java, .NET, Ruby, Go 1.x) and image functions raise
:class:`RuntimeUnavailable` naming what is missing.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.execution.environment import Blueprint

HERE = Path(__file__).parent


class RuntimeUnavailable(Exception):
    """This machine cannot run the runtime; the message says what is missing."""


def family(runtime: str) -> str:
    for name in ("python", "nodejs", "provided", "java", "dotnet", "ruby", "go"):
        if runtime.startswith(name):
            return name
    return runtime


def command(bp: "Blueprint") -> tuple[list[str], dict[str, str]]:
    """``(argv, extra environment)`` that start an environment for ``bp``."""
    kind = family(bp.runtime)
    if kind == "python":
        if importlib.util.find_spec("awslambdaric") is None:  # pragma: no cover - a dependency
            raise RuntimeUnavailable(
                f"{bp.runtime} needs AWS's runtime interface client: pip install awslambdaric"
            )
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        paths = [bp.code_dir]
        for layer in bp.layer_dirs:
            paths += [
                str(Path(layer) / "python"),
                str(Path(layer) / "python" / "lib" / f"python{version}" / "site-packages"),
            ]
        return [sys.executable, "-m", "awslambdaric", bp.handler], {
            "PYTHONPATH": os.pathsep.join(paths),
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    if kind == "nodejs":
        node = shutil.which("node")
        if node is None:
            raise RuntimeUnavailable(f"{bp.runtime} needs Node.js: no 'node' on PATH")
        modules = [str(Path(bp.code_dir) / "node_modules")]
        for layer in bp.layer_dirs:
            modules += [str(Path(layer) / "nodejs" / "node_modules"), str(Path(layer) / "nodejs")]
        return [node, str(HERE / "node_runtime.js")], {"NODE_PATH": os.pathsep.join(modules)}
    if kind == "provided":
        for folder in (bp.code_dir, *bp.layer_dirs):
            bootstrap = Path(folder) / "bootstrap"
            if bootstrap.is_file():
                if not os.access(bootstrap, os.X_OK):
                    bootstrap.chmod(bootstrap.stat().st_mode | 0o111)
                return [str(bootstrap)], {}
        raise RuntimeUnavailable(
            "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"
        )
    raise RuntimeUnavailable(
        f"cloudtwin cannot run {bp.runtime} functions: it runs python3.x (with the Python that "
        "runs cloudtwin), nodejs* (with node on PATH) and provided.* (the function's bootstrap)"
    )
