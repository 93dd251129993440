"""Making RSA key material (seconds for RSA-4096 on a busy machine) happens off the event
loop: while a key is being made, the server keeps answering other requests."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.config import Config

from cloudtwin.services.kms import crypto
from cloudtwin.services.sns import signing


@pytest.fixture
def held(monkeypatch, server):
    """Key generation blocks until the test releases it (the server runs in this process)."""
    release = threading.Event()
    started = threading.Event()
    real_material, real_rsa = crypto.generate_material, crypto.rsa.generate_private_key

    def material(spec):
        started.set()
        assert release.wait(30), "never released"
        return real_material(spec)

    def rsa_key(exponent, bits):
        started.set()
        assert release.wait(30), "never released"
        return real_rsa(exponent, bits)

    monkeypatch.setattr(crypto, "generate_material", material)
    from cryptography.hazmat.primitives.asymmetric import rsa  # what crypto.rsa reads from

    monkeypatch.setattr(rsa, "generate_private_key", rsa_key)
    yield started, release
    release.set()


def _while_held(held, aws_client, slow_call):
    """Run ``slow_call`` while generation is held; other requests must still be answered."""
    started, release = held
    quick = aws_client("kms", config=Config(read_timeout=20, connect_timeout=5))
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(slow_call)
        assert started.wait(20), "key generation never began"
        # On the event loop these would wait for the held generation (and time out).
        quick.list_keys()
        aws_client("sts").get_caller_identity()
        assert not future.done()
        release.set()
        return future.result(timeout=60)


@pytest.mark.parametrize("spec", ["RSA_2048", "RSA_4096"])
def test_create_key_makes_rsa_material_off_the_event_loop(aws_client, held, spec):
    kms = aws_client("kms")
    out = _while_held(held, aws_client, lambda: kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY"))
    key_id = out["KeyMetadata"]["KeyId"]
    signature = kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
    assert kms.verify(
        KeyId=key_id, Message=b"m", Signature=signature, SigningAlgorithm="RSASSA_PSS_SHA_256"
    )["SignatureValid"]


def test_generate_data_key_pair_off_the_event_loop(aws_client, held):
    kms = aws_client("kms")
    started, release = held
    release.set()  # the wrapping key is symmetric: made in place
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    release.clear()
    started.clear()
    out = _while_held(held, aws_client, lambda: kms.generate_data_key_pair(KeyId=key_id, KeyPairSpec="RSA_3072"))
    assert out["KeyPairSpec"] == "RSA_3072" and out["PublicKey"] and out["PrivateKeyPlaintext"]


def test_import_wrapping_key_off_the_event_loop(aws_client, held):
    kms = aws_client("kms")
    key_id = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    out = _while_held(held, aws_client, lambda: kms.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_4096",
    ))
    assert out["PublicKey"] and out["ImportToken"]


def test_the_sns_signing_key_is_made_on_a_worker_thread(monkeypatch):
    made_on = []
    real = signing.Signer._make

    def make(self):
        made_on.append(threading.current_thread().name)
        real(self)

    monkeypatch.setattr(signing.Signer, "_make", make)
    signer = signing.Signer()
    signer.prepare()
    assert signer.sign({"Type": "Notification", "Message": "m", "MessageId": "1", "Timestamp": "t", "TopicArn": "a"})
    assert made_on == ["sns-signing-key"]


def test_listing_keys_does_not_load_the_cryptography_bindings():
    """cryptography's OpenSSL bindings (~7 MiB) load with the first key made, not with KMS."""
    import subprocess
    import sys

    code = (
        "import sys; import cloudtwin.services.kms.provider, cloudtwin.services.secretsmanager.provider;"
        "print('cryptography.hazmat.bindings._rust' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "False"
