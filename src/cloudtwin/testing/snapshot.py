"""Snapshot testing: record responses once (against AWS, or cloudtwin), verify them after.

``snapshot.match("create_queue", response)`` collects a value under a key. When the test
body has passed, the plugin either verifies everything the test matched against the
recording, or (with ``--snapshot-update``) writes the recording. Values go through the
transformers first (see :mod:`cloudtwin.testing.transformers`), both ways.

The file is ``<test_file>.snapshot.json`` beside the test module, one entry per test node
id, the layout other AWS emulators' suites publish, so their recordings verify here::

    {
      "tests/test_sqs.py::test_create_queue": {
        "recorded-date": "21-11-2026, 06:22:45",
        "recorded-content": {
          "create_queue": {"QueueUrl": "<queue-url:1>", "ResponseMetadata": {...}}
        }
      }
    }

Keys are written sorted, with a two-space indent, so a re-recording diffs cleanly in review.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from cloudtwin.testing import transformers as tf
from cloudtwin.testing.diff import Difference, PathPattern, diff, render_path

__all__ = ["Snapshot", "SnapshotFile", "SnapshotMismatch", "TransformerFactory", "DATE_FORMAT"]

DATE_FORMAT = "%d-%m-%Y, %H:%M:%S"
SUFFIX = ".snapshot.json"


class SnapshotMismatch(AssertionError):
    """The test's responses differ from its recording (the message is the diff)."""


class SnapshotFile:
    """One ``<test_file>.snapshot.json``: read on demand, written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_test_file(cls, test_file: str | os.PathLike[str]) -> "SnapshotFile":
        path = Path(test_file)
        return cls(path.with_name(path.stem + SUFFIX))

    def load(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def entry(self, node_id: str) -> dict[str, Any] | None:
        """The recording of a test, by exact node id, else by the part after the file name
        (recordings made from another root directory keep verifying)."""
        data = self.load()
        if node_id in data:
            return data[node_id]
        _, _, local = node_id.partition("::")
        for key, entry in data.items():
            if key.partition("::")[2] == local and Path(key.partition("::")[0]).name == self.path.name.replace(SUFFIX, ".py"):
                return entry
        return None

    def write_entry(self, node_id: str, content: dict[str, Any], when: float | None = None) -> None:
        """Add or replace one test's entry, keeping the others (``pytest -n`` workers write
        the same file: the read-modify-write holds a lock, where the OS has one)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(self.path.parent):
            data = self.load()
            data[node_id] = {
                "recorded-date": time.strftime(DATE_FORMAT, time.localtime(when)),
                "recorded-content": content,
            }
            text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            fd, tmp = tempfile.mkstemp(prefix=self.path.name, dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, self.path)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock on the snapshot file's folder (a folder is never replaced, unlike
    the file, and leaves no lock file behind)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock, last writer wins
        yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


class TransformerFactory:
    """``snapshot.transform.<kind>(...)``: the custom transformers, spelled short."""

    key_value = staticmethod(tf.KeyValue)
    jsonpath = staticmethod(tf.JsonPath)
    regex = staticmethod(tf.Regex)
    reference = staticmethod(tf.Reference)
    custom = staticmethod(tf.Custom)


@dataclass
class Verification:
    """What verifying one test found: the diffs that fail it, and the ones waived."""

    failures: list[Difference] = field(default_factory=list)
    waived: list[Difference] = field(default_factory=list)


class Snapshot:
    """The ``snapshot`` fixture's object, one per test."""

    transform = TransformerFactory

    def __init__(self, file: SnapshotFile, node_id: str, *, update: bool = False) -> None:
        self.file = file
        self.node_id = node_id
        self.update = update
        self.transformers: list[tf.Transformer] = tf.default_transformers()
        self.matches: dict[str, Any] = {}
        self.names: list[tf.Reference] = []
        self.context = tf.TransformContext()

    # -- what tests call --------------------------------------------------------------------

    def match(self, key: str, value: Any) -> None:
        """Collect ``value`` under ``key`` (verified or recorded when the test body ends)."""
        if key in self.matches:
            raise ValueError(f"snapshot key {key!r} used twice in {self.node_id}")
        self.matches[key] = tf.to_json(value)

    def add_transformer(self, transformer: tf.Transformer | Iterable[tf.Transformer], *, priority: bool = False) -> None:
        """Add custom transformers (``priority`` puts them before the built-ins)."""
        items = [transformer] if isinstance(transformer, tf.Transformer) else list(transformer)
        self.transformers = items + self.transformers if priority else self.transformers + items

    def add_name(self, value: str, kind: str = "name") -> str:
        """Show a generated name as ``<kind:N>`` wherever it appears; returns ``value``."""
        self.names.append(tf.Reference(value, kind))
        return value

    def add_function(self, function: Callable[[Any], Any]) -> None:
        self.add_transformer(tf.Custom(function))

    # -- what the plugin calls --------------------------------------------------------------

    def content(self) -> dict[str, Any]:
        """Everything matched so far, transformed (in one pass, so references registered
        by a later match also apply to an earlier one)."""
        return tf.apply(self.matches, [*self.names, *self.transformers], tf.TransformContext())

    def record(self) -> None:
        self.file.write_entry(self.node_id, self.content())

    def verify(self, waivers: Iterable[str] = ()) -> Verification:
        """Compare with the recording; raises :class:`SnapshotMismatch` on unwaived diffs."""
        __tracebackhide__ = True
        entry = self.file.entry(self.node_id)
        if entry is None:
            raise SnapshotMismatch(
                f"no snapshot recorded for {self.node_id} in {self.file.path.name}; "
                "run with --snapshot-update to record one"
            )
        patterns = [PathPattern(p) for p in waivers]
        result = Verification()
        for difference in diff(entry.get("recorded-content", {}), self.content()):
            if any(p.matches(difference.path, prefix=True) for p in patterns):
                result.waived.append(difference)
            else:
                result.failures.append(difference)
        if result.failures:
            raise SnapshotMismatch(self.render(result.failures))
        return result

    def render(self, differences: list[Difference]) -> str:
        lines = [f"snapshot mismatch in {self.file.path.name} for {self.node_id} (recorded -> actual):"]
        by_key: dict[Any, list[Difference]] = {}
        for difference in differences:
            by_key.setdefault(difference.path[0] if difference.path else "", []).append(difference)
        for key, items in by_key.items():
            lines.append(f">> match key: {key}")
            lines.extend(f"   {item.render()}" for item in items)
        lines.append(
            "to waive a path: @pytest.mark.skip_snapshot_verify(paths=[...]) with e.g. "
            + ", ".join(json.dumps(render_path(d.path)) for d in differences[:3])
        )
        return "\n".join(lines)

