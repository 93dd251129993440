"""The code ``dataclasses`` writes for cloudtwin's classes, compiled once and kept on disk.

``@dataclass`` writes each class's ``__init__``, ``__repr__``, ``__eq__``... as source text
and compiles it: ~0.3 ms a class, about half of what importing a service's modules costs
(DynamoDB's expression tree, IAM's and SNS's records: 15-20 classes each). A service's
first call imports its provider, so it paid that for every class of the service; the
server's start, for the gateway's and the protocols'.

:func:`compiled_code` is what the registry imports a provider in (and the server and its
warm-up their modules): while it runs, the text ``dataclasses`` compiles on this thread is
looked up in the file of that name (``$CLOUDTWIN_CACHE_DIR/code-<python>/<name>.marshal``:
text -> code object), and only what is missing is compiled; when something was, the file
is written again with the code this block used. A code object depends on its text and
the Python that compiled it alone (the folder names the Python and its bytecode), so a
class made from cached code is the class ``dataclasses`` would have made. A file that
cannot be read or written is no error: the code is compiled, as without it. Code from a
file runs, so a file is read only if it and its folder belong to this user and nobody
else may write to them (as the folder and files written here are made).

To see the text, the ``exec`` that ``dataclasses`` calls is this module's :func:`_exec`
(set once per process, in ``dataclasses``' own namespace): outside :func:`compiled_code`,
and on any other thread, it compiles and runs the text exactly as the builtin would there.

(No ``from __future__ import annotations`` here: ``compile`` would hand its flag on to the
code it compiles, as ``exec`` of a text does from the module calling it; ``dataclasses``
has none.)
"""

import builtins
import contextlib
import dataclasses
import importlib.util
import marshal
import os
import sys
from contextvars import ContextVar
from pathlib import Path
from types import CodeType
from typing import Any, Iterator

__all__ = ["compiled_code"]

#: The code compiled from each text by the import running on this thread (None: none).
_ACTIVE: "ContextVar[_Codes | None]" = ContextVar("cloudtwin_code_cache", default=None)


class _Codes:
    """One service's cached code: what the file had, and what this import used."""

    __slots__ = ("known", "used", "missed")

    def __init__(self, known: dict[Any, Any]) -> None:
        self.known = known
        self.used: dict[str, CodeType] = {}
        self.missed = False

    def code(self, text: str) -> CodeType:
        code = self.known.get(text)
        if type(code) is not CodeType:
            code = self.known[text] = _compile(text)
            self.missed = True
        self.used[text] = code
        return code


def _compile(text: str) -> CodeType:
    return compile(text, "<string>", "exec", dont_inherit=True)


def _exec(source: Any, globals: Any = None, locals: Any = None, /) -> None:
    """``exec`` as ``dataclasses`` calls it (a text, its globals and a namespace)."""
    codes = _ACTIVE.get()
    if type(source) is str:
        source = codes.code(source) if codes is not None else _compile(source)
    if globals is None:  # (dataclasses always passes them) the caller's, as the builtin's
        caller = sys._getframe(1)
        globals = caller.f_globals
        if locals is None:
            locals = caller.f_locals
    return builtins.exec(source, globals, locals)


def _folder() -> Path:
    from cloudtwin.specs.index import default_cache_dir

    tag = f"{sys.implementation.cache_tag}-{importlib.util.MAGIC_NUMBER.hex()}-O{sys.flags.optimize}"
    return default_cache_dir() / f"code-{tag}"


def _own(path: Path) -> bool:
    """Whether ``path`` is this user's, and writable by nobody else."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # pragma: no cover - (not POSIX: left to the folder's access rules)
        return True
    found = path.stat()
    return found.st_uid == getuid() and not found.st_mode & 0o022


def _read(path: Path) -> dict[Any, Any]:
    try:
        if not (_own(path.parent) and _own(path)):
            return {}
        known = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return known if type(known) is dict else {}


def _write(path: Path, codes: dict[str, CodeType]) -> None:
    try:
        path.parent.parent.mkdir(parents=True, exist_ok=True)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "wb") as out:
            out.write(marshal.dumps(codes))
        os.replace(tmp, path)
    except (OSError, ValueError):
        pass


@contextlib.contextmanager
def compiled_code(name: str, folder: Path | str | None = None) -> Iterator[None]:
    """Classes made on this thread meanwhile take their code from ``name``'s file (a
    service's module folder, or a part of the server)."""
    if dataclasses.__dict__.get("exec") is not _exec:
        dataclasses.exec = _exec  # (idempotent; _exec is the builtin outside this block)
    try:
        path = Path(folder or _folder()) / f"{name}.marshal"
    except (RuntimeError, KeyError, OSError):  # no home directory to find a cache dir in
        yield
        return
    codes = _Codes(_read(path))
    token = _ACTIVE.set(codes)
    try:
        yield
    finally:
        _ACTIVE.reset(token)
    if codes.missed:
        _write(path, codes.used)
