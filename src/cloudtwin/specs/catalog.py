"""Lazy access to botocore's service models.

Nothing is loaded at import time: botocore itself is imported on the first call, and each
service model on the first request that needs it. Models are cached for the life of the
catalog, so the hot path never loads or walks a model twice.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import ServiceModel


class ServiceCatalog:
    """The botocore models of every service, loaded on demand and cached."""

    def __init__(self) -> None:
        self._loader = None
        self._models: dict[str, ServiceModel] = {}
        self._names: list[str] | None = None
        self._lock = threading.Lock()

    def _get_loader(self):
        if self._loader is None:
            from botocore.loaders import create_loader

            self._loader = create_loader()
        return self._loader

    def service_names(self) -> list[str]:
        """Every service botocore knows (``sqs``, ``s3``, ``dynamodbstreams``...)."""
        if self._names is None:
            self._names = sorted(self._get_loader().list_available_services("service-2"))
        return self._names

    def service_model(self, name: str) -> ServiceModel:
        """The model of one service; raises ``KeyError`` for a service botocore lacks."""
        model = self._models.get(name)
        if model is not None:
            return model
        with self._lock:
            model = self._models.get(name)
            if model is None:
                from botocore.exceptions import UnknownServiceError
                from botocore.model import ServiceModel

                try:
                    data = self._get_loader().load_service_model(name, "service-2")
                except UnknownServiceError:
                    raise KeyError(name) from None
                model = ServiceModel(data, service_name=name)
                self._models[name] = model
        return model

    def loaded(self) -> list[str]:
        """The services whose models have been loaded so far."""
        return sorted(self._models)

    @staticmethod
    def botocore_version() -> str:
        import botocore

        return botocore.__version__
