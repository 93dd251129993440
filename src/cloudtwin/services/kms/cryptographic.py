"""KMS's cryptographic operations: Encrypt, Decrypt, ReEncrypt, data keys, random bytes,
Sign/Verify, public keys, MACs and key agreement.

A mixin of the provider: it needs ``self.keys`` (lookup), ``self.crypto`` (parsed keys) and
the clock. Every operation resolves the key, checks its state and usage as AWS does, in
AWS's order (state before usage), then does the real cryptography.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.kms import ciphertext
from cloudtwin.services.kms.crypto import (
    SPEC_INFO,
    UNSUPPORTED_SPECS,
    generate_material_off_loop,
    mac,
    public_key_der,
)
from cloudtwin.services.kms.keys import LEGACY_SPECS, check_symmetric, check_usable, check_usage
from cloudtwin.services.kms.models import KmsKey

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

_INCORRECT_KEY = "The key ID in the request does not identify a CMK that can perform this operation."
_DATA_KEY_SIZES = {"AES_256": 32, "AES_128": 16}


def dry_run(params: dict[str, Any]) -> None:
    """Called once every check passed: a dry run stops here with AWS's answer."""
    if params.get("DryRun"):
        raise ServiceError(
            "DryRunOperationException", "The request would have succeeded, but the DryRun option is set."
        )


