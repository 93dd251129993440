"""S3's state: buckets, object versions and multipart uploads, as small records (dataclasses the persistence format knows by name).

Bucket names are global within a partition, so the whole of S3 lives in one store (the
provider's ``stores.get(GLOBAL_ACCOUNT, ...)``), keyed by ``(partition, bucket)``; each
bucket remembers the account that owns it and the region it lives in. Object bodies are
files managed by :mod:`~cloudtwin.services.s3.blobs`; a record holds only the file's
generated name.

An object key's versions are one row (``ObjectRecord``): its versions newest first. With
versioning off there is only ever the ``"null"`` version.
"""

from __future__ import annotations

import bisect
import hashlib
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cloudtwin.state.records import record_types
from cloudtwin.state.store import Store, Tables

NULL_VERSION = "null"


#: The characters of S3's version ids (32 of them: letters, digits, ``.`` and ``_``).
_VERSION_CHARS = string.ascii_letters + string.digits + "._"


def new_version_id() -> str:
    """A version id shaped like S3's, with a check suffix so that a mistyped id is told
    apart from one that no longer exists (S3 answers the first ``InvalidArgument``)."""
    body = "".join(secrets.choice(_VERSION_CHARS) for _ in range(28))
    return body + _version_check(body)


def _version_check(body: str) -> str:
    digest = hashlib.sha256(body.encode("ascii")).digest()
    return "".join(_VERSION_CHARS[b % len(_VERSION_CHARS)] for b in digest[:4])


def well_formed_version_id(version_id: str) -> bool:
    """``null`` or an id this S3 could have issued."""
    if version_id == NULL_VERSION:
        return True
    body, check = version_id[:-4], version_id[-4:]
    return len(version_id) == 32 and _version_check(body) == check


def to_datetime(epoch: float) -> datetime:
    """A record's epoch seconds as the aware UTC datetime the serializers take."""
    return datetime.fromtimestamp(epoch, timezone.utc)


@dataclass(slots=True)
class Bucket:
    name: str
    partition: str
    account_id: str
    region: str
    created: float
    #: None (never enabled), "Enabled" or "Suspended".
    versioning: str | None = None
    object_lock: bool = False
    #: Stored configurations by operation suffix: "Policy", "Cors", "Lifecycle", ...
    config: dict[str, Any] = field(default_factory=dict)
    acl: dict[str, Any] | None = None


@dataclass(slots=True)
class Version:
    """One version of an object (or a delete marker, with ``blob`` None)."""

    version_id: str
    last_modified: float
    #: The body: a file name in the blob directory, or the bytes of a small body.
    blob: str | bytes | None = None
    size: int = 0
    etag: str = ""
    delete_marker: bool = False
    #: Content headers as the model names them: ContentType, CacheControl, Expires...
    headers: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    #: {"CRC32": b64, ...}: the stored flexible checksum (the model's member suffix).
    checksums: dict[str, str] = field(default_factory=dict)
    checksum_type: str | None = None
    storage_class: str = "STANDARD"
    tags: dict[str, str] = field(default_factory=dict)
    acl: dict[str, Any] | None = None
    #: Part sizes of a multipart object, for PartNumber reads and GetObjectAttributes.
    parts: list[tuple[int, str | None]] | None = None
    sse: dict[str, Any] = field(default_factory=dict)
    lock_mode: str | None = None
    lock_until: float | None = None
    legal_hold: str | None = None
    #: A restore from an archive class: when the copy is ready, and when it lapses.
    restore_ready: float | None = None
    restore_expiry: float | None = None
    #: A token unique to this write: what a multipart upload remembers of the key it will
    #: replace, to tell a conditional completion that the key changed meanwhile.
    write_id: str = ""


@dataclass(slots=True)
class ObjectRecord:
    """All versions of one key, newest first."""

    versions: list[Version] = field(default_factory=list)
    #: Versions deleted from the key, each with the id of the version that came after it in
    #: listing order ("" for none): a listing may go on from a deleted ``VersionIdMarker``.
    removed: dict[str, str] = field(default_factory=dict)

    def forget(self, version: Version) -> None:
        """Take ``version`` out, remembering where it stood."""
        at = self.versions.index(version)
        self.versions.pop(at)
        following = self.versions[at].version_id if at < len(self.versions) else ""
        self.removed[version.version_id] = following
        if len(self.removed) > 1000:
            del self.removed[next(iter(self.removed))]

    @property
    def current(self) -> Version | None:
        return self.versions[0] if self.versions else None

    def find(self, version_id: str) -> Version | None:
        for version in self.versions:
            if version.version_id == version_id:
                return version
        return None


@dataclass(slots=True)
class Part:
    number: int
    blob: str
    size: int
    etag: str
    last_modified: float
    checksums: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Upload:
    upload_id: str
    partition: str
    bucket: str
    key: str
    initiated: float
    account_id: str
    #: The object's future headers, metadata, tags, checksum algorithm/type...
    template: Version
    checksum_algorithm: str | None = None
    checksum_type: str | None = None
    parts: dict[int, Part] = field(default_factory=dict)
    #: The ``write_id`` of the key's current version when the upload began (None: no key).
    base_write: str | None = None
    #: When the upload began, to the clock's precision (uploads of a key list in that order).
    started: float = 0.0


class S3Store(Store):
    """Every bucket, object and upload of one partition-wide namespace."""

    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.buckets = tables.table("buckets")  # (partition, bucket) -> Bucket
        self.objects = tables.table("objects")  # (partition, bucket, key) -> ObjectRecord
        self.uploads = tables.table("uploads")  # upload id -> Upload
        # Sorted keys per bucket, rebuilt lazily from the tables (runtime index only).
        self._keys: dict[tuple[str, str], list[str]] | None = None

    # -- the sorted key index ------------------------------------------------------------

    def _index(self) -> dict[tuple[str, str], list[str]]:
        if self._keys is None:
            index: dict[tuple[str, str], list[str]] = {}
            for partition, bucket, key in self.objects.keys():
                index.setdefault((partition, bucket), []).append(key)
            for keys in index.values():
                keys.sort()
            self._keys = index
        return self._keys

    def sorted_keys(self, partition: str, bucket: str) -> list[str]:
        return self._index().get((partition, bucket), [])

    def put_object(self, partition: str, bucket: str, key: str, record: ObjectRecord) -> None:
        row = (partition, bucket, key)
        if row not in self.objects:
            keys = self._index().setdefault((partition, bucket), [])
            bisect.insort(keys, key)
        self.objects[row] = record

    def drop_object(self, partition: str, bucket: str, key: str) -> None:
        row = (partition, bucket, key)
        if row in self.objects:
            del self.objects[row]
            keys = self._index().get((partition, bucket))
            if keys:
                at = bisect.bisect_left(keys, key)
                if at < len(keys) and keys[at] == key:
                    del keys[at]

    def drop_bucket_index(self, partition: str, bucket: str) -> None:
        self._index().pop((partition, bucket), None)


# What the tables hold, by name (see cloudtwin.state.records).
record_types(Bucket, Version, ObjectRecord, Part, Upload)
