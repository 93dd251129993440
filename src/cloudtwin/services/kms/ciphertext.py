"""The ciphertext blob of a symmetric KMS key.

A symmetric blob names the key and the key material that made it, so ``Decrypt`` needs no
``KeyId`` and still works after the key rotated. Layout (all lengths fixed)::

    01 02 02 00 78 | key id (36 ASCII bytes) | owning account (12 ASCII digits)
                   | key material id (32 bytes) | nonce (12 bytes)
                   | AES-256-GCM ciphertext + 16-byte tag

The account makes a blob decryptable without a KeyId from another account (with the key's
ARN resolved in the caller's region, which is also where a multi-region replica answers).

The first five bytes are those every real KMS blob starts with (``AQICAHg`` in base64), so
tools that sniff blobs recognise ours. The encryption context is the GCM associated data,
serialised canonically (keys sorted), so a blob decrypts only with the same context.
"""

from __future__ import annotations

import json
import os
from typing import NamedTuple

from cloudtwin.protocol.errors import ServiceError

MAGIC = b"\x01\x02\x02\x00\x78"
_KEY_ID_LEN = 36
_ACCOUNT_LEN = 12
_MATERIAL_LEN = 32
_NONCE_LEN = 12
_ACCOUNT_AT = len(MAGIC) + _KEY_ID_LEN
_MATERIAL_AT = _ACCOUNT_AT + _ACCOUNT_LEN
_HEADER = _MATERIAL_AT + _MATERIAL_LEN
_MIN = _HEADER + _NONCE_LEN + 16


class BlobHeader(NamedTuple):
    key_id: str
    account_id: str
    material_id: str


def context_aad(context: dict[str, str] | None) -> bytes:
    """The encryption context as GCM associated data: order-independent, as AWS binds it."""
    if not context:
        return b""
    return json.dumps(context, sort_keys=True, separators=(",", ":")).encode()


def read_header(blob: bytes) -> BlobHeader:
    """The key id and material id a symmetric blob names; InvalidCiphertext if it is none."""
    if len(blob) < _MIN or not blob.startswith(MAGIC):
        raise invalid_ciphertext()
    try:
        key_id = blob[len(MAGIC) : _ACCOUNT_AT].decode("ascii").strip()
        account = blob[_ACCOUNT_AT:_MATERIAL_AT].decode("ascii")
    except UnicodeDecodeError:
        raise invalid_ciphertext() from None
    if not account.isdigit():
        raise invalid_ciphertext()
    return BlobHeader(key_id, account, blob[_MATERIAL_AT:_HEADER].hex())


def seal(key_id: str, account_id: str, material_id: str, material: bytes, plaintext: bytes,
         context: dict[str, str] | None) -> bytes:
    header = (
        MAGIC
        + key_id.encode("ascii").ljust(_KEY_ID_LEN, b" ")
        + account_id.encode("ascii")
        + bytes.fromhex(material_id)
    )
    nonce = os.urandom(_NONCE_LEN)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # on first use: see crypto._Module

    return header + nonce + AESGCM(material).encrypt(nonce, plaintext, context_aad(context))


def open_blob(blob: bytes, material: bytes, context: dict[str, str] | None) -> bytes:
    nonce = blob[_HEADER : _HEADER + _NONCE_LEN]
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(material).decrypt(nonce, blob[_HEADER + _NONCE_LEN :], context_aad(context))
    except InvalidTag:
        raise invalid_ciphertext() from None


def invalid_ciphertext() -> ServiceError:
    # AWS says nothing more: the context, the key or the bytes are wrong, and it won't tell which.
    return ServiceError("InvalidCiphertextException", "")
