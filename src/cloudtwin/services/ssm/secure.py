"""SecureString values, encrypted through KMS as Parameter Store does it.

Standard-tier values go to KMS ``Encrypt`` directly; advanced-tier values (up to 8 KB, past
KMS's 4 KB limit) are sealed locally with a data key from ``GenerateDataKey``. Either way
the encryption context is ``{"PARAMETER_ARN": <the parameter's ARN>}``, and the calls go
through ``env.internal`` as the caller, so KMS records them.
"""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cloudtwin.protocol.errors import ServiceError

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.events.internal import InternalClient
    from cloudtwin.gateway.context import RequestContext

DEFAULT_KEY = "alias/aws/ssm"


def _kms(internal: "InternalClient", ctx: "RequestContext", operation: str, params: dict) -> dict:
    try:
        return internal.call(
            "kms", operation, params, account_id=ctx.account_id, region=ctx.region, caller=ctx.identity
        )
    except ServiceError as error:
        raise ServiceError("InvalidKeyId", error.message or error.code) from None


def encrypt(
    internal: "InternalClient", ctx: "RequestContext", arn: str, key_id: str | None, value: str, advanced: bool
) -> tuple[bytes, tuple[bytes, bytes] | None]:
    """(stored bytes, envelope (data key blob, nonce) or None)."""
    context = {"PARAMETER_ARN": arn}
    if not advanced:
        out = _kms(internal, ctx, "Encrypt", {"KeyId": key_id or DEFAULT_KEY, "Plaintext": value.encode(),
                                               "EncryptionContext": context})
        return out["CiphertextBlob"], None
    out = _kms(internal, ctx, "GenerateDataKey", {"KeyId": key_id or DEFAULT_KEY, "KeySpec": "AES_256",
                                                   "EncryptionContext": context})
    nonce = os.urandom(12)
    sealed = AESGCM(out["Plaintext"]).encrypt(nonce, value.encode(), arn.encode())
    return sealed, (out["CiphertextBlob"], nonce)


def decrypt(
    internal: "InternalClient", ctx: "RequestContext", arn: str, stored: bytes, envelope: tuple[bytes, bytes] | None
) -> str:
    context = {"PARAMETER_ARN": arn}
    if envelope is None:
        return _kms(internal, ctx, "Decrypt", {"CiphertextBlob": stored, "EncryptionContext": context})[
            "Plaintext"
        ].decode()
    data_key = _kms(internal, ctx, "Decrypt", {"CiphertextBlob": envelope[0], "EncryptionContext": context})
    try:
        return AESGCM(data_key["Plaintext"]).decrypt(envelope[1], stored, arn.encode()).decode()
    except InvalidTag:
        raise ServiceError("InvalidKeyId", "The ciphertext refers to a key that cannot decrypt it.") from None


def masked(stored: bytes, envelope: tuple[bytes, bytes] | None) -> str:
    """What GetParameter shows for a SecureString read without decryption: the ciphertext."""
    blob = stored if envelope is None else envelope[0] + envelope[1] + stored
    return base64.b64encode(blob).decode()
