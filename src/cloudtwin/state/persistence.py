"""Persistence of all service state in one SQLite database (WAL mode) under ``--data-dir``.

Every write of a table record is an upsert of one row; the rows a request wrote are
committed in one transaction before its response is sent (the gateway calls
:meth:`Persistence.commit`), and so are the writes of a tick processor. With
``journal_mode=WAL`` and ``synchronous=NORMAL`` a committed transaction survives the
process being killed at any moment (``kill -9``); a crash mid-transaction leaves the last
committed state, never a torn one. Large payloads (S3 object bodies) live as files beside
the database, under :meth:`Persistence.blob_dir`.

The directory carries a format version; a directory written by an incompatible version
is refused rather than misread.
"""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterator

FORMAT_VERSION = 1
DB_NAME = "state.sqlite"
VERSION_FILE = "FORMAT"


class IncompatibleDataDir(RuntimeError):
    pass


def encode_key(key: Any) -> str:
    """Table keys are strings, numbers or tuples of them: stored as canonical JSON text."""
    return json.dumps(key, separators=(",", ":"))


def decode_key(text: str) -> Any:
    value = json.loads(text)
    return tuple(value) if isinstance(value, list) else value


class Persistence:
    """Nothing persisted: the in-memory default. Tables skip it entirely."""

    enabled = False
    #: True while written rows wait for :meth:`commit`.
    pending = False

    def load(self, path: str) -> Iterator[tuple[Any, Any]]:
        return iter(())

    def put(self, path: str, key: Any, value: Any) -> None:  # pragma: no cover - never called
        pass

    def delete(self, path: str, key: Any) -> None:  # pragma: no cover
        pass

    def clear(self, prefix: str) -> None:
        pass

    def commit(self) -> None:
        pass

    def paths(self, prefix: str = "") -> list[str]:
        return []

    def close(self) -> None:
        pass


class SqlitePersistence(Persistence):
    """All tables of all services as rows ``(path, key, value)`` of one SQLite table."""

    enabled = True

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._check_format()
        self._db = sqlite3.connect(
            self.data_dir / DB_NAME, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS records ("
            " path TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,"
            " PRIMARY KEY (path, key))"
        )
        self._lock = threading.RLock()
        self._pending = False

    @property
    def pending(self) -> bool:  # type: ignore[override]
        return self._pending

    def _check_format(self) -> None:
        marker = self.data_dir / VERSION_FILE
        if marker.exists():
            try:
                found = json.loads(marker.read_text())["format"]
            except (ValueError, KeyError, TypeError):
                raise IncompatibleDataDir(f"{marker} is not a cloudtwin format marker") from None
            if found != FORMAT_VERSION:
                raise IncompatibleDataDir(
                    f"{self.data_dir} holds cloudtwin state format {found}; this version reads "
                    f"format {FORMAT_VERSION}. Use another --data-dir."
                )
            return
        if any(self.data_dir.iterdir()):
            raise IncompatibleDataDir(f"{self.data_dir} is not empty and is not a cloudtwin data dir")
        tmp = marker.with_suffix(".tmp")
        tmp.write_text(json.dumps({"format": FORMAT_VERSION}))
        os.replace(tmp, marker)

    def blob_dir(self, name: str) -> Path:
        """A directory for large payloads (e.g. ``blob_dir("s3")``)."""
        path = self.data_dir / "blobs" / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- reads ------------------------------------------------------------------------------

    def load(self, path: str) -> Iterator[tuple[Any, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key, value FROM records WHERE path = ? ORDER BY rowid", (path,)
            ).fetchall()
        for key, value in rows:
            yield decode_key(key), pickle.loads(value)

    def paths(self, prefix: str = "") -> list[str]:
        """The table paths that hold rows, e.g. ``paths("sqs/")``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT path FROM records WHERE substr(path, 1, ?) = ?",
                (len(prefix), prefix),
            ).fetchall()
        return sorted(row[0] for row in rows)

    # -- writes -----------------------------------------------------------------------------

    def _begin(self) -> None:
        if not self._pending:
            self._db.execute("BEGIN")
            self._pending = True

    def put(self, path: str, key: Any, value: Any) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._begin()
            self._db.execute(
                "INSERT INTO records (path, key, value) VALUES (?, ?, ?)"
                " ON CONFLICT (path, key) DO UPDATE SET value = excluded.value",
                (path, encode_key(key), data),
            )

    def delete(self, path: str, key: Any) -> None:
        with self._lock:
            self._begin()
            self._db.execute(
                "DELETE FROM records WHERE path = ? AND key = ?",
                (path, encode_key(key)),
            )

    def clear(self, prefix: str) -> None:
        """Delete every row of the tables whose path starts with ``prefix`` ("" = all)."""
        with self._lock:
            self._begin()
            self._db.execute(
                "DELETE FROM records WHERE substr(path, 1, ?) = ?", (len(prefix), prefix)
            )

    def commit(self) -> None:
        """Make everything written so far durable (called before a response is sent)."""
        if self._pending:
            with self._lock:
                if self._pending:
                    self._db.execute("COMMIT")
                    self._pending = False

    def close(self) -> None:
        with self._lock:
            self.commit()
            self._db.close()
