"""Tables and their SQLite persistence: writes survive restarts and kill -9."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import signal
import subprocess
import sys
import textwrap

import pytest

from cloudtwin.state.persistence import (
    FORMAT_VERSION,
    IncompatibleDataDir,
    Persistence,
    SqlitePersistence,
)
from cloudtwin.state.store import AccountRegionStores, Store, Tables
from cloudtwin.state.table import Table


class Shelf(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.books: Table[str, dict] = tables.table("books")


def test_in_memory_table_is_a_dict():
    table: Table[str, int] = Table(Persistence(), "x/y")
    table["a"] = 1
    table["b"] = 2
    del table["a"]
    assert dict(table) == {"b": 2}
    assert table.pop("b") == 2
    assert table.pop("zz", None) is None
    with pytest.raises(KeyError):
        table.pop("zz")


def test_rows_survive_reopening_in_insertion_order(tmp_path):
    backend = SqlitePersistence(tmp_path)
    table = Table(backend, "svc/000000000000/us-east-1/t")
    for key in ["c", "a", "b"]:
        table[key] = {"name": key}
    table["a"] = {"name": "a", "changed": True}  # an update keeps its place
    record = table["c"]
    record["touched"] = True
    table.save("c")
    del table["b"]
    table[("tuple", 1)] = "tuple keys work"
    backend.commit()
    backend.close()

    again = Table(SqlitePersistence(tmp_path), "svc/000000000000/us-east-1/t")
    assert list(again) == ["c", "a", ("tuple", 1)]
    assert again["a"] == {"name": "a", "changed": True}
    assert again["c"] == {"name": "c", "touched": True}


def test_uncommitted_writes_are_not_durable(tmp_path):
    backend = SqlitePersistence(tmp_path)
    table = Table(backend, "svc/a/r/t")
    table["kept"] = 1
    backend.commit()
    table["lost"] = 2
    # no commit: the process "dies" here
    again = Table(SqlitePersistence(tmp_path), "svc/a/r/t")
    assert dict(again) == {"kept": 1}


def test_stores_with_saved_state_come_back_and_reset_clears_disk(tmp_path):
    backend = SqlitePersistence(tmp_path)
    stores = AccountRegionStores(Shelf, service="lib", backend=backend)
    stores.get("111111111111", "eu-west-1").books["dune"] = {"pages": 412}
    stores.get("222222222222", "us-east-1").books["emma"] = {"pages": 474}
    backend.commit()

    reopened = AccountRegionStores(Shelf, service="lib", backend=SqlitePersistence(tmp_path))
    assert sorted(key for key, _ in reopened.items()) == [
        ("111111111111", "eu-west-1"),
        ("222222222222", "us-east-1"),
    ]
    assert reopened.get("111111111111", "eu-west-1").books["dune"] == {"pages": 412}

    reopened.reset("111111111111")
    reopened._backend.commit()
    third = AccountRegionStores(Shelf, service="lib", backend=SqlitePersistence(tmp_path))
    assert [key for key, _ in third.items()] == [("222222222222", "us-east-1")]


def test_format_version_guards_the_directory(tmp_path):
    SqlitePersistence(tmp_path).close()
    marker = json.loads((tmp_path / "FORMAT").read_text())
    assert marker == {"format": FORMAT_VERSION}
    (tmp_path / "FORMAT").write_text(json.dumps({"format": FORMAT_VERSION + 1}))
    with pytest.raises(IncompatibleDataDir):
        SqlitePersistence(tmp_path)


def test_an_older_format_is_migrated_once_in_one_step(tmp_path, monkeypatch):
    import cloudtwin.state.persistence as persistence

    backend = SqlitePersistence(tmp_path)
    Table(backend, "svc/a/r/t")["k"] = {"old_name": 1}
    backend.close()
    runs = []

    def rename(db):
        runs.append(1)
        for path, key, value in db.execute("SELECT path, key, value FROM records").fetchall():
            db.execute("UPDATE records SET value = ? WHERE path = ? AND key = ?",
                       (value.replace('"old_name"', '"new_name"'), path, key))

    monkeypatch.setattr(persistence, "FORMAT_VERSION", FORMAT_VERSION + 1)
    monkeypatch.setattr(persistence, "MIGRATIONS", {FORMAT_VERSION: rename})
    assert dict(Table(SqlitePersistence(tmp_path), "svc/a/r/t")) == {"k": {"new_name": 1}}
    assert json.loads((tmp_path / "FORMAT").read_text()) == {"format": FORMAT_VERSION + 1}
    assert dict(Table(SqlitePersistence(tmp_path), "svc/a/r/t")) == {"k": {"new_name": 1}}
    assert runs == [1]

    monkeypatch.setattr(persistence, "FORMAT_VERSION", FORMAT_VERSION + 2)
    monkeypatch.setattr(persistence, "MIGRATIONS", {})
    with pytest.raises(IncompatibleDataDir, match="cannot upgrade"):
        SqlitePersistence(tmp_path)


def test_a_foreign_non_empty_directory_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(IncompatibleDataDir):
        SqlitePersistence(tmp_path)


WRITER = textwrap.dedent(
    """
    import sys
    from cloudtwin.state.persistence import SqlitePersistence
    from cloudtwin.state.table import Table

    backend = SqlitePersistence(sys.argv[1])
    table = Table(backend, "crash/000000000000/us-east-1/items")
    start = len(table)
    for i in range(start, start + 1_000_000):
        table[f"k{i}"] = {"i": i, "payload": "x" * (i % 512)}
        if i % 3 == 0:
            table.save(f"k{i}")
        backend.commit()
        print(i, flush=True)  # acknowledged only after the commit
    """
)


def test_every_acknowledged_write_survives_kill_9(tmp_path):
    rng = random.Random(1234)
    acknowledged = -1
    for _ in range(5):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        target = acknowledged + rng.randint(50, 400)
        last = acknowledged
        for line in proc.stdout:
            last = int(line)
            if last >= target:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        acknowledged = max(acknowledged, last)
        table = Table(SqlitePersistence(tmp_path), "crash/000000000000/us-east-1/items")
        for i in range(acknowledged + 1):
            assert table[f"k{i}"] == {"i": i, "payload": "x" * (i % 512)}
        assert list(table)[: acknowledged + 1] == [f"k{i}" for i in range(acknowledged + 1)]


def test_rows_wait_for_the_commit_and_a_failed_commit_keeps_them(tmp_path):
    backend = SqlitePersistence(tmp_path)
    table = Table(backend, "svc/a/r/t")
    table["a"] = 1
    assert backend.pending
    assert list(backend.load("svc/a/r/t")) == [("a", 1)]  # a read sees the rows written so far
    table["b"] = 2
    table["c"] = 3  # two rows: one transaction
    db = backend._journal

    class CommitFails:
        def __getattr__(self, name):
            return getattr(db, name)

        def execute(self, sql, *args):
            if sql == "COMMIT":
                raise sqlite3.OperationalError("disk I/O error")
            return db.execute(sql, *args)

    backend._journal = CommitFails()
    with pytest.raises(sqlite3.OperationalError):
        backend.commit()
    backend._journal = db
    assert backend.pending  # rolled back: every row since the last commit waits for the next
    backend.commit()
    assert not backend.pending
    again = Table(SqlitePersistence(tmp_path), "svc/a/r/t")
    assert dict(again) == {"a": 1, "b": 2, "c": 3}


def test_a_single_row_that_fails_waits_for_the_next_commit(tmp_path):
    backend = SqlitePersistence(tmp_path)
    table = Table(backend, "svc/a/r/t")
    db = backend._journal

    class InsertFails:
        def execute(self, sql, *args):
            if sql.startswith("INSERT"):
                raise sqlite3.OperationalError("disk I/O error")
            return db.execute(sql, *args)

    table["only"] = 1
    backend._journal = InsertFails()
    with pytest.raises(sqlite3.OperationalError):
        backend.commit()
    backend._journal = db
    assert backend.pending
    assert dict(Table(SqlitePersistence(tmp_path), "svc/a/r/t")) == {}
    backend.commit()
    assert not backend.pending
    assert dict(Table(SqlitePersistence(tmp_path), "svc/a/r/t")) == {"only": 1}


def test_the_journal_is_merged_on_a_thread_of_its_own(tmp_path, monkeypatch):
    import cloudtwin.state.persistence as persistence

    monkeypatch.setattr(persistence, "MERGE_ROWS", 3)
    backend = SqlitePersistence(tmp_path / "data")
    table = Table(backend, "svc/a/r/t")
    for n in range(3):
        table[f"k{n}"] = {"n": n}
        backend.commit()
    merger = backend._merger
    assert merger is not None
    assert merger.ran.wait(10)
    # The records, read by another connection (without the journal), now hold the rows.
    db = sqlite3.connect(tmp_path / "data" / "state.sqlite")
    assert db.execute("SELECT count(*) FROM records").fetchone()[0] == 3
    db.close()
    backend.close()
    assert not merger._thread.is_alive()


def test_merging_the_journal_gives_the_records_direct_writes_would(tmp_path):
    """Puts, overwrites, deletes, re-puts and clears, merged in one go: the same records,
    in the same order (a key re-put after its delete goes to the end), as a dict that
    saw each write."""
    backend = SqlitePersistence(tmp_path)
    tables = {name: Table(backend, f"svc/a/r/{name}") for name in ("t", "u", "v")}
    model: dict[str, dict] = {name: {} for name in tables}

    def put(name, key, value):
        tables[name][key] = value
        model[name].pop(key, None) if key not in model[name] else None
        model[name][key] = value

    def delete(name, key):
        del tables[name][key]
        del model[name][key]

    for n in range(6):
        put("t", f"k{n}", n)
        put("u", f"k{n}", -n)
    backend.commit()
    put("t", "k1", "one")  # overwritten: keeps its place
    delete("t", "k2")
    put("t", "k2", "two")  # deleted and put again: last
    delete("t", "k3")
    put("t", "new", b"\x00bytes" * 200)  # a large bytes value, in the data column
    backend.commit()
    tables["u"].clear()
    model["u"].clear()
    put("u", "after", 1)
    put("v", "x", {"y": [1, 2]})
    backend.commit()
    delete("v", "x")
    put("v", "x", "again")
    backend.close()

    reopened = SqlitePersistence(tmp_path)
    for name in tables:
        assert list(Table(reopened, f"svc/a/r/{name}").items()) == list(model[name].items()), name
    reopened.close()


def test_a_merge_of_puts_alone_keeps_their_order_and_last_values(tmp_path):
    backend = SqlitePersistence(tmp_path)
    table = Table(backend, "svc/a/r/t")
    table["old"] = 0
    backend.close()  # merged: "old" is in the records
    backend = SqlitePersistence(tmp_path)
    table = Table(backend, "svc/a/r/t")
    for n in range(5):
        table[f"k{n}"] = n
    table["k1"] = "one"  # overwritten: keeps its place
    table["old"] = "updated"  # already in the records: keeps its place
    backend.commit()
    backend.merge()
    reopened = Table(SqlitePersistence(tmp_path), "svc/a/r/t")
    assert list(reopened.items()) == [("old", "updated"), ("k0", 0), ("k1", "one"), ("k2", 2), ("k3", 3), ("k4", 4)]


def test_merged_journal_rows_are_dropped_and_numbering_goes_on(tmp_path, monkeypatch):
    import cloudtwin.state.persistence as persistence

    monkeypatch.setattr(persistence, "TRUNCATE_ROWS", 5)
    backend = SqlitePersistence(tmp_path)
    table = Table(backend, "svc/a/r/t")
    for n in range(10):
        table[f"k{n}"] = n
        backend.commit()
    backend.merge()
    journal = sqlite3.connect(tmp_path / "journal.sqlite")
    assert journal.execute("SELECT count(*) FROM log").fetchone()[0] == 1  # the newest merged row
    for n in range(10, 15):
        table[f"k{n}"] = n
        backend.commit()
    assert journal.execute("SELECT count(*) FROM log").fetchone()[0] == 6
    journal.close()
    backend.close()
    assert dict(Table(SqlitePersistence(tmp_path), "svc/a/r/t")) == {f"k{n}": n for n in range(15)}


def test_a_directory_opened_again_sees_writes_not_yet_merged(tmp_path):
    backend = SqlitePersistence(tmp_path)
    table = Table(backend, "svc/a/r/t")
    table["a"] = 1
    backend.commit()  # in the journal only: the first process is "killed" here
    assert dict(Table(SqlitePersistence(tmp_path), "svc/a/r/t")) == {"a": 1}


@pytest.mark.skipif(sys.platform != "linux", reason="a thread's own nice value is Linux's")
def test_the_merge_thread_yields_to_requests(tmp_path):
    """The merge thread runs nicer than the server's threads: requests come first."""
    import threading
    from pathlib import Path

    import cloudtwin.state.persistence as persistence

    backend = SqlitePersistence(tmp_path)
    Table(backend, "svc/a/r/t")["k"] = 1
    backend.commit()  # starts the merge thread
    merger = backend._merger
    assert merger is not None
    merger.wake()
    assert merger.ran.wait(10)  # it has merged, so it has set its priority (as it started)

    def nice(tid: int) -> int:
        return int(Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()[16])

    assert nice(merger._thread.native_id) == min(19, nice(threading.get_native_id()) + persistence.MERGE_NICENESS)
    backend.close()
