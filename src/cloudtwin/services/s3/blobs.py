"""Object bodies as files under one directory, never whole in memory.

Files are named by generated ids (``uuid4().hex``), never by the object key, so no key —
whatever bytes it holds (``../``, NUL, 1,024 bytes of slashes) — can name a path outside the
directory. The directory is ``persistence.blob_dir("s3")`` with ``--data-dir``, else a
temporary directory removed when the process exits.

Writes go to the final name only when the whole body was received and verified (the
stream raises on a bad checksum after its last byte): a failed upload leaves no file.

Small bodies (up to :data:`INLINE_MAX`) are kept inline in the record instead: creating a
file costs far more than the bytes themselves (about a millisecond on a busy disk), and a
record of a few KiB is as cheap to keep as one holding a file name. A *blob* is therefore
either a file name (``str``) or the body itself (``bytes``); every method takes both.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Iterable

from cloudtwin.protocol.checksums import new_hasher

CHUNK = 1024 * 1024
#: Bodies up to this size are kept in the record rather than in a file of their own.
INLINE_MAX = 64 * 1024



@dataclass(slots=True)
class Written:
    """A body now stored: its blob (file name, or the bytes when small), size, MD5 (hex) and
    computed checksums."""

    name: str | bytes
    size: int
    md5: str
    checksums: dict[str, str]


class BlobStore:
    def __init__(self, directory: Path | None = None) -> None:
        if directory is None:
            directory = Path(tempfile.mkdtemp(prefix="cloudtwin-s3-"))
            atexit.register(shutil.rmtree, directory, True)
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        # Names are only ever ours (hex ids); refuse anything else outright.
        if not name.isalnum():
            raise ValueError(f"not a blob name: {name!r}")
        return self.directory / name

    @staticmethod
    def new_name() -> str:
        return uuid.uuid4().hex

    async def write_stream(
        self, source: Any, algorithms: Iterable[str] = (), inline_max: int = INLINE_MAX
    ) -> Written:
        """Store a request body (BodyStream, bytes or None): inline when it ends within
        ``inline_max`` bytes, else in a new file (what was buffered is written first).

        MD5 (for the ETag) and ``algorithms`` (flexible checksums the stream did not
        compute) are computed on the way through.
        """
        import base64

        md5 = hashlib.md5(usedforsecurity=False)
        hashers = [(a, new_hasher(a)) for a in algorithms]
        size = 0
        if isinstance(source, (bytes, bytearray, memoryview)):
            pieces: Any = _once(bytes(source))
        elif source is None:
            pieces = _once(b"")
        else:
            pieces = source
        buffered: list[bytes] | None = []
        out = None
        target = None
        try:
            async for piece in pieces:
                if not piece:
                    continue
                size += len(piece)
                md5.update(piece)
                for _, hasher in hashers:
                    hasher.update(piece)
                if buffered is not None:
                    buffered.append(piece)
                    if size <= inline_max:
                        continue
                    target = self.path(self.new_name())
                    out = open(target, "wb")
                    for held in buffered:
                        out.write(held)
                    buffered = None
                    continue
                out.write(piece)  # type: ignore[union-attr]
            if out is not None:
                out.close()
        except BaseException:
            if out is not None:
                out.close()
                target.unlink(missing_ok=True)  # type: ignore[union-attr]
            raise
        checksums = {a: base64.b64encode(h.digest()).decode("ascii") for a, h in hashers}
        blob: str | bytes = b"".join(buffered) if buffered is not None else target.name  # type: ignore[union-attr]
        return Written(blob, size, md5.hexdigest(), checksums)

    def copy(self, name: str | bytes) -> str | bytes:
        """A new file with the same content (a hard link when the filesystem allows)."""
        if isinstance(name, bytes):
            return name
        new = self.new_name()
        try:
            os.link(self.path(name), self.path(new))
        except OSError:
            shutil.copyfile(self.path(name), self.path(new))
        return new

    def write_range_copy(self, name: str | bytes, start: int, length: int) -> Written:
        """A new file holding ``length`` bytes of ``name`` from ``start`` (UploadPartCopy)."""
        md5 = hashlib.md5(usedforsecurity=False)
        new = self.new_name()
        if isinstance(name, bytes):
            piece = name[start : start + length]
            md5.update(piece)
            self.path(new).write_bytes(piece)
            return Written(new, len(piece), md5.hexdigest(), {})
        left = length
        with open(self.path(name), "rb") as src, open(self.path(new), "wb") as out:
            src.seek(start)
            while left > 0:
                piece = src.read(min(CHUNK, left))
                if not piece:
                    break
                md5.update(piece)
                out.write(piece)
                left -= len(piece)
        return Written(new, length - left, md5.hexdigest(), {})

    def concat(self, names: list[str], hasher: Any = None) -> tuple[str, int]:
        """A new file holding the files ``names`` one after another (multipart completion),
        fed through ``hasher`` on the way when given (a full-object checksum)."""
        new = self.new_name()
        size = 0
        with open(self.path(new), "wb") as out:
            for name in names:
                with open(self.path(name), "rb") as src:
                    while piece := src.read(CHUNK):
                        out.write(piece)
                        if hasher is not None:
                            hasher.update(piece)
                        size += len(piece)
        return new, size

    def reader(self, name: str | bytes, start: int = 0, length: int | None = None) -> Any:
        """The body (or a byte range of it): bytes when inline, else 1 MiB pieces. The file
        is opened now, so a response keeps its bytes even if the object is overwritten or
        deleted meanwhile."""
        if isinstance(name, bytes):
            return name[start:] if length is None else name[start : start + length]
        handle = open(self.path(name), "rb")
        if start:
            handle.seek(start)
        return _pieces(handle, length)

    def checksum(self, name: str | bytes | None, algorithm: str) -> str:
        """The base64 ``algorithm`` digest of a stored body, read in pieces."""
        import base64

        hasher = new_hasher(algorithm)
        if isinstance(name, bytes):
            hasher.update(name)
        elif name:
            with open(self.path(name), "rb") as src:
                while piece := src.read(CHUNK):
                    hasher.update(piece)
        return base64.b64encode(hasher.digest()).decode("ascii")

    def delete(self, name: str | bytes | None) -> None:
        if isinstance(name, str) and name:
            try:
                self.path(name).unlink(missing_ok=True)
            except ValueError:
                pass

    def clear(self) -> None:
        for entry in self.directory.iterdir():
            if entry.is_file():
                entry.unlink(missing_ok=True)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _pieces(handle: Any, length: int | None) -> AsyncIterator[bytes]:
    with handle:
        left = length
        while left is None or left > 0:
            piece = handle.read(CHUNK if left is None else min(CHUNK, left))
            if not piece:
                return
            if left is not None:
                left -= len(piece)
            yield piece
