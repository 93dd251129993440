"""KMS behaviour checked against AWS's recorded answers: tag rules, HMAC keys given to
decryption, plaintext limits, predefined aliases, replicas being made, imported material
waiting for rotation."""

import os

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


@pytest.fixture
def kms(aws_client):
    return aws_client("kms")


def _error(excinfo):
    return excinfo.value.response["Error"]


@pytest.mark.parametrize(
    "tags, message",
    [
        ([{"TagKey": f"k{i}", "TagValue": "v"} for i in range(51)], "Too many tags"),
        ([{"TagKey": "k", "TagValue": "1"}, {"TagKey": "k", "TagValue": "2"}], "Duplicate tag keys"),
        ([{"TagKey": "aws:k", "TagValue": "v"}], "Tags beginning with aws: are reserved"),
        ([{"TagKey": "AwS:k", "TagValue": "v"}], "Tags beginning with aws: are reserved"),
    ],
)
def test_tag_rules_on_create_and_tag_resource(kms, tags, message):
    with pytest.raises(ClientError) as err:
        kms.create_key(Tags=tags)
    assert _error(err) == {"Code": "TagException", "Message": message}
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as err:
        kms.tag_resource(KeyId=key_id, Tags=tags)
    assert _error(err) == {"Code": "TagException", "Message": message}
    assert kms.list_resource_tags(KeyId=key_id)["Tags"] == []


def test_fifty_tags_are_allowed(kms):
    tags = [{"TagKey": f"k{i}", "TagValue": "v"} for i in range(50)]
    key_id = kms.create_key(Tags=tags)["KeyMetadata"]["KeyId"]
    assert len(kms.list_resource_tags(KeyId=key_id)["Tags"]) == 50


def test_hmac_key_as_decryption_key_is_the_incorrect_key(kms):
    source = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=source, Plaintext=b"secret")["CiphertextBlob"]
    hmac = kms.create_key(KeySpec="HMAC_224", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
    expected = {
        "Code": "IncorrectKeyException",
        "Message": "The key ID in the request does not identify a CMK that can perform this operation.",
    }
    with pytest.raises(ClientError) as err:
        kms.decrypt(CiphertextBlob=blob, KeyId=hmac)
    assert _error(err) == expected
    with pytest.raises(ClientError) as err:
        kms.re_encrypt(CiphertextBlob=blob, SourceKeyId=hmac, DestinationKeyId=hmac)
    assert _error(err) == expected


def test_generate_random_needs_a_size(kms):
    with pytest.raises(ClientError) as err:
        kms.generate_random()
    assert _error(err) == {"Code": "ValidationException", "Message": "NumberOfBytes is required."}


@pytest.mark.parametrize("algorithm, digest, limit", [("RSAES_OAEP_SHA_1", hashes.SHA1, 214), ("RSAES_OAEP_SHA_256", hashes.SHA256, 190)])
def test_rsa_plaintext_limit_and_offline_ciphertext(kms, algorithm, digest, limit):
    key_id = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as err:
        kms.encrypt(KeyId=key_id, Plaintext=b"x" * (limit + 1), EncryptionAlgorithm=algorithm)
    assert _error(err) == {
        "Code": "ValidationException",
        "Message": f"Algorithm {algorithm} and key spec RSA_2048 cannot encrypt data larger than {limit} bytes.",
    }
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    blob = public.encrypt(b"y" * limit, padding.OAEP(padding.MGF1(digest()), digest(), None))
    out = kms.decrypt(KeyId=key_id, CiphertextBlob=blob, EncryptionAlgorithm=algorithm)
    assert out["Plaintext"] == b"y" * limit


def test_list_aliases_shows_predefined_aws_aliases_without_target(kms):
    aliases = {a["AliasName"]: a for a in kms.list_aliases()["Aliases"]}
    assert aliases["alias/aws/ebs"] == {
        "AliasName": "alias/aws/ebs",
        "AliasArn": "arn:aws:kms:us-east-1:000000000000:alias/aws/ebs",
    }
    names = [a["AliasName"] for a in kms.list_aliases()["Aliases"]]
    assert names == sorted(names)
    # Once the managed key exists, its alias has a target.
    key_id = kms.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["KeyId"]
    aliases = {a["AliasName"]: a for a in kms.list_aliases()["Aliases"]}
    assert aliases["alias/aws/ebs"]["TargetKeyId"] == key_id
    # Asked for one key's aliases, only those.
    own = kms.create_key()["KeyMetadata"]["KeyId"]
    assert kms.list_aliases(KeyId=own)["Aliases"] == []


def test_replicate_key_answers_while_creating(aws_client):
    east = aws_client("kms")
    west = aws_client("kms", region="eu-west-1")
    key = east.create_key(MultiRegion=True, Description="primary only")["KeyMetadata"]
    out = east.replicate_key(KeyId=key["KeyId"], ReplicaRegion="eu-west-1")
    meta = out["ReplicaKeyMetadata"]
    assert (meta["KeyState"], meta["Enabled"], meta["Description"]) == ("Creating", False, "")
    assert "CurrentKeyMaterialId" not in meta and "ReplicaTags" not in out
    described = west.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert described["KeyState"] == "Enabled" and described["Description"] == ""
    with pytest.raises(ClientError) as err:
        west.replicate_key(KeyId=key["KeyId"], ReplicaRegion="eu-central-1")
    assert _error(err) == {
        "Code": "UnsupportedOperationException",
        "Message": f"{described['Arn']} is not a multi-region primary key.",
    }


def test_rotation_errors(kms):
    rsa = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as err:
        kms.rotate_key_on_demand(KeyId=rsa)
    assert _error(err) == {"Code": "UnsupportedOperationException", "Message": ""}
    key = kms.create_key()["KeyMetadata"]
    for _ in range(10):
        kms.rotate_key_on_demand(KeyId=key["KeyId"])
    with pytest.raises(ClientError) as err:
        kms.rotate_key_on_demand(KeyId=key["KeyId"])
    assert _error(err) == {
        "Code": "LimitExceededException",
        "Message": "The on-demand rotations limit has been reached for the given keyId. "
        f"No more on-demand rotations can be performed for this key: {key['Arn']}",
    }


def _import(kms, key_id, material, **extra):
    params = kms.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
    )
    public = serialization.load_der_public_key(params["PublicKey"])
    wrapped = public.encrypt(material, padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None))
    return kms.import_key_material(
        KeyId=key_id, ImportToken=params["ImportToken"], EncryptedKeyMaterial=wrapped,
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", **extra,
    )


