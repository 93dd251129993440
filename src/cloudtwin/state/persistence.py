"""Persistence of all service state in one SQLite database (WAL mode) under ``--data-dir``.

The state is a table of records, one row per record: ``(path, key)`` -> ``value`` in
``state.sqlite``. A write reaches it in two steps:

1. The rows a request wrote are appended to a journal (``journal.sqlite``: a table
   ``log`` of puts, deletes, clears and meta values, in the order written) in one
   transaction before its response is sent (the gateway calls :meth:`Persistence.commit`),
   and so are the writes of a tick processor. With ``journal_mode=WAL`` and
   ``synchronous=NORMAL`` a committed transaction survives the process being killed at
   any moment (``kill -9``); a crash mid-transaction leaves the last committed state,
   never a torn one.
2. A thread of its own merges the journal into the records (:class:`_Merger`): every
   :data:`MERGE_ROWS` rows, and at least once a second while there is something to
   merge, in transactions of SQL statements that run without the GIL, at a lower
   priority than the requests (:data:`MERGE_NICENESS`, on Linux). ``state.sqlite``
   remembers in its ``meta`` table how far the journal has been merged, in the same
   transaction, so a merge interrupted by a crash is made again, whole, at the next start.

Why two steps: appending to the journal writes a page or two per commit, where upserting
rows keyed by random ids (message ids) into the records' ``(path, key)`` index writes a
page per row; the request waits only for the append. Opening a directory, and reading it
(:meth:`load`, :meth:`paths`, :meth:`get_meta`), first merges what the journal holds, so
reads always see every committed write. Large payloads (S3 object bodies) live as files
beside the database, under :meth:`Persistence.blob_dir`.

A record is encoded when it is written (so a value the format cannot carry fails that
write), but its row waits in memory until the commit, which appends all the rows written
since the last one in one transaction. Checkpoints (copying a WAL back into its database,
with their ``fsync`` s) are made by the merge thread, never by a request; the journal's
writer checkpoints itself only when its WAL grows past :data:`WAL_BACKSTOP` pages because
the thread cannot catch up.

Records are stored as tagged JSON text (:mod:`cloudtwin.state.records`): reading a data
dir never runs code from it, and ``sqlite3 state.sqlite 'select * from records'`` shows
what it holds (as of the last merge, a second ago at most). The directory carries a
format version (the ``FORMAT`` marker, and SQLite's ``user_version``)::

    1  pickled records (earlier cloudtwin versions): refused, never unpickled
    2  tagged JSON records (large bytes values raw in a ``data`` column beside them), a
       ``meta`` table (the virtual clock)
    3  format 2, written through a journal (``journal.sqlite``) beside it; a cloudtwin
       that reads only format 2 would miss what is not yet merged, so it is refused there

A directory of an older format is brought up to date by the steps in :data:`MIGRATIONS`
(2 -> 3 adds the journal; format 1 cannot be read safely), one of a newer format is refused; anything
else wrong with it (a file, a foreign or damaged directory, one that cannot be written)
raises :class:`DataDirError`, whose text names the problem in one line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from cloudtwin.state.backend import DataDirError, IncompatibleDataDir, Persistence, open_persistence
from cloudtwin.state.records import RecordError, decode, encode, encode_split

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.clock import Clock

# (Persistence, its errors and open_persistence live in cloudtwin.state.backend, which a
# server without a data dir imports without this module; they are this module's too.)
__all__ = [
    "DataDirError", "IncompatibleDataDir", "Persistence", "RecordCheck", "SqlitePersistence", "open_data_dir",
    "open_persistence",
]

FORMAT_VERSION = 3
DB_NAME = "state.sqlite"
JOURNAL_NAME = "journal.sqlite"
VERSION_FILE = "FORMAT"
#: Journal rows written since the last merge past which the merge thread is woken.
MERGE_ROWS = 8192
#: Seconds the merge thread waits before merging what there is anyway.
MERGE_INTERVAL = 1.0
#: The records' connection's page cache (KiB; SQLite's default is 2 MiB).
MERGE_CACHE_KIB = 32 * 1024
#: How much nicer than the server the merge thread is (Linux): it merges with what CPU
#: the requests leave, and catches up when they ease.
MERGE_NICENESS = 10
#: Journal rows merged in one transaction at most.
MERGE_CHUNK = 50_000
#: Merged journal rows past which they are deleted from the journal (in one short
#: transaction: the journal's writer waits for it).
TRUNCATE_ROWS = 8192
#: WAL pages past which the journal's writer checkpoints itself (``wal_autocheckpoint``).
WAL_BACKSTOP = 10_000

# What a journal row does (its ``op``).
_PUT, _DELETE, _CLEAR_TABLE, _CLEAR_PREFIX, _META = range(5)
_APPEND = "INSERT INTO log (op, path, key, value, data) VALUES (?, ?, ?, ?, ?)"
_JOURNAL_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, op INTEGER NOT NULL,"
    " path TEXT NOT NULL, key TEXT, value TEXT, data BLOB)"
)
#: The meta value (in ``state.sqlite``) that says up to which ``seq`` the journal is merged.
_MERGED = "journal_merged"
_PUT_META = "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value"

# Merging the journal rows ``?1 < seq <= ?2`` (a stretch without clears) into the records,
# so that the rows end up as they would have had each write been made in the records
# directly. Without deletes in it, its puts are upserted in order. With deletes, every
# key deleted in it is deleted first; then each key whose last op is a put gets that
# put's value, new keys in the order of their first put since their last delete.
_HAS_DELETES = "SELECT 1 FROM journal.log WHERE seq > ? AND seq <= ? AND op = 1 LIMIT 1"
_MERGE_PUTS_IN_ORDER = (
    "INSERT INTO records (path, key, value, data) SELECT path, key, value, data FROM journal.log"
    " WHERE seq > ?1 AND seq <= ?2 AND op = 0 ORDER BY seq"
    " ON CONFLICT (path, key) DO UPDATE SET value = excluded.value, data = excluded.data"
)
_MERGE_DELETES = (
    "DELETE FROM records WHERE (path, key) IN"
    " (SELECT path, key FROM journal.log WHERE seq > ?1 AND seq <= ?2 AND op = 1)"
)
_MERGE_PUTS = (
    "WITH w AS (SELECT seq, op, path, key, value, data,"
    "   max(CASE WHEN op = 1 THEN seq ELSE 0 END) OVER k AS cut, max(seq) OVER k AS last"
    "   FROM journal.log WHERE seq > ?1 AND seq <= ?2 AND op <= 1 WINDOW k AS (PARTITION BY path, key)),"
    " p AS (SELECT path, key, value, data, seq, last, min(seq) OVER (PARTITION BY path, key) AS first"
    "   FROM w WHERE op = 0 AND seq > cut)"
    " INSERT INTO records (path, key, value, data)"
    " SELECT path, key, value, data FROM p WHERE seq = last ORDER BY first"
    " ON CONFLICT (path, key) DO UPDATE SET value = excluded.value, data = excluded.data"
)
_MERGE_META = (
    "INSERT INTO meta (name, value) SELECT path, value FROM journal.log WHERE seq IN"
    " (SELECT max(seq) FROM journal.log WHERE seq > ?1 AND seq <= ?2 AND op = 4 GROUP BY path)"
    " ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)
_MERGE_CLEARS = "SELECT seq, op, path FROM journal.log WHERE seq > ? AND seq <= ? AND op IN (2, 3) ORDER BY seq"
_CLEAR_TABLE_SQL = "DELETE FROM records WHERE path = ?"
_CLEAR_PREFIX_SQL = "DELETE FROM records WHERE substr(path, 1, ?) = ?"

log = logging.getLogger("cloudtwin.persistence")

#: ``{n: step}``: ``step(db)`` rewrites a format ``n`` database into format ``n + 1`` (inside
#: one transaction). Format 1 has no step: its records are pickles, which cannot be read
#: without running whatever code they name.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    2: lambda db: None,  # the records are as they were; the journal is made beside them
}
#: The first format with a journal.
_JOURNALED = 3

_REFUSED = {
    1: "it holds state format 1 (pickled records, from an older cloudtwin), which this "
    "version never loads (unpickling runs code); start with an empty --data-dir",
}


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
    """All tables of all services as rows ``(path, key, value)`` of one SQLite table,
    written through a journal (see the module's docstring)."""

    enabled = True

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.data_dir = Path(data_dir)
        found = self._check_dir()
        #: ``state.sqlite``, with the journal attached (as ``journal``): merges and reads,
        #: under ``_merge_lock`` (the merge thread's, and a reader's, in turn).
        self._db = self._open(found)
        self._merge_lock = threading.Lock()
        #: ``journal.sqlite``, on its own connection: the appends of :meth:`commit`.
        self._journal = self._open_journal()
        #: Held while rows are written and while they are appended to the journal.
        self._lock = threading.RLock()
        #: Rows written since the last commit, not yet in the journal: ``(op, path, key, value, data)``.
        self._rows: list[tuple] = []
        #: Rows appended since the merge thread was last woken.
        self._unmerged = 0
        self._merger: _Merger | None = None
        self._closed = False

    @property
    def pending(self) -> bool:  # type: ignore[override]
        return bool(self._rows)

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
            # the merges upsert rows keyed at random: keep more of the index in memory
            db.execute(f"PRAGMA cache_size=-{MERGE_CACHE_KIB}")
            if found is not None and found >= _JOURNALED:
                # what the journal holds first, so that a migration sees every record
                self._attach(db)
                self._merge_all(db)
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
        if found is None or found < _JOURNALED:
            try:
                self._attach(db)
            except DataDirError:
                db.close()
                raise
        if found is not None and found != FORMAT_VERSION:
            self._write_marker()
        return db

    def _attach(self, db: sqlite3.Connection) -> None:
        """Attach the journal (made if it is not there) to ``db`` as ``journal``; a
        journal that cannot be used is a :class:`DataDirError` naming it."""
        path = self.data_dir / JOURNAL_NAME
        existed = path.exists()
        try:
            journal = self._connect_journal()
            try:
                if existed:
                    problem = journal.execute("PRAGMA quick_check(1)").fetchone()[0]
                    if problem != "ok":
                        raise DataDirError(f"{JOURNAL_NAME} is damaged ({' '.join(problem.split())})")
                journal.execute(_JOURNAL_SCHEMA)
            finally:
                journal.close()
            db.execute("ATTACH DATABASE ? AS journal", (str(path),))
            db.execute("PRAGMA journal.synchronous=NORMAL")
        except sqlite3.Error as exc:
            text = str(exc)
            if "not a database" in text or "malformed" in text:
                raise DataDirError(f"{JOURNAL_NAME} is not a readable SQLite database ({text})") from None
            raise DataDirError(f"cannot use {JOURNAL_NAME} ({text})") from None

    def _connect_journal(self) -> sqlite3.Connection:
        journal = sqlite3.connect(self.data_dir / JOURNAL_NAME, isolation_level=None, check_same_thread=False)
        journal.execute("PRAGMA journal_mode=WAL")
        journal.execute("PRAGMA synchronous=NORMAL")
        return journal

    def _open_journal(self) -> sqlite3.Connection:
        try:
            journal = self._connect_journal()
            journal.execute(f"PRAGMA wal_autocheckpoint={WAL_BACKSTOP}")
        except sqlite3.Error as exc:
            self._db.close()
            raise DataDirError(f"cannot use {JOURNAL_NAME} ({exc})") from None
        return journal

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
        with self._reading():
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
        with self._reading():
            rows = self._db.execute(
                "SELECT DISTINCT path FROM records WHERE substr(path, 1, ?) = ?",
                (len(prefix), prefix),
            ).fetchall()
        return sorted(row[0] for row in rows)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Around a read of the records: everything written so far is in them."""
        self.commit()
        with self._merge_lock:
            self._merge_all(self._db)
            yield

    # -- writes -----------------------------------------------------------------------------

    def put(self, path: str, key: Any, value: Any) -> None:
        text, data = encode_split(value)  # here: a value it cannot carry fails its write
        row = (_PUT, path, encode_key(key), text, data)
        with self._lock:
            self._rows.append(row)

    def delete(self, path: str, key: Any) -> None:
        row = (_DELETE, path, encode_key(key), None, None)
        with self._lock:
            self._rows.append(row)

    def clear(self, prefix: str, exact: bool = False) -> None:
        """Delete every row of the tables whose path starts with ``prefix`` ("" = all), or
        (``exact``) of the one table whose path it is."""
        row = (_CLEAR_TABLE if exact else _CLEAR_PREFIX, prefix, None, None, None)
        with self._lock:
            self._rows.append(row)

    def get_meta(self, name: str) -> Any:
        """A value of the server's own (not a service's), e.g. the virtual clock."""
        with self._reading():
            row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put_meta(self, name: str, value: Any) -> None:
        """Write a JSON-able value of the server's own (committed with the next commit)."""
        row = (_META, name, None, json.dumps(value), None)
        with self._lock:
            self._rows.append(row)

    def commit(self) -> None:
        """Make everything written so far durable (called before a response is sent):
        append it to the journal, in one transaction (one row: its statement alone, which
        SQLite commits as a transaction of its own). If that fails, nothing of it is
        written and the rows wait for the next commit."""
        if not self._rows:
            return
        with self._lock:
            rows, self._rows = self._rows, []
            if not rows:
                return
            journal = self._journal
            try:
                if len(rows) == 1:
                    journal.execute(_APPEND, rows[0])
                else:
                    journal.execute("BEGIN")
                    try:
                        journal.executemany(_APPEND, rows)
                        journal.execute("COMMIT")
                    except BaseException:
                        with contextlib.suppress(sqlite3.Error):
                            journal.execute("ROLLBACK")
                        raise
            except BaseException:
                self._rows[:0] = rows
                raise
            self._unmerged += len(rows)
            if self._unmerged >= MERGE_ROWS:
                self._unmerged = 0
                self._wake_merger()
            elif self._merger is None and not self._closed:
                self._merger = _Merger(self)  # it merges the rest within MERGE_INTERVAL

    def _wake_merger(self) -> None:
        if self._merger is None:
            if self._closed:
                return
            self._merger = _Merger(self)
        self._merger.wake()

    # -- merging the journal into the records ----------------------------------------------------

    def merge(self) -> None:
        """Merge everything the journal holds into the records (the merge thread's work),
        then checkpoint both databases and, now and then, drop merged journal rows."""
        with self._merge_lock:
            db = self._db
            if not self._merge_all(db):
                return
            merged = self._merged_upto(db)
            # (the records' own WAL is checkpointed by SQLite as merges commit, on this thread)
            db.execute("PRAGMA journal.wal_checkpoint(PASSIVE)").fetchall()
            (oldest,) = db.execute("SELECT min(seq) FROM journal.log").fetchone()
            if oldest is not None and merged - oldest >= TRUNCATE_ROWS:
                # the newest merged row stays: it keeps seq rising (SQLite numbers a new
                # row max(seq) + 1)
                db.execute("DELETE FROM journal.log WHERE seq < ?", (merged,))

    @staticmethod
    def _merged_upto(db: sqlite3.Connection) -> int:
        row = db.execute("SELECT value FROM meta WHERE name = ?", (_MERGED,)).fetchone()
        return 0 if row is None else int(row[0])

    def _merge_all(self, db: sqlite3.Connection) -> bool:
        """Merge the journal into the records, :data:`MERGE_CHUNK` rows per transaction,
        up to its last row when this began (under ``_merge_lock``, or before it exists);
        whether there was anything to merge."""
        (top,) = db.execute("SELECT max(seq) FROM journal.log").fetchone()
        if top is None or top <= self._merged_upto(db):
            return False
        while True:
            db.execute("BEGIN IMMEDIATE")
            try:
                low = self._merged_upto(db)  # again, in the transaction: another may have merged
                if low >= top:
                    db.execute("COMMIT")
                    return True
                high = min(top, low + MERGE_CHUNK)
                for seq, op, path in db.execute(_MERGE_CLEARS, (low, high)).fetchall():
                    self._merge_stretch(db, low, seq - 1)
                    if op == _CLEAR_TABLE:
                        db.execute(_CLEAR_TABLE_SQL, (path,))
                    else:
                        db.execute(_CLEAR_PREFIX_SQL, (len(path), path))
                    low = seq
                self._merge_stretch(db, low, high)
                db.execute(_PUT_META, (_MERGED, str(high)))
                db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise

    @staticmethod
    def _merge_stretch(db: sqlite3.Connection, low: int, high: int) -> None:
        """Merge the journal rows ``low < seq <= high``, among which there is no clear."""
        if high <= low:
            return
        if db.execute(_HAS_DELETES, (low, high)).fetchone() is None:
            db.execute(_MERGE_PUTS_IN_ORDER, (low, high))
        else:
            db.execute(_MERGE_DELETES, (low, high))
            db.execute(_MERGE_PUTS, (low, high))
        db.execute(_MERGE_META, (low, high))

    def close(self) -> None:
        """Commit and merge what is left, then close (once; later calls do nothing)."""
        with self._lock:
            if self._closed:
                return
            self.commit()
            self._closed = True  # no merge thread starts from here on
            merger, self._merger = self._merger, None
        if merger is not None:
            merger.close()
        with self._merge_lock:
            self._merge_all(self._db)
            self._journal.close()
            self._db.close()


