"""Listing a bucket: ListObjects, ListObjectsV2 and ListObjectVersions.

The walk over a bucket's sorted keys is the same for all three.

Keys are sorted by code point, which is the UTF-8 byte order S3 lists in. A walk yields
entries after a marker, under a prefix, rolling keys that hold the delimiter after the
prefix into one common prefix each; ``max_keys`` counts keys and common prefixes alike.
"""

from __future__ import annotations

import base64
import bisect
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, TypeVar
from urllib.parse import quote_plus

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.rest_serializer import EXTRA_HEADERS
from cloudtwin.services.s3 import errors
from cloudtwin.services.s3.models import Version, to_datetime
from cloudtwin.services.s3.owners import owner

T = TypeVar("T")
_AFTER_ALL = "\U0010ffff"


@dataclass(slots=True)
class Page:
    """One page: ``items`` (key, payload) and ``prefixes`` in order; ``last`` is the name
    of the last entry returned (key or common prefix), for the next marker."""

    items: list = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    last: str | None = None


def walk(
    keys: list[str],
    prefix: str,
    delimiter: str,
    marker: str,
    max_keys: int,
    entries: Callable[[str], list[T]],
) -> Page:
    """List ``keys`` (sorted) after ``marker``. ``entries(key)`` gives the listed payloads of
    a key (none for a key whose current version is a delete marker; several for versions)."""
    page = Page()
    start = max(prefix, marker)
    at = bisect.bisect_left(keys, start)
    count = 0
    n = len(keys)
    while at < n:
        key = keys[at]
        if not key.startswith(prefix):
            break
        if marker and key <= marker:
            at += 1
            continue
        if delimiter:
            cut = key.find(delimiter, len(prefix))
            if cut >= 0:
                common = key[: cut + len(delimiter)]
                at = bisect.bisect_left(keys, common + _AFTER_ALL, at)
                if marker and common <= marker:
                    continue
                if count >= max_keys:
                    page.truncated = True
                    return page
                page.prefixes.append(common)
                page.last = common
                count += 1
                continue
        found = entries(key)
        at += 1
        if not found:
            continue
        if count >= max_keys:
            page.truncated = True
            return page
        page.items.append((key, found))
        page.last = key
        count += 1
    return page


def max_keys(value: int | None) -> int:
    if value is None:
        return 1000
    if value < 0:
        raise errors.invalid_argument("Argument maxKeys must be an integer between 0 and 2147483647")
    return min(value, 1000)


def encode_token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode("utf-8")).decode("ascii")


def decode_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
    except (ValueError, UnicodeError):
        raise errors.invalid_argument("The continuation token provided is incorrect") from None


def url_encoder(encoding_type: str | None) -> Callable[[str], str]:
    """``EncodingType=url``: keys and prefixes percent-encoded (space as ``+``); ``url`` is
    the only encoding S3 knows."""
    if encoding_type not in (None, "url"):
        raise errors.invalid_argument(
            "Invalid Encoding Method specified in Request", "encoding-type", encoding_type
        )
    if encoding_type == "url":
        return lambda text: quote_plus(text, safe="/")
    return lambda text: text


def iter_versions_after(
    versions: list, version_marker: str | None, removed: dict[str, str] | None = None
) -> Iterator:
    """The versions of the marker key that come after ``version_marker``; a marker deleted
    since (``removed``: deleted id -> the id that followed it) goes on where it stood."""
    if not version_marker:
        yield from versions
        return
    ids = [version.version_id for version in versions]
    if version_marker not in ids and removed:
        following = removed.get(version_marker)
        for _ in range(len(removed)):
            if following is None or following in ids or following not in removed:
                break
            following = removed[following]
        if following in ids:
            yield from versions[ids.index(following):]
        return
    seen = False
    for version in versions:
        if seen:
            yield version
        elif version.version_id == version_marker:
            seen = True