def test_new_imported_material_waits_for_rotation(kms):
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    first = _import(kms, key["KeyId"], os.urandom(32))["KeyMaterialId"]
    with pytest.raises(ClientError) as err:
        kms.rotate_key_on_demand(KeyId=key["KeyId"])
    assert _error(err) == {
        "Code": "KMSInvalidStateException",
        "Message": f"No available key material pending rotation for the key: {key['Arn']}.",
    }
    second = _import(kms, key["KeyId"], os.urandom(32), ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"] == first
    states = {
        r["KeyMaterialId"]: r["KeyMaterialState"]
        for r in kms.list_key_rotations(KeyId=key["KeyId"], IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]
    }
    assert states == {first: "CURRENT", second: "PENDING_ROTATION"}
    with pytest.raises(ClientError) as err:
        _import(kms, key["KeyId"], os.urandom(32), ImportType="NEW_KEY_MATERIAL")
    assert _error(err)["Code"] == "KMSInvalidStateException"
    assert _error(err)["Message"].endswith(
        f"cannot be imported into KMS key {key['Arn']}, because another key material (id: {second}) is pending rotation."
    )
    kms.rotate_key_on_demand(KeyId=key["KeyId"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"] == second
    # Deleting the material leaves the key pending import with its current material id.
    kms.delete_imported_key_material(KeyId=key["KeyId"])
    meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert meta["KeyState"] == "PendingImport" and meta["CurrentKeyMaterialId"] == second


def test_hmac_keys_need_the_mac_key_usage(kms):
    with pytest.raises(ClientError) as err:
        kms.create_key(KeySpec="HMAC_256")
    assert _error(err) == {
        "Code": "ValidationException",
        "Message": "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
    }
    with pytest.raises(ClientError) as err:
        kms.create_key(KeySpec="HMAC_256", KeyUsage="ENCRYPT_DECRYPT")
    assert _error(err)["Message"] == (
        "1 validation error detected: Value 'ENCRYPT_DECRYPT' at 'keyUsage' failed to satisfy constraint: "
        "Member must satisfy enum value set: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC]"
    )
    meta = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    assert meta["MacAlgorithms"] == ["HMAC_SHA_256"]


def test_enum_values_listed_in_kms_order(kms):
    key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    with pytest.raises(ClientError) as err:
        kms.generate_mac(KeyId=key["KeyId"], Message=b"m", MacAlgorithm="INVALID")
    assert _error(err)["Message"] == (
        "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: "
        "Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]"
    )
