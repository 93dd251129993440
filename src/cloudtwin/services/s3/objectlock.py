"""Object Lock: retention (GOVERNANCE / COMPLIANCE) and legal holds, stored and enforced.

A version under an unexpired retention or a legal hold cannot be deleted (a delete without
a version id still only adds a delete marker, which is always allowed); GOVERNANCE yields to
``x-amz-bypass-governance-retention``. Expiry is read on the virtual clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.s3 import errors
from cloudtwin.services.s3.models import Bucket, Version, to_datetime

_DAY = 86400.0
_MODES = ("GOVERNANCE", "COMPLIANCE")


def _check_future(until: float, now: float) -> None:
    if until <= now:
        # S3 quotes the date as its Java service prints it: US Pacific time. (zoneinfo is
        # imported by this error alone: it costs S3's first call ~3 ms otherwise.)
        from zoneinfo import ZoneInfo

        moment = datetime.fromtimestamp(until, ZoneInfo("America/Los_Angeles"))
        raise errors.invalid_argument(
            "The retain until date must be in the future!", "RetainUntilDate",
            moment.strftime("%a %b %d %H:%M:%S %Z %Y"),
        )


def _missing_configuration() -> ServiceError:
    return errors.invalid_request("Bucket is missing Object Lock Configuration")


def lock_fields(version: Version) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if version.lock_mode and version.lock_until is not None:
        out["ObjectLockMode"] = version.lock_mode
        out["ObjectLockRetainUntilDate"] = to_datetime(version.lock_until)
    if version.legal_hold:
        out["ObjectLockLegalHoldStatus"] = version.legal_hold
    return out


def lock_from_params(
    bucket: Bucket, version: Version, params: dict[str, Any], default: tuple[str, float] | None
) -> None:
    mode = params.get("ObjectLockMode")
    until = params.get("ObjectLockRetainUntilDate")
    hold = params.get("ObjectLockLegalHoldStatus")
    if (mode or until or hold) and not bucket.object_lock:
        raise _missing_configuration()
    if mode is not None and mode not in _MODES:
        raise errors.invalid_argument("Unknown wormMode directive.")
    if hold is not None and hold not in ("ON", "OFF"):
        raise errors.invalid_argument("Legal Hold must be either of 'ON' or 'OFF'")
    if (mode is None) != (until is None):
        raise errors.invalid_argument(
            "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied"
        )
    if mode is not None:
        version.lock_mode = mode
        version.lock_until = until.timestamp() if isinstance(until, datetime) else float(until)
        _check_future(version.lock_until, version.last_modified)  # the write's own time
    elif default is not None:
        version.lock_mode, version.lock_until = default
    if hold:
        version.legal_hold = hold


def check_lock_configuration(config: dict[str, Any]) -> None:
    """The schema of an ``ObjectLockConfiguration``: ``ObjectLockEnabled`` required; a rule
    holds a ``DefaultRetention`` with a mode and exactly one of ``Days`` / ``Years``."""
    if config.get("ObjectLockEnabled") != "Enabled":
        raise errors.malformed_xml()
    if "Rule" not in config:
        return
    retention = (config.get("Rule") or {}).get("DefaultRetention")
    if not retention:
        raise errors.malformed_xml()
    errors.check_xml_enum(retention.get("Mode"), _MODES)
    if retention.get("Mode") is None or (retention.get("Days") is None) == (retention.get("Years") is None):
        raise errors.malformed_xml()


def check_bypass_header(bucket: Bucket, params: dict[str, Any]) -> None:
    """``x-amz-bypass-governance-retention`` (true or false) only on lock-enabled buckets."""
    if params.get("BypassGovernanceRetention") is not None and not bucket.object_lock:
        raise errors.invalid_argument(
            "x-amz-bypass-governance-retention is only applicable to Object Lock enabled buckets.",
            "x-amz-bypass-governance-retention",
        )


def check_delete_allowed(version: Version, bypass_governance: bool, now: float) -> None:
    if version.legal_hold == "ON":
        raise errors.access_denied("Access Denied because object protected by object lock.")
    if version.lock_mode and version.lock_until is not None and version.lock_until > now:
        if version.lock_mode == "COMPLIANCE" or not bypass_governance:
            raise errors.access_denied("Access Denied because object protected by object lock.")


class ObjectLockHandlers:
    bucket: Any
    version_for_read: Any
    store: Any
    now: Any

    def bucket_lock_default(self, bucket: Bucket, ctx: RequestContext) -> tuple[str, float] | None:
        if not bucket.object_lock:
            return None
        config = (bucket.config.get("ObjectLockConfiguration") or {}).get("ObjectLockConfiguration") or {}
        retention = (config.get("Rule") or {}).get("DefaultRetention")
        if not retention:
            return None
        days = retention.get("Days") or 0
        years = retention.get("Years") or 0
        return retention["Mode"], self.now(ctx) + days * _DAY + years * 365 * _DAY

    def _locked_version(self, ctx: RequestContext, params: dict[str, Any]) -> tuple[Bucket, Version]:
        bucket = self.bucket(ctx, params["Bucket"])
        if not bucket.object_lock:
            raise _missing_configuration()
        return bucket, self.version_for_read(ctx, bucket, params["Key"], params.get("VersionId"))

    def _save(self, ctx: RequestContext, bucket: Bucket, key: str) -> None:
        self.store.objects.save((bucket.partition, bucket.name, key))

    def put_object_retention(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket, version = self._locked_version(ctx, params)
        retention = params.get("Retention") or {}
        mode = retention.get("Mode")
        errors.check_xml_enum(mode, _MODES)
        until = retention.get("RetainUntilDate")
        if (mode is None) != (until is None):
            raise errors.malformed_xml()  # a mode and its date, or neither (a removal)
        new_until = until.timestamp() if until is not None else None
        now = self.now(ctx)
        if new_until is not None:
            _check_future(new_until, now)
        if version.lock_mode and version.lock_until is not None and version.lock_until > now:
            weaker = mode != version.lock_mode or new_until is None or new_until < version.lock_until
            if weaker and (
                version.lock_mode == "COMPLIANCE" or not params.get("BypassGovernanceRetention")
            ):
                raise errors.access_denied("Access Denied because object protected by object lock.")
        version.lock_mode = mode
        version.lock_until = new_until
        self._save(ctx, bucket, params["Key"])
        return {}

    def get_object_retention(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        _, version = self._locked_version(ctx, params)
        if not version.lock_mode or version.lock_until is None:
            raise ServiceError(
                "NoSuchObjectLockConfiguration",
                "The specified object does not have a ObjectLock configuration", 404,
            )
        return {"Retention": {"Mode": version.lock_mode, "RetainUntilDate": to_datetime(version.lock_until)}}

    def put_object_legal_hold(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket, version = self._locked_version(ctx, params)
        status = (params.get("LegalHold") or {}).get("Status")
        errors.check_xml_enum(status, ("ON", "OFF"))
        version.legal_hold = status
        self._save(ctx, bucket, params["Key"])
        return {}

    def get_object_legal_hold(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        _, version = self._locked_version(ctx, params)
        if not version.legal_hold:
            raise ServiceError(
                "NoSuchObjectLockConfiguration",
                "The specified object does not have a ObjectLock configuration", 404,
            )
        return {"LegalHold": {"Status": version.legal_hold}}

    def put_object_lock_configuration(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        config = params.get("ObjectLockConfiguration") or {}
        check_lock_configuration(config)
        if not bucket.object_lock:
            if bucket.versioning != "Enabled":
                raise ServiceError(
                    "InvalidBucketState",
                    "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
                    409,
                )
            bucket.object_lock = True
        bucket.config["ObjectLockConfiguration"] = {"ObjectLockConfiguration": config}
        self.store.buckets.save((bucket.partition, bucket.name))
        return {}

    def get_object_lock_configuration(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        stored = bucket.config.get("ObjectLockConfiguration")
        if not bucket.object_lock or not stored:
            raise errors.bucket_error(
                "ObjectLockConfigurationNotFoundError",
                "Object Lock configuration does not exist for this bucket", 404, bucket.name,
            )
        return stored
