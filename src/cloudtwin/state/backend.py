"""What the stores write through (:class:`Persistence`: nothing persisted, the in-memory
default) and :func:`open_persistence`, which picks the backend for a server.

The SQLite persistence of ``--data-dir`` (:mod:`cloudtwin.state.persistence`, with
``sqlite3`` and the record encoding) is imported only when a server uses it: a server
without a data dir starts without it.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.clock import Clock

__all__ = ["DataDirError", "IncompatibleDataDir", "Persistence", "open_persistence"]


class DataDirError(RuntimeError):
    """The --data-dir cannot be used; the message names why, in one line."""


class IncompatibleDataDir(DataDirError):
    """The directory holds another format, or is not a cloudtwin data dir at all."""


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


def open_persistence(data_dir: str | None, clock: "Clock", check_records: bool = False) -> Persistence:
    """The persistence of ``--data-dir`` (none without it); the virtual clock's offset and
    frozen state are kept there too. ``check_records``: without a data dir, still encode
    every record written (:class:`cloudtwin.state.persistence.RecordCheck`)."""
    if not data_dir and not check_records:
        return Persistence()
    from cloudtwin.state.persistence import open_data_dir

    return open_data_dir(data_dir, clock, check_records)
