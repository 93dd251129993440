"""Lazy access to botocore's service models.

Nothing is loaded at import time, and each service model on the first request that needs
it, read by :mod:`cloudtwin.specs.model` (botocore itself is imported only to build a
model missing from the cache, or to list every service). Models are cached for the life of the
catalog, so the hot path never loads or walks a model twice.

A model is kept compact: without its ``documentation`` strings (the larger part of every
model, which nothing here reads), and with each shape kept as its JSON text until a request
first reaches it (most of a service's shapes never are): S3's model takes ~0.3 MiB instead
of ~1.1 MiB as dicts. The compact model is cached under the user cache dir, one file per
service, botocore version and Python, in ``marshal`` form
(``~/.cache/cloudtwin/models2-<botocore version>/<service>.<python>.marshal``): the next
process reads it in a fraction of the time botocore takes to read and merge the full one
(S3: ~0.5 ms, where botocore takes ~18 and the same data as JSON ~1.5).
"""

from __future__ import annotations

import json
import marshal
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.specs.model import ServiceModel


class ServiceCatalog:
    """The botocore models of every service, loaded on demand and cached."""

    def __init__(self, cache_dir: Path | str | None = None) -> None:
        self._cache_dir = Path(cache_dir) if cache_dir else None
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
                from cloudtwin.specs.model import ServiceModel

                model = ServiceModel(self._compact_model(name), service_name=name)
                self._models[name] = model
        return model

    def _compact_model(self, name: str) -> dict[str, Any]:
        """The service's model without documentation: from the cache, else from botocore
        (and then cached; a cache that cannot be written is no error)."""
        from cloudtwin.specs.index import default_cache_dir

        folder = (self._cache_dir or default_cache_dir()) / f"{CACHE_PREFIX}{self.botocore_version()}"
        path = folder / f"{name}.{sys.implementation.cache_tag}.marshal"
        try:
            data = marshal.loads(path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            pass
        else:
            if type(data) is dict:
                return data
        from botocore.exceptions import DataNotFoundError, UnknownServiceError

        try:
            data = _without_documentation(self._get_loader().load_service_model(name, "service-2"))
            data["shapes"] = {k: json.dumps(v, separators=(",", ":")) for k, v in data.get("shapes", {}).items()}
        except (UnknownServiceError, DataNotFoundError):
            raise KeyError(name) from None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{name}.{os.getpid()}.tmp"
            tmp.write_bytes(marshal.dumps(data))
            os.replace(tmp, path)
        except OSError:
            pass
        return data

    def loaded(self) -> list[str]:
        """The services whose models have been loaded so far."""
        return sorted(self._models)

    @staticmethod
    def botocore_version() -> str:
        import botocore

        return botocore.__version__


#: the cache's folder name, before the botocore version: ``models2-`` holds each shape as
#: its own JSON text (read on first use, see :mod:`cloudtwin.specs.model`)
CACHE_PREFIX = "models2-"

_DOCUMENTATION = frozenset({"documentation", "documentationUrl"})


def _without_documentation(value: Any) -> Any:
    """A copy of a model's JSON without its documentation strings."""
    if isinstance(value, dict):
        return {
            k: _without_documentation(v)
            for k, v in value.items()
            if not (k in _DOCUMENTATION and isinstance(v, str))  # a member may be named so
        }
    if isinstance(value, list):
        return [_without_documentation(v) for v in value]
    return value
