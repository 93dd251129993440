"""Staging labels: which version is AWSCURRENT, AWSPREVIOUS, AWSPENDING or custom.

A label sits on at most one version. Moving AWSCURRENT leaves AWSPREVIOUS on the version
that had it, which is how rotation keeps the last good value readable. A version with no
label is *deprecated*; Secrets Manager keeps a bounded number of them.
"""

from __future__ import annotations

from typing import Iterable

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.secretsmanager.models import Secret

CURRENT = "AWSCURRENT"
PREVIOUS = "AWSPREVIOUS"
PENDING = "AWSPENDING"
MAX_DEPRECATED = 100


def attach(secret: Secret, version_id: str, labels: Iterable[str]) -> None:
    """Put ``labels`` on ``version_id``, taking them off whichever version had them."""
    for label in labels:
        holder = secret.stages.get(label)
        if label == CURRENT and holder is not None and holder != version_id:
            secret.stages[PREVIOUS] = holder
        secret.stages[label] = version_id


def update_stage(secret: Secret, label: str, remove_from: str | None, move_to: str | None) -> None:
    """UpdateSecretVersionStage with AWS's rules and messages."""
    holder = secret.stages.get(label)
    if move_to is not None:
        if move_to not in secret.version_ids:
            raise ServiceError(
                "ResourceNotFoundException",
                f"Secrets Manager can't find the specified secret value for VersionId: {move_to}",
            )
        if holder is not None and holder != move_to and remove_from != holder:
            raise ServiceError(
                "InvalidParameterException",
                f"The parameter RemoveFromVersionId can't be empty. Staging label {label} is "
                f"currently attached to version {holder}, so you must explicitly reference that "
                "version in RemoveFromVersionId.",
            )
        if remove_from is not None and remove_from != holder and holder is not None:
            raise ServiceError(
                "InvalidParameterException",
                f"The staging label {label} is currently not attached to version {remove_from}.",
            )
        attach(secret, move_to, [label])
        return
    if remove_from is None:
        raise ServiceError(
            "InvalidParameterException",
            "You must specify at least one of RemoveFromVersionId and MoveToVersionId.",
        )
    if holder != remove_from:
        raise ServiceError(
            "InvalidParameterException",
            f"The staging label {label} is currently not attached to version {remove_from}.",
        )
    if label == CURRENT:
        raise ServiceError(
            "InvalidParameterException",
            "You can only move staging label AWSCURRENT to a different secret version. "
            "It can't be completely removed.",
        )
    del secret.stages[label]


def deprecated_to_drop(secret: Secret) -> list[str]:
    """The oldest unlabelled versions beyond what Secrets Manager keeps."""
    labelled = set(secret.stages.values())
    unlabelled = [vid for vid in secret.version_ids if vid not in labelled]
    excess = len(unlabelled) - MAX_DEPRECATED
    return unlabelled[:excess] if excess > 0 else []
