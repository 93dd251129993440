"""Which services cloudtwin implements, found from the ``services/`` folders and imported on
first use, so that start-up never pays for a service nobody calls."""

from __future__ import annotations

import importlib
import keyword
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cloudtwin.clock import Clock, Processors
from cloudtwin.events.bus import EventBus
from cloudtwin.events.metrics import MetricRecorder
from cloudtwin.state.backend import Persistence

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.events.internal import InternalClient
    from cloudtwin.config import Config
    from cloudtwin.gateway.identity import IdentityRegistry
    from cloudtwin.services.provider import ServiceProvider
    from cloudtwin.specs.catalog import ServiceCatalog


@dataclass(slots=True)
class ServiceEnvironment:
    """What the server shares with every provider: settings, models, identities, and the
    virtual clock with its tick processors (every time-based behaviour reads ``clock`` and
    registers its due work in ``processors``)."""

    config: "Config"
    catalog: "ServiceCatalog"
    identities: "IdentityRegistry"
    clock: Clock = field(default_factory=Clock)
    processors: Processors = None  # type: ignore[assignment]  # made from ``clock`` if not given
    #: Where stores write their records (the in-memory default writes nothing).
    persistence: Persistence = field(default_factory=Persistence)
    #: Cross-service events (S3 notifications, stream records...).
    events: EventBus = field(default_factory=EventBus)
    #: The metrics services publish where AWS does (drained by CloudWatch).
    metrics: MetricRecorder = field(default_factory=MetricRecorder)
    #: Calls into other services' operations (set by the registry).
    internal: "InternalClient" = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.processors is None:
            self.processors = Processors(self.clock)


def module_name(service: str) -> str:
    """The package folder of a botocore service name (``lambda`` -> ``lambda_``)."""
    name = service.replace("-", "_")
    return name + "_" if keyword.iskeyword(name) else name


class ServiceRegistry:
    """The providers of the implemented services, created lazily."""

    def __init__(self, env: ServiceEnvironment) -> None:
        from cloudtwin.events.internal import InternalClient

        self.env = env
        if env.internal is None:
            env.internal = InternalClient(self)
        self._providers: dict[str, ServiceProvider | None] = {}
        self._lock = threading.Lock()
        here = Path(__file__).parent
        self._folders = frozenset(
            p.name for p in here.iterdir() if p.is_dir() and (p / "provider.py").exists()
        )

    def implemented(self) -> list[str]:
        """botocore names of the services that have a provider (folder ``lambda_`` is
        ``lambda``; botocore names have dashes where folders have underscores)."""
        return sorted(folder.rstrip("_").replace("_", "-") for folder in self._folders)

    def provider(self, service: str) -> "ServiceProvider | None":
        """The provider of a service, importing it on first use; None if not implemented."""
        try:
            return self._providers[service]
        except KeyError:
            pass
        with self._lock:
            if service not in self._providers:
                self._providers[service] = self._load(service)
        return self._providers[service]

    def install(self, service: str, provider: "ServiceProvider") -> None:
        """Use ``provider`` for ``service`` instead of loading one (tests, test doubles)."""
        with self._lock:
            self._providers[service] = provider

    def _load(self, service: str) -> "ServiceProvider | None":
        name = module_name(service)
        if name not in self._folders:
            return None
        from cloudtwin.code_cache import compiled_code

        with compiled_code(name):  # its classes' code compiled by an earlier server
            module = importlib.import_module(f"cloudtwin.services.{name}.provider")
            return module.Provider(self.env)

    def loaded(self) -> list[str]:
        return sorted(name for name, p in self._providers.items() if p is not None)

    async def close(self) -> None:
        """Let every loaded provider end its background work (the server is stopping)."""
        for provider in list(self._providers.values()):
            if provider is not None:
                await provider.close()

    def reset(self, service: str | None = None, account_id: str | None = None) -> None:
        for name, provider in list(self._providers.items()):
            if provider is not None and (service is None or name == service):
                provider.reset(account_id)
