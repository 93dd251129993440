"""Key rotation: automatic (on a period, on the virtual clock) and on demand.

A rotation adds a new generation of key material and makes it current; older material stays
to decrypt what it encrypted (the blob names its material). Multi-region keys rotate on
the primary and carry the new material to every replica.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.kms.crypto import generate_material
from cloudtwin.services.kms.keys import DAY, check_not_pending, check_usable, new_material_id
from cloudtwin.services.kms.models import KmsKey, Material
from cloudtwin.services.kms.paging import page

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

_ON_DEMAND_LIMIT = 10


def _rotatable(key: KmsKey, *, on_demand: bool = False) -> None:
    if key.key_spec != "SYMMETRIC_DEFAULT":
        # RotateKeyOnDemand refuses other specs without a message (as recorded from AWS).
        raise ServiceError(
            "UnsupportedOperationException",
            "" if on_demand else f"{key.arn} key spec is {key.key_spec} which is not valid for this operation.",
        )
    if on_demand and key.origin == "EXTERNAL" and key.pending_material is None:
        raise ServiceError(
            "KMSInvalidStateException", f"No available key material pending rotation for the key: {key.arn}."
        )
    if key.origin != "AWS_KMS" and not (on_demand and key.pending_material is not None):
        raise ServiceError(
            "UnsupportedOperationException",
            f"{key.arn} origin is {key.origin} which is not valid for this operation.",
        )
    if key.multi_region and key.primary_region not in (None, key.region):
        raise ServiceError(
            "UnsupportedOperationException",
            f"{key.arn} is a multi-Region replica key: rotate its primary key instead.",
        )


def rotate(owner: Any, key: KmsKey, now: float, rotation_type: str) -> Material:
    material = Material(new_material_id(), generate_material(key.key_spec), now, rotation_type)
    key.materials.append(material)
    if key.multi_region:
        owner._sync_replicas(key)
    return material


def rotate_due(owner: Any, key: KmsKey, now: float) -> bool:
    """The processor's part: an automatic rotation whose date has come."""
    if not key.rotation_enabled or key.next_rotation is None or key.next_rotation > now:
        return False
    if key.state != "Enabled" or (key.multi_region and key.primary_region not in (None, key.region)):
        return False
    rotate(owner, key, key.next_rotation, "AUTOMATIC")
    key.next_rotation = key.next_rotation + (key.rotation_period_days or 365) * DAY
    return True


class RotationOperations:
    keys: Any

    def enable_key_rotation(self, ctx: "RequestContext", params: dict[str, Any]) -> None:
        key = self.keys.resolve(ctx, params["KeyId"], aliases=False)
        check_usable(key)
        _rotatable(key)
        if key.key_manager == "AWS":
            raise ServiceError(
                "UnsupportedOperationException", f"{key.arn} is an AWS managed key: its rotation cannot change."
            )
        period = params.get("RotationPeriodInDays", key.rotation_period_days or 365)
        key.rotation_enabled = True
        key.rotation_period_days = period
        key.next_rotation = ctx.clock.now() + period * DAY
        self._save(key)

    def disable_key_rotation(self, ctx: "RequestContext", params: dict[str, Any]) -> None:
        key = self.keys.resolve(ctx, params["KeyId"], aliases=False)
        check_usable(key)
        _rotatable(key)
        if key.key_manager == "AWS":
            raise ServiceError(
                "UnsupportedOperationException", f"{key.arn} is an AWS managed key: its rotation cannot change."
            )
        key.rotation_enabled = False
        key.next_rotation = None
        self._save(key)

    def get_key_rotation_status(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self.keys.resolve(ctx, params["KeyId"], aliases=False)
        check_not_pending(key)
        result: dict[str, Any] = {"KeyRotationEnabled": key.rotation_enabled, "KeyId": key.arn}
        if key.rotation_enabled:
            result["RotationPeriodInDays"] = key.rotation_period_days
            result["NextRotationDate"] = key.next_rotation
        return result

    def rotate_key_on_demand(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self.keys.resolve(ctx, params["KeyId"], aliases=False)
        check_usable(key)
        _rotatable(key, on_demand=True)
        if sum(1 for m in key.materials if m.rotation_type == "ON_DEMAND") >= _ON_DEMAND_LIMIT:
            raise ServiceError(
                "LimitExceededException",
                "The on-demand rotations limit has been reached for the given keyId. "
                f"No more on-demand rotations can be performed for this key: {key.arn}",
            )
        pending = key.pending_material
        if pending is not None:
            # Imported material that waited for this rotation becomes current.
            key.materials.remove(pending)
            key.materials.append(pending)
            pending.pending = False
            pending.created = ctx.clock.now()
        else:
            rotate(self, key, ctx.clock.now(), "ON_DEMAND")
        self._save(key)
        return {"KeyId": key.arn}

    def list_key_rotations(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self.keys.resolve(ctx, params["KeyId"], aliases=False)
        if key.key_spec != "SYMMETRIC_DEFAULT":
            raise ServiceError(
                "UnsupportedOperationException",
                f"{key.arn} key spec is {key.key_spec} which is not valid for this operation.",
            )
        everything = params.get("IncludeKeyMaterial") == "ALL_KEY_MATERIAL"
        current = key.current
        entries = []
        for material in key.materials:
            if material.rotation_type is None and not everything:
                continue
            entry: dict[str, Any] = {
                "KeyId": key.arn,
                "KeyMaterialId": material.material_id,
                "RotationDate": material.created,
                "KeyMaterialState": (
                    "PENDING_ROTATION" if material.pending else "CURRENT" if material is current else "NON_CURRENT"
                ),
            }
            if material.rotation_type:
                entry["RotationType"] = material.rotation_type
            if key.origin == "EXTERNAL":
                entry["ImportState"] = "IMPORTED" if material.secret is not None else "PENDING_IMPORT"
                entry["ExpirationModel"] = material.expiration_model or "KEY_MATERIAL_DOES_NOT_EXPIRE"
                if material.valid_to is not None:
                    entry["ValidTo"] = material.valid_to
            entries.append(entry)
        return page(entries, params, "Rotations", default=1000)
