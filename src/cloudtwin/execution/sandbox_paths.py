"""The paths a function sees in its own errors, as in AWS's sandbox.

On AWS a function's code is at ``/var/task``, its layers are merged under ``/opt``, the
language runtime lives in ``/var/lang`` and the runtime interface client in
``/var/runtime``. Here an environment runs from directories of this machine, so the
tracebacks a runtime reports (the ``/invocation/<id>/error`` and ``/init/error`` bodies)
and the traceback lines it prints name those directories instead. :class:`SandboxPaths`
rewrites them back to AWS's, so callers, logs and destinations read what they read on AWS.
The process itself keeps the real paths (its ``LAMBDA_TASK_ROOT`` must open files).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from cloudtwin.execution import node_sdk, runtimes

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.execution.environment import Blueprint

TASK_ROOT = "/var/task"
OPT = "/opt"
LANG = "/var/lang"
RUNTIME_DIR = "/var/runtime"


class SandboxPaths:
    """Rewrites this machine's directories of one environment to the sandbox's."""

    def __init__(self, mapping: Iterable[tuple[str, str]]) -> None:
        pairs = {}
        for local, sandbox in mapping:
            local = local.rstrip("/")
            if local and local != sandbox and local not in pairs:
                pairs[local] = sandbox
        self._pairs = pairs
        if pairs:
            # Longest first, so a code directory inside a prefix wins over the prefix; a
            # match must end the directory's name (not ``/code/abc`` inside ``/code/abcd``).
            alternatives = "|".join(re.escape(p) for p in sorted(pairs, key=len, reverse=True))
            self._pattern: re.Pattern[str] | None = re.compile(f"(?:{alternatives})(?![\\w.-])")
        else:
            self._pattern = None

    @classmethod
    def for_blueprint(cls, bp: "Blueprint") -> "SandboxPaths":
        mapping: list[tuple[str, str]] = [(bp.code_dir, TASK_ROOT)]
        mapping += [(layer, OPT) for layer in bp.layer_dirs]
        for real in [bp.code_dir, *bp.layer_dirs]:  # the same directories through symlinks
            resolved = str(Path(real).resolve())
            mapping.append((resolved, TASK_ROOT if real == bp.code_dir else OPT))
        kind = runtimes.family(bp.runtime)
        if kind == "python":
            try:
                import awslambdaric

                mapping.append((str(Path(awslambdaric.__file__).parent), f"{RUNTIME_DIR}/awslambdaric"))
            except ImportError:  # pragma: no cover - a dependency
                pass
            stdlib = runtimes.python_interpreter(bp.runtime).stdlib  # <prefix>/lib/python3.x
            mapping.append((stdlib, f"{LANG}/lib/{Path(stdlib).name}"))
            if runtimes.python_interpreter(bp.runtime).executable != sys.executable:
                mapping.append((str(runtimes.python_runtime_lib()), RUNTIME_DIR))
        elif kind in ("nodejs", "ruby"):
            mapping.append((str(runtimes.HERE), RUNTIME_DIR))
            sdk = node_sdk.node_modules(bp.runtime) if kind == "nodejs" else None
            if sdk is not None:  # the SDK the runtime bundles
                mapping.append((str(sdk), f"{RUNTIME_DIR}/node_modules"))
        return cls(mapping)

    def text(self, value: str) -> str:
        if self._pattern is None:
            return value
        return self._pattern.sub(lambda m: self._pairs[m.group(0)], value)

    def payload(self, body: bytes) -> bytes:
        """An error body (JSON, or anything a runtime posted) with the sandbox's paths."""
        if self._pattern is None or not body:
            return body
        text = body.decode("utf-8", "replace")
        if "\\/" in text:  # a serializer that escapes slashes: read it, rewrite the values
            try:
                value = json.loads(text)
            except ValueError:
                return self.text(text).encode()
            return json.dumps(_rewrite(value, self.text)).encode()
        return self.text(text).encode()


def _rewrite(value, rewrite):
    if isinstance(value, str):
        return rewrite(value)
    if isinstance(value, list):
        return [_rewrite(v, rewrite) for v in value]
    if isinstance(value, dict):
        return {k: _rewrite(v, rewrite) for k, v in value.items()}
    return value
