"""``cloudtwin start --data-dir X`` with a directory it cannot use: one line on stderr naming
the problem, a non-zero exit, no traceback, and nothing in the directory run or changed."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from cloudtwin.state.persistence import DB_NAME, FORMAT_VERSION, JOURNAL_NAME, DataDirError, SqlitePersistence
from cloudtwin.state.table import Table
from cloudtwin.testing.server import free_port, start_command

NOBODY = 65534


def refused(data_dir: Path, *, as_nobody: bool = False) -> str:
    """Run ``cloudtwin start`` on ``data_dir``; assert it is refused; its one line."""
    python, env, user = sys.executable, None, None
    if as_nobody:
        python, env = _nobody_python()
        user = NOBODY
    before = snapshot(data_dir)
    proc = subprocess.run(
        start_command(free_port(), "--data-dir", str(data_dir), python=python),
        capture_output=True, text=True, timeout=60, env=env,
        user=user, group=user, extra_groups=[] if user is not None else None,
    )
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines[0].startswith(f"cloudtwin: --data-dir {data_dir}: ")
    assert snapshot(data_dir) == before  # refused without touching a byte
    return lines[0].split(": ", 2)[2]


def snapshot(path: Path) -> dict[str, bytes] | bytes | None:
    """Every byte under ``path`` (None where this user cannot read it)."""
    try:
        if path.is_file():
            return path.read_bytes()
        return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
    except OSError:
        return None


ROWS = {f"k{i}": {"i": i, "text": f"row {i} " * 20} for i in range(400)}


def assert_rows_intact(path: Path, rows: int = 10) -> None:
    """The records written before are all still there (once the problem is put right)."""
    backend = SqlitePersistence(path)
    assert dict(Table(backend, "svc/000000000000/us-east-1/things")) == dict(list(ROWS.items())[:rows])
    backend.close()


def saved_dir(path: Path, rows: int = 10) -> Path:
    """A real data dir holding ``rows`` records."""
    backend = SqlitePersistence(path)
    table = Table(backend, "svc/000000000000/us-east-1/things")
    for key, value in list(ROWS.items())[:rows]:
        table[key] = value
    backend.commit()
    backend.close()
    return path


def test_a_file_instead_of_a_directory(tmp_path):
    target = tmp_path / "file"
    target.write_text("not a directory")
    assert refused(target) == "exists and is not a directory"
    assert target.read_text() == "not a directory"


def test_a_foreign_non_empty_directory(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "photos").mkdir()
    assert refused(tmp_path) == "not a cloudtwin data directory (found files: notes.txt, photos)"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "photos"]


def test_a_garbage_format_marker(tmp_path):
    saved_dir(tmp_path)
    marker = (tmp_path / "FORMAT").read_bytes()
    (tmp_path / "FORMAT").write_bytes(b"\x00\xffnot json")
    assert refused(tmp_path) == "FORMAT is not a cloudtwin format marker"
    (tmp_path / "FORMAT").write_bytes(marker)
    assert_rows_intact(tmp_path)


def test_a_newer_format(tmp_path):
    saved_dir(tmp_path)
    (tmp_path / "FORMAT").write_text(json.dumps({"format": FORMAT_VERSION + 1}))
    assert "written by a newer cloudtwin" in refused(tmp_path)
    (tmp_path / "FORMAT").write_text(json.dumps({"format": FORMAT_VERSION}))
    assert_rows_intact(tmp_path)


def test_an_old_pickle_data_dir_is_refused_and_never_unpickled(tmp_path):
    """Format 1 stored pickles: loading one runs whatever it names. It must never be read."""
    witness = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {witness}",))

    data_dir = tmp_path / "old"
    data_dir.mkdir()
    (data_dir / "FORMAT").write_text(json.dumps({"format": 1}))
    db = sqlite3.connect(data_dir / DB_NAME)
    db.execute("CREATE TABLE records (path TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (path, key))")
    db.execute("INSERT INTO records VALUES (?, ?, ?)", ("sqs/000000000000/us-east-1/queues", '"q"', pickle.dumps(Payload())))
    db.commit()
    db.close()
    assert "state format 1 (pickled records" in refused(data_dir)
    with pytest.raises(DataDirError):  # and not through the library either
        SqlitePersistence(data_dir)
    assert not witness.exists()


@pytest.mark.parametrize("name", [DB_NAME, JOURNAL_NAME])
def test_a_corrupt_sqlite_header(tmp_path, name):
    saved_dir(tmp_path)
    db = tmp_path / name
    data = bytearray(db.read_bytes())
    data[:16] = b"garbage garbage!"
    db.write_bytes(bytes(data))
    assert refused(tmp_path).startswith(f"{name} is not a readable SQLite database")


def test_corrupt_pages(tmp_path):
    saved_dir(tmp_path, rows=400)
    db = tmp_path / DB_NAME
    data = bytearray(db.read_bytes())
    page = 4096
    assert len(data) > 6 * page
    data[2 * page: 5 * page] = os.urandom(3 * page)  # the header page stays intact
    db.write_bytes(bytes(data))
    problem = refused(tmp_path)
    assert DB_NAME in problem and ("damaged" in problem or "not a readable" in problem)


def test_a_record_cloudtwin_does_not_know(tmp_path):
    """A row naming a class no store declared (or a module to import) is refused, not imported."""
    saved_dir(tmp_path)
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.execute(
        "INSERT INTO records (path, key, value) VALUES (?, ?, ?)",
        ("sqs/000000000000/us-east-1/queues", '"q"', '{"$c": "os.system", "command": "true"}'),
    )
    db.commit()
    db.close()
    problem = refused(tmp_path)
    assert "cannot be read: unknown record type 'os.system'" in problem


def _world_readable_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="cloudtwin-perm-"))
    path.chmod(0o755)
    return path


def _nobody_python() -> tuple[str, dict[str, str] | None]:
    """Permissions do not bind root, so as root the server runs as ``nobody``: with this
    interpreter if nobody may run it, else with the system's interpreter of the same version
    on this environment's packages (the virtualenv may live under root's home)."""
    import site

    import cloudtwin

    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    path = os.pathsep.join([*site.getsitepackages(), str(Path(cloudtwin.__file__).parents[1])])
    for python, env in ((sys.executable, None), (f"/usr/bin/{version}", {**os.environ, "PYTHONPATH": path})):
        try:
            subprocess.run([python, "-c", "import cloudtwin.cli"], user=NOBODY, group=NOBODY, extra_groups=[],
                           env=env, check=True, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            continue
        return python, env
    pytest.skip("running as root, and user nobody cannot run cloudtwin here")


def test_an_unreadable_directory():
    base = _world_readable_dir()
    try:
        target = saved_dir(base / "state")
        target.chmod(0o000)
        problem = refused(target, as_nobody=os.geteuid() == 0)
        assert problem == "cannot use it (Permission denied)"
        target.chmod(0o755)
        assert_rows_intact(target)
    finally:
        subprocess.run(["chmod", "-R", "u+rwX", str(base)], check=False)
        subprocess.run(["rm", "-rf", str(base)], check=False)


def test_a_read_only_directory():
    base = _world_readable_dir()
    try:
        target = saved_dir(base / "state")
        for path in (target, *target.iterdir()):
            path.chmod(0o555 if path.is_dir() else 0o444)
        assert refused(target, as_nobody=os.geteuid() == 0) == "the directory is not readable and writable by this user"
        subprocess.run(["chmod", "-R", "u+rwX", str(target)], check=True)
        assert_rows_intact(target)
    finally:
        subprocess.run(["chmod", "-R", "u+rwX", str(base)], check=False)
        subprocess.run(["rm", "-rf", str(base)], check=False)


def test_a_database_file_that_cannot_be_written(tmp_path, monkeypatch):
    """In process (so it also runs as root): the checks on access name the file."""
    saved_dir(tmp_path)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p).name == DB_NAME else real_access(p, mode))
    with pytest.raises(DataDirError, match=f"^{DB_NAME} is not readable and writable by this user$"):
        SqlitePersistence(tmp_path)


def test_saved_state_that_cannot_be_loaded(tmp_path):
    """Found only when a service loads its state (here S3's blob directory is a file)."""
    import boto3

    from cloudtwin.config import Config
    from cloudtwin.testing.server import ServerThread

    data_dir = tmp_path / "state"
    with ServerThread(Config(port=free_port(), log_level="warning", data_dir=str(data_dir))) as server:
        s3 = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
        s3.create_bucket(Bucket="kept")
        s3.put_object(Bucket="kept", Key="k", Body=b"x" * 100_000)
        s3.close()
    blobs = data_dir / "blobs"
    for path in sorted(blobs.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    blobs.rmdir()
    blobs.write_text("not a directory")
    assert refused(data_dir) == (
        f"cannot load the saved state ([Errno 20] Not a directory: '{data_dir / 'blobs' / 's3'}')"
    )


def test_a_format_2_directory_gets_its_journal(tmp_path):
    """Format 2 (records only) is brought to format 3: the records stay, a journal is
    made beside them, and later writes go through it."""
    saved_dir(tmp_path)
    for name in (JOURNAL_NAME, JOURNAL_NAME + "-wal", JOURNAL_NAME + "-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.execute("DELETE FROM meta WHERE name = 'journal_merged'")
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    (tmp_path / "FORMAT").write_text(json.dumps({"format": 2}))
    backend = SqlitePersistence(tmp_path)
    assert json.loads((tmp_path / "FORMAT").read_text()) == {"format": FORMAT_VERSION} and FORMAT_VERSION == 3
    assert (tmp_path / JOURNAL_NAME).exists()
    table = Table(backend, "svc/000000000000/us-east-1/things")
    assert dict(table) == dict(list(ROWS.items())[:10])
    table["later"] = {"i": -1}
    backend.commit()
    backend.close()
    assert dict(Table(SqlitePersistence(tmp_path), "svc/000000000000/us-east-1/things"))["later"] == {"i": -1}