class ListingHandlers:
    """ListObjects, ListObjectsV2, ListObjectVersions."""

    store: Any
    bucket: Any

    def _contents(self, version: Version, key: str, encode: Any, fetch_owner: bool, account: str) -> dict:
        item: dict[str, Any] = {
            "Key": encode(key),
            "LastModified": to_datetime(version.last_modified),
            "ETag": version.etag,
            "Size": version.size,
            "StorageClass": version.storage_class,
        }
        if version.checksums:
            item["ChecksumAlgorithm"] = [a.upper() for a in version.checksums]
            item["ChecksumType"] = version.checksum_type or "FULL_OBJECT"
        if fetch_owner:
            item["Owner"] = owner(account)
        return item

    def _list(self, ctx: RequestContext, params: dict[str, Any], marker: str, limit: int):
        bucket = self.bucket(ctx, params["Bucket"])
        store = self.store
        partition = ctx.partition

        def current(key: str) -> list:
            record = store.objects.get((partition, bucket.name, key))
            version = record.current if record else None
            return [version] if version is not None and not version.delete_marker else []

        page = walk(
            store.sorted_keys(partition, bucket.name), params.get("Prefix") or "",
            params.get("Delimiter") or "", marker, limit, current,
        )  # fmt: skip
        return bucket, page

    def list_objects_v2(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        limit = max_keys(params.get("MaxKeys"))
        token = params.get("ContinuationToken")
        marker = decode_token(token) if token else ""
        start_after = params.get("StartAfter") or ""
        bucket, page = self._list(ctx, params, max(marker, start_after), limit)
        encode = url_encoder(params.get("EncodingType"))
        result: dict[str, Any] = {
            "Name": bucket.name,
            "Prefix": encode(params.get("Prefix") or ""),
            "MaxKeys": limit if params.get("MaxKeys") is None else params["MaxKeys"],
            "KeyCount": len(page.items) + len(page.prefixes),
            "IsTruncated": page.truncated,
        }
        fetch_owner = bool(params.get("FetchOwner"))
        if page.items:
            result["Contents"] = [
                self._contents(found[0], key, encode, fetch_owner, bucket.account_id)
                for key, found in page.items
            ]
        if page.prefixes:
            result["CommonPrefixes"] = [{"Prefix": encode(p)} for p in page.prefixes]
        if params.get("Delimiter"):
            result["Delimiter"] = encode(params["Delimiter"])
        if params.get("EncodingType"):
            result["EncodingType"] = params["EncodingType"]
        if token:
            result["ContinuationToken"] = token
        if start_after and not token:  # a continuation token replaces where the listing starts
            result["StartAfter"] = encode(start_after)
        if page.truncated and page.last is not None:
            result["NextContinuationToken"] = encode_token(page.last)
        result[EXTRA_HEADERS] = {"x-amz-bucket-region": bucket.region}
        return result

    def list_objects(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        limit = max_keys(params.get("MaxKeys"))
        marker = params.get("Marker") or ""
        bucket, page = self._list(ctx, params, marker, limit)
        encode = url_encoder(params.get("EncodingType"))
        result: dict[str, Any] = {
            "Name": bucket.name,
            "Prefix": encode(params.get("Prefix") or ""),
            "Marker": encode(marker),
            "MaxKeys": limit if params.get("MaxKeys") is None else params["MaxKeys"],
            "IsTruncated": page.truncated,
        }
        if page.items:
            result["Contents"] = [
                self._contents(found[0], key, encode, True, bucket.account_id)
                for key, found in page.items
            ]
        if page.prefixes:
            result["CommonPrefixes"] = [{"Prefix": encode(p)} for p in page.prefixes]
        if params.get("Delimiter"):
            result["Delimiter"] = encode(params["Delimiter"])
            if page.truncated and page.last is not None:
                result["NextMarker"] = encode(page.last)
        if params.get("EncodingType"):
            result["EncodingType"] = params["EncodingType"]
        result[EXTRA_HEADERS] = {"x-amz-bucket-region": bucket.region}
        return result

    def list_object_versions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        limit = max_keys(params.get("MaxKeys"))
        key_marker = params.get("KeyMarker") or ""
        version_marker = params.get("VersionIdMarker") or None
        if version_marker and not key_marker:
            raise errors.invalid_argument(
                "A version-id marker cannot be specified without a key marker.",
                "version-id-marker", version_marker,
            )
        prefix = params.get("Prefix") or ""
        delimiter = params.get("Delimiter") or ""
        encode = url_encoder(params.get("EncodingType"))
        store = self.store
        partition = ctx.partition
        keys = store.sorted_keys(partition, bucket.name)
        entries: list[tuple[str, Version, bool]] = []
        prefixes: list[str] = []
        truncated = False
        next_key = next_version = None
        # The marker key's remaining versions come first, then the keys after it.
        if key_marker and version_marker:
            record = store.objects.get((partition, bucket.name, key_marker))
            if record is not None and key_marker.startswith(prefix):
                for version in iter_versions_after(record.versions, version_marker, record.removed):
                    entries.append((key_marker, version, version is record.versions[0]))
                if entries:
                    next_key, next_version = key_marker, entries[-1][1].version_id

        def versions(key: str) -> list:
            record = store.objects.get((partition, bucket.name, key))
            return list(record.versions) if record else []

        page = walk(keys, prefix, delimiter, key_marker, 1 << 30, versions)
        budget = limit
        # Interleave keys and common prefixes in key order, counting every version.
        merged: list[tuple[str, list | None]] = [(k, v) for k, v in page.items]
        merged += [(p, None) for p in page.prefixes]
        merged.sort(key=lambda pair: pair[0])
        count = len(entries)
        if count > budget:
            entries = entries[:budget]
            truncated = True
            next_key, next_version = entries[-1][0], entries[-1][1].version_id
        else:
            for name, found in merged:
                if found is None:
                    if count >= budget:
                        truncated = True
                        break
                    prefixes.append(name)
                    next_key, next_version = name, None
                    count += 1
                    continue
                for index, version in enumerate(found):
                    if count >= budget:
                        truncated = True
                        break
                    entries.append((name, version, index == 0))
                    next_key, next_version = name, version.version_id
                    count += 1
                if truncated:
                    break
        result: dict[str, Any] = {
            "Name": bucket.name,
            "Prefix": encode(prefix),
            "KeyMarker": encode(key_marker),
            "MaxKeys": limit,
            "IsTruncated": truncated,
        }
        result["VersionIdMarker"] = version_marker or ""
        listed, markers = [], []
        for key, version, latest in entries:
            item: dict[str, Any] = {
                "Key": encode(key),
                "VersionId": version.version_id,
                "IsLatest": latest,
                "LastModified": to_datetime(version.last_modified),
                "Owner": owner(bucket.account_id),
            }
            if version.delete_marker:
                markers.append(item)
            else:
                item.update(ETag=version.etag, Size=version.size, StorageClass=version.storage_class)
                if version.checksums:
                    item["ChecksumAlgorithm"] = [a.upper() for a in version.checksums]
                    item["ChecksumType"] = version.checksum_type or "FULL_OBJECT"
                listed.append(item)
        if listed:
            result["Versions"] = listed
        if markers:
            result["DeleteMarkers"] = markers
        if prefixes:
            result["CommonPrefixes"] = [{"Prefix": encode(p)} for p in prefixes]
        if delimiter:
            result["Delimiter"] = encode(delimiter)
        if params.get("EncodingType"):
            result["EncodingType"] = params["EncodingType"]
        if truncated and next_key is not None:
            result["NextKeyMarker"] = encode(next_key)
            if next_version:
                result["NextVersionIdMarker"] = next_version
        return result

