"""Key pairs: CreateKeyPair (real RSA or ED25519 key material), ImportKeyPair,
DescribeKeyPairs, DeleteKeyPair. Fingerprints are computed as AWS documents them: a created
RSA key's is the SHA-1 of its PKCS#8 private key, an imported RSA key's the MD5 of its
public key (DER), an ED25519 key's the base64 SHA-256 of its OpenSSH public key."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2.filters import select
from cloudtwin.services.ec2.ids import new_id
from cloudtwin.services.ec2.models import Ec2Store
from cloudtwin.services.ec2.tagging import spec_tags

KEY_FIELDS = {
    "key-pair-id": lambda k: k["KeyPairId"], "key-name": lambda k: k["KeyName"],
    "fingerprint": lambda k: k["KeyFingerprint"], "key-type": lambda k: k["KeyType"],
}  # fmt: skip


def _colons(digest: bytes) -> str:
    return ":".join(f"{b:02x}" for b in digest)


def _ed25519_fingerprint(public_openssh: bytes) -> str:
    blob = base64.b64decode(public_openssh.split()[1])
    return base64.b64encode(hashlib.sha256(blob).digest()).decode()


def generate(key_type: str) -> tuple[str, str, str]:
    """(private key material, fingerprint, OpenSSH public key) of a new key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    if key_type == "ed25519":
        ed_key = ed25519.Ed25519PrivateKey.generate()
        material = ed_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
        public = ed_key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        return material.decode(), _ed25519_fingerprint(public), public.decode()
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    material = rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    pkcs8 = rsa_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = rsa_key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return material.decode(), _colons(hashlib.sha1(pkcs8).digest()), public.decode()


def imported(material: bytes) -> tuple[str, str, str]:
    """(key type, fingerprint, OpenSSH public key) of an imported public key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    text = material.strip()
    try:
        if text.startswith(b"-----"):
            key = serialization.load_pem_public_key(text)
        else:
            key = serialization.load_ssh_public_key(b" ".join(text.split()[:2]))
    except (ValueError, TypeError, IndexError):
        raise ServiceError("InvalidKey.Format", "Key is not in valid OpenSSH public key format") from None
    public = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    if isinstance(key, rsa.RSAPublicKey):
        der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return "rsa", _colons(hashlib.md5(der).digest()), public.decode()
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ed25519", _ed25519_fingerprint(public), public.decode()
    raise ServiceError("InvalidKey.Format", "Key is not in valid OpenSSH public key format")


class KeyPairOperations:
    def _key_named(self, store: Ec2Store, name: str) -> dict[str, Any] | None:
        return next((k for k in store.key_pairs.values() if k["KeyName"] == name), None)

    def _store_key(self, ctx: Any, params: dict[str, Any], key_type: str, fingerprint: str, public: str) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        name = params["KeyName"]
        if self._key_named(store, name) is not None:
            raise ServiceError("InvalidKeyPair.Duplicate", f"The keypair '{name}' already exists.")
        if not name or len(name) > 255:
            raise ServiceError("InvalidParameterValue", f"Value ({name}) for parameter keyName is invalid. Length exceeds maximum of 255.")
        key = {
            "KeyPairId": new_id("key"), "KeyType": key_type, "Tags": spec_tags(params, "key-pair"),
            "PublicKey": public, "CreateTime": ctx.clock.now(), "KeyName": name, "KeyFingerprint": fingerprint,
        }  # fmt: skip
        store.key_pairs[key["KeyPairId"]] = key
        return key

    def create_key_pair(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        key_type = params.get("KeyType") or "rsa"
        if self._key_named(ctx.store, params["KeyName"]) is not None:
            raise ServiceError("InvalidKeyPair.Duplicate", f"The keypair '{params['KeyName']}' already exists.")
        material, fingerprint, public = generate(key_type)
        key = self._store_key(ctx, params, key_type, fingerprint, public)
        return {"KeyFingerprint": fingerprint, "KeyMaterial": material, "KeyName": key["KeyName"],
                "KeyPairId": key["KeyPairId"], "Tags": key["Tags"]}  # fmt: skip

    def import_key_pair(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        material = params["PublicKeyMaterial"]
        if isinstance(material, str):
            material = material.encode()
        key_type, fingerprint, public = imported(material)
        key = self._store_key(ctx, params, key_type, fingerprint, public)
        return {"KeyFingerprint": fingerprint, "KeyName": key["KeyName"], "KeyPairId": key["KeyPairId"], "Tags": key["Tags"]}

    def describe_key_pairs(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        names, ids = params.get("KeyNames"), params.get("KeyPairIds")
        found = list(store.key_pairs.values())
        if names or ids:
            found = []
            for name in names or ():
                key = self._key_named(store, name)
                if key is None:
                    raise ServiceError("InvalidKeyPair.NotFound", f"The key pair '{name}' does not exist")
                found.append(key)
            for key_id in ids or ():
                key = store.key_pairs.get(key_id)
                if key is None:
                    raise ServiceError("InvalidKeyPair.NotFound", f"The key pair '{key_id}' does not exist")
                found.append(key)
        found = select(found, params.get("Filters"), KEY_FIELDS)
        include_public = bool(params.get("IncludePublicKey"))
        return {"KeyPairs": [{k: v for k, v in key.items() if include_public or k != "PublicKey"} for key in found]}

    def delete_key_pair(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        key = store.key_pairs.get(params.get("KeyPairId") or "") or self._key_named(store, params.get("KeyName") or "")
        if key is None:
            if params.get("KeyPairId"):
                raise ServiceError("InvalidKeyPair.NotFound", f"The key pair '{params['KeyPairId']}' does not exist")
            return {"Return": True}
        del store.key_pairs[key["KeyPairId"]]
        return {"Return": True, "KeyPairId": key["KeyPairId"]}
