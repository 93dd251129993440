"""Per-account, per-region stores.

Every service keeps its state in one store class; cloudtwin holds one instance of it for
each (account, region) the service has seen — or one per account for services whose
resources are global (IAM, S3 bucket names are handled by the service itself).
"""

from __future__ import annotations

import threading
from typing import Callable, Generic, Iterator, TypeVar

S = TypeVar("S")


class AccountRegionStores(Generic[S]):
    """The stores of one service, created on first use for each account and region."""

    def __init__(self, factory: Callable[[str, str], S], *, global_region: bool = False) -> None:
        self._factory = factory
        self._global = global_region
        self._stores: dict[tuple[str, str], S] = {}
        self._lock = threading.Lock()

    def get(self, account_id: str, region: str) -> S:
        key = (account_id, "global" if self._global else region)
        store = self._stores.get(key)
        if store is None:
            with self._lock:
                store = self._stores.get(key)
                if store is None:
                    store = self._factory(*key)
                    self._stores[key] = store
        return store

    def items(self) -> Iterator[tuple[tuple[str, str], S]]:
        return iter(list(self._stores.items()))

    def reset(self, account_id: str | None = None) -> None:
        """Drop all state, or the state of one account."""
        with self._lock:
            if account_id is None:
                self._stores.clear()
            else:
                for key in [k for k in self._stores if k[0] == account_id]:
                    del self._stores[key]
