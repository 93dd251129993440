"""KMS symmetric encryption, data keys and the encryption context, through boto3."""

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def kms(aws_client):
    return aws_client("kms")


def _key(kms, **kwargs):
    return kms.create_key(**kwargs)["KeyMetadata"]


def test_encrypt_decrypt_roundtrip_without_key_id(kms):
    key = _key(kms, Description="app key")
    assert key["KeySpec"] == "SYMMETRIC_DEFAULT"
    assert key["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
    out = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"hello world")
    assert out["KeyId"] == key["Arn"]
    assert out["CiphertextBlob"] != b"hello world"
    back = kms.decrypt(CiphertextBlob=out["CiphertextBlob"])
    assert back["Plaintext"] == b"hello world"
    assert back["KeyId"] == key["Arn"]
    assert back["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"


def test_encryption_context_is_bound(kms):
    key = _key(kms)
    context = {"purpose": "test", "tenant": "a"}
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"s3cret", EncryptionContext=context)["CiphertextBlob"]
    # Same pairs in another order: fine.
    again = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"tenant": "a", "purpose": "test"})
    assert again["Plaintext"] == b"s3cret"
    for wrong in ({"purpose": "test", "tenant": "b"}, {}, {"purpose": "test"}):
        with pytest.raises(ClientError) as err:
            kms.decrypt(CiphertextBlob=blob, EncryptionContext=wrong)
        assert err.value.response["Error"]["Code"] == "InvalidCiphertextException"
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_tampered_or_foreign_ciphertext_is_refused(kms):
    key = _key(kms)
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"abc")["CiphertextBlob"]
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(ClientError) as err:
        kms.decrypt(CiphertextBlob=tampered)
    assert err.value.response["Error"]["Code"] == "InvalidCiphertextException"
    with pytest.raises(ClientError) as err:
        kms.decrypt(CiphertextBlob=b"not a kms blob at all" * 4)
    assert err.value.response["Error"]["Code"] == "InvalidCiphertextException"


def test_decrypt_with_another_key_id_is_incorrect_key(kms):
    a, b = _key(kms), _key(kms)
    blob = kms.encrypt(KeyId=a["KeyId"], Plaintext=b"abc")["CiphertextBlob"]
    with pytest.raises(ClientError) as err:
        kms.decrypt(CiphertextBlob=blob, KeyId=b["KeyId"])
    assert err.value.response["Error"] == {
        "Code": "IncorrectKeyException",
        "Message": "The key ID in the request does not identify a CMK that can perform this operation.",
    }


def test_generate_data_key_and_without_plaintext(kms):
    key = _key(kms)
    kms.create_alias(AliasName="alias/data", TargetKeyId=key["KeyId"])
    out = kms.generate_data_key(KeyId="alias/data", KeySpec="AES_256", EncryptionContext={"k": "v"})
    assert len(out["Plaintext"]) == 32
    assert out["KeyId"] == key["Arn"]
    assert len(out["KeyMaterialId"]) == 64
    back = kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"k": "v"})
    assert back["Plaintext"] == out["Plaintext"]
    out = kms.generate_data_key_without_plaintext(KeyId=key["Arn"], NumberOfBytes=16)
    assert "Plaintext" not in out
    assert len(kms.decrypt(CiphertextBlob=out["CiphertextBlob"])["Plaintext"]) == 16
    with pytest.raises(ClientError) as err:
        kms.generate_data_key(KeyId=key["KeyId"])
    assert err.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Please specify either number of bytes or key spec.",
    }


def test_generate_data_key_pair(kms):
    from cryptography.hazmat.primitives import serialization

    key = _key(kms)
    out = kms.generate_data_key_pair(KeyId=key["KeyId"], KeyPairSpec="ECC_NIST_P256")
    private = serialization.load_der_private_key(out["PrivateKeyPlaintext"], None)
    public = serialization.load_der_public_key(out["PublicKey"])
    assert private.public_key().public_numbers() == public.public_numbers()
    back = kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"])
    assert back["Plaintext"] == out["PrivateKeyPlaintext"]
    out = kms.generate_data_key_pair_without_plaintext(KeyId=key["KeyId"], KeyPairSpec="RSA_2048")
    assert "PrivateKeyPlaintext" not in out and out["KeyPairSpec"] == "RSA_2048"


