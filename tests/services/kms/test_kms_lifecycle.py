"""KMS key states, deletion windows on the virtual clock, aliases, grants, tags, policies,
multi-region keys, imported key material and the record of calls."""

import json
import os
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


@pytest.fixture
def kms(aws_client):
    return aws_client("kms")


def _error(excinfo):
    return excinfo.value.response["Error"]


def test_disable_enable_and_state_errors(kms):
    key = kms.create_key()["KeyMetadata"]
    kms.disable_key(KeyId=key["KeyId"])
    meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert meta["KeyState"] == "Disabled" and meta["Enabled"] is False
    with pytest.raises(ClientError) as err:
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    assert _error(err) == {"Code": "DisabledException", "Message": f"{key['Arn']} is disabled."}
    kms.enable_key(KeyId=key["KeyId"])
    assert kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["KeyId"] == key["Arn"]


def test_schedule_deletion_window_on_the_virtual_clock(kms, cloudtwin):
    key = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    with pytest.raises(ClientError) as err:
        kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=3)
    assert _error(err)["Code"] == "ValidationException"
    out = kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert out["KeyState"] == "PendingDeletion" and out["PendingWindowInDays"] == 7
    with pytest.raises(ClientError) as err:
        kms.decrypt(CiphertextBlob=blob)
    assert _error(err) == {"Code": "KMSInvalidStateException", "Message": f"{key['Arn']} is pending deletion."}
    with pytest.raises(ClientError) as err:
        kms.enable_key(KeyId=key["KeyId"])
    assert _error(err)["Code"] == "KMSInvalidStateException"

    kms.cancel_key_deletion(KeyId=key["KeyId"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
    with pytest.raises(ClientError) as err:
        kms.cancel_key_deletion(KeyId=key["KeyId"])
    assert _error(err) == {"Code": "KMSInvalidStateException", "Message": f"{key['Arn']} is not pending deletion."}

    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    cloudtwin.control().advance(6 * 86400)
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    report = cloudtwin.control().advance(86400 + 1)
    assert report["processed"]["kms-keys"]["deleted"] == 1
    with pytest.raises(ClientError) as err:
        kms.describe_key(KeyId=key["KeyId"])
    assert _error(err) == {"Code": "NotFoundException", "Message": f"Key '{key['Arn']}' does not exist"}
    assert key["KeyId"] not in [k["KeyId"] for k in kms.list_keys()["Keys"]]


def test_not_found_messages(kms):
    missing = "11111111-2222-3333-4444-555555555555"
    with pytest.raises(ClientError) as err:
        kms.describe_key(KeyId=missing)
    assert _error(err) == {
        "Code": "NotFoundException",
        "Message": f"Key 'arn:aws:kms:us-east-1:000000000000:key/{missing}' does not exist",
    }
    with pytest.raises(ClientError) as err:
        kms.encrypt(KeyId="alias/nope", Plaintext=b"x")
    assert _error(err) == {
        "Code": "NotFoundException",
        "Message": "Alias arn:aws:kms:us-east-1:000000000000:alias/nope is not found.",
    }
    with pytest.raises(ClientError) as err:
        kms.describe_key(KeyId="not-a-key")
    assert _error(err) == {"Code": "NotFoundException", "Message": "Invalid keyId 'not-a-key'"}


def test_aliases(kms):
    a = kms.create_key()["KeyMetadata"]
    b = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/app", TargetKeyId=a["Arn"])
    with pytest.raises(ClientError) as err:
        kms.create_alias(AliasName="alias/app", TargetKeyId=b["KeyId"])
    assert _error(err) == {
        "Code": "AlreadyExistsException",
        "Message": "An alias with the name arn:aws:kms:us-east-1:000000000000:alias/app already exists",
    }
    alias_arn = "arn:aws:kms:us-east-1:000000000000:alias/app"
    assert kms.describe_key(KeyId=alias_arn)["KeyMetadata"]["KeyId"] == a["KeyId"]
    kms.update_alias(AliasName="alias/app", TargetKeyId=b["KeyId"])
    assert kms.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"] == b["KeyId"]
    listed = kms.list_aliases(KeyId=b["KeyId"])["Aliases"]
    assert [x["AliasName"] for x in listed] == ["alias/app"] and listed[0]["AliasArn"] == alias_arn
    kms.delete_alias(AliasName="alias/app")
    with pytest.raises(ClientError) as err:
        kms.delete_alias(AliasName="alias/app")
    assert _error(err)["Code"] == "NotFoundException"


def test_grants(kms):
    key = kms.create_key()["KeyMetadata"]
    grantee = "arn:aws:iam::000000000000:role/app"
    first = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee, Operations=["Encrypt", "Decrypt"], Name="g1")
    again = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee, Operations=["Decrypt", "Encrypt"], Name="g1")
    assert first["GrantId"] == again["GrantId"] and len(first["GrantId"]) == 64
    other = kms.create_grant(
        KeyId=key["KeyId"], GranteePrincipal=grantee, Operations=["Decrypt"],
        RetiringPrincipal="arn:aws:iam::000000000000:role/ops",
    )
    grants = kms.list_grants(KeyId=key["KeyId"])["Grants"]
    assert {g["GrantId"] for g in grants} == {first["GrantId"], other["GrantId"]}
    retirable = kms.list_retirable_grants(RetiringPrincipal="arn:aws:iam::000000000000:role/ops")["Grants"]
    assert [g["GrantId"] for g in retirable] == [other["GrantId"]]
    kms.retire_grant(GrantToken=other["GrantToken"])
    kms.revoke_grant(KeyId=key["KeyId"], GrantId=first["GrantId"])
    assert kms.list_grants(KeyId=key["KeyId"])["Grants"] == []
    with pytest.raises(ClientError) as err:
        kms.revoke_grant(KeyId=key["KeyId"], GrantId=first["GrantId"])
    assert _error(err)["Code"] == "InvalidGrantIdException"


