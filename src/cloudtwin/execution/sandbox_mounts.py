"""AWS's sandbox layout made real: an environment's process in its own mount namespace.

On AWS a function's code is at ``/var/task`` (read-only), its layers are merged under
``/opt``, the runtime lives in ``/var/runtime`` and ``/tmp`` belongs to the environment. Where
this machine allows it (Linux, util-linux's ``unshare`` and ``mount``, and either root or the
mount points already there) an environment's process gets that same view: bind mounts in a
private mount namespace, seen by that process alone. Its ``LAMBDA_TASK_ROOT``, working
directory and tracebacks then name AWS's paths because they *are* its paths, and its
environment variables can be AWS's set exactly (runtimes.Launch).

Elsewhere an environment runs from this machine's directories, and sandbox_paths.py rewrites
what clients see. ``CLOUDTWIN_LAMBDA_SANDBOX=0`` chooses that everywhere.

The mounts are made by a few lines of ``sh`` between ``unshare`` and the runtime, which
then starts with exactly the environment it is given (``env -i``): nothing of the shell's
own (``SHLVL``, ``_``) leaks into it. ``unshare`` execs in place, so the process id the pool
watches and kills is the runtime's.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Iterable

from cloudtwin.execution.sandbox_paths import OPT, RUNTIME_DIR, TASK_ROOT

log = logging.getLogger("cloudtwin.execution")

TMP = "/tmp"

#: Mounts as triples (kind, source, target) ended by ``--``; then ``env -i`` with the
#: runtime's variables and command. ``set -e``: a mount that fails ends the start (the pool
#: reports the runtime exiting) rather than running the function in the wrong place.
_SCRIPT = """set -e
while [ "$1" != "--" ]; do
  case "$1" in
    bind) mount --bind "$2" "$3" ;;
    robind) mount --bind -o ro "$2" "$3" ;;
    overlay) mount -t overlay overlay -o "lowerdir=$2" "$3" ;;
    empty) mount -t tmpfs -o mode=755,size=64k tmpfs "$3" ;;
  esac
  shift 3
done
shift
cd "$WORKDIR"
exec env -i "$@"
"""


@dataclass(frozen=True)
class Support:
    """How this machine makes a sandbox: the ``unshare`` prefix, and whether several
    layers can be merged under /opt (overlayfs)."""

    prefix: tuple[str, ...]
    overlay: bool


def disabled() -> bool:
    return os.environ.get("CLOUDTWIN_LAMBDA_SANDBOX", "").strip().lower() in ("0", "off", "false", "no")


@cache
def support() -> Support | None:
    """What this machine offers (asked once); None: environments run unsandboxed."""
    if disabled() or not sys.platform.startswith("linux"):
        return None
    unshare, mount = shutil.which("unshare"), shutil.which("mount")
    if unshare is None or mount is None or not os.path.exists("/bin/sh"):
        return None
    if os.geteuid() == 0:
        try:  # the mount points, as on AWS (empty directories of this machine)
            for target in (TASK_ROOT, RUNTIME_DIR):
                os.makedirs(target, exist_ok=True)
        except OSError:
            return None
        prefix: tuple[str, ...] = (unshare, "--mount", "--propagation", "private")
    else:  # a user namespace can mount, onto mount points that exist already
        if not all(os.path.isdir(target) for target in (TASK_ROOT, RUNTIME_DIR, OPT)):
            return None
        prefix = (unshare, "--user", "--map-root-user", "--mount", "--propagation", "private")
    with tempfile.TemporaryDirectory(prefix="cloudtwin-sandbox-probe-") as probe:
        lower = [os.path.join(probe, name) for name in ("a", "b")]
        for folder in lower:
            os.mkdir(folder)
        plain = _probe([*prefix, "/bin/sh", "-c", _probe_script(("robind", probe, TASK_ROOT), ("empty", "-", OPT))])
        if not plain:
            log.info("Lambda environments run without a mount namespace: unshare/mount refused")
            return None
        overlay = _probe([*prefix, "/bin/sh", "-c", _probe_script(("overlay", ":".join(lower), OPT))])
    return Support(prefix, overlay)


def _probe_script(*mounts: tuple[str, str, str]) -> str:
    lines = ["set -e"]
    for kind, source, target in mounts:
        if kind == "robind":
            lines.append(f"mount --bind -o ro '{source}' '{target}'")
        elif kind == "empty":
            lines.append(f"mount -t tmpfs -o mode=755,size=64k tmpfs '{target}'")
        else:
            lines.append(f"mount -t overlay overlay -o 'lowerdir={source}' '{target}'")
    return "\n".join(lines)


def _probe(argv: list[str]) -> bool:
    try:
        done = subprocess.run(argv, capture_output=True, timeout=10, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def own_tmp_possible(needs: Iterable[str]) -> bool:
    """Whether /tmp can be the environment's own: not when the runtime itself lives there
    (cloudtwin installed in a checkout under /tmp), which then shares this machine's /tmp."""
    return not any(_under(os.path.realpath(path), TMP) for path in needs)


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


@dataclass(frozen=True)
class Sandbox:
    """The mounts of one environment, and the command that makes them and starts it."""

    support: Support
    code_dir: str
    layer_dirs: tuple[str, ...]
    runtime_dir: str | None
    tmp_dir: str | None
    #: (directory of this machine, where it is mounted): places of the runtime directory
    #: that are the function version's own
    private: tuple[tuple[str, str], ...] = ()

    @classmethod
    def plan(
        cls, code_dir: str, layer_dirs: Iterable[str], runtime_dir: str | None, tmp_dir: str,
        needs: Iterable[str], private: Iterable[tuple[str, str]] = (),
    ) -> "Sandbox | None":
        """The sandbox for an environment, or None where it cannot have one. ``needs``: the
        directories of this machine the runtime reads (interpreter, runtime client, SDK):
        they must stay visible, so neither /opt nor /tmp may cover them."""
        found = support()
        layers = tuple(layer_dirs)
        if found is None or (len(layers) > 1 and not found.overlay):
            return None
        needed = [os.path.realpath(path) for path in needs]
        if any(_under(path, OPT) or _under(path, TASK_ROOT) or _under(path, RUNTIME_DIR) for path in needed):
            return None
        private_tmp = own_tmp_possible(needed)
        return cls(found, code_dir, layers, runtime_dir, tmp_dir if private_tmp else None, tuple(private))

    def command(self, argv: list[str], env: dict[str, str], workdir: str = TASK_ROOT) -> tuple[list[str], dict[str, str]]:
        """``(argv, env)`` for the subprocess: the mounts, then ``argv`` with exactly ``env``."""
        mounts: list[str] = ["robind", self.code_dir, TASK_ROOT]
        if self.runtime_dir is not None:
            mounts += ["bind", self.runtime_dir, RUNTIME_DIR]
            for source, target in self.private:
                mounts += ["bind", source, target]
        if not self.layer_dirs:
            mounts += ["empty", "-", OPT]
        elif len(self.layer_dirs) == 1:
            mounts += ["robind", self.layer_dirs[0], OPT]
        else:  # later layers win, as AWS merges them: overlayfs's first lower dir is the top
            mounts += ["overlay", ":".join(reversed(self.layer_dirs)), OPT]
        if self.tmp_dir is not None:
            mounts += ["bind", self.tmp_dir, TMP]
        variables = [f"{name}={value}" for name, value in env.items()]
        full = [*self.support.prefix, "/bin/sh", "-c", _SCRIPT, "sandbox", *mounts, "--", *variables, *argv]
        return full, {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "WORKDIR": workdir}
