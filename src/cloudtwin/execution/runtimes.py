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


@dataclass(frozen=True)
class SandboxLaunch:
    """How a runtime starts inside AWS's layout (sandbox_mounts.py): its command and the
    variables AWS's runtime of that family sets, both naming /var/task, /opt and /var/runtime;
    the directory of this machine mounted as /var/runtime; and the directories the runtime
    reads from this machine (interpreter, runtime client, SDK), which must stay visible."""

    argv: list[str]
    variables: dict[str, str]
    runtime_dir: str | None
    needs: tuple[str, ...]
    #: AWS's managed runtimes start through a shell script: their processes see PWD and
    #: SHLVL=0; a custom runtime's bootstrap is started directly.
    managed: bool = True
    #: Directories under /var/runtime that must be the function version's own (a compiled-
    #: file cache: /var/task holds different code in each function at the same paths).
    private: tuple[str, ...] = ()


def sandbox_launch(bp: "Blueprint") -> SandboxLaunch:
    """The command that runs ``bp`` in AWS's layout (raises RuntimeUnavailable as command())."""
    kind = family(bp.runtime)
    if kind == "python":
        command(bp)  # the same checks
        interpreter = python_interpreter(bp.runtime)
        lib = python_runtime_lib()
        argv = [interpreter.executable, "-u"]
        private: tuple[str, ...] = ()
        if interpreter.executable == sys.executable:
            argv.append("-B")
        else:  # compiled modules (boto3's above all) kept between cold starts, outside the code
            private = (f"{RUNTIME_MOUNT}/.pycache/var/task", f"{RUNTIME_MOUNT}/.pycache/opt")
            for folder in ("var/task", "opt"):
                (lib / ".pycache" / folder).mkdir(parents=True, exist_ok=True)
            argv += ["-X", f"pycache_prefix={RUNTIME_MOUNT}/.pycache"]
        import awslambdaric

        site = str(Path(awslambdaric.__file__).parent.parent)
        return SandboxLaunch(
            [*argv, "-m", "bootstrap", bp.handler], {"PYTHONPATH": RUNTIME_MOUNT}, str(lib),
            (interpreter.executable, interpreter.stdlib, sys.prefix, sys.base_prefix, site, str(HERE)),
            private=private,
        )
    if kind == "nodejs":
        node = command(bp)[0][0]  # node on PATH, or RuntimeUnavailable
        sdk = node_sdk.node_modules(bp.runtime)
        links = {"node_runtime.js": HERE / "node_runtime.js", "node_esm_paths.mjs": HERE / "node_esm_paths.mjs"}
        if sdk is not None:
            links["node_modules"] = Path(sdk)
        major = bp.runtime.removeprefix("nodejs").split(".")[0]
        node_path = [f"/opt/nodejs/node{major}/node_modules", "/opt/nodejs/node_modules",
                     f"{RUNTIME_MOUNT}/node_modules", RUNTIME_MOUNT, "/var/task"]
        return SandboxLaunch(
            [node, f"{RUNTIME_MOUNT}/node_runtime.js"], {"NODE_PATH": ":".join(node_path)},
            str(runtime_directory("node", links)), (node, str(HERE), *([str(sdk)] if sdk else [])),
        )
    if kind == "ruby":
        ruby = command(bp)[0][0]
        version = bp.runtime.removeprefix("ruby") + ".0"
        machine_gems = _ruby_gem_path(ruby)
        gems = [f"/var/task/vendor/bundle/ruby/{version}", f"/opt/ruby/gems/{version}", RUNTIME_MOUNT, *machine_gems]
        return SandboxLaunch(
            [ruby, f"{RUNTIME_MOUNT}/ruby_runtime.rb"],
            {"RUBYLIB": f"/var/task:{RUNTIME_MOUNT}/lib:/opt/ruby/lib", "GEM_PATH": ":".join(gems), "GEM_HOME": RUNTIME_MOUNT},
            str(runtime_directory("ruby", {"ruby_runtime.rb": HERE / "ruby_runtime.rb"})),
            (ruby, str(HERE), *machine_gems),
        )
    if kind == "provided":
        bootstrap = command(bp)[0][0]  # the code's or a layer's
        sandboxed = "/var/task/bootstrap" if Path(bootstrap).parent == Path(bp.code_dir) else "/opt/bootstrap"
        return SandboxLaunch([sandboxed], {}, None, (), managed=False)
    command(bp)  # raises what is missing
    raise AssertionError(bp.runtime)  # pragma: no cover


#: Where the runtime directory is mounted (AWS's /var/runtime).
RUNTIME_MOUNT = "/var/runtime"


def runtime_directory(name: str, links: dict[str, Path]) -> Path:
    """A directory of links to what a runtime's /var/runtime holds (made again if the
    temp dir was cleaned meanwhile); one per set of targets."""
    digest = hashlib.sha256(repr(sorted((k, str(v)) for k, v in links.items())).encode()).hexdigest()[:12]
    target = Path(tempfile.gettempdir()) / f"cloudtwin-{name}-runtime-{digest}"
    target.mkdir(exist_ok=True)
    for link_name, source in links.items():
        link = target / link_name
        if not link.exists() and not link.is_symlink():
            try:
                link.symlink_to(source)
            except FileExistsError:  # another environment made it meanwhile
                pass
    return target


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
    links = {name: site / name for name in _RUNTIME_PACKAGES if (site / name).exists()}
    links["runtime_client.py"] = HERE / "python_runtime" / "runtime_client.py"
    links["bootstrap.py"] = HERE / "python_runtime" / "bootstrap.py"
    return runtime_directory("python", links)


#: awslambdaric, its dependencies, and the AWS SDK for Python that AWS's runtimes include.
_RUNTIME_PACKAGES = (
    "awslambdaric", "simplejson", "snapshot_restore_py.py",
    "boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3",
)