def test_tags_policies_and_pagination(kms):
    key = kms.create_key(Tags=[{"TagKey": "team", "TagValue": "core"}])["KeyMetadata"]
    kms.tag_resource(KeyId=key["KeyId"], Tags=[{"TagKey": "env", "TagValue": "dev"}])
    kms.untag_resource(KeyId=key["KeyId"], TagKeys=["team"])
    assert kms.list_resource_tags(KeyId=key["KeyId"])["Tags"] == [{"TagKey": "env", "TagValue": "dev"}]
    policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::000000000000:root"}
    assert kms.list_key_policies(KeyId=key["KeyId"])["PolicyNames"] == ["default"]
    new_policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]})
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=new_policy)
    assert kms.get_key_policy(KeyId=key["KeyId"])["Policy"] == new_policy
    with pytest.raises(ClientError) as err:
        kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy="{not json")
    assert _error(err)["Code"] == "MalformedPolicyDocumentException"

    for _ in range(4):
        kms.create_key()
    seen, marker = [], None
    while True:
        page = kms.list_keys(Limit=2, **({"Marker": marker} if marker else {}))
        seen += [k["KeyId"] for k in page["Keys"]]
        if not page["Truncated"]:
            break
        marker = page["NextMarker"]
    assert len(seen) == 5 and len(set(seen)) == 5
    with pytest.raises(ClientError) as err:
        kms.list_keys(Marker="garbage")
    assert _error(err)["Code"] == "InvalidMarkerException"


