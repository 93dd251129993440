"""``GET /_cloudtwin/services`` and ``GET /_cloudtwin/requests``: what the server can do,
and what it has been asked."""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

from cloudtwin.control.payload import (
    ControlError,
    flag,
    json_response,
    optional_int,
    optional_str,
    read_params,
)
from cloudtwin.protocol.http import HttpRequest, HttpResponse
from cloudtwin.services.provider import ServiceProvider, handler_name

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.app import Gateway

_REQUEST_FILTERS = ("service", "operation", "account", "region", "status", "errors", "limit")


class ServiceCoverage:
    """Which operations of a service's botocore model its provider has a handler for.

    Found from the provider *class* (importing the module, not creating the provider, so
    asking does not mark a service loaded) and cached: classes do not change at run time.
    """

    def __init__(self, gateway: "Gateway") -> None:
        self.gateway = gateway
        self._cache: dict[str, tuple[str, list[str], int | None]] = {}
        self._lock = threading.Lock()

    def of(self, folder: str) -> tuple[str, list[str], int | None]:
        """(botocore service name, implemented operation names, operations in the model)."""
        found = self._cache.get(folder)
        if found is None:
            with self._lock:
                found = self._cache.get(folder)
                if found is None:
                    found = self._cache[folder] = self._compute(folder)
        return found

    def _compute(self, folder: str) -> tuple[str, list[str], int | None]:
        from cloudtwin.services.registry import module_name

        module = importlib.import_module(f"cloudtwin.services.{module_name(folder)}.provider")
        cls = module.Provider
        name = cls.service_name or folder.rstrip("_").replace("_", "-")
        try:
            operations = self.gateway.catalog.service_model(name).operation_names
        except KeyError:
            return name, [], None
        implemented = [
            op
            for op in operations
            if not hasattr(ServiceProvider, handler_name(op))
            and callable(getattr(cls, handler_name(op), None))
        ]
        return name, implemented, len(operations)


class IntrospectionApi:
    def __init__(self, gateway: "Gateway") -> None:
        self.gateway = gateway
        self.coverage = ServiceCoverage(gateway)

    def routes(self) -> dict:
        return {("GET", "services"): self.services, ("GET", "requests"): self.requests}

    def services(self, request: HttpRequest) -> HttpResponse:
        """Every implemented service; ``?service=`` narrows to one and names its operations."""
        params = read_params(request, ("service",))
        only = optional_str(params, "service")
        loaded = set(self.gateway.services.loaded())
        out: list[dict[str, Any]] = []
        for folder in self.gateway.services.implemented():
            try:
                name, implemented, total = self.coverage.of(folder)
            except Exception as exc:  # noqa: BLE001 - one broken provider must not hide the rest
                error = f"{type(exc).__name__}: {exc}"
                out.append({"name": folder, "loaded": False, "error": error})
                continue
            if only is not None and only != name:
                continue
            entry: dict[str, Any] = {
                "name": name,
                "loaded": name in loaded,
                "implemented_operations": len(implemented),
                "operations": total,
            }
            if only is not None:
                entry["implemented"] = implemented
            out.append(entry)
        if only is not None and not out:
            raise ControlError(404, f"cloudtwin does not implement {only!r}")
        return json_response(200, {"services": out})

    def requests(self, request: HttpRequest) -> HttpResponse:
        """The recent request log, filtered; newest last."""
        params = read_params(request, _REQUEST_FILTERS)
        log = self.gateway.request_log
        records = log.query(
            service=optional_str(params, "service"),
            operation=optional_str(params, "operation"),
            account_id=optional_str(params, "account"),
            region=optional_str(params, "region"),
            status=optional_int(params, "status", minimum=100),
            errors_only=flag(params, "errors"),
            limit=optional_int(params, "limit", minimum=1),
        )
        return json_response(
            200,
            {"requests": [r.to_dict() for r in records], "count": len(records), "total": len(log)},
        )
