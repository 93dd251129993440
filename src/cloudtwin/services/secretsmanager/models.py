"""Secrets Manager state: secrets and their versions, one store per account/region.

A secret's versions are rows of their own (``versions`` keyed by (secret ARN, version id)),
so a secret with a long history costs one small write per new version. The secret record
holds which version carries which staging label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudtwin.state.records import record_types
from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table


@dataclass(slots=True)
class SecretVersion:
    version_id: str
    created: float
    #: The KMS-encrypted data key (a ciphertext blob), and the value sealed with that key.
    data_key_blob: bytes
    nonce: bytes
    sealed: bytes
    binary: bool
    kms_key_arn: str
    last_accessed: float | None = None


@dataclass(slots=True)
class Secret:
    arn: str
    name: str
    created: float
    last_changed: float
    description: str | None = None
    kms_key_id: str | None = None  # as the caller gave it; None: aws/secretsmanager
    tags: list[dict[str, str]] = field(default_factory=list)
    #: Staging label -> version id; each label is on at most one version.
    stages: dict[str, str] = field(default_factory=dict)
    #: Version ids, oldest first.
    version_ids: list[str] = field(default_factory=list)
    deleted_date: float | None = None
    deletion_date: float | None = None
    last_accessed: float | None = None
    rotation_enabled: bool = False
    rotation_lambda_arn: str | None = None
    rotation_rules: dict[str, Any] | None = None
    rotation_metadata: list[dict[str, str]] | None = None
    rotation_role_arn: str | None = None
    last_rotated: float | None = None
    next_rotation: float | None = None
    #: The token (version id) of a rotation Secrets Manager started and the Lambda should finish.
    rotation_token: str | None = None
    rotations_started: int = 0
    policy: str | None = None
    replicas: list[dict[str, Any]] = field(default_factory=list)
    type: str | None = None
    owning_service: str | None = None
    #: A cross-account replica: {PrimarySecretARN, ReplicationStatus, StatusMessage}.
    cross_account_primary: dict[str, str] | None = None
    #: A primary's cross-account replicas: {ReplicaSecretARN, ReplicationRoleARN?, ...}.
    cross_account_replicas: list[dict[str, str]] = field(default_factory=list)
    #: A replica in another Region of the account: its primary secret's ARN.
    primary_arn: str | None = None

    def stages_of(self, version_id: str) -> list[str]:
        return [label for label, vid in self.stages.items() if vid == version_id]


class SecretsStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.secrets: Table[str, Secret] = tables.table("secrets")  # by name
        self.versions: Table[tuple[str, str], SecretVersion] = tables.table("versions")


# What the tables hold, by name (see cloudtwin.state.records).
record_types(SecretVersion, Secret)
