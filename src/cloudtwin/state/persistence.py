"""Persistence of all service state in one SQLite database (WAL mode) under ``--data-dir``.

Every write of a table record is an upsert of one row; the rows a request wrote are
committed in one transaction before its response is sent (the gateway calls
:meth:`Persistence.commit`), and so are the writes of a tick processor. With
``journal_mode=WAL`` and ``synchronous=NORMAL`` a committed transaction survives the
process being killed at any moment (``kill -9``); a crash mid-transaction leaves the last
committed state, never a torn one. Large payloads (S3 object bodies) live as files beside
the database, under :meth:`Persistence.blob_dir`.

The cost of a write is kept off the request path where durability allows: a record is
encoded when it is written (so a value the format cannot carry fails that write), but its
row waits in memory until the commit, which runs all the rows written since the last one
as one ``executemany`` inside one transaction (one row: its statement alone, which SQLite
commits as a transaction of its own). Copying the WAL back into the database (a
checkpoint, with its two ``fsync`` s) is done by a thread of its own every
:data:`CHECKPOINT_EVERY` commits, never by a request; the writer checkpoints itself only
when the WAL grows past :data:`WAL_BACKSTOP` pages because the thread cannot catch up.

Records are stored as tagged JSON text (:mod:`cloudtwin.state.records`): reading a data
dir never runs code from it, and ``sqlite3 state.sqlite 'select * from records'`` shows
what it holds. The directory carries a format version (the ``FORMAT`` marker, and SQLite's
``user_version``)::

    1  pickled records (earlier cloudtwin versions): refused, never unpickled
    2  tagged JSON records (large bytes values raw in a ``data`` column beside them), a
       ``meta`` table (the virtual clock)

A directory of an older format is brought up to date by the steps in :data:`MIGRATIONS`
(none yet: format 1 cannot be read safely), one of a newer format is refused; anything
else wrong with it (a file, a foreign or damaged directory, one that cannot be written)
raises :class:`DataDirError`, whose text names the problem in one line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from cloudtwin.state.records import RecordError, decode, encode, encode_split

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.clock import Clock

FORMAT_VERSION = 2
DB_NAME = "state.sqlite"
VERSION_FILE = "FORMAT"
#: Commits between two checkpoints by the checkpoint thread.
CHECKPOINT_EVERY = 1000
#: WAL pages past which the writer checkpoints itself (SQLite's ``wal_autocheckpoint``).
WAL_BACKSTOP = 10_000

_UPSERT = (
    "INSERT INTO records (path, key, value, data) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (path, key) DO UPDATE SET value = excluded.value, data = excluded.data"
)
_DELETE = "DELETE FROM records WHERE path = ? AND key = ?"
_CLEAR_TABLE = "DELETE FROM records WHERE path = ?"
_CLEAR_PREFIX = "DELETE FROM records WHERE substr(path, 1, ?) = ?"
_PUT_META = "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value"

log = logging.getLogger("cloudtwin.persistence")

#: ``{n: step}``: ``step(db)`` rewrites a format ``n`` database into format ``n + 1`` (inside
#: one transaction). Format 1 has no step: its records are pickles, which cannot be read
#: without running whatever code they name.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {}

_REFUSED = {
    1: "it holds state format 1 (pickled records, from an older cloudtwin), which this "
    "version never loads (unpickling runs code); start with an empty --data-dir",
}


class DataDirError(RuntimeError):
    """The --data-dir cannot be used; the message names why, in one line."""


class IncompatibleDataDir(DataDirError):
    """The directory holds another format, or is not a cloudtwin data dir at all."""


_encode_str = json.encoder.encode_basestring_ascii  # what json.dumps does with a str
#: ``json.dumps(key, separators=(",", ":"))``, its encoder made once rather than per call.
_dump_key = json.JSONEncoder(separators=(",", ":")).encode


def encode_key(key: Any) -> str:
    """Table keys are strings, numbers or tuples of them: stored as canonical JSON text."""
    if type(key) is str:
        return _encode_str(key)
    return _dump_key(key)


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

    def clear(self, prefix: str, exact: bool = False) -> None:
        pass

    def commit(self) -> None:
        pass

    def paths(self, prefix: str = "") -> list[str]:
        return []

    def loading(self) -> contextlib.AbstractContextManager[None]:
        """Around loading saved state at start-up: a failure reading it is a DataDirError."""
        return contextlib.nullcontext()

    def get_meta(self, name: str) -> Any:
        return None

    def put_meta(self, name: str, value: Any) -> None:
        pass

    def close(self) -> None:
        pass


class RecordCheck(Persistence):
    """In memory, but every record written is encoded (and dropped), so a value the data
    dir format cannot carry fails its write at once, as it would with ``--data-dir``.
    In-process test servers use it: every test of every service checks what it stores."""

    enabled = True

    def put(self, path: str, key: Any, value: Any) -> None:
        encode_key(key)
        encode(value)

    def delete(self, path: str, key: Any) -> None:
        pass


class SqlitePersistence(Persistence):
    """All tables of all services as rows ``(path, key, value)`` of one SQLite table."""

    enabled = True

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.data_dir = Path(data_dir)
        found = self._check_dir()
        self._db = self._open(found)
        self._lock = threading.RLock()
        #: A transaction is open (rows written into it, not yet committed).
        self._begun = False
        #: Rows written since the last commit, not yet in SQLite: ``(sql, params)``.
        self._rows: list[tuple[str, tuple]] = []
        #: Rows run inside the open transaction (written again if it is rolled back).
        self._flushed: list[tuple[str, tuple]] = []
        self._checkpointer: _Checkpointer | None = None
        self._commits = 0

    @property
    def pending(self) -> bool:  # type: ignore[override]
        return self._begun or bool(self._rows)

    # -- opening: every way a directory can be wrong, as one clear DataDirError -----------------

    def _check_dir(self) -> int | None:
        """Create or check the directory; the format it holds (None: new and empty)."""
        path = self.data_dir
        if path.exists() and not path.is_dir():
            raise DataDirError("exists and is not a directory")
        try:
            path.mkdir(parents=True, exist_ok=True)
            names = sorted(entry.name for entry in path.iterdir())
        except OSError as exc:
            raise DataDirError(f"cannot use it ({exc.strerror or exc})") from None
        if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
            raise DataDirError("the directory is not readable and writable by this user")
        marker = path / VERSION_FILE
        if VERSION_FILE not in names:
            if names:
                shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
                raise IncompatibleDataDir(f"not a cloudtwin data directory (found files: {shown})")
            self._write_marker()  # first, so a half-made directory is still recognised as ours
            return None
        try:
            found = json.loads(marker.read_text())["format"]
        except OSError as exc:
            raise DataDirError(f"cannot read {VERSION_FILE} ({exc.strerror or exc})") from None
        except (ValueError, KeyError, TypeError):
            raise IncompatibleDataDir(f"{VERSION_FILE} is not a cloudtwin format marker") from None
        if isinstance(found, bool) or not isinstance(found, int):
            raise IncompatibleDataDir(f"{VERSION_FILE} is not a cloudtwin format marker")
        if found in _REFUSED:
            raise IncompatibleDataDir(_REFUSED[found])
        if found > FORMAT_VERSION:
            raise IncompatibleDataDir(
                f"it holds state format {found}, written by a newer cloudtwin; this version reads "
                f"format {FORMAT_VERSION}"
            )
        if found < FORMAT_VERSION and any(n not in MIGRATIONS for n in range(found, FORMAT_VERSION)):
            raise IncompatibleDataDir(
                f"it holds state format {found}, which this version cannot upgrade to format "
                f"{FORMAT_VERSION}; start with an empty --data-dir"
            )
        if DB_NAME not in names:
            if names == [VERSION_FILE] and found == FORMAT_VERSION:
                return None  # stopped right after the marker was written: still new
            raise IncompatibleDataDir(f"{VERSION_FILE} is there but {DB_NAME} is missing")
        return found

    def _open(self, found: int | None) -> sqlite3.Connection:
        db_path = self.data_dir / DB_NAME
        try:
            db = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise DataDirError(f"cannot open {DB_NAME} ({exc})") from None
        try:
            if found is not None:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version != found:
                    raise IncompatibleDataDir(
                        f"{DB_NAME} is at format {version} but {VERSION_FILE} says {found}"
                    )
                # Read every page once: a damaged file is refused now, not in the middle
                # of some request later.
                problem = db.execute("PRAGMA quick_check(1)").fetchone()[0]
                if problem != "ok":
                    raise DataDirError(f"{DB_NAME} is damaged ({' '.join(problem.split())})")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"PRAGMA wal_autocheckpoint={WAL_BACKSTOP}")
            if found != FORMAT_VERSION:
                db.execute("BEGIN IMMEDIATE")
                if found is None:
                    self._create_schema(db)
                else:
                    for step in range(found, FORMAT_VERSION):
                        MIGRATIONS[step](db)
                        db.execute(f"PRAGMA user_version = {step + 1}")
                db.execute("COMMIT")
            elif not os.access(db_path, os.R_OK | os.W_OK):
                raise DataDirError(f"{DB_NAME} is not readable and writable by this user")
        except sqlite3.Error as exc:
            db.close()
            text = str(exc)
            if "not a database" in text or "malformed" in text:
                raise DataDirError(f"{DB_NAME} is not a readable SQLite database ({text})") from None
            raise DataDirError(f"cannot use {DB_NAME} ({text})") from None
        except DataDirError:
            db.close()
            raise
        if found is not None and found != FORMAT_VERSION:
            self._write_marker()
        return db

    @staticmethod
    def _create_schema(db: sqlite3.Connection) -> None:
        db.execute(
            "CREATE TABLE IF NOT EXISTS records ("
            " path TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, data BLOB,"
            " PRIMARY KEY (path, key))"
        )
        db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute(f"PRAGMA user_version = {FORMAT_VERSION}")

    def _write_marker(self) -> None:
        marker = self.data_dir / VERSION_FILE
        tmp = marker.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps({"format": FORMAT_VERSION}))
            os.replace(tmp, marker)
        except OSError as exc:
            raise DataDirError(f"cannot write {VERSION_FILE} ({exc.strerror or exc})") from None

    @contextlib.contextmanager
    def loading(self) -> Iterator[None]:
        try:
            yield
        except (OSError, sqlite3.Error) as exc:
            raise DataDirError(f"cannot load the saved state ({exc})") from None

    def blob_dir(self, name: str) -> Path:
        """A directory for large payloads (e.g. ``blob_dir("s3")``)."""
        path = self.data_dir / "blobs" / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- reads ------------------------------------------------------------------------------

    def load(self, path: str) -> Iterator[tuple[Any, Any]]:
        with self._lock:
            self._flush()
            rows = self._db.execute(
                "SELECT key, value, data FROM records WHERE path = ? ORDER BY rowid", (path,)
            ).fetchall()
        for key, value, data in rows:
            try:
                record = decode(value, data)
            except RecordError as exc:
                raise DataDirError(f"{DB_NAME}: the record {path} {key} cannot be read: {exc}") from None
            yield decode_key(key), record

    def paths(self, prefix: str = "") -> list[str]:
        """The table paths that hold rows, e.g. ``paths("sqs/")``."""
        with self._lock:
            self._flush()
            rows = self._db.execute(
                "SELECT DISTINCT path FROM records WHERE substr(path, 1, ?) = ?",
                (len(prefix), prefix),
            ).fetchall()
        return sorted(row[0] for row in rows)

    # -- writes -----------------------------------------------------------------------------

    def _flush(self) -> None:
        """Run the rows written so far inside the open transaction (under the lock)."""
        if not self._rows:
            return
        if not self._begun:
            self._db.execute("BEGIN")
            self._begun = True
        rows = self._rows
        try:
            start = 0
            while start < len(rows):  # runs of the same statement, each as one executemany
                sql = rows[start][0]
                end = start + 1
                while end < len(rows) and rows[end][0] is sql:
                    end += 1
                if end - start == 1:
                    self._db.execute(sql, rows[start][1])
                else:
                    self._db.executemany(sql, [params for _, params in rows[start:end]])
                start = end
        except BaseException:
            self._rollback()
            raise
        self._rows = []
        if self._flushed:
            self._flushed += rows
        else:
            self._flushed = rows

    def _rollback(self) -> None:
        """Nothing stays half-written: the transaction is rolled back, and every row
        written since the last commit waits for the next one."""
        if self._begun:
            self._begun = False
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
        if self._flushed:
            self._rows = self._flushed + self._rows
            self._flushed = []

    def put(self, path: str, key: Any, value: Any) -> None:
        text, data = encode_split(value)  # here: a value it cannot carry fails its write
        row = (_UPSERT, (path, encode_key(key), text, data))
        with self._lock:
            self._rows.append(row)

    def delete(self, path: str, key: Any) -> None:
        row = (_DELETE, (path, encode_key(key)))
        with self._lock:
            self._rows.append(row)

    def clear(self, prefix: str, exact: bool = False) -> None:
        """Delete every row of the tables whose path starts with ``prefix`` ("" = all), or
        (``exact``) of the one table whose path it is."""
        row = (_CLEAR_TABLE, (prefix,)) if exact else (_CLEAR_PREFIX, (len(prefix), prefix))
        with self._lock:
            self._rows.append(row)

    def get_meta(self, name: str) -> Any:
        """A value of the server's own (not a service's), e.g. the virtual clock."""
        with self._lock:
            self._flush()
            row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put_meta(self, name: str, value: Any) -> None:
        """Write a JSON-able value of the server's own (committed with the next commit)."""
        row = (_PUT_META, (name, json.dumps(value)))
        with self._lock:
            self._rows.append(row)

    def commit(self) -> None:
        """Make everything written so far durable (called before a response is sent)."""
        if not (self._rows or self._begun):
            return
        with self._lock:
            if not self._begun and len(self._rows) == 1:
                # One statement is a transaction of its own (autocommit): no BEGIN, COMMIT.
                # If it fails, nothing of it is written and its row waits for the next commit.
                self._db.execute(*self._rows[0])
                self._rows = []
            else:
                self._flush()
                if not self._begun:
                    return
                try:
                    self._db.execute("COMMIT")
                except BaseException:
                    self._rollback()
                    raise
                self._begun = False
                self._flushed = []
            self._commits += 1
            if self._commits >= CHECKPOINT_EVERY:
                self._commits = 0
                if self._checkpointer is None:
                    self._checkpointer = _Checkpointer(self.data_dir / DB_NAME)
                self._checkpointer.wake()

    def close(self) -> None:
        with self._lock:
            self.commit()
            if self._checkpointer is not None:
                self._checkpointer.close()
                self._checkpointer = None
            self._db.close()


