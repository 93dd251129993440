"""Which local command runs which Lambda runtime.

    python3.x          AWS's runtime interface client (``awslambdaric``) on that Python
                       version where this machine has it (PATH or pyenv), else on the
                       Python that runs cloudtwin
    nodejs*            ``node`` on PATH with the Runtime API client shipped here
                       (``node_runtime.js``); the AWS SDK for JavaScript it bundles from
                       the cache ``node_sdk.py`` installs, when installed
    provided, .al2,    the ``bootstrap`` executable in the function's code (or a layer),
    provided.al2023    as on AWS
    ruby3.x            ``ruby`` on PATH (whichever version it is) with the Runtime API
                       client shipped here (``ruby_runtime.rb``)

Anything else (Java, .NET, Go 1.x) and image functions raise
:class:`RuntimeUnavailable` naming what is missing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from cloudtwin.execution import node_sdk

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
        interpreter = python_interpreter(bp.runtime)
        version = interpreter.version
        paths = [bp.code_dir]
        for layer in bp.layer_dirs:
            paths += [
                str(Path(layer) / "python"),
                str(Path(layer) / "python" / "lib" / f"python{version}" / "site-packages"),
            ]
        extra = {"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        if interpreter.executable != sys.executable:
            paths.append(str(python_runtime_lib()))
            # compiled modules (boto3's above all) kept between cold starts, outside the code
            del extra["PYTHONDONTWRITEBYTECODE"]
            extra["PYTHONPYCACHEPREFIX"] = str(python_runtime_lib().parent / "cloudtwin-python-pycache")
        return [interpreter.executable, "-m", "awslambdaric", bp.handler], {
            "PYTHONPATH": os.pathsep.join(paths), **extra,
        }
    if kind == "nodejs":
        node = shutil.which("node")
        if node is None:
            raise RuntimeUnavailable(f"{bp.runtime} needs Node.js: no 'node' on PATH")
        modules = [str(Path(bp.code_dir) / "node_modules")]
        for layer in bp.layer_dirs:
            modules += [str(Path(layer) / "nodejs" / "node_modules"), str(Path(layer) / "nodejs")]
        sdk = node_sdk.node_modules(bp.runtime)  # last, as /var/runtime/node_modules on AWS
        if sdk is not None:
            modules.append(str(sdk))
        return [node, str(HERE / "node_runtime.js")], {"NODE_PATH": os.pathsep.join(modules)}
    if kind == "ruby":
        ruby = shutil.which("ruby")
        if ruby is None:
            raise RuntimeUnavailable(f"{bp.runtime} needs Ruby: no 'ruby' on PATH")
        # as AWS's RUBYLIB and GEM_PATH, with this machine's own gems last
        version = bp.runtime.removeprefix("ruby") + ".0"
        libs = [bp.code_dir] + [str(Path(layer) / "ruby" / "lib") for layer in bp.layer_dirs]
        gems = [str(Path(bp.code_dir) / "vendor" / "bundle" / "ruby" / version)]
        gems += [str(Path(layer) / "ruby" / "gems" / version) for layer in bp.layer_dirs]
        gems += _ruby_gem_path(ruby)
        return [ruby, str(HERE / "ruby_runtime.rb")], {
            "RUBYLIB": os.pathsep.join(libs), "GEM_PATH": os.pathsep.join(gems),
            "GEM_HOME": str(HERE),  # AWS's /var/runtime, the runtime directory
        }
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
        "runs cloudtwin), nodejs* (with node on PATH), ruby3.x (with ruby on PATH) and provided.* "
        "(the function's bootstrap)"
    )


@cache
def _ruby_gem_path(ruby: str) -> list[str]:
    """Where this machine's Ruby finds its gems (``Gem.default_path``), asked once."""
    import subprocess

    try:
        out = subprocess.run([ruby, "-e", "print Gem.default_path.join(File::PATH_SEPARATOR)"],
                             capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [p for p in out.split(os.pathsep) if p]


#: The oldest Python the SDK linked in (boto3 and its dependencies) still imports on.
_OLDEST_OTHER_PYTHON = (3, 10)


@dataclass(frozen=True)
class Interpreter:
    executable: str
    version: str  # "3.13"
    #: its standard library (``<prefix>/lib/python3.x``), shown as AWS's ``/var/lang/lib/python3.x``
    stdlib: str


def python_interpreter(runtime: str) -> Interpreter:
    """The Python that runs ``runtime`` (``python3.13``): that version where this machine has
    it (on PATH, or installed by pyenv), else the Python that runs cloudtwin."""
    own = f"{sys.version_info.major}.{sys.version_info.minor}"
    wanted = runtime.removeprefix("python")
    if wanted != own and _is_version(wanted) and tuple(map(int, wanted.split("."))) >= _OLDEST_OTHER_PYTHON:
        found = _find_python(wanted)
        if found is not None:
            return Interpreter(found, wanted, str(Path(found).resolve().parent.parent / "lib" / f"python{wanted}"))
    return Interpreter(sys.executable, own, sysconfig.get_paths()["stdlib"])


def _is_version(text: str) -> bool:
    major, _, minor = text.partition(".")
    return major == "3" and minor.isdigit()


@cache
def _find_python(version: str) -> str | None:
    """An installed ``python<version>`` (a pyenv shim that would refuse is not taken)."""
    names = [f"python{version}"]
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates = sorted(root.glob(f"versions/{version}.*/bin/python{version}"), reverse=True)
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if directory and ".pyenv/shims" not in directory:
            candidates.append(Path(directory) / names[0])
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def python_runtime_lib() -> Path:
    """What AWS's Python runtimes offer a function besides its code: the runtime interface
    client (with its pure-Python ``runtime_client``) and the AWS SDK (boto3), linked into one
    directory for interpreters other than cloudtwin's own."""
    import awslambdaric

    site = Path(awslambdaric.__file__).parent.parent
    target = Path(tempfile.gettempdir()) / f"cloudtwin-python-runtime-{hashlib.sha256(str(site).encode()).hexdigest()[:12]}"
    target.mkdir(exist_ok=True)  # made again if the temp dir was cleaned meanwhile
    links = {name: site / name for name in _RUNTIME_PACKAGES if (site / name).exists()}
    links["runtime_client.py"] = HERE / "python_runtime" / "runtime_client.py"
    for name, source in links.items():
        link = target / name
        if not link.exists() and not link.is_symlink():
            try:
                link.symlink_to(source)
            except FileExistsError:  # another environment made it meanwhile
                pass
    return target


#: awslambdaric, its dependencies, and the AWS SDK for Python that AWS's runtimes include.
_RUNTIME_PACKAGES = (
    "awslambdaric", "simplejson", "snapshot_restore_py.py",
    "boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3",
)
