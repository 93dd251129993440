"""The cryptography behind KMS keys, done for real with the ``cryptography`` library.

Each key spec maps to how its material is made and what it can do:

    SYMMETRIC_DEFAULT ── AES-256-GCM (see ciphertext.py for the blob)
    RSA_2048/3072/4096 ── RSAES-OAEP encrypt/decrypt, RSASSA-PSS / PKCS#1 v1.5 signatures
    ECC_NIST_P256/384/521, ECC_SECG_P256K1 ── ECDSA signatures, ECDH key agreement
    ECC_NIST_EDWARDS25519 ── Ed25519 and Ed25519ph signatures (ed25519ph.py)
    ML_DSA_44/65/87 ── ML-DSA signatures
    HMAC_224/256/384/512 ── HMAC tags
    ML_KEM_768/1024 ── ML-KEM encapsulation (ML_KEM_512: not in ``cryptography``)

Private material is kept as PKCS#8 DER bytes (symmetric and HMAC keys as raw bytes), so it
is stored in a table record and survives a restart. Loaded key objects are cached on the
:class:`KeyCache` (an object, not module state), keyed by the material bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
from typing import Any

import importlib

from cloudtwin.protocol.errors import ServiceError


class _Module:
    """A module imported at the first read of one of its names. ``cryptography``'s OpenSSL
    bindings are ~7 MiB, which a server that only lists keys (or aliases, grants...) never
    needs; the import lock makes the first read safe from any thread."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


_exceptions = _Module("cryptography.exceptions")
hashes = _Module("cryptography.hazmat.primitives.hashes")
serialization = _Module("cryptography.hazmat.primitives.serialization")
ec = _Module("cryptography.hazmat.primitives.asymmetric.ec")
ed25519 = _Module("cryptography.hazmat.primitives.asymmetric.ed25519")
padding = _Module("cryptography.hazmat.primitives.asymmetric.padding")
rsa = _Module("cryptography.hazmat.primitives.asymmetric.rsa")
utils = _Module("cryptography.hazmat.primitives.asymmetric.utils")

__all__ = [
    "KeyCache",
    "SPEC_INFO",
    "SpecInfo",
    "generate_material",
    "generate_material_off_loop",
    "rsa_key_off_loop",
    "public_key_der",
    "hash_for",
]

_RSA_SIZES = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
#: key spec -> the curve's class name in ``cryptography``
_CURVES: dict[str, str] = {
    "ECC_NIST_P256": "SECP256R1",
    "ECC_NIST_P384": "SECP384R1",
    "ECC_NIST_P521": "SECP521R1",
    "ECC_SECG_P256K1": "SECP256K1",
}
_HMAC_SIZES = {"HMAC_224": 28, "HMAC_256": 32, "HMAC_384": 48, "HMAC_512": 64}
#: algorithm suffix -> the hash's class name in ``cryptography``
_HASHES = {"SHA_1": "SHA1", "SHA_224": "SHA224", "SHA_256": "SHA256", "SHA_384": "SHA384", "SHA_512": "SHA512"}


class SpecInfo:
    """What a key spec allows: usages and the algorithms of each usage."""

    __slots__ = ("usages", "encryption", "signing", "mac", "agreement", "encapsulation")

    def __init__(
        self,
        usages: tuple[str, ...],
        encryption: tuple[str, ...] = (),
        signing: tuple[str, ...] = (),
        mac: tuple[str, ...] = (),
        agreement: tuple[str, ...] = (),
        encapsulation: tuple[str, ...] = (),
    ) -> None:
        self.usages = usages
        self.encryption = encryption
        self.signing = signing
        self.mac = mac
        self.agreement = agreement
        self.encapsulation = encapsulation


