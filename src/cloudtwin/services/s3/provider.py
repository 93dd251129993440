"""Amazon S3: buckets, objects, multipart uploads, versioning and bucket configuration.

The operation handlers are grouped by resource in mixins beside this module, so none grows
past a readable size: ``buckets.py`` (the namespace), ``objects.py`` (single objects),
``listing.py``, ``multipart.py``, ``tagging.py`` (tags and ACLs), ``configuration.py``
(versioning and the stored documents, with ``notifications.py`` and ``objectlock.py``),
``cors.py`` (preflights), ``post.py`` (browser form uploads), ``restore.py`` (archived
objects), ``website.py`` (the website endpoint); ``lifecycle.py`` is the tick processor. This class puts them together with the
shared state: the one store that holds the global bucket namespace (``models.py``) and the
directory holding object bodies (``blobs.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cloudtwin.services.provider import ServiceProvider
from cloudtwin.services.s3.blobs import BlobStore
from cloudtwin.services.s3.buckets import BucketHandlers
from cloudtwin.services.s3.configuration import ConfigurationHandlers
from cloudtwin.services.s3.cors import CorsHandlers
from cloudtwin.services.s3.lifecycle import LifecycleProcessor
from cloudtwin.services.s3.listing import ListingHandlers
from cloudtwin.services.s3.models import S3Store
from cloudtwin.services.s3.multipart import MultipartHandlers
from cloudtwin.services.s3.notifications import EVENT_KIND
from cloudtwin.services.s3.objects import ObjectHandlers
from cloudtwin.services.s3.post import PostHandlers
from cloudtwin.services.s3.restore import RestoreHandlers
from cloudtwin.services.s3.tagging import TaggingHandlers
from cloudtwin.services.s3.website import WebsiteHandlers


class Provider(
    BucketHandlers,
    ObjectHandlers,
    ListingHandlers,
    MultipartHandlers,
    TaggingHandlers,
    ConfigurationHandlers,
    CorsHandlers,
    PostHandlers,
    RestoreHandlers,
    WebsiteHandlers,
    ServiceProvider,
):
    service_name = "s3"
    store_class = S3Store
    global_region = True

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        blob_dir = getattr(env.persistence, "blob_dir", None)
        self.blobs = BlobStore(Path(blob_dir("s3")) if callable(blob_dir) else None)
        self.pending_restores = []
        self.lifecycle = LifecycleProcessor(self)
        env.processors.register("s3-lifecycle", self.lifecycle.run)
        env.events.subscribe(EVENT_KIND, self.on_event)

    def model_shape(self, name: str) -> Any:
        """A shape of S3's model (to check request documents against)."""
        return self.env.catalog.service_model("s3").shape_for(name)

    def reset(self, account_id: str | None = None) -> None:
        if account_id is None:
            super().reset()
            self.blobs.clear()
            self.pending_restores.clear()
            return
        self.drop_account(account_id)

    def introspection(self) -> dict:
        from cloudtwin.control.payload import ControlError

        def buckets(params: dict[str, Any]) -> Any:
            return {"buckets": [
                {"name": b.name, "account": b.account_id, "region": b.region,
                 "versioning": b.versioning, "objects": len(self.store.sorted_keys(b.partition, b.name))}
                for b in self.store.buckets.values()
            ]}  # fmt: skip

        def objects(params: dict[str, Any]) -> Any:
            name = params.get("bucket")
            partition = params.get("partition", "aws")
            if not name or (partition, name) not in self.store.buckets:
                raise ControlError(404, f"no bucket {name!r}")
            out = []
            for key in self.store.sorted_keys(partition, name):
                for version in self.store.objects[(partition, name, key)].versions:
                    out.append({
                        "key": key, "version_id": version.version_id,
                        "delete_marker": version.delete_marker, "size": version.size,
                        "etag": version.etag, "last_modified": version.last_modified,
                        "storage_class": version.storage_class,
                        "stored": "inline" if isinstance(version.blob, bytes) else "file",
                    })
            return {"objects": out}

        return {("GET", "buckets"): buckets, ("GET", "objects"): objects}
