"""The base of every service provider.

A provider's operation handlers are methods named after the operation in snake_case
(``GetCallerIdentity`` -> ``get_caller_identity``). A handler takes the request context and
the parsed parameters (a dict keyed by the model's member names), and returns the output
members as a dict (or None), or raises ``ServiceError``. Handlers may be coroutines when
they wait (long polling, streaming bodies); plain functions are called directly on the
event loop, so they must not block.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from cloudtwin.state.store import AccountRegionStores, Tables

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel

    from cloudtwin.protocol.http import HttpRequest
    from cloudtwin.services.registry import ServiceEnvironment


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def handler_name(operation: str) -> str:
    """``GetCallerIdentity`` -> ``get_caller_identity``; ``ListMFADevices`` -> ``list_mfa_devices``."""
    return _CAMEL_BOUNDARY.sub("_", operation).lower()


class ServiceProvider:
    """Operation handlers of one service, and its store."""

    #: The botocore service name this provider answers for.
    service_name: ClassVar[str] = ""
    #: The class of the per-account/per-region store, called as ``store_class(tables)``
    #: (see :mod:`cloudtwin.state.store`).
    store_class: ClassVar[Callable[[Tables], Any] | None] = None
    #: True when the service's resources are global across regions (IAM, Route 53...).
    global_region: ClassVar[bool] = False

    def __init__(self, env: "ServiceEnvironment") -> None:
        self.env = env
        self._handlers: dict[str, Callable[..., Any] | None] = {}
        self.stores: AccountRegionStores[Any] | None = (
            AccountRegionStores(
                self.store_class,
                service=self.service_name,
                backend=env.persistence,
                global_region=self.global_region,
            )
            if self.store_class is not None
            else None
        )

    def handler(self, operation: str) -> Callable[..., Any] | None:
        """The handler of an operation, or None when cloudtwin does not implement it.

        Only methods of the service's own class count: an operation whose snake_case name
        happens to match this base class (``Reset`` -> ``reset``) is not implemented.
        """
        try:
            return self._handlers[operation]
        except KeyError:
            pass
        name = handler_name(operation)
        found = None if name in _BASE_ATTRIBUTES else getattr(self, name, None)
        self._handlers[operation] = found
        return found

    def complete_params(self, request: "HttpRequest", operation: "OperationModel", params: dict[str, Any]) -> None:
        """Add the parameters a request carries outside its protocol's members, before the
        model's validation sees them (SQS's query API names the queue in the URL path)."""

    def introspection(self) -> dict[tuple[str, str], Callable[[dict[str, Any]], Any]]:
        """The service's ``/_cloudtwin/<service>/<name>`` endpoints (see control.api)."""
        return {}

    def reset(self, account_id: str | None = None) -> None:
        if self.stores is not None:
            self.stores.reset(account_id)

    async def close(self) -> None:
        """The server is stopping: end what the provider runs outside requests."""


_BASE_ATTRIBUTES = frozenset(dir(ServiceProvider)) | {"env", "stores", "_handlers"}
