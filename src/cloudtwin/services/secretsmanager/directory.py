"""Finding a secret by name, full ARN or partial ARN, and the descriptions AWS returns."""

from __future__ import annotations

import re
import secrets as _random
import string
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.secretsmanager.models import Secret, SecretsStore

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

NOT_FOUND = "Secrets Manager can't find the specified secret."
MARKED_FOR_DELETION = "You can't perform this operation on the secret because it was marked for deletion."
_SUFFIX_CHARS = string.ascii_letters + string.digits
NAME = re.compile(r"^[A-Za-z0-9/_+=.@!-]+$")  # "!" as the error text says (EventBridge connection secrets use it)
INVALID_NAME = (
    "Invalid name. Must be a valid name containing alphanumeric characters, "
    "or any of the following: -/_+=.@!"
)


def check_name(secret_id: str) -> None:
    """A SecretId that is no ARN must be a valid name: AWS refuses it before any lookup."""
    if not secret_id.startswith("arn:") and not NAME.match(secret_id):
        raise ServiceError("ValidationException", INVALID_NAME)


def secret_arn(ctx: "RequestContext", name: str) -> str:
    suffix = "".join(_random.choice(_SUFFIX_CHARS) for _ in range(6))
    return f"arn:{ctx.partition}:secretsmanager:{ctx.region}:{ctx.account_id}:secret:{name}-{suffix}"


def find(store: SecretsStore, secret_id: str, now: float | None = None) -> Secret:
    """The secret a name, ARN or partial ARN names; one whose recovery window has ended is
    gone even before the processor has purged it."""
    check_name(secret_id)
    secret = store.secrets.get(secret_id)
    if secret is None and secret_id.startswith("arn:"):
        for candidate in store.secrets.values():
            # A full ARN, or a partial one without the random six-character suffix.
            if candidate.arn == secret_id or candidate.arn[:-7] == secret_id:
                secret = candidate
                break
    if secret is None or (
        now is not None and secret.deletion_date is not None and secret.deletion_date <= now
    ):
        raise ServiceError("ResourceNotFoundException", NOT_FOUND)
    return secret


def live(store: SecretsStore, secret_id: str, now: float | None = None) -> Secret:
    """A secret that is not scheduled for deletion (most operations refuse those)."""
    secret = find(store, secret_id, now)
    if secret.deleted_date is not None:
        raise ServiceError("InvalidRequestException", MARKED_FOR_DELETION)
    return secret


def describe(secret: Secret, *, list_entry: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
    optional = {
        "Type": secret.type,
        "Description": secret.description,
        "KmsKeyId": secret.kms_key_id,
        "RotationLambdaARN": secret.rotation_lambda_arn,
        "RotationRules": secret.rotation_rules,
        "ExternalSecretRotationMetadata": secret.rotation_metadata,
        "ExternalSecretRotationRoleArn": secret.rotation_role_arn,
        "LastRotatedDate": secret.last_rotated,
        "LastChangedDate": secret.last_changed,
        "LastAccessedDate": secret.last_accessed,
        "DeletedDate": secret.deleted_date,
        "NextRotationDate": secret.next_rotation if secret.rotation_enabled else None,
        "OwningService": secret.owning_service,
        "CreatedDate": secret.created,
    }
    for name, value in optional.items():
        if value is not None and value != "":
            out[name] = value
    if secret.rotation_enabled or secret.rotation_lambda_arn or secret.rotation_rules:
        out["RotationEnabled"] = secret.rotation_enabled
    if secret.tags:
        out["Tags"] = [dict(t) for t in secret.tags]
    stages: dict[str, list[str]] = {}
    labelled = secret.stages
    for vid in secret.version_ids:
        labels = [label for label, holder in labelled.items() if holder == vid]
        if labels:
            stages[vid] = labels
    if stages:
        out["SecretVersionsToStages" if list_entry else "VersionIdsToStages"] = stages
    if not list_entry:
        if secret.cross_account_primary:
            out["CrossAccountPrimary"] = dict(secret.cross_account_primary)
        if secret.cross_account_replicas:
            out["CrossAccountReplicas"] = [dict(r) for r in secret.cross_account_replicas]
    if secret.primary_arn:
        out["PrimaryRegion"] = secret.primary_arn.split(":")[3]
    if secret.replicas:
        out["PrimaryRegion"] = secret.arn.split(":")[3]
        if not list_entry:
            out["ReplicationStatus"] = [dict(r) for r in secret.replicas]
    return out