class _Checkpointer:
    """A thread that copies the WAL back into the database when woken (a passive
    checkpoint, which never blocks the writer), on a connection of its own: the ``fsync`` s
    of a checkpoint stall a thread nobody waits for, not the requests."""

    def __init__(self, db_path: Path) -> None:
        self._db = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._wanted = threading.Event()
        #: Set after each checkpoint (tests wait on it).
        self.ran = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="cloudtwin-checkpoint", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wanted.set()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._closing:
                return
            try:
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:  # the writer's own checkpoint (WAL_BACKSTOP) still runs
                log.warning("checkpoint failed", exc_info=True)
            self.ran.set()

    def close(self) -> None:
        self._closing = True
        self._wanted.set()
        self._thread.join()
        self._db.close()


def open_persistence(data_dir: str | None, clock: "Clock", check_records: bool = False) -> Persistence:
    """The persistence of ``--data-dir`` (none without it); the virtual clock's offset and
    frozen state are kept there too."""
    if not data_dir:
        if check_records:
            return RecordCheck()
        return Persistence()
    persistence = SqlitePersistence(data_dir)
    saved = persistence.get_meta("clock")
    if saved is not None:
        try:
            clock.load_state(saved["frozen"], saved["offset"])
        except (TypeError, KeyError, ValueError):
            persistence.close()
            raise DataDirError(f"the saved clock state is not readable: {saved!r}") from None
    clock.watch(lambda frozen, offset: persistence.put_meta("clock", {"frozen": frozen, "offset": offset}))
    return persistence
