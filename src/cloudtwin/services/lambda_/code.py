"""Function code: zip archives, their digests, and the directories they unpack to.

``CodeSha256`` is the base64 SHA-256 of the zip as uploaded and ``CodeSize`` its length,
as AWS computes them. Each distinct archive is kept once, under its hex digest, with the
directory it unpacks to (what ``LAMBDA_TASK_ROOT`` points at). With ``--data-dir`` the
archives live in ``<data-dir>/blobs/lambda`` and survive restarts; the unpacked copies are
made again when needed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_.errors import lambda_error

#: AWS's limits: 50 MB zipped (direct upload), 250 MB unzipped, and the whole request.
MAX_ZIPPED = 50 * 1024 * 1024
MAX_UNZIPPED = 250 * 1024 * 1024
MAX_REQUEST = 70_167_211


def check_request_size(ctx, code: dict, operation: str) -> None:
    """The zip uploaded directly, then the request carrying it (AWS sends these two without
    the "Type" member)."""
    if code.get("ZipFile") is not None and len(code["ZipFile"]) >= MAX_ZIPPED:
        raise ServiceError("RequestEntityTooLargeException", f"Zipped size must be smaller than {MAX_ZIPPED} bytes", 413)
    if len(ctx.request.body) > MAX_REQUEST:
        raise ServiceError(
            "RequestEntityTooLargeException", f"Request must be smaller than {MAX_REQUEST} bytes for the {operation} operation", 413
        )


def bad_zip() -> ServiceError:
    return lambda_error(
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
    )


class CodeStore:
    def __init__(self, root: Path | None) -> None:
        self._own = root is None
        self.root = root if root is not None else Path(tempfile.mkdtemp(prefix="cloudtwin-lambda-code-"))
        self.zips = self.root / "zips"
        self.unpacked = self.root / "unpacked"
        self.zips.mkdir(parents=True, exist_ok=True)
        self.unpacked.mkdir(parents=True, exist_ok=True)

    def add(self, data: bytes) -> dict:
        """Check and keep an archive: ``{"sha": base64 digest, "size": n, "key": hex}`` (a zip
        uploaded directly is checked against its own limit first: ``check_request_size``)."""
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                total = sum(info.file_size for info in archive.infolist())
                if archive.testzip() is not None:
                    raise bad_zip()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError):
            raise bad_zip() from None
        if total >= MAX_UNZIPPED:
            raise lambda_error(
                "InvalidParameterValueException",
                f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes",
            )
        digest = hashlib.sha256(data)
        key = digest.hexdigest()
        path = self.zips / f"{key}.zip"
        if not path.exists():
            tmp = path.with_suffix(".part")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return {"sha": base64.b64encode(digest.digest()).decode(), "size": len(data), "key": key}

    def archive(self, key: str) -> bytes | None:
        path = self.zips / f"{key}.zip"
        return path.read_bytes() if path.exists() else None

    def directory(self, key: str) -> Path:
        """The unpacked code of an archive (unpacked on first use, file modes kept)."""
        target = self.unpacked / key
        if target.is_dir():
            return target
        source = self.zips / f"{key}.zip"
        staging = Path(tempfile.mkdtemp(prefix=f"{key}.", dir=self.unpacked))
        try:
            with zipfile.ZipFile(source) as archive:
                for info in archive.infolist():
                    name = info.filename
                    if name.startswith("/") or ".." in Path(name).parts:
                        continue  # never outside the code directory
                    archive.extract(info, staging)
                    mode = (info.external_attr >> 16) & 0o777
                    extracted = staging / name
                    if mode and not info.is_dir() and extracted.exists():
                        extracted.chmod(mode | stat.S_IRUSR)
            try:
                os.replace(staging, target)
            except OSError:  # unpacked meanwhile by another invocation
                shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return target

    def close(self) -> None:
        if self._own:
            shutil.rmtree(self.root, ignore_errors=True)
