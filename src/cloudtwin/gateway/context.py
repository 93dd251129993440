"""What the gateway knows of a request on its way (:class:`Exchange`), and the context
every operation handler receives (:class:`RequestContext`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.http import HttpRequest

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.clock import Clock
    from cloudtwin.gateway.identity import Identity
    from cloudtwin.state.store import AccountRegionStores


@dataclass(slots=True)
class RequestContext:
    """Who is calling, where, and what: handed to every handler with its parameters."""

    service: str
    operation: str
    protocol: str
    account_id: str
    region: str
    request_id: str
    identity: "Identity"
    request: "HttpRequest"
    stores: "AccountRegionStores[Any] | None" = None
    #: The server's virtual clock: handlers read time from here, never from ``time.time``.
    clock: "Clock | None" = None

    @property
    def store(self) -> Any:
        """The calling service's store for this account and region."""
        if self.stores is None:
            raise RuntimeError(f"service {self.service} declares no store")
        return self.stores.get(self.account_id, self.region)

    @property
    def partition(self) -> str:
        from cloudtwin.gateway.identity import partition_for_region

        return partition_for_region(self.region)

    @property
    def from_aws(self) -> bool:
        """The call comes from another service in-process (CloudFormation creating a
        resource, a rule delivering to a target): AWS itself, which may do what a client
        may not, such as setting tags in the reserved ``aws:`` namespace."""
        return self.protocol == "internal"

    @property
    def caller_arn(self) -> str:
        return self.identity.arn_in(self.region)


@dataclass(slots=True)
class Exchange:
    """What is known about one request as it goes through the chain."""

    request: HttpRequest
    request_id: str
    route: Any = None
    account_id: str | None = None
    region: str | None = None
    error_code: str | None = None
    #: CORS headers a service chose for this request's origin (S3 bucket rules).
    cors: dict[str, str] | None = None