def test_re_encrypt_moves_ciphertext_to_another_key_and_context(kms):
    a, b = _key(kms), _key(kms)
    blob = kms.encrypt(KeyId=a["KeyId"], Plaintext=b"move me", EncryptionContext={"x": "1"})["CiphertextBlob"]
    out = kms.re_encrypt(
        CiphertextBlob=blob,
        SourceEncryptionContext={"x": "1"},
        DestinationKeyId=b["KeyId"],
        DestinationEncryptionContext={"y": "2"},
    )
    assert out["SourceKeyId"] == a["Arn"] and out["KeyId"] == b["Arn"]
    back = kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"y": "2"})
    assert back["Plaintext"] == b"move me" and back["KeyId"] == b["Arn"]


def test_generate_random(kms):
    a = kms.generate_random(NumberOfBytes=64)["Plaintext"]
    b = kms.generate_random(NumberOfBytes=64)["Plaintext"]
    assert len(a) == 64 and a != b


def test_dry_run(kms):
    key = _key(kms)
    with pytest.raises(ClientError) as err:
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x", DryRun=True)
    assert err.value.response["Error"] == {
        "Code": "DryRunOperationException",
        "Message": "The request would have succeeded, but the DryRun option is set.",
    }


def test_rotation_keeps_old_ciphertexts_decryptable(kms, cloudtwin):
    key = _key(kms)
    old = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"before")["CiphertextBlob"]
    first = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"]
    kms.rotate_key_on_demand(KeyId=key["KeyId"])
    second = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"]
    assert first != second
    new = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"after")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=old)["KeyMaterialId"] == first
    assert kms.decrypt(CiphertextBlob=new)["KeyMaterialId"] == second
    rotations = kms.list_key_rotations(KeyId=key["KeyId"])["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["ON_DEMAND"]

    kms.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=90)
    status = kms.get_key_rotation_status(KeyId=key["KeyId"])
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 90
    cloudtwin.control().advance(91 * 86400)
    rotations = kms.list_key_rotations(KeyId=key["KeyId"])["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["ON_DEMAND", "AUTOMATIC"]
    assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"before"


def test_aws_managed_key_created_on_first_use(kms):
    out = kms.encrypt(KeyId="alias/aws/ssm", Plaintext=b"x")
    meta = kms.describe_key(KeyId="alias/aws/ssm")["KeyMetadata"]
    assert meta["KeyManager"] == "AWS" and out["KeyId"] == meta["Arn"]
    aliases = {a["AliasName"]: a for a in kms.list_aliases()["Aliases"]}
    assert aliases["alias/aws/ssm"]["TargetKeyId"] == meta["KeyId"]
    assert kms.get_key_rotation_status(KeyId=meta["KeyId"])["KeyRotationEnabled"] is True
    with pytest.raises(ClientError) as err:
        kms.create_alias(AliasName="alias/aws/mine", TargetKeyId=meta["KeyId"])
    assert err.value.response["Error"] == {
        "Code": "AccessDeniedException",
        "Message": "User: arn:aws:iam::000000000000:user/cloudtwin is not authorized to perform: kms:CreateAlias "
        "on resource: arn:aws:kms:us-east-1:000000000000:alias/aws/mine",
    }


def test_blob_names_the_owning_account(endpoint):
    import boto3

    def client(account):
        return boto3.client("kms", endpoint_url=endpoint, region_name="us-east-1",
                            aws_access_key_id=account, aws_secret_access_key="test")

    owner, other = client("111111111111"), client("222222222222")
    key = owner.create_key()["KeyMetadata"]
    blob = owner.encrypt(KeyId=key["KeyId"], Plaintext=b"shared")["CiphertextBlob"]
    # Another account decrypts without a KeyId: the blob says whose key made it.
    out = other.decrypt(CiphertextBlob=blob)
    assert out["Plaintext"] == b"shared" and out["KeyId"] == key["Arn"]
    assert out["KeyId"].startswith("arn:aws:kms:us-east-1:111111111111:key/")
    # Its own key of the same id does not exist there.
    with pytest.raises(ClientError) as err:
        other.describe_key(KeyId=key["KeyId"])
    assert err.value.response["Error"]["Code"] == "NotFoundException"


def test_aws_managed_key_description_names_what_it_protects(kms):
    kms.encrypt(KeyId="alias/aws/s3", Plaintext=b"x")
    meta = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    assert meta["Description"] == "Default key that protects my S3 objects when no other key is defined"
