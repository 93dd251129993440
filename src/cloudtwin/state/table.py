"""``Table``: a keyed collection of records inside a service store.

Stores keep their state in tables of small records (a queue, a message, an object's
metadata), never in one big object: with persistence on, each write of a record is one row
written before the request is acknowledged, so the cost of a write does not grow with the
size of the store. Without persistence a table is a plain dict and costs nothing extra.

A record changed in place must be written back with :meth:`Table.save` (or by assigning it
again): that is the moment it becomes durable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, Iterator, MutableMapping, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.state.backend import Persistence

K = TypeVar("K")
V = TypeVar("V")


class Table(MutableMapping[K, V], Generic[K, V]):
    """An ordered mapping (insertion order, as dict) whose writes go to the backend."""

    __slots__ = ("_rows", "_backend", "_path", "get")

    def __init__(self, backend: "Persistence | None" = None, path: str = "") -> None:
        self._rows: dict[K, V] = {}
        #: ``get(key, default=None)``: the rows' own (the most frequent read, without a
        #: Python call in between). ``_rows`` is never rebound.
        self.get = self._rows.get  # type: ignore[method-assign]
        self._backend = backend if backend is not None and backend.enabled else None
        self._path = path
        if self._backend is not None:
            for key, value in self._backend.load(path):
                self._rows[key] = value

    # -- reads: straight from memory ------------------------------------------------------

    def __getitem__(self, key: K) -> V:
        return self._rows[key]

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __iter__(self) -> Iterator[K]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def values(self):  # type: ignore[override]
        return self._rows.values()

    def items(self):  # type: ignore[override]
        return self._rows.items()

    def keys(self):  # type: ignore[override]
        return self._rows.keys()

    # -- writes: memory, then the backend ---------------------------------------------------

    def __setitem__(self, key: K, value: V) -> None:
        self._rows[key] = value
        if self._backend is not None:
            self._backend.put(self._path, key, value)

    def save(self, key: K) -> None:
        """Write back a record that was changed in place."""
        if self._backend is not None:
            self._backend.put(self._path, key, self._rows[key])

    def __delitem__(self, key: K) -> None:
        del self._rows[key]
        if self._backend is not None:
            self._backend.delete(self._path, key)

    def pop(self, key: K, *default):  # type: ignore[override]
        if key in self._rows:
            value = self._rows.pop(key)
            if self._backend is not None:
                self._backend.delete(self._path, key)
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def clear(self) -> None:
        self._rows.clear()
        if self._backend is not None:
            self._backend.clear(self._path, exact=True)

    def __repr__(self) -> str:
        return f"Table({self._path!r}, {len(self._rows)} rows)"


class Journal(Generic[K, V]):
    """Rows written to the backend and kept nowhere in memory: for a store whose own
    structures hold the data (DynamoDB's items live in their key indexes). Without
    persistence every write is a no-op."""

    __slots__ = ("_backend", "_path")

    def __init__(self, backend: "Persistence | None" = None, path: str = "") -> None:
        self._backend = backend if backend is not None and backend.enabled else None
        self._path = path

    @property
    def enabled(self) -> bool:
        return self._backend is not None

    def load(self) -> Iterator[tuple[K, V]]:
        """The saved rows (at start-up)."""
        if self._backend is None:
            return iter(())
        return self._backend.load(self._path)

    def put(self, key: K, value: V) -> None:
        if self._backend is not None:
            self._backend.put(self._path, key, value)

    def delete(self, key: K) -> None:
        if self._backend is not None:
            self._backend.delete(self._path, key)

    def clear(self) -> None:
        if self._backend is not None:
            self._backend.clear(self._path, exact=True)

    def __repr__(self) -> str:
        return f"Journal({self._path!r})"
