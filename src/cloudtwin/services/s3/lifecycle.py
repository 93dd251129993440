"""Lifecycle rules applied on the virtual clock: expiration (current and noncurrent
versions, expired delete markers), transitions (the storage class changes) and the abort
of incomplete multipart uploads. The same tick processor announces finished restores.

As in S3, an action falls due at the first midnight UTC after ``<reference> + Days`` (or at
the rule's ``Date``); the reference is the creation of the version, or — for noncurrent
rules — the moment it stopped being current (its successor's creation).
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from cloudtwin.services.s3.models import NULL_VERSION, Bucket, ObjectRecord, Version, new_version_id
from cloudtwin.services.s3.restore import announce_restores

_DAY = 86400.0


def due(reference: float, days: int) -> float:
    """The first midnight UTC at or after ``reference + days``."""
    return math.ceil((reference + days * _DAY) / _DAY) * _DAY


def _epoch(value: Any) -> float:
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


def rule_applies(rule: dict[str, Any], key: str, version: Version) -> bool:
    if rule.get("Status") != "Enabled":
        return False
    flt = rule.get("Filter")
    if flt is None:
        return key.startswith(rule.get("Prefix") or "")
    conditions = flt.get("And") or flt
    if not key.startswith(conditions.get("Prefix") or ""):
        return False
    tags = list(conditions.get("Tags") or [])
    if flt.get("Tag"):
        tags.append(flt["Tag"])
    for tag in tags:
        if version.tags.get(tag.get("Key")) != tag.get("Value"):
            return False
    greater = conditions.get("ObjectSizeGreaterThan")
    if greater is not None and not version.size > greater:
        return False
    less = conditions.get("ObjectSizeLessThan")
    if less is not None and not version.size < less:
        return False
    return True


_FILTER_CHOICES = ("And", "Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan")


def check_rules(rules: list[dict[str, Any]]) -> None:
    """What S3 refuses in a lifecycle configuration beyond the model's required members."""
    from cloudtwin.services.s3 import errors

    for rule in rules:
        flt = rule.get("Filter")
        if flt is None and rule.get("Prefix") is None:
            raise errors.malformed_xml()  # a rule names its objects: a Filter or a Prefix
        if flt is not None and sum(flt.get(choice) is not None for choice in _FILTER_CHOICES) > 1:
            raise errors.malformed_xml()  # the Filter is a choice of one element
        tags = [t.get("Key") for t in ((flt or {}).get("And") or {}).get("Tags") or []]
        if len(tags) != len(set(tags)):
            raise errors.invalid_request("Duplicate Tag Keys are not allowed.")
        noncurrent = rule.get("NoncurrentVersionExpiration")
        if noncurrent is not None and noncurrent.get("NoncurrentDays") is None \
                and noncurrent.get("NewerNoncurrentVersions") is None:
            raise errors.malformed_xml()
        expiration = rule.get("Expiration") or {}
        chosen = [expiration.get(k) is not None for k in ("Days", "Date", "ExpiredObjectDeleteMarker")]
        if sum(chosen) > 1:
            raise errors.malformed_xml()  # one of Days, Date, ExpiredObjectDeleteMarker
        dates = [expiration.get("Date")] + [t.get("Date") for t in rule.get("Transitions") or []]
        for date in dates:
            if date is not None and _epoch(date) % _DAY:
                raise errors.invalid_argument(
                    "'Date' must be at midnight GMT", "Date",
                    date.isoformat() if hasattr(date, "isoformat") else str(date),
                )


def expiration_header(bucket: Bucket, key: str, version: Version) -> str | None:
    """``x-amz-expiration`` of a current version: when the first lifecycle rule that
    expires it will, and which rule (``expiry-date="...", rule-id="..."``)."""
    from cloudtwin.protocol.timestamps import http_date

    config = bucket.config.get("Lifecycle")
    if not config or version.delete_marker:
        return None
    best: tuple[float, str] | None = None
    for rule in config.get("Rules") or []:
        expiration = rule.get("Expiration") or {}
        if not rule_applies(rule, key, version):
            continue
        if expiration.get("Date") is not None:
            when = _epoch(expiration["Date"])
        elif expiration.get("Days"):
            when = due(version.last_modified, expiration["Days"])
        else:
            continue
        if best is None or when < best[0]:
            best = (when, rule.get("ID") or "")
    if best is None:
        return None
    return f'expiry-date="{http_date(best[0])}", rule-id="{best[1]}"'


