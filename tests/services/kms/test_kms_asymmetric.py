"""KMS RSA, ECC, Ed25519, ML-DSA and HMAC keys; signatures checked outside cloudtwin."""

import hashlib

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

SIGNING = {
    "RSA_2048": [
        "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
        "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
    ],
    "ECC_NIST_P256": ["ECDSA_SHA_256"],
    "ECC_NIST_P384": ["ECDSA_SHA_384"],
    "ECC_NIST_P521": ["ECDSA_SHA_512"],
    "ECC_SECG_P256K1": ["ECDSA_SHA_256"],
    "ECC_NIST_EDWARDS25519": ["ED25519_SHA_512", "ED25519_PH_SHA_512"],
    "ML_DSA_44": ["ML_DSA_SHAKE_256"],
}
_HASH = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}


@pytest.fixture
def kms(aws_client):
    return aws_client("kms")


def _verify_locally(public_der, algorithm, message, signature):
    public = serialization.load_der_public_key(public_der)
    if algorithm.startswith("RSASSA_PSS"):
        h = _HASH[algorithm[-3:]]()
        public.verify(signature, message, padding.PSS(padding.MGF1(h), h.digest_size), h)
    elif algorithm.startswith("RSASSA_PKCS1"):
        public.verify(signature, message, padding.PKCS1v15(), _HASH[algorithm[-3:]]())
    elif algorithm.startswith("ECDSA"):
        public.verify(signature, message, ec.ECDSA(_HASH[algorithm[-3:]]()))
    elif algorithm == "ED25519_PH_SHA_512":
        # cryptography has no Ed25519ph: check the RFC 8032 equation with the public key.
        from cloudtwin.services.kms import ed25519ph

        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        assert ed25519ph.verify(raw, hashlib.sha512(message).digest(), signature)
    else:
        public.verify(signature, message)


@pytest.mark.parametrize("spec", sorted(SIGNING))
def test_every_signing_algorithm_verifies_outside_cloudtwin(kms, spec):
    if spec.startswith("ML_DSA"):
        pytest.importorskip("cryptography.hazmat.primitives.asymmetric.mldsa")
    key = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    assert key["SigningAlgorithms"] == SIGNING[spec]
    public = kms.get_public_key(KeyId=key["KeyId"])
    assert public["KeySpec"] == spec and public["KeyUsage"] == "SIGN_VERIFY"
    message = b"the message to sign"
    for algorithm in SIGNING[spec]:
        signature = kms.sign(KeyId=key["KeyId"], Message=message, SigningAlgorithm=algorithm)["Signature"]
        _verify_locally(public["PublicKey"], algorithm, message, signature)
        ok = kms.verify(KeyId=key["KeyId"], Message=message, Signature=signature, SigningAlgorithm=algorithm)
        assert ok["SignatureValid"] is True
        with pytest.raises(ClientError) as err:
            kms.verify(KeyId=key["KeyId"], Message=b"other", Signature=signature, SigningAlgorithm=algorithm)
        assert err.value.response["Error"]["Code"] == "KMSInvalidSignatureException"


def test_rsa_sign_digest_verified_by_cryptography(kms):
    key = kms.create_key(KeySpec="RSA_3072", KeyUsage="SIGN_VERIFY")["KeyId" if False else "KeyMetadata"]
    message = b"release-1.2.3.tar.gz contents"
    digest = hashlib.sha256(message).digest()
    signature = kms.sign(
        KeyId=key["KeyId"], Message=digest, MessageType="DIGEST", SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256"
    )["Signature"]
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=key["KeyId"])["PublicKey"])
    assert public.key_size == 3072
    public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    public.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))


def test_public_key_der_is_read_by_openssl(kms, tmp_path):
    import shutil
    import subprocess

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl binary")
    key = kms.create_key(KeySpec="ECC_NIST_P384", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    der = kms.get_public_key(KeyId=key["KeyId"])["PublicKey"]
    path = tmp_path / "pub.der"
    path.write_bytes(der)
    out = subprocess.run(
        [openssl, "pkey", "-pubin", "-inform", "DER", "-in", str(path), "-noout", "-text"],
        capture_output=True, text=True, check=True,
    )
    assert "384" in out.stdout


def test_rsa_encrypt_decrypt(kms):
    key = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    assert key["EncryptionAlgorithms"] == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=key["KeyId"])["PublicKey"])
    # Encrypted outside cloudtwin with the public key, decrypted inside.
    blob = public.encrypt(
        b"offline", padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
    )
    out = kms.decrypt(CiphertextBlob=blob, KeyId=key["KeyId"], EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert out["Plaintext"] == b"offline"
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"online", EncryptionAlgorithm="RSAES_OAEP_SHA_1")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, KeyId=key["KeyId"], EncryptionAlgorithm="RSAES_OAEP_SHA_1")["Plaintext"] == b"online"
    with pytest.raises(ClientError) as err:
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    assert err.value.response["Error"] == {
        "Code": "InvalidKeyUsageException",
        "Message": "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.",
    }


