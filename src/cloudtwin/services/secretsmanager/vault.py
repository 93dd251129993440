"""Secret values encrypted through KMS, as Secrets Manager does it: envelope encryption.

For each version, a data key comes from KMS ``GenerateDataKey`` with the encryption
context AWS uses (``SecretARN``, ``SecretVersionId``); the value is sealed with it
(AES-256-GCM) and only the KMS-encrypted data key is kept. Reading calls KMS ``Decrypt``
with the same context. Both go through ``env.internal`` as the calling principal, so KMS
records them, and a disabled or deleted key makes the secret unreadable, as on AWS.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING


from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.secretsmanager.models import SecretVersion

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.events.internal import InternalClient
    from cloudtwin.gateway.context import RequestContext

DEFAULT_KEY = "alias/aws/secretsmanager"

_ENCRYPTION_FAILURE = (
    "Secrets Manager can't encrypt the protected secret text using the provided KMS key. "
    "Check that the KMS key is available, enabled, and not in an invalid state."
)
_DECRYPTION_FAILURE = "Secrets Manager can't decrypt the protected secret text using the provided KMS key."


def _context(secret_arn: str, version_id: str) -> dict[str, str]:
    return {"SecretARN": secret_arn, "SecretVersionId": version_id}


def seal(
    internal: "InternalClient",
    ctx: "RequestContext",
    secret_arn: str,
    version_id: str,
    kms_key_id: str | None,
    value: bytes,
    binary: bool,
) -> SecretVersion:
    try:
        out = internal.call(
            "kms",
            "GenerateDataKey",
            {
                "KeyId": kms_key_id or DEFAULT_KEY,
                "KeySpec": "AES_256",
                "EncryptionContext": _context(secret_arn, version_id),
            },
            account_id=ctx.account_id,
            region=ctx.region,
            caller=ctx.identity,
        )
    except ServiceError as error:
        if error.code == "NotFoundException" or error.code == "ValidationException":
            raise ServiceError("ResourceNotFoundException", "Secrets Manager can't find the specified KMS key.") from None
        raise ServiceError("EncryptionFailure", _ENCRYPTION_FAILURE) from None
    # cryptography's OpenSSL bindings (~7 MiB) load with the first secret value, not before
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    sealed = AESGCM(out["Plaintext"]).encrypt(nonce, value, version_id.encode())
    return SecretVersion(
        version_id=version_id,
        created=ctx.clock.now(),
        data_key_blob=out["CiphertextBlob"],
        nonce=nonce,
        sealed=sealed,
        binary=binary,
        kms_key_arn=out["KeyId"],
    )


def unseal(
    internal: "InternalClient", ctx: "RequestContext", secret_arn: str, version: SecretVersion
) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        out = internal.call(
            "kms",
            "Decrypt",
            {
                "CiphertextBlob": version.data_key_blob,
                "EncryptionContext": _context(secret_arn, version.version_id),
            },
            account_id=ctx.account_id,
            region=ctx.region,
            caller=ctx.identity,
        )
        return AESGCM(out["Plaintext"]).decrypt(version.nonce, version.sealed, version.version_id.encode())
    except (ServiceError, InvalidTag):
        raise ServiceError("DecryptionFailure", _DECRYPTION_FAILURE) from None
