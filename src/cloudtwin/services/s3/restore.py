"""Archived objects (GLACIER, DEEP_ARCHIVE): unreadable until restored; RestoreObject makes
a temporary copy readable after the tier's delay, for ``Days`` days, on the virtual clock.

Delays are the upper ends of AWS's published ranges (Expedited 5 minutes, Standard 5 hours,
Bulk 12 hours; DEEP_ARCHIVE Standard 12 hours, Bulk 48 hours).
"""

from __future__ import annotations

from email.utils import format_datetime
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.rest_serializer import STATUS_OVERRIDE
from cloudtwin.services.s3 import errors
from cloudtwin.services.s3.models import Version, to_datetime

ARCHIVED = frozenset({"GLACIER", "DEEP_ARCHIVE"})
_HOUR = 3600.0
_DELAYS = {
    ("GLACIER", "Expedited"): 300.0,
    ("GLACIER", "Standard"): 5 * _HOUR,
    ("GLACIER", "Bulk"): 12 * _HOUR,
    ("DEEP_ARCHIVE", "Standard"): 12 * _HOUR,
    ("DEEP_ARCHIVE", "Bulk"): 48 * _HOUR,
}


def readable(version: Version, now: float) -> bool:
    if version.storage_class not in ARCHIVED:
        return True
    return (
        version.restore_ready is not None and version.restore_ready <= now
        and (version.restore_expiry is None or now < version.restore_expiry)
    )


def check_readable(version: Version, now: float) -> None:
    if not readable(version, now):
        raise ServiceError(
            "InvalidObjectState", "The operation is not valid for the object's storage class", 403,
            fields={"StorageClass": version.storage_class},
        )


def restore_header(version: Version, now: float) -> str | None:
    """The ``x-amz-restore`` value of an archived version with a restore requested."""
    if version.restore_ready is None or version.storage_class not in ARCHIVED:
        return None
    if now < version.restore_ready:
        return 'ongoing-request="true"'
    if version.restore_expiry is not None and now >= version.restore_expiry:
        return None
    expiry = format_datetime(to_datetime(version.restore_expiry or now), usegmt=True)
    return f'ongoing-request="false", expiry-date="{expiry}"'


class RestoreHandlers:
    #: Restores whose completion is still to be announced: (ready, partition, bucket, key,
    #: version id). Runtime only: a restart forgets the announcement, not the restore.
    pending_restores: list[tuple[float, str, str, str, str]]
    bucket: Any
    version_for_read: Any
    store: Any
    notify: Any

    def restore_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        key = params["Key"]
        version = self.version_for_read(ctx, bucket, key, params.get("VersionId"))
        if version.storage_class not in ARCHIVED:
            raise ServiceError(
                "InvalidObjectState", "Restore is not allowed for the object's current storage class", 403,
                fields={"StorageClass": version.storage_class},
            )
        request = params.get("RestoreRequest") or {}
        errors.check_xml_enum(request.get("Type"), ("SELECT",))
        days = request.get("Days")
        tier = request.get("Tier") or (request.get("GlacierJobParameters") or {}).get("Tier") or "Standard"
        now = ctx.clock.now() if ctx.clock else 0.0
        if version.restore_ready is not None and now < version.restore_ready:
            raise ServiceError(
                "RestoreAlreadyInProgress", "Object restore is already in progress", 409
            )
        already = version.restore_ready is not None and readable(version, now)
        delay = _DELAYS.get((version.storage_class, tier))
        if delay is None:
            raise ServiceError("InvalidArgument", f"Invalid tier for {version.storage_class}: {tier}", 400)
        if not already:
            version.restore_ready = now + delay
        ready = version.restore_ready or now
        version.restore_expiry = ready + (days or 1) * 86400.0
        self.store.objects.save((bucket.partition, bucket.name, key))
        if not already:
            self.notify(ctx, bucket, "ObjectRestore:Post", key, version)
            self.pending_restores.append((ready, ctx.partition, bucket.name, key, version.version_id))
        return {STATUS_OVERRIDE: 200 if already else 202}


def announce_restores(provider: Any, now: float) -> int:
    """Publish ``ObjectRestore:Completed`` for the restores that became ready."""
    due = [entry for entry in provider.pending_restores if entry[0] <= now]
    if not due:
        return 0
    provider.pending_restores[:] = [entry for entry in provider.pending_restores if entry[0] > now]
    for ready, partition, bucket_name, key, version_id in due:
        bucket = provider.store.buckets.get((partition, bucket_name))
        record = provider.store.objects.get((partition, bucket_name, key))
        version = record.find(version_id) if record else None
        if bucket is not None and version is not None:
            provider.publish_event(bucket, "ObjectRestore:Completed", key, version, ready,
                                   f"restore-{version_id}", "s3.amazonaws.com")
    return len(due)