def test_key_usage_is_enforced(kms):
    key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    with pytest.raises(ClientError) as err:
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    assert err.value.response["Error"] == {
        "Code": "InvalidKeyUsageException",
        "Message": f"{key['Arn']} key usage is SIGN_VERIFY which is not valid for Encrypt.",
    }
    symmetric = kms.create_key()["KeyMetadata"]
    with pytest.raises(ClientError) as err:
        kms.sign(KeyId=symmetric["KeyId"], Message=b"x", SigningAlgorithm="ECDSA_SHA_256")
    assert err.value.response["Error"]["Code"] == "InvalidKeyUsageException"
    with pytest.raises(ClientError) as err:
        kms.get_public_key(KeyId=symmetric["KeyId"])
    assert err.value.response["Error"]["Code"] == "UnsupportedOperationException"
    with pytest.raises(ClientError) as err:
        kms.create_key(KeySpec="ECC_NIST_P256")
    assert err.value.response["Error"]["Code"] == "ValidationException"


def test_hmac_keys(kms):
    key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    assert key["MacAlgorithms"] == ["HMAC_SHA_256"]
    mac = kms.generate_mac(KeyId=key["KeyId"], Message=b"payload", MacAlgorithm="HMAC_SHA_256")
    assert len(mac["Mac"]) == 32
    ok = kms.verify_mac(KeyId=key["KeyId"], Message=b"payload", MacAlgorithm="HMAC_SHA_256", Mac=mac["Mac"])
    assert ok["MacValid"] is True
    with pytest.raises(ClientError) as err:
        kms.verify_mac(KeyId=key["KeyId"], Message=b"other", MacAlgorithm="HMAC_SHA_256", Mac=mac["Mac"])
    assert err.value.response["Error"]["Code"] == "KMSInvalidMacException"
    with pytest.raises(ClientError) as err:
        kms.generate_mac(KeyId=key["KeyId"], Message=b"p", MacAlgorithm="HMAC_SHA_512")
    assert err.value.response["Error"]["Code"] == "InvalidKeyUsageException"


def test_ecdh_key_agreement(kms):
    key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
    assert key["KeyAgreementAlgorithms"] == ["ECDH"]
    mine = ec.generate_private_key(ec.SECP256R1())
    my_public = mine.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    out = kms.derive_shared_secret(KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=my_public)
    theirs = serialization.load_der_public_key(kms.get_public_key(KeyId=key["KeyId"])["PublicKey"])
    assert out["SharedSecret"] == mine.exchange(ec.ECDH(), theirs)


def test_ed25519ph_matches_rfc8032_and_pure_ed25519():
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from cloudtwin.services.kms import ed25519ph

    # RFC 8032, section 7.3: the Ed25519ph test vector.
    seed = bytes.fromhex("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42")
    assert ed25519ph.public_key(seed).hex() == "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf"
    assert ed25519ph.sign(seed, hashlib.sha512(b"abc").digest()).hex() == (
        "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41"
        "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406"
    )
    # Without the pre-hash the same arithmetic is pure Ed25519: byte-identical to OpenSSL.
    key = ed25519.Ed25519PrivateKey.generate()
    assert ed25519ph.sign(key.private_bytes_raw(), b"msg", prehashed=False) == key.sign(b"msg")


def test_ed25519ph_digest_message_type(kms):
    key = kms.create_key(KeySpec="ECC_NIST_EDWARDS25519", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    digest = hashlib.sha512(b"payload").digest()
    by_digest = kms.sign(KeyId=key["KeyId"], Message=digest, MessageType="DIGEST",
                         SigningAlgorithm="ED25519_PH_SHA_512")["Signature"]
    ok = kms.verify(KeyId=key["KeyId"], Message=b"payload", Signature=by_digest,
                    SigningAlgorithm="ED25519_PH_SHA_512")
    assert ok["SignatureValid"] is True
    with pytest.raises(ClientError) as err:
        kms.sign(KeyId=key["KeyId"], Message=digest, MessageType="DIGEST", SigningAlgorithm="ED25519_SHA_512")
    assert err.value.response["Error"]["Code"] == "ValidationException"


def test_ml_kem_encapsulation(kms):
    mlkem = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.mlkem")

    key = kms.create_key(KeySpec="ML_KEM_768", KeyUsage="ENCAPSULATE_DECAPSULATE")["KeyMetadata"]
    assert key["EncapsulationAlgorithms"] == ["ML_KEM"]
    out = kms.encapsulate(KeyId=key["KeyId"], EncapsulationAlgorithm="ML_KEM")
    back = kms.decapsulate(KeyId=key["KeyId"], SharedSecretCiphertextBlob=out["SharedSecretCiphertextBlob"],
                           EncapsulationAlgorithm="ML_KEM")
    assert back["SharedSecret"] == out["SharedSecret"] and len(out["SharedSecret"]) == 32
    # A secret encapsulated outside cloudtwin to the public key decapsulates inside.
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=key["KeyId"])["PublicKey"])
    assert isinstance(public, mlkem.MLKEM768PublicKey)
    secret, blob = public.encapsulate()
    assert kms.decapsulate(KeyId=key["KeyId"], SharedSecretCiphertextBlob=blob,
                           EncapsulationAlgorithm="ML_KEM")["SharedSecret"] == secret
    with pytest.raises(ClientError) as err:
        kms.create_key(KeySpec="ML_KEM_512", KeyUsage="ENCAPSULATE_DECAPSULATE")
    assert err.value.response["Error"]["Code"] == "UnsupportedOperationException"