class CryptographicOperations:
    keys: Any
    crypto: Any

    # -- shared steps -------------------------------------------------------------------------

    def _usable_key(self, ctx: "RequestContext", ref: str, usage: str, operation: str) -> KmsKey:
        key = self.keys.resolve(ctx, ref)
        check_usable(key)
        check_usage(key, usage, operation)
        self._touch(ctx, key, operation)
        return key

    @staticmethod
    def _touch(ctx: "RequestContext", key: KmsKey, operation: str) -> None:
        # GetKeyLastUsage: runtime bookkeeping, not worth a durable write per crypto call.
        key.last_used = ctx.clock.now()
        key.last_operation = operation

    @staticmethod
    def _algorithm(key: KmsKey, algorithm: str, kind: str) -> str:
        info = SPEC_INFO[key.key_spec]
        allowed = getattr(info, kind)
        if algorithm not in allowed:
            raise ServiceError(
                "InvalidKeyUsageException",
                f"Algorithm {algorithm} is incompatible with key spec {key.key_spec}.",
            )
        return algorithm

    def _seal(self, key: KmsKey, plaintext: bytes, context: dict[str, str] | None, algorithm: str) -> bytes:
        material = key.current
        if material is None or material.secret is None:  # pragma: no cover - state guards it
            raise ServiceError("KMSInvalidStateException", f"{key.arn} is pending import.")
        if key.key_spec == "SYMMETRIC_DEFAULT":
            return ciphertext.seal(
                key.key_id, key.account_id, material.material_id, material.secret, plaintext, context
            )
        return self.crypto.rsa_encrypt(material.secret, algorithm, plaintext)

    def _open(
        self,
        ctx: "RequestContext",
        blob: bytes,
        key_ref: str | None,
        context: dict[str, str] | None,
        algorithm: str | None,
        operation: str,
    ) -> tuple[KmsKey, bytes, str | None, str]:
        """(key, plaintext, material id, algorithm) of a ciphertext blob."""
        if key_ref is None:
            header = ciphertext.read_header(blob)
            key = self.keys.resolve(
                ctx, f"arn:{ctx.partition}:kms:{ctx.region}:{header.account_id}:key/{header.key_id}"
            )
        else:
            key = self.keys.resolve(ctx, key_ref)
            if key.key_usage == "GENERATE_VERIFY_MAC":
                # An HMAC key can never have made a ciphertext: AWS says the key is the wrong one.
                raise ServiceError("IncorrectKeyException", _INCORRECT_KEY)
        check_usable(key)
        check_usage(key, "ENCRYPT_DECRYPT", operation)
        self._touch(ctx, key, operation)
        if key.key_spec == "SYMMETRIC_DEFAULT":
            if algorithm not in (None, "SYMMETRIC_DEFAULT"):
                raise ServiceError("IncorrectKeyException", _INCORRECT_KEY)
            header = ciphertext.read_header(blob)
            if header.key_id != key.key_id or header.account_id != key.account_id:
                raise ServiceError("IncorrectKeyException", _INCORRECT_KEY)
            material = key.material(header.material_id)
            if material is None or material.secret is None:
                raise ciphertext.invalid_ciphertext()
            plaintext = ciphertext.open_blob(blob, material.secret, context)
            return key, plaintext, material.material_id, "SYMMETRIC_DEFAULT"
        if algorithm is None or algorithm == "SYMMETRIC_DEFAULT":
            raise ServiceError("IncorrectKeyException", _INCORRECT_KEY)
        self._algorithm(key, algorithm, "encryption")
        current = key.current
        assert current is not None and current.secret is not None
        return key, self.crypto.rsa_decrypt(current.secret, algorithm, blob), None, algorithm

    # -- encryption ---------------------------------------------------------------------------

    def encrypt(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self._usable_key(ctx, params["KeyId"], "ENCRYPT_DECRYPT", "Encrypt")
        algorithm = self._algorithm(key, params.get("EncryptionAlgorithm", "SYMMETRIC_DEFAULT"), "encryption")
        dry_run(params)
        blob = self._seal(key, params.get("Plaintext", b""), params.get("EncryptionContext"), algorithm)
        return {"CiphertextBlob": blob, "KeyId": key.arn, "EncryptionAlgorithm": algorithm}

    def decrypt(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key, plaintext, material_id, algorithm = self._open(
            ctx,
            params.get("CiphertextBlob", b""),
            params.get("KeyId"),
            params.get("EncryptionContext"),
            params.get("EncryptionAlgorithm"),
            "Decrypt",
        )
        dry_run(params)
        result = {"KeyId": key.arn, "Plaintext": plaintext, "EncryptionAlgorithm": algorithm}
        if material_id is not None:
            result["KeyMaterialId"] = material_id
        return result

    def re_encrypt(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        source, plaintext, source_material, source_algorithm = self._open(
            ctx,
            params.get("CiphertextBlob", b""),
            params.get("SourceKeyId"),
            params.get("SourceEncryptionContext"),
            params.get("SourceEncryptionAlgorithm"),
            "ReEncrypt",
        )
        destination = self._usable_key(ctx, params["DestinationKeyId"], "ENCRYPT_DECRYPT", "ReEncrypt")
        algorithm = self._algorithm(
            destination, params.get("DestinationEncryptionAlgorithm", "SYMMETRIC_DEFAULT"), "encryption"
        )
        dry_run(params)
        blob = self._seal(destination, plaintext, params.get("DestinationEncryptionContext"), algorithm)
        result = {
            "CiphertextBlob": blob,
            "SourceKeyId": source.arn,
            "KeyId": destination.arn,
            "SourceEncryptionAlgorithm": source_algorithm,
            "DestinationEncryptionAlgorithm": algorithm,
        }
        if source_material is not None:
            result["SourceKeyMaterialId"] = source_material
        if destination.key_spec == "SYMMETRIC_DEFAULT" and destination.current is not None:
            result["DestinationKeyMaterialId"] = destination.current.material_id
        return result

    # -- data keys ----------------------------------------------------------------------------

    def _data_key(self, ctx: "RequestContext", params: dict[str, Any], operation: str) -> dict[str, Any]:
        key = self.keys.resolve(ctx, params["KeyId"])
        check_usable(key)
        check_symmetric(key, operation)
        self._touch(ctx, key, operation)
        spec, size = params.get("KeySpec"), params.get("NumberOfBytes")
        if (spec is None) == (size is None):
            raise ServiceError("ValidationException", "Please specify either number of bytes or key spec.")
        dry_run(params)
        plaintext = os.urandom(size if size is not None else _DATA_KEY_SIZES[spec])
        blob = self._seal(key, plaintext, params.get("EncryptionContext"), "SYMMETRIC_DEFAULT")
        return {
            "CiphertextBlob": blob,
            "Plaintext": plaintext,
            "KeyId": key.arn,
            "KeyMaterialId": key.current.material_id,
        }

    def generate_data_key(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        return self._data_key(ctx, params, "GenerateDataKey")

    def generate_data_key_without_plaintext(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        result = self._data_key(ctx, params, "GenerateDataKeyWithoutPlaintext")
        del result["Plaintext"]
        return result

    async def _data_key_pair(self, ctx: "RequestContext", params: dict[str, Any], operation: str) -> dict[str, Any]:
        key = self.keys.resolve(ctx, params["KeyId"])
        check_usable(key)
        check_symmetric(key, operation)
        self._touch(ctx, key, operation)
        pair_spec = params["KeyPairSpec"]
        if pair_spec in UNSUPPORTED_SPECS:
            raise ServiceError(
                "UnsupportedOperationException", f"KeyPairSpec {pair_spec} is not supported by cloudtwin."
            )
        dry_run(params)
        private_der = await generate_material_off_loop(pair_spec)
        public = public_key_der(self.crypto.private(private_der))
        blob = self._seal(key, private_der, params.get("EncryptionContext"), "SYMMETRIC_DEFAULT")
        return {
            "PrivateKeyCiphertextBlob": blob,
            "PrivateKeyPlaintext": private_der,
            "PublicKey": public,
            "KeyId": key.arn,
            "KeyPairSpec": pair_spec,
            "KeyMaterialId": key.current.material_id,
        }

    async def generate_data_key_pair(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        return await self._data_key_pair(ctx, params, "GenerateDataKeyPair")

    async def generate_data_key_pair_without_plaintext(
        self, ctx: "RequestContext", params: dict[str, Any]
    ) -> dict[str, Any]:
        result = await self._data_key_pair(ctx, params, "GenerateDataKeyPairWithoutPlaintext")
        del result["PrivateKeyPlaintext"]
        return result

    def generate_random(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        if params.get("CustomKeyStoreId"):
            raise ServiceError(
                "CustomKeyStoreNotFoundException",
                f"Custom key store '{params['CustomKeyStoreId']}' does not exist",
            )
        size = params.get("NumberOfBytes")
        if size is None:
            raise ServiceError("ValidationException", "NumberOfBytes is required.")
        return {"Plaintext": os.urandom(size)}

    # -- signatures ---------------------------------------------------------------------------

    def sign(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self._usable_key(ctx, params["KeyId"], "SIGN_VERIFY", "Sign")
        algorithm = self._algorithm(key, params["SigningAlgorithm"], "signing")
        message_type = self._message_type(key, params)
        dry_run(params)
        signature = self.crypto.sign(key.current.secret, algorithm, params.get("Message", b""), message_type)
        return {"KeyId": key.arn, "Signature": signature, "SigningAlgorithm": algorithm}

    def verify(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self._usable_key(ctx, params["KeyId"], "SIGN_VERIFY", "Verify")
        algorithm = self._algorithm(key, params["SigningAlgorithm"], "signing")
        message_type = self._message_type(key, params)
        dry_run(params)
        valid = self.crypto.verify(
            key.current.secret, algorithm, params.get("Message", b""), message_type, params.get("Signature", b"")
        )
        if not valid:
            raise ServiceError("KMSInvalidSignatureException", "")
        return {"KeyId": key.arn, "SignatureValid": True, "SigningAlgorithm": algorithm}

    @staticmethod
    def _message_type(key: KmsKey, params: dict[str, Any]) -> str:
        message_type = params.get("MessageType", "RAW")
        algorithm = params["SigningAlgorithm"]
        if message_type == "EXTERNAL_MU" and algorithm != "ML_DSA_SHAKE_256":
            raise ServiceError(
                "ValidationException",
                f"MessageType EXTERNAL_MU is only valid with signing algorithm ML_DSA_SHAKE_256.",
            )
        if message_type == "DIGEST" and algorithm in ("ED25519_SHA_512", "ML_DSA_SHAKE_256"):
            raise ServiceError(
                "ValidationException", f"MessageType DIGEST is not valid with signing algorithm {algorithm}."
            )
        return message_type

    def get_public_key(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self.keys.resolve(ctx, params["KeyId"])
        check_usable(key)
        if key.key_spec == "SYMMETRIC_DEFAULT" or key.key_spec.startswith("HMAC_"):
            raise ServiceError(
                "UnsupportedOperationException",
                f"{key.arn} key spec is {key.key_spec} which is not valid for GetPublicKey.",
            )
        self._touch(ctx, key, "GetPublicKey")
        info = SPEC_INFO[key.key_spec]
        result: dict[str, Any] = {
            "KeyId": key.arn,
            "PublicKey": public_key_der(self.crypto.private(key.current.secret)),
            "KeySpec": key.key_spec,
            "KeyUsage": key.key_usage,
        }
        if key.key_spec in LEGACY_SPECS:
            result["CustomerMasterKeySpec"] = key.key_spec
        if key.key_usage == "ENCRYPT_DECRYPT":
            result["EncryptionAlgorithms"] = list(info.encryption)
        elif key.key_usage == "SIGN_VERIFY":
            result["SigningAlgorithms"] = list(info.signing)
        elif key.key_usage == "KEY_AGREEMENT":
            result["KeyAgreementAlgorithms"] = list(info.agreement)
        elif key.key_usage == "ENCAPSULATE_DECAPSULATE":
            result["EncapsulationAlgorithms"] = list(info.encapsulation)
        return result

    # -- MACs and key agreement ---------------------------------------------------------------

    def generate_mac(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self._usable_key(ctx, params["KeyId"], "GENERATE_VERIFY_MAC", "GenerateMac")
        algorithm = self._algorithm(key, params["MacAlgorithm"], "mac")
        dry_run(params)
        tag = mac(key.current.secret, algorithm, params.get("Message", b""))
        return {"Mac": tag, "MacAlgorithm": algorithm, "KeyId": key.arn}

    def verify_mac(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        import hmac

        key = self._usable_key(ctx, params["KeyId"], "GENERATE_VERIFY_MAC", "VerifyMac")
        algorithm = self._algorithm(key, params["MacAlgorithm"], "mac")
        dry_run(params)
        expected = mac(key.current.secret, algorithm, params.get("Message", b""))
        if not hmac.compare_digest(expected, params.get("Mac", b"")):
            raise ServiceError("KMSInvalidMacException", "")
        return {"KeyId": key.arn, "MacValid": True, "MacAlgorithm": algorithm}

    def derive_shared_secret(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self._usable_key(ctx, params["KeyId"], "KEY_AGREEMENT", "DeriveSharedSecret")
        algorithm = self._algorithm(key, params["KeyAgreementAlgorithm"], "agreement")
        dry_run(params)
        secret = self.crypto.derive_shared_secret(key.current.secret, params.get("PublicKey", b""))
        return {
            "KeyId": key.arn,
            "SharedSecret": secret,
            "KeyAgreementAlgorithm": algorithm,
            "KeyOrigin": key.origin,
        }

    # -- key encapsulation (ML-KEM) -----------------------------------------------------------

    def encapsulate(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self._usable_key(ctx, params["KeyId"], "ENCAPSULATE_DECAPSULATE", "Encapsulate")
        algorithm = self._algorithm(key, params.get("EncapsulationAlgorithm", "ML_KEM"), "encapsulation")
        dry_run(params)
        secret, blob = self.crypto.encapsulate(key.current.secret)
        return {
            "KeyId": key.arn,
            "SharedSecret": secret,
            "SharedSecretCiphertextBlob": blob,
            "EncapsulationAlgorithm": algorithm,
        }

    def decapsulate(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self._usable_key(ctx, params["KeyId"], "ENCAPSULATE_DECAPSULATE", "Decapsulate")
        algorithm = self._algorithm(key, params.get("EncapsulationAlgorithm", "ML_KEM"), "encapsulation")
        dry_run(params)
        secret = self.crypto.decapsulate(key.current.secret, params.get("SharedSecretCiphertextBlob", b""))
        return {"KeyId": key.arn, "SharedSecret": secret, "EncapsulationAlgorithm": algorithm}
