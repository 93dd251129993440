"""The ECR store: repositories, their images and layers, uploads in progress, and the
registry's own settings (policy, replication, scanning, pull through cache rules, repository
creation templates...).

Images and layers are keyed ``<repository>@<digest>`` (``@`` is never in a repository name);
a layer's bytes are kept once per repository, as a registry keeps its blobs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudtwin.state.records import record_types
from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table


@dataclass(slots=True)
class Repository:
    name: str
    arn: str
    registry_id: str
    region: str
    created: float
    tag_mutability: str = "MUTABLE"
    mutability_filters: list[dict[str, str]] = field(default_factory=list)
    scan_on_push: bool = False
    encryption: dict[str, str] = field(default_factory=lambda: {"encryptionType": "AES256"})
    #: ``[{"Key": ..., "Value": ...}]`` in the order they were set.
    tags: list[dict[str, str]] = field(default_factory=list)
    policy: str | None = None
    lifecycle: str | None = None
    lifecycle_evaluated: float | None = None
    #: When the lifecycle policy was put (its first daily run falls a day later).
    lifecycle_set: float | None = None
    #: The last lifecycle policy preview: its policy text and results, as answered.
    preview: dict[str, Any] | None = None


@dataclass(slots=True)
class Image:
    repository: str
    digest: str
    manifest: str
    media_type: str
    pushed: float
    size: int
    tags: list[str] = field(default_factory=list)
    artifact_media_type: str | None = None
    subject: str | None = None
    last_pull: float | None = None
    #: When the image was last scanned (on push or by StartImageScan); None: never.
    scanned: float | None = None
    status: str = "ACTIVE"
    archived: float | None = None
    activated: float | None = None


@dataclass(slots=True)
class Layer:
    digest: str
    data: bytes
    media_type: str = "application/vnd.docker.image.rootfs.diff.tar.gzip"


@dataclass(slots=True)
class Upload:
    upload_id: str
    repository: str
    data: bytes = b""
    #: The size of each part received, to find a middle part below the minimum.
    parts: list[int] = field(default_factory=list)


class EcrStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.repositories: Table[str, Repository] = tables.table("repositories")
        self.images: Table[str, Image] = tables.table("images")
        self.layers: Table[str, Layer] = tables.table("layers")
        self.uploads: Table[str, Upload] = tables.table("uploads")
        #: Registry-wide documents by name (``policy``, ``replication``, ``scanning``, ``signing``).
        self.registry: Table[str, Any] = tables.table("registry")
        self.cache_rules: Table[str, dict[str, Any]] = tables.table("pull-through-cache-rules")
        self.templates: Table[str, dict[str, Any]] = tables.table("creation-templates")
        self.account_settings: Table[str, str] = tables.table("account-settings")
        #: Principal ARN -> when it was excluded from pull time updates.
        self.pull_exclusions: Table[str, float] = tables.table("pull-time-exclusions")

    def images_of(self, repository: str) -> list[Image]:
        prefix = repository + "@"
        return [image for key, image in self.images.items() if key.startswith(prefix)]

    def image(self, repository: str, digest: str) -> Image | None:
        return self.images.get(f"{repository}@{digest}")

    def tagged(self, repository: str, tag: str) -> Image | None:
        for image in self.images_of(repository):
            if tag in image.tags:
                return image
        return None

    def save_image(self, image: Image) -> None:
        self.images[f"{image.repository}@{image.digest}"] = image

    def drop_image(self, image: Image) -> None:
        self.images.pop(f"{image.repository}@{image.digest}", None)

    def layer(self, repository: str, digest: str) -> Layer | None:
        return self.layers.get(f"{repository}@{digest}")

    def drop_repository(self, name: str) -> None:
        prefix = name + "@"
        for table in (self.images, self.layers):
            for key in [k for k in table if k.startswith(prefix)]:
                table.pop(key, None)
        for upload_id in [k for k, u in self.uploads.items() if u.repository == name]:
            self.uploads.pop(upload_id, None)
        self.repositories.pop(name, None)


# What the tables hold, by name (see cloudtwin.state.records).
record_types(Repository, Image, Layer, Upload)
