"""Imported key material (``Origin=EXTERNAL``): wrapping keys, import tokens, expiry.

GetParametersForImport makes an RSA wrapping key pair and a token valid for 24 hours;
ImportKeyMaterial unwraps the caller's material with it (RSA-OAEP, PKCS#1 v1.5, or
RSA-OAEP + AES key wrap with padding for the ``RSA_AES_KEY_WRAP_*`` algorithms). The
material id of imported material is the SHA-256 of its bytes, so material imported again
after deletion or expiry decrypts everything it encrypted before, as on AWS.
"""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.kms.crypto import _Module, hashes, padding, public_key_der, rsa_key_off_loop, serialization
from cloudtwin.services.kms.keys import DAY, check_not_pending
from cloudtwin.services.kms.models import KmsKey, Material

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

_keywrap = _Module("cryptography.hazmat.primitives.keywrap")

_WRAPPING_SIZES = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
_INCORRECT_MATERIAL = (
    "The key material in the request is, expired, invalid, or is not the same key material "
    "that was previously imported into this customer master key (CMK)."
)


def expire_imports(key: KmsKey, now: float) -> bool:
    """The processor's part: imported material past its ValidTo is deleted."""
    changed = False
    for material in key.materials:
        if material.secret is not None and material.valid_to is not None and material.valid_to <= now:
            material.secret = None
            changed = True
    if changed and key.current is None and key.state in ("Enabled", "Disabled"):
        key.state = "PendingImport"
    return changed


def _unwrap(private: Any, algorithm: str, wrapped: bytes) -> bytes:
    size = private.key_size // 8
    try:
        if algorithm == "RSAES_PKCS1_V1_5":
            return private.decrypt(wrapped, padding.PKCS1v15())
        digest = hashes.SHA1() if algorithm.endswith("SHA_1") else hashes.SHA256()
        oaep = padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)
        if algorithm.startswith("RSAES_OAEP"):
            return private.decrypt(wrapped, oaep)
        aes_key = private.decrypt(wrapped[:size], oaep)
        return _keywrap.aes_key_unwrap_with_padding(aes_key, wrapped[size:])
    except (ValueError, _keywrap.InvalidUnwrap):
        raise ServiceError("InvalidCiphertextException", "") from None


def _check_material(key: KmsKey, material: bytes) -> None:
    spec = key.key_spec
    if spec == "SYMMETRIC_DEFAULT":
        ok = len(material) == 32
    elif spec.startswith("HMAC_"):
        ok = 16 <= len(material) <= 64
    else:
        try:
            serialization.load_der_private_key(material, password=None)
            ok = True
        except (ValueError, TypeError):
            ok = False
    if not ok:
        raise ServiceError("IncorrectKeyMaterialException", _INCORRECT_MATERIAL)


class ImportOperations:
    keys: Any
    crypto: Any

    def _external_key(self, ctx: "RequestContext", params: dict[str, Any]) -> KmsKey:
        key = self.keys.resolve(ctx, params["KeyId"], aliases=False)
        if key.origin != "EXTERNAL":
            raise ServiceError(
                "UnsupportedOperationException",
                f"{key.arn} origin is {key.origin} which is not valid for this operation.",
            )
        check_not_pending(key)
        return key

    async def get_parameters_for_import(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self._external_key(ctx, params)
        spec = params["WrappingKeySpec"]
        algorithm = params["WrappingAlgorithm"]
        if spec not in _WRAPPING_SIZES or algorithm == "SM2PKE":
            raise ServiceError(
                "UnsupportedOperationException", f"Wrapping key spec {spec} with {algorithm} is not supported."
            )
        private = await rsa_key_off_loop(_WRAPPING_SIZES[spec])
        der = private.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        token = os.urandom(64)
        valid_to = ctx.clock.now() + DAY
        key.import_parameters = {"token": token, "der": der, "algorithm": algorithm, "valid_to": valid_to}
        self._save(key)
        return {
            "KeyId": key.arn,
            "ImportToken": token,
            "PublicKey": public_key_der(private),
            "ParametersValidTo": valid_to,
        }

    def import_key_material(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self._external_key(ctx, params)
        parameters = key.import_parameters
        if parameters is None or parameters["token"] != params.get("ImportToken", b""):
            raise ServiceError("InvalidImportTokenException", "Import token is invalid for this key.")
        now = ctx.clock.now()
        if parameters["valid_to"] <= now:
            raise ServiceError("ExpiredImportTokenException", "Import token has expired.")
        model = params.get("ExpirationModel", "KEY_MATERIAL_EXPIRES")
        valid_to = params.get("ValidTo")
        if model == "KEY_MATERIAL_EXPIRES":
            if valid_to is None:
                raise ServiceError(
                    "ValidationException",
                    "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
                )
            valid_to = valid_to.timestamp() if hasattr(valid_to, "timestamp") else float(valid_to)
            if valid_to <= now:
                raise ServiceError("ValidationException", "ValidTo must be in the future.")
        elif valid_to is not None:
            raise ServiceError(
                "ValidationException",
                "A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE",
            )
        private = self.crypto.private(parameters["der"])
        material = _unwrap(private, parameters["algorithm"], params.get("EncryptedKeyMaterial", b""))
        _check_material(key, material)
        fingerprint = hashlib.sha256(material).hexdigest()
        known = [m for m in key.materials if m.fingerprint is not None]
        existing = next((m for m in known if m.fingerprint == fingerprint), None)
        if params.get("ImportType") == "NEW_KEY_MATERIAL" and key.key_spec == "SYMMETRIC_DEFAULT":
            if existing is not None:
                raise ServiceError("IncorrectKeyMaterialException", _INCORRECT_MATERIAL)
        elif known and existing is None:
            raise ServiceError("IncorrectKeyMaterialException", _INCORRECT_MATERIAL)
        pending = key.pending_material
        if pending is not None and existing is None:
            raise ServiceError(
                "KMSInvalidStateException",
                f"New key material (id: {fingerprint}) cannot be imported into KMS key {key.arn}, "
                f"because another key material (id: {pending.material_id}) is pending rotation.",
            )
        if existing is None:
            # New material for a key that has some waits for RotateKeyOnDemand.
            existing = Material(
                fingerprint, None, now, "ON_DEMAND" if known else None, fingerprint=fingerprint, pending=bool(known)
            )
            key.materials.append(existing)
        existing.secret = material
        existing.valid_to = valid_to if model == "KEY_MATERIAL_EXPIRES" else None
        existing.expiration_model = model
        existing.description = params.get("KeyMaterialDescription")
        key.import_parameters = None
        if key.state == "PendingImport":
            key.state = "Enabled"
        self._save(key)
        return {"KeyId": key.arn, "KeyMaterialId": existing.material_id}

    def delete_imported_key_material(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self._external_key(ctx, params)
        wanted = params.get("KeyMaterialId")
        deleted = None
        for material in key.materials:
            if material.secret is not None and (wanted is None or material.material_id == wanted):
                material.secret = None
                deleted = material.material_id
        if wanted is not None and deleted is None:
            raise ServiceError("NotFoundException", f"Key material {wanted} does not exist")
        if key.current is None:
            key.state = "PendingImport"
        self._save(key)
        result: dict[str, Any] = {"KeyId": key.arn}
        if deleted:
            result["KeyMaterialId"] = deleted
        return result
