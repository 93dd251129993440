"""SSE-KMS: the KMS keys S3 encrypts with, asked of KMS through the internal client.

S3 names a key by its ARN whatever the request said (an id, an alias, an ARN), uses the
account's AWS managed key ``alias/aws/s3`` when none is given, and refuses a key KMS does
not know, or that is disabled or pending deletion, with KMS's code under a ``KMS.`` prefix
(``KMS.NotFoundException`` "Invalid keyId 'x'", ``KMS.DisabledException``...), HTTP 400.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.s3.models import Bucket

MANAGED_ALIAS = "alias/aws/s3"


def _kms_error(code: str, message: str) -> ServiceError:
    return ServiceError(f"KMS.{code}", message, 400)


def _usable(metadata: dict[str, Any]) -> str:
    """The key's ARN, if S3 may use the key now."""
    arn = metadata["Arn"]
    state = metadata.get("KeyState")
    if state == "Disabled":
        raise _kms_error("DisabledException", f"{arn} is disabled.")
    if state == "PendingDeletion":
        raise _kms_error("KMSInvalidStateException", f"{arn} is pending deletion.")
    return arn


def key_arn(internal: Any, bucket: Bucket, key_id: str | None) -> str:
    """The ARN of the key a write names (the managed key when ``key_id`` is None)."""
    account = bucket.account_id
    if key_id and key_id.startswith("arn:"):
        parts = key_id.split(":")
        if len(parts) > 4 and parts[4]:
            account = parts[4]
    try:
        found = internal.call(
            "kms", "DescribeKey", {"KeyId": key_id or MANAGED_ALIAS}, account_id=account, region=bucket.region
        )
    except ServiceError as error:
        if error.code in ("NotFoundException", "NotImplemented"):
            if error.code == "NotImplemented":
                return key_id or ""  # no KMS to ask: keep the caller's word
            raise _kms_error(error.code, error.message) from None
        raise
    return _usable(found["KeyMetadata"])


def check_key_usable(internal: Any, bucket: Bucket, arn: str) -> None:
    """A read of an object under ``arn``: the key must still be usable."""
    if not arn.startswith("arn:"):
        return
    try:
        found = internal.call("kms", "DescribeKey", {"KeyId": arn}, account_id=arn.split(":")[4], region=arn.split(":")[3])
    except ServiceError:
        return  # a key KMS no longer knows: nothing S3 would say differently here
    _usable(found["KeyMetadata"])