class LifecycleProcessor:
    """The ``s3-lifecycle`` tick processor."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    def run(self, now: float) -> dict[str, int]:
        counts = {"expired": 0, "noncurrent_expired": 0, "markers_removed": 0, "transitioned": 0, "aborted": 0}
        provider = self.provider
        counts["restored"] = announce_restores(provider, now)
        store = provider.store
        for bucket in list(store.buckets.values()):
            config = bucket.config.get("Lifecycle")
            if not config:
                continue
            rules = [r for r in config.get("Rules") or [] if r.get("Status") == "Enabled"]
            if not rules:
                continue
            for key in list(store.sorted_keys(bucket.partition, bucket.name)):
                record = store.objects.get((bucket.partition, bucket.name, key))
                if record is not None:
                    self._apply(bucket, key, record, rules, now, counts)
            self._abort_uploads(bucket, rules, now, counts)
        return {k: v for k, v in counts.items() if v}

    def _apply(
        self, bucket: Bucket, key: str, record: ObjectRecord, rules: list, now: float, counts: dict[str, int]
    ) -> None:
        provider = self.provider
        store = provider.store
        row = (bucket.partition, bucket.name, key)
        changed = False
        current = record.current
        for rule in rules:
            if current is None:
                break
            if current.delete_marker:
                expiration = rule.get("Expiration") or {}
                if expiration.get("ExpiredObjectDeleteMarker") and len(record.versions) == 1 and rule_applies(rule, key, current):
                    record.versions.clear()
                    counts["markers_removed"] += 1
                    changed = True
                    current = None
                continue
            if not rule_applies(rule, key, current):
                continue
            for transition in rule.get("Transitions") or []:
                when = _epoch(transition["Date"]) if transition.get("Date") is not None else (
                    due(current.last_modified, transition.get("Days") or 0)
                )
                if now >= when and transition.get("StorageClass") and current.storage_class != transition["StorageClass"]:
                    current.storage_class = transition["StorageClass"]
                    counts["transitioned"] += 1
                    changed = True
            expiration = rule.get("Expiration") or {}
            when = None
            if expiration.get("Date") is not None:
                when = _epoch(expiration["Date"])
            elif expiration.get("Days"):
                when = due(current.last_modified, expiration["Days"])
            if when is not None and now >= when:
                changed = True
                counts["expired"] += 1
                if bucket.versioning:
                    marker = Version(
                        new_version_id() if bucket.versioning == "Enabled" else NULL_VERSION,
                        float(int(now)), delete_marker=True,
                    )
                    if bucket.versioning != "Enabled":
                        record.versions = [v for v in record.versions if v.version_id != NULL_VERSION or self._free(v)]
                    record.versions.insert(0, marker)
                    provider.publish_event(bucket, "LifecycleExpiration:DeleteMarkerCreated", key, marker, now,
                                           uuid.uuid4().hex, "s3.amazonaws.com")
                else:
                    for version in record.versions:
                        provider.blobs.delete(version.blob)
                    record.versions.clear()
                    provider.publish_event(bucket, "LifecycleExpiration:Delete", key, current, now,
                                           uuid.uuid4().hex, "s3.amazonaws.com")
                current = record.current
        # Noncurrent versions: each became noncurrent when its successor was created.
        for rule in rules:
            noncurrent = rule.get("NoncurrentVersionExpiration") or {}
            days = noncurrent.get("NoncurrentDays")
            if not days:
                continue
            keep_newer = noncurrent.get("NewerNoncurrentVersions") or 0
            kept: list[Version] = []
            older = 0
            for index, version in enumerate(record.versions):
                if index == 0:
                    kept.append(version)
                    continue
                successor = record.versions[index - 1]
                expired = (
                    now >= due(successor.last_modified, days)
                    and older >= keep_newer
                    and rule_applies(rule, key, version)
                )
                if not version.delete_marker:
                    older += 1
                if expired:
                    self._free(version)
                    counts["noncurrent_expired"] += 1
                    changed = True
                else:
                    kept.append(version)
            record.versions = kept
        if not changed:
            return
        if record.versions:
            store.put_object(bucket.partition, bucket.name, key, record)
        else:
            store.drop_object(*row)

    def _free(self, version: Version) -> bool:
        self.provider.blobs.delete(version.blob)
        return False

    def _abort_uploads(self, bucket: Bucket, rules: list, now: float, counts: dict[str, int]) -> None:
        store = self.provider.store
        for upload in list(store.uploads.values()):
            if upload.partition != bucket.partition or upload.bucket != bucket.name:
                continue
            for rule in rules:
                abort = rule.get("AbortIncompleteMultipartUpload") or {}
                days = abort.get("DaysAfterInitiation")
                if days is None or not rule_applies(rule, upload.key, upload.template):
                    continue
                if now >= due(upload.initiated, days):
                    for part in upload.parts.values():
                        self.provider.blobs.delete(part.blob)
                    del store.uploads[upload.upload_id]
                    counts["aborted"] += 1
                    break