def test_multi_region_replica_decrypts_primary_ciphertext(aws_client):
    east = aws_client("kms")
    west = aws_client("kms", region="eu-west-1")
    key = east.create_key(MultiRegion=True)["KeyMetadata"]
    assert key["KeyId"].startswith("mrk-")
    assert key["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"
    out = east.replicate_key(KeyId=key["KeyId"], ReplicaRegion="eu-west-1")
    replica = out["ReplicaKeyMetadata"]
    assert replica["Arn"] == f"arn:aws:kms:eu-west-1:000000000000:key/{key['KeyId']}"
    assert replica["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    blob = east.encrypt(KeyId=key["KeyId"], Plaintext=b"everywhere")["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=blob)["Plaintext"] == b"everywhere"
    east.rotate_key_on_demand(KeyId=key["KeyId"])
    blob = east.encrypt(KeyId=key["KeyId"], Plaintext=b"rotated")["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=blob)["Plaintext"] == b"rotated"
    primary = east.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["MultiRegionConfiguration"]
    assert [r["Region"] for r in primary["ReplicaKeys"]] == ["eu-west-1"]
    east.update_primary_region(KeyId=key["KeyId"], PrimaryRegion="eu-west-1")
    assert west.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"


def _wrap(params, material, algorithm="RSAES_OAEP_SHA_256"):
    public = serialization.load_der_public_key(params["PublicKey"])
    digest = hashes.SHA256() if algorithm.endswith("256") else hashes.SHA1()
    return public.encrypt(material, padding.OAEP(padding.MGF1(digest), digest, None))


def test_imported_key_material(kms, cloudtwin):
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    assert key["KeyState"] == "PendingImport" and key["Origin"] == "EXTERNAL"
    with pytest.raises(ClientError) as err:
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    assert _error(err) == {"Code": "KMSInvalidStateException", "Message": f"{key['Arn']} is pending import."}
    material = os.urandom(32)
    params = kms.get_parameters_for_import(
        KeyId=key["KeyId"], WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
    )
    valid_to = datetime.now(timezone.utc) + timedelta(days=2)
    kms.import_key_material(
        KeyId=key["KeyId"], ImportToken=params["ImportToken"],
        EncryptedKeyMaterial=_wrap(params, material), ValidTo=valid_to,
    )
    meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert meta["KeyState"] == "Enabled" and meta["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"imported")["CiphertextBlob"]
    cloudtwin.control().advance(3 * 86400)
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingImport"
    # Import the same material again (no expiry this time): old ciphertext decrypts.
    params = kms.get_parameters_for_import(
        KeyId=key["KeyId"], WrappingAlgorithm="RSAES_OAEP_SHA_1", WrappingKeySpec="RSA_3072"
    )
    kms.import_key_material(
        KeyId=key["KeyId"], ImportToken=params["ImportToken"],
        EncryptedKeyMaterial=_wrap(params, material, "RSAES_OAEP_SHA_1"),
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported"
    params = kms.get_parameters_for_import(
        KeyId=key["KeyId"], WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
    )
    with pytest.raises(ClientError) as err:
        kms.import_key_material(
            KeyId=key["KeyId"], ImportToken=params["ImportToken"],
            EncryptedKeyMaterial=_wrap(params, os.urandom(32)),
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        )
    assert _error(err)["Code"] == "IncorrectKeyMaterialException"
    kms.delete_imported_key_material(KeyId=key["KeyId"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingImport"


def test_calls_are_recorded(kms, cloudtwin):
    key = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext={"app": "a"})["CiphertextBlob"]
    with pytest.raises(ClientError):
        kms.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "b"})
    calls = cloudtwin.control()._call("GET", "kms/calls", query={"key": key["KeyId"]})["calls"]
    assert [c["operation"] for c in calls] == ["CreateKey", "Encrypt", "Decrypt"]
    encrypt, decrypt = calls[1], calls[2]
    assert encrypt["encryption_context"] == {"app": "a"} and encrypt["key_arn"] == key["Arn"]
    assert encrypt["caller"] == "arn:aws:iam::000000000000:user/cloudtwin" and encrypt["internal"] is False
    assert decrypt["error_code"] == "InvalidCiphertextException"
    assert decrypt["encryption_context"] == {"app": "b"}
    only = cloudtwin.control()._call("GET", "kms/calls", query={"operation": "Encrypt", "limit": 1})["calls"]
    assert len(only) == 1 and only[0]["operation"] == "Encrypt"


def test_custom_key_stores_have_nothing_to_front(kms):
    assert kms.describe_custom_key_stores()["CustomKeyStores"] == []
    with pytest.raises(ClientError) as err:
        kms.create_custom_key_store(CustomKeyStoreName="hsm", CloudHsmClusterId="cluster-abcdefghijk",
                                    TrustAnchorCertificate="cert", KeyStorePassword="password1")
    assert _error(err)["Code"] == "CloudHsmClusterNotFoundException"
    with pytest.raises(ClientError) as err:
        kms.connect_custom_key_store(CustomKeyStoreId="cks-1234567890abcdef0")
    assert _error(err) == {
        "Code": "CustomKeyStoreNotFoundException",
        "Message": "Custom key store 'cks-1234567890abcdef0' does not exist",
    }