class _Merger:
    """The thread that merges the journal into the records when woken (and once a second
    while anything waits), on the records' connection: SQLite works without the GIL, so
    the event loop serves requests meanwhile, and no request waits for a merge or for the
    ``fsync`` s of a checkpoint."""

    def __init__(self, persistence: SqlitePersistence) -> None:
        self._persistence = persistence
        self._wanted = threading.Event()
        #: Set after each merge (tests wait on it).
        self.ran = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="cloudtwin-merge", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wanted.set()

    def _run(self) -> None:
        _yield_to_requests()
        while True:
            self._wanted.wait(MERGE_INTERVAL)
            self._wanted.clear()
            if self._closing:
                return
            try:
                self._persistence.merge()
            except sqlite3.Error:  # the next merge (or the next start) makes it again
                log.warning("merging the journal failed", exc_info=True)
            self.ran.set()

    def close(self) -> None:
        self._closing = True
        self._wanted.set()
        self._thread.join()


def _yield_to_requests() -> None:
    """Lower the calling thread's scheduling priority (Linux, where a thread has its own
    nice value): merging can wait, a request should not wait for it. Elsewhere nothing
    is done (there the call would name a process, not this thread)."""
    if sys.platform != "linux":
        return
    thread = threading.get_native_id()
    with contextlib.suppress(OSError, AttributeError):
        niceness = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, niceness + MERGE_NICENESS))


def open_data_dir(data_dir: str | None, clock: "Clock", check_records: bool = False) -> Persistence:
    """:func:`cloudtwin.state.backend.open_persistence` when there is something to persist
    or check: the SQLite persistence of ``data_dir``, or (none) :class:`RecordCheck`."""
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
