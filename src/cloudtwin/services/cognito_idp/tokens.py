"""The tokens a user pool issues: RS256 JWTs signed with the pool's own RSA key.

A pool's key is made when the pool is, kept (PEM) in its record and published as a JWKS
at ``<issuer>/.well-known/jwks.json``; ID and access tokens carry AWS's claims. Refresh
tokens are opaque (a random string the store knows).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int_b64(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def new_key() -> tuple[str, str]:
    """(private key PEM, key id) of a new pool signing key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    numbers = key.public_key().public_numbers()
    kid = base64.b64encode(hashlib.sha256(f"{numbers.n}".encode()).digest()).decode()
    return pem, kid


def issuer_url(config: Any, pool_id: str) -> str:
    """A pool's issuer: the URL where cloudtwin serves its JWKS and OpenID configuration."""
    return f"{config.issuer_base()}/{pool_id}"


def pool_key(store: Any, pool: dict[str, Any]) -> tuple[str, str]:
    """(PEM, key id) of a pool's signing key, made on first use and kept in the pool's
    record (RSA key generation is the dearest step of creating a pool)."""
    if not pool.get("_Key"):
        pool["_Key"], pool["_Kid"] = new_key()
        store.pools.save(pool["Id"])
    return pool["_Key"], pool["_Kid"]


class PoolKeys:
    """Loaded keys by PEM (loading a PEM costs more than signing with it)."""

    def __init__(self) -> None:
        self._loaded: dict[str, Any] = {}

    def key(self, pem: str) -> Any:
        key = self._loaded.get(pem)
        if key is None:
            key = self._loaded[pem] = serialization.load_pem_private_key(pem.encode(), password=None)
        return key

    def sign(self, pem: str, kid: str, claims: dict[str, Any]) -> str:
        header = b64url(json.dumps({"kid": kid, "alg": "RS256"}, separators=(",", ":")).encode())
        body = b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{body}".encode()
        signature = self.key(pem).sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{body}.{b64url(signature)}"

    def verify(self, pem: str, token: str) -> dict[str, Any] | None:
        """The claims of a token this key signed, else None (expiry is the caller's)."""
        try:
            header, body, signature = token.split(".")
            self.key(pem).public_key().verify(
                b64url_decode(signature), f"{header}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
            claims = json.loads(b64url_decode(body))
        except (ValueError, InvalidSignature, TypeError):
            return None
        return claims if isinstance(claims, dict) else None

    def jwk(self, pem: str, kid: str) -> dict[str, str]:
        numbers = self.key(pem).public_key().public_numbers()
        return {"alg": "RS256", "e": _int_b64(numbers.e), "kid": kid, "kty": "RSA", "n": _int_b64(numbers.n), "use": "sig"}


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The claims of a JWT without checking it (to find which pool signed it)."""
    try:
        claims = json.loads(b64url_decode(token.split(".")[1]))
    except (ValueError, IndexError, TypeError):
        return None
    return claims if isinstance(claims, dict) else None


def verify_with_jwks(token: str, jwks: Any) -> bool:
    """Whether an RS256 JWT is signed by the key its ``kid`` names in a JWKS document (as
    a relying party checks a token it was handed)."""
    try:
        header_part, body, signature = token.split(".")
        header = json.loads(b64url_decode(header_part))
        key = next(k for k in jwks.get("keys", []) if k.get("kid") == header.get("kid"))
        numbers = rsa.RSAPublicNumbers(int.from_bytes(b64url_decode(key["e"]), "big"),
                                       int.from_bytes(b64url_decode(key["n"]), "big"))  # fmt: skip
        numbers.public_key().verify(b64url_decode(signature), f"{header_part}.{body}".encode(),
                                    padding.PKCS1v15(), hashes.SHA256())  # fmt: skip
    except (ValueError, StopIteration, KeyError, InvalidSignature, TypeError, AttributeError):
        return False
    return True


def opaque_token() -> str:
    """A refresh token: opaque, as AWS's (an encrypted JWE there; random here)."""
    return b64url(secrets.token_bytes(96))
