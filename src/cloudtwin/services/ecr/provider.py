"""Amazon Elastic Container Registry: the provider (the handlers live in feature modules).

Repositories, their policies, tags and settings are :mod:`repositories`; layers, manifests
and images :mod:`images`; lifecycle policies and their previews :mod:`lifecycle`; the
registry's own settings, pull through cache rules, creation templates and the
authorization token :mod:`registry`; the Docker Registry HTTP API on the registry's host
name :mod:`registry_api`. Layers are downloaded from the URL
GetDownloadUrlForLayer hands out, ``/_cloudtwin/ecr/layer``.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.control.payload import ControlError
from cloudtwin.protocol.http import HttpResponse
from cloudtwin.services.ecr.images import ImageOperations
from cloudtwin.services.ecr.lifecycle import LifecycleOperations
from cloudtwin.services.ecr.models import EcrStore
from cloudtwin.services.ecr.registry import RegistryOperations
from cloudtwin.services.ecr.repositories import RepositoryOperations
from cloudtwin.services.provider import ServiceProvider


class Provider(RepositoryOperations, ImageOperations, LifecycleOperations, RegistryOperations, ServiceProvider):
    service_name = "ecr"
    store_class = EcrStore

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        env.processors.register("ecr-lifecycle", self._run_lifecycle, replace=True)

    def serve_registry(self, request: HttpRequest, account: str, region: str) -> HttpResponse:
        """A Docker Registry HTTP API request to ``<account>.dkr.ecr.<region>.<domain>``."""
        from cloudtwin.services.ecr.registry_api import RegistryApi

        return RegistryApi(self, account, region).serve(request)

    def introspection(self) -> dict:
        return {("GET", "layer"): self._download_layer}

    def _download_layer(self, params: dict[str, Any]) -> HttpResponse:
        """A layer's bytes, at the URL GetDownloadUrlForLayer answers."""
        try:
            store = self.stores.get(params["registryId"], params["region"])  # type: ignore[union-attr]
            repository, digest = params["repositoryName"], params["layerDigest"]
        except KeyError as missing:
            raise ControlError(400, f"missing query parameter {missing}") from None
        layer = store.layer(repository, digest)
        if layer is None:
            raise ControlError(404, f"no layer {digest} in repository {repository}")
        return HttpResponse(200, {"Content-Type": "application/octet-stream", "Docker-Content-Digest": digest}, layer.data)
