"""KMS state: keys (with their material), aliases and grants, one store per account/region.

Key material lives in the key record (bytes, persisted like any record field), so keys and
every ciphertext made with them survive a restart with ``--data-dir``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudtwin.state.records import record_types
from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table


@dataclass(slots=True)
class Material:
    """One generation of a key's material (rotation adds one; import sets one)."""

    material_id: str  # 64 hex characters, as AWS's KeyMaterialId
    secret: bytes | None  # raw bytes (symmetric, HMAC) or PKCS#8 DER; None once deleted
    created: float
    rotation_type: str | None = None  # AUTOMATIC | ON_DEMAND for rotations; None for the first
    #: Imported material: its expiry, and the SHA-256 of its bytes (re-import must match).
    valid_to: float | None = None
    expiration_model: str | None = None
    fingerprint: str | None = None
    description: str | None = None
    #: Imported as NEW_KEY_MATERIAL: waits for RotateKeyOnDemand to become current.
    pending: bool = False


@dataclass(slots=True)
class KmsKey:
    key_id: str
    arn: str
    account_id: str
    region: str
    created: float
    description: str
    key_usage: str
    key_spec: str
    origin: str = "AWS_KMS"
    key_manager: str = "CUSTOMER"
    state: str = "Enabled"
    policy: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    materials: list[Material] = field(default_factory=list)
    deletion_date: float | None = None
    pending_window_days: int | None = None
    rotation_enabled: bool = False
    rotation_period_days: int | None = None
    next_rotation: float | None = None
    on_demand_rotation_started: float | None = None
    multi_region: bool = False
    primary_region: str | None = None  # multi-region keys: where the primary lives
    #: GetParametersForImport: the wrapping private key (PKCS#8 DER), token, algorithm, expiry.
    import_parameters: dict[str, Any] | None = None
    last_used: float | None = None
    last_operation: str | None = None

    @property
    def current(self) -> Material | None:
        for material in reversed(self.materials):
            if material.secret is not None and not material.pending:
                return material
        return None

    @property
    def current_id(self) -> str | None:
        """The current material's id; imported material keeps it while deleted (pending import)."""
        for material in reversed(self.materials):
            if not material.pending:
                return material.material_id
        return None

    @property
    def pending_material(self) -> Material | None:
        return next((m for m in self.materials if m.pending), None)

    def material(self, material_id: str) -> Material | None:
        for material in self.materials:
            if material.material_id == material_id:
                return material
        return None


@dataclass(slots=True)
class Alias:
    name: str
    arn: str
    target_key_id: str
    created: float
    updated: float


@dataclass(slots=True)
class Grant:
    grant_id: str
    key_id: str
    token: str
    name: str | None
    created: float
    grantee_principal: str | None
    retiring_principal: str | None
    issuing_account: str
    operations: list[str]
    constraints: dict[str, Any] | None = None
    grantee_service_principal: str | None = None
    retiring_service_principal: str | None = None


class KmsStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.keys: Table[str, KmsKey] = tables.table("keys")
        self.aliases: Table[str, Alias] = tables.table("aliases")
        self.grants: Table[str, Grant] = tables.table("grants")


# What the tables hold, by name (see cloudtwin.state.records).
record_types(Material, KmsKey, Alias, Grant)
