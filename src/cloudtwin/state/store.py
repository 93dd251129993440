"""Service stores, one per account and region.

Every service keeps its state in one store class; cloudtwin holds one instance of it for
each (account, region) the service has seen — or one per account for services whose
resources are global across regions (IAM, Route 53). A store keeps its records in
:class:`~cloudtwin.state.table.Table` s made with :meth:`Tables.table`, so that persistence
(when on) writes each record as it changes::

    class QueueStore(Store):
        def __init__(self, tables: Tables) -> None:
            super().__init__(tables)
            self.queues: Table[str, Queue] = tables.table("queues")
"""

from __future__ import annotations

import threading
from typing import Callable, Generic, Iterator, TypeVar

from cloudtwin.state.backend import Persistence
from cloudtwin.state.table import Journal, Table

S = TypeVar("S")

GLOBAL_REGION = "global"
_NO_PERSISTENCE = Persistence()


class Tables:
    """Makes the tables of one store: names them ``<service>/<account>/<region>/<name>``."""

    __slots__ = ("backend", "service", "account_id", "region")

    def __init__(self, backend: Persistence, service: str, account_id: str, region: str) -> None:
        self.backend = backend
        self.service = service
        self.account_id = account_id
        self.region = region

    @property
    def prefix(self) -> str:
        return f"{self.service}/{self.account_id}/{self.region}/"

    def table(self, name: str) -> Table:
        return Table(self.backend, self.prefix + name)

    def journal(self, name: str) -> Journal:
        """Rows persisted but not kept in memory (see :class:`Journal`)."""
        return Journal(self.backend, self.prefix + name)


class Store:
    """Base of a service store: knows its account and region."""

    def __init__(self, tables: Tables) -> None:
        self.account_id = tables.account_id
        self.region = tables.region


class AccountRegionStores(Generic[S]):
    """The stores of one service, created on first use for each account and region.

    With persistence on, the stores that hold saved state are created (and their tables
    loaded) when this object is made, so background work finds them after a restart.
    """

    def __init__(
        self,
        factory: Callable[[Tables], S],
        *,
        service: str = "",
        backend: Persistence | None = None,
        global_region: bool = False,
    ) -> None:
        self._factory = factory
        self._service = service
        self._backend = backend or _NO_PERSISTENCE
        self._global = global_region
        self._stores: dict[tuple[str, str], S] = {}
        self._lock = threading.Lock()
        if self._backend.enabled:
            for path in self._backend.paths(f"{service}/"):
                _, account_id, region, _ = path.split("/", 3)
                self.get(account_id, region)

    def get(self, account_id: str, region: str) -> S:
        key = (account_id, GLOBAL_REGION if self._global else region)
        store = self._stores.get(key)
        if store is None:
            with self._lock:
                store = self._stores.get(key)
                if store is None:
                    store = self._factory(Tables(self._backend, self._service, *key))
                    self._stores[key] = store
        return store

    def items(self) -> Iterator[tuple[tuple[str, str], S]]:
        return iter(list(self._stores.items()))

    def reset(self, account_id: str | None = None) -> None:
        """Drop all state, or the state of one account (from memory and from disk)."""
        with self._lock:
            if account_id is None:
                self._stores.clear()
                self._backend.clear(f"{self._service}/")
            else:
                for key in [k for k in self._stores if k[0] == account_id]:
                    del self._stores[key]
                self._backend.clear(f"{self._service}/{account_id}/")