_RSA_SIGNING = (
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
)
_RSA_INFO = SpecInfo(
    ("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    encryption=("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"),
    signing=_RSA_SIGNING,
)

SPEC_INFO: dict[str, SpecInfo] = {
    "SYMMETRIC_DEFAULT": SpecInfo(("ENCRYPT_DECRYPT",), encryption=("SYMMETRIC_DEFAULT",)),
    **{name: _RSA_INFO for name in _RSA_SIZES},
    "ECC_NIST_P256": SpecInfo(("SIGN_VERIFY", "KEY_AGREEMENT"), signing=("ECDSA_SHA_256",), agreement=("ECDH",)),
    "ECC_NIST_P384": SpecInfo(("SIGN_VERIFY", "KEY_AGREEMENT"), signing=("ECDSA_SHA_384",), agreement=("ECDH",)),
    "ECC_NIST_P521": SpecInfo(("SIGN_VERIFY", "KEY_AGREEMENT"), signing=("ECDSA_SHA_512",), agreement=("ECDH",)),
    "ECC_SECG_P256K1": SpecInfo(("SIGN_VERIFY",), signing=("ECDSA_SHA_256",)),
    "ECC_NIST_EDWARDS25519": SpecInfo(("SIGN_VERIFY",), signing=("ED25519_SHA_512", "ED25519_PH_SHA_512")),
    "ML_DSA_44": SpecInfo(("SIGN_VERIFY",), signing=("ML_DSA_SHAKE_256",)),
    "ML_DSA_65": SpecInfo(("SIGN_VERIFY",), signing=("ML_DSA_SHAKE_256",)),
    "ML_DSA_87": SpecInfo(("SIGN_VERIFY",), signing=("ML_DSA_SHAKE_256",)),
    **{name: SpecInfo(("GENERATE_VERIFY_MAC",), mac=("HMAC_SHA_" + name[5:],)) for name in _HMAC_SIZES},
    "ML_KEM_768": SpecInfo(("ENCAPSULATE_DECAPSULATE",), encapsulation=("ML_KEM",)),
    "ML_KEM_1024": SpecInfo(("ENCAPSULATE_DECAPSULATE",), encapsulation=("ML_KEM",)),
}
def _available(module: str) -> bool:
    """Post-quantum keys need a recent ``cryptography``; older ones simply lack the module."""
    import importlib.util

    return importlib.util.find_spec(f"cryptography.hazmat.primitives.asymmetric.{module}") is not None


#: Specs AWS offers that cloudtwin cannot do (no implementation in ``cryptography``).
UNSUPPORTED_SPECS = frozenset(
    {"SM2", "ML_KEM_512"}
    | (set() if _available("mldsa") else {"ML_DSA_44", "ML_DSA_65", "ML_DSA_87"})
    | (set() if _available("mlkem") else {"ML_KEM_768", "ML_KEM_1024"})
)


def hash_for(algorithm: str) -> Any:
    """``RSASSA_PSS_SHA_256`` -> SHA256(); the hash is always the last two words."""
    return getattr(hashes, _HASHES["_".join(algorithm.split("_")[-2:])])()


def generate_material(spec: str) -> bytes:
    """New key material: raw bytes for symmetric and HMAC keys, PKCS#8 DER otherwise."""
    if spec == "SYMMETRIC_DEFAULT":
        return os.urandom(32)
    if spec in _HMAC_SIZES:
        return os.urandom(_HMAC_SIZES[spec])
    if spec in _RSA_SIZES:
        key: Any = rsa.generate_private_key(65537, _RSA_SIZES[spec])
    elif spec in _CURVES:
        key = ec.generate_private_key(getattr(ec, _CURVES[spec])())
    elif spec == "ECC_NIST_EDWARDS25519":
        key = ed25519.Ed25519PrivateKey.generate()
    elif spec.startswith("ML_DSA_"):
        from cryptography.hazmat.primitives.asymmetric import mldsa

        cls = {"ML_DSA_44": mldsa.MLDSA44PrivateKey, "ML_DSA_65": mldsa.MLDSA65PrivateKey,
               "ML_DSA_87": mldsa.MLDSA87PrivateKey}[spec]
        key = cls.generate()
    elif spec in ("ML_KEM_768", "ML_KEM_1024"):
        from cryptography.hazmat.primitives.asymmetric import mlkem

        key = (mlkem.MLKEM768PrivateKey if spec == "ML_KEM_768" else mlkem.MLKEM1024PrivateKey).generate()
    else:  # pragma: no cover - guarded by the caller
        raise ValueError(spec)
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


async def generate_material_off_loop(spec: str) -> bytes:
    """:func:`generate_material` on a worker thread for the specs that take long (an RSA-4096
    key takes seconds on a busy machine; OpenSSL releases the GIL meanwhile), so the event loop
    keeps serving other requests; cheap specs are made in place."""
    if spec in _RSA_SIZES:
        return await asyncio.to_thread(generate_material, spec)
    return generate_material(spec)


async def rsa_key_off_loop(bits: int) -> Any:
    """A new RSA private key, made on a worker thread (see :func:`generate_material_off_loop`)."""
    return await asyncio.to_thread(rsa.generate_private_key, 65537, bits)


def public_key_der(private: Any) -> bytes:
    """SubjectPublicKeyInfo DER: what GetPublicKey returns and OpenSSL reads."""
    return private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class KeyCache:
    """Parsed private keys by their DER bytes: parsing RSA keys costs more than using them."""

    def __init__(self, limit: int = 1024) -> None:
        self._keys: dict[bytes, Any] = {}
        self._limit = limit

    def private(self, der: bytes) -> Any:
        key = self._keys.get(der)
        if key is None:
            key = serialization.load_der_private_key(der, password=None)
            if len(self._keys) >= self._limit:
                self._keys.clear()
            self._keys[der] = key
        return key

    # -- asymmetric encryption ----------------------------------------------------------------

    def rsa_encrypt(self, der: bytes, algorithm: str, plaintext: bytes) -> bytes:
        key = self.private(der)
        pad = _oaep(algorithm)
        digest_size = 20 if algorithm == "RSAES_OAEP_SHA_1" else 32
        limit = key.key_size // 8 - 2 * digest_size - 2
        if len(plaintext) > limit:
            raise ServiceError(
                "ValidationException",
                f"Algorithm {algorithm} and key spec RSA_{key.key_size} cannot encrypt data "
                f"larger than {limit} bytes.",
            )
        return key.public_key().encrypt(plaintext, pad)

    def rsa_decrypt(self, der: bytes, algorithm: str, ciphertext: bytes) -> bytes:
        try:
            return self.private(der).decrypt(ciphertext, _oaep(algorithm))
        except ValueError:
            raise ServiceError("InvalidCiphertextException", "") from None

    # -- signatures ---------------------------------------------------------------------------

    def sign(self, der: bytes, algorithm: str, message: bytes, message_type: str) -> bytes:
        key = self.private(der)
        if algorithm.startswith("RSASSA_"):
            digest, data = _digest_args(algorithm, message, message_type)
            return key.sign(data, _rsa_padding(algorithm), digest)
        if algorithm.startswith("ECDSA_"):
            digest, data = _digest_args(algorithm, message, message_type)
            return key.sign(data, ec.ECDSA(digest))
        if algorithm == "ED25519_SHA_512":
            return key.sign(message)
        if algorithm == "ED25519_PH_SHA_512":
            from cloudtwin.services.kms import ed25519ph

            return ed25519ph.sign(key.private_bytes_raw(), _sha512_digest(message, message_type))
        if algorithm == "ML_DSA_SHAKE_256":
            if message_type == "EXTERNAL_MU":
                return key.sign_mu(message)
            return key.sign(message)
        raise ServiceError(
            "UnsupportedOperationException", f"{algorithm} is not supported by cloudtwin."
        )

    def verify(
        self, der: bytes, algorithm: str, message: bytes, message_type: str, signature: bytes
    ) -> bool:
        public = self.private(der).public_key()
        try:
            if algorithm.startswith("RSASSA_"):
                digest, data = _digest_args(algorithm, message, message_type)
                public.verify(signature, data, _rsa_padding(algorithm), digest)
            elif algorithm.startswith("ECDSA_"):
                digest, data = _digest_args(algorithm, message, message_type)
                public.verify(signature, data, ec.ECDSA(digest))
            elif algorithm == "ED25519_SHA_512":
                public.verify(signature, message)
            elif algorithm == "ED25519_PH_SHA_512":
                from cloudtwin.services.kms import ed25519ph

                return ed25519ph.verify(
                    public.public_bytes_raw(), _sha512_digest(message, message_type), signature
                )
            elif algorithm == "ML_DSA_SHAKE_256":
                if message_type == "EXTERNAL_MU":
                    raise ServiceError(
                        "UnsupportedOperationException",
                        "Verify with MessageType EXTERNAL_MU is not supported by cloudtwin.",
                    )
                public.verify(signature, message)
            else:
                raise ServiceError(
                    "UnsupportedOperationException", f"{algorithm} is not supported by cloudtwin."
                )
        except _exceptions.InvalidSignature:
            return False
        return True

    # -- key encapsulation ---------------------------------------------------------------------

    def encapsulate(self, der: bytes) -> tuple[bytes, bytes]:
        """(shared secret, ciphertext) for the key's public half."""
        return self.private(der).public_key().encapsulate()

    def decapsulate(self, der: bytes, ciphertext: bytes) -> bytes:
        try:
            return self.private(der).decapsulate(ciphertext)
        except ValueError:
            raise ServiceError("InvalidCiphertextException", "") from None

    # -- key agreement ------------------------------------------------------------------------

    def derive_shared_secret(self, der: bytes, public_der: bytes) -> bytes:
        key = self.private(der)
        try:
            peer = serialization.load_der_public_key(public_der)
            return key.exchange(ec.ECDH(), peer)
        except (ValueError, TypeError):
            raise ServiceError(
                "ValidationException", "The public key is not a valid DER-encoded key for this curve."
            ) from None


def mac(material: bytes, algorithm: str, message: bytes) -> bytes:
    name = {"HMAC_SHA_224": "sha224", "HMAC_SHA_256": "sha256", "HMAC_SHA_384": "sha384",
            "HMAC_SHA_512": "sha512"}[algorithm]
    return hmac.new(material, message, getattr(hashlib, name)).digest()


def _oaep(algorithm: str) -> Any:
    digest = hashes.SHA1() if algorithm == "RSAES_OAEP_SHA_1" else hashes.SHA256()
    return padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)


def _rsa_padding(algorithm: str) -> Any:
    if algorithm.startswith("RSASSA_PSS_"):
        # KMS uses a salt as long as the digest. MGF1 takes the hash itself, never the
        # ``Prehashed`` wrapper a DIGEST message is signed with.
        digest = hash_for(algorithm)
        return padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
    return padding.PKCS1v15()


def _sha512_digest(message: bytes, message_type: str) -> bytes:
    if message_type == "DIGEST":
        if len(message) != 64:
            raise ServiceError(
                "ValidationException", "Digest is invalid length for algorithm ED25519_PH_SHA_512."
            )
        return message
    return hashlib.sha512(message).digest()


def _digest_args(algorithm: str, message: bytes, message_type: str) -> tuple[Any, bytes]:
    """(hash or Prehashed, data): RAW messages are hashed here, DIGEST ones are the hash."""
    digest = hash_for(algorithm)
    if message_type == "DIGEST":
        if len(message) != digest.digest_size:
            raise ServiceError(
                "ValidationException",
                f"Digest is invalid length for algorithm {algorithm}.",
            )
        return utils.Prehashed(digest), message
    return digest, message
