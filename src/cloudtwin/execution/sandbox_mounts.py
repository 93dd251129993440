"""AWS's sandbox layout made real: an environment's process in its own mount namespace.

On AWS a function's code is at ``/var/task`` (read-only), its layers are merged under
``/opt``, the runtime lives in ``/var/runtime`` and ``/tmp`` belongs to the environment. Where
this machine allows it (Linux, util-linux's ``unshare`` and ``mount``, and either root or the
mount points already there) an environment's process gets that same view: bind mounts in a
private mount namespace, seen by that process alone. Its ``LAMBDA_TASK_ROOT``, working
directory and tracebacks then name AWS's paths because they *are* its paths, and its
environment variables can be AWS's set exactly (runtimes.SandboxLaunch).

Elsewhere an environment runs from this machine's directories, and sandbox_paths.py rewrites
what clients see. ``CLOUDTWIN_LAMBDA_SANDBOX=0`` chooses that everywhere.

The mounts are one mount table that a single ``mount -a`` makes, between ``unshare`` and
the runtime, which then starts with exactly the environment it is given (``env -i``):
nothing of the shell's own (``SHLVL``, ``_``) leaks into it. ``unshare`` execs in place, so
the process id the pool watches and kills is the runtime's.
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
from typing import Iterable

from cloudtwin.execution.sandbox_paths import OPT, RUNTIME_DIR, TASK_ROOT

log = logging.getLogger("cloudtwin.execution")

TMP = "/tmp"

#: The mounts are one table (``mount -a -T``: one process makes them all, in order); then
#: ``env -i`` with the runtime's variables and command. ``set -e``: a mount that fails ends
#: the start (the pool reports the runtime exiting) rather than running the function in the
#: wrong place.
_SCRIPT = """set -e
mount -a -T "$FSTAB"
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
        plain = _probe(prefix, probe, [(probe, TASK_ROOT, "none", "bind,ro"), ("tmpfs", OPT, "tmpfs", _EMPTY)])
        if not plain:
            log.info("Lambda environments run without a mount namespace: unshare/mount refused")
            return None
        overlay = _probe(prefix, probe, [("overlay", OPT, "overlay", f"lowerdir={':'.join(lower)}")])
    return Support(prefix, overlay)


#: /opt without layers: an empty, read-only-sized tmpfs (this machine's /opt is not the function's).
_EMPTY = "mode=755,size=64k"

Entry = tuple[str, str, str, str]  # (source, target, type, options): one line of a mount table


def fstab(entries: Iterable[Entry]) -> str:
    """A mount table (fstab(5)); names escaped as libmount reads them."""
    def field(text: str) -> str:
        return text.replace("\\", "\\134").replace(" ", "\\040").replace("\t", "\\011").replace("\n", "\\012")

    return "".join(f"{field(src)} {field(dst)} {kind} {options} 0 0\n" for src, dst, kind, options in entries)


def _probe(prefix: tuple[str, ...], folder: str, entries: list[Entry]) -> bool:
    table = os.path.join(folder, "fstab")
    with open(table, "w") as out:
        out.write(fstab(entries))
    try:
        done = subprocess.run([*prefix, "mount", "-a", "-T", table], capture_output=True, timeout=10,
                              env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


#: The search paths AWS's runtimes set (the layers' /opt/bin and /opt/lib among them).
AWS_PATH = ("/var/lang/bin", "/usr/local/bin", "/usr/bin/", "/bin", "/opt/bin")
AWS_LIBRARY_PATH = ("/var/lang/lib", "/lib64", "/usr/lib64", "/var/runtime", "/var/runtime/lib", "/var/task",
                    "/var/task/lib", "/opt/lib")
#: The X-Ray variables every environment has (the daemon address here on loopback, where
#: nothing listens: segments an SDK sends are dropped, as a daemon-less sandbox would).
XRAY = {"AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR", "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "_AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1", "_AWS_XRAY_DAEMON_PORT": "2000"}


def search_path(aws: tuple[str, ...], machine: str | None) -> str:
    """AWS's search path, then this machine's directories it lacks (where its interpreters
    and tools are)."""
    known = {p.rstrip("/") for p in aws}
    extra = [p for p in (machine or "").split(":") if p and p.rstrip("/") not in known]
    return ":".join([*aws, *dict.fromkeys(extra)])


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

    def entries(self) -> list[Entry]:
        out: list[Entry] = [(self.code_dir, TASK_ROOT, "none", "bind,ro")]
        if self.runtime_dir is not None:
            out.append((self.runtime_dir, RUNTIME_DIR, "none", "bind"))
            out += [(source, target, "none", "bind") for source, target in self.private]
        if not self.layer_dirs:
            out.append(("tmpfs", OPT, "tmpfs", _EMPTY))
        elif len(self.layer_dirs) == 1:
            out.append((self.layer_dirs[0], OPT, "none", "bind,ro"))
        else:  # later layers win, as AWS merges them: overlayfs's first lower dir is the top
            out.append(("overlay", OPT, "overlay", "lowerdir=" + ":".join(reversed(self.layer_dirs))))
        if self.tmp_dir is not None:
            out.append((self.tmp_dir, TMP, "none", "bind"))
        return out

    def command(self, argv: list[str], env: dict[str, str], table: str, workdir: str = TASK_ROOT) -> tuple[list[str], dict[str, str]]:
        """``(argv, env)`` for the subprocess: the mounts (written to the file ``table``),
        then ``argv`` with exactly ``env``."""
        with open(table, "w") as out:
            out.write(fstab(self.entries()))
        variables = [f"{name}={value}" for name, value in env.items()]
        full = [*self.support.prefix, "/bin/sh", "-c", _SCRIPT, "sandbox", *variables, *argv]
        return full, {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "WORKDIR": workdir, "FSTAB": table}
