"""KMS behaviours found by the conformance harness's success-path work: signing a digest with
RSASSA-PSS, the deprecated CustomerMasterKeySpec, grant-token checks, grantee rules, ListGrants
filters and replica Regions."""

import hashlib

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, utils

ROOT = "arn:aws:iam::000000000000:root"


@pytest.fixture
def kms(aws_client):
    return aws_client("kms")


def _error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_rsa_pss_signs_and_verifies_a_digest(kms):
    key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    digest = hashlib.sha256(b"message").digest()
    out = kms.sign(KeyId=key, Message=digest, MessageType="DIGEST", SigningAlgorithm="RSASSA_PSS_SHA_256")
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=key)["PublicKey"])
    # A DIGEST signature is the RAW signature of the message the digest was made from.
    public.verify(out["Signature"], b"message", padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    public.verify(out["Signature"], digest, padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                  utils.Prehashed(hashes.SHA256()))
    valid = kms.verify(KeyId=key, Message=digest, MessageType="DIGEST", Signature=out["Signature"],
                       SigningAlgorithm="RSASSA_PSS_SHA_256")
    assert valid["SignatureValid"] is True


@pytest.mark.parametrize("spec,usage", [("ML_KEM_768", "ENCAPSULATE_DECAPSULATE"),
                                        ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY")])
def test_customer_master_key_spec_only_names_the_legacy_specs(kms, spec, usage):
    meta = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    assert meta["KeySpec"] == spec
    assert "CustomerMasterKeySpec" not in meta
    assert "CustomerMasterKeySpec" not in kms.describe_key(KeyId=meta["KeyId"])["KeyMetadata"]
    public = kms.get_public_key(KeyId=meta["KeyId"])
    assert public["KeySpec"] == spec and "CustomerMasterKeySpec" not in public
    legacy = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    assert legacy["CustomerMasterKeySpec"] == "ECC_NIST_P256"


def test_a_grant_token_kms_did_not_issue_is_refused(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    token = kms.create_grant(KeyId=key, GranteePrincipal=ROOT, Operations=["Encrypt"])["GrantToken"]
    assert kms.encrypt(KeyId=key, Plaintext=b"x", GrantTokens=[token])["KeyId"].endswith(key)
    with pytest.raises(ClientError) as excinfo:
        kms.encrypt(KeyId=key, Plaintext=b"x", GrantTokens=[token, "made-up"])
    assert _error(excinfo) == ("InvalidGrantTokenException",
                               "The request was rejected because the specified grant token is not valid.")
    # DescribeKey declares no such error: it does not read the tokens.
    assert kms.describe_key(KeyId=key, GrantTokens=["made-up"])["KeyMetadata"]["KeyId"] == key


def test_a_grant_names_one_kind_of_grantee(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as excinfo:
        kms.create_grant(KeyId=key, GranteePrincipal=ROOT, GranteeServicePrincipal="logs.amazonaws.com",
                         Operations=["Encrypt"])
    assert _error(excinfo)[0] == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        kms.create_grant(KeyId=key, GranteeServicePrincipal="logs.amazonaws.com", RetiringPrincipal=ROOT,
                         Operations=["Encrypt"])
    assert _error(excinfo)[0] == "ValidationException"
    out = kms.create_grant(KeyId=key, GranteeServicePrincipal="logs.amazonaws.com", RetiringPrincipal=ROOT,
                           Operations=["Encrypt"],
                           Constraints={"SourceArn": "arn:aws:logs:us-east-1:000000000000:log-group:g"})
    assert out["GrantId"]


def test_list_grants_filters_narrow_a_known_grant_id(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    grant = kms.create_grant(KeyId=key, GranteePrincipal=ROOT, Operations=["Encrypt"])["GrantId"]
    assert [g["GrantId"] for g in kms.list_grants(KeyId=key, GrantId=grant)["Grants"]] == [grant]
    other = kms.list_grants(KeyId=key, GrantId=grant, GranteePrincipal="arn:aws:iam::000000000000:role/r")
    assert other["Grants"] == []
    with pytest.raises(ClientError) as excinfo:
        kms.list_grants(KeyId=key, GrantId="0" * 64)
    assert _error(excinfo) == ("InvalidGrantIdException", "Grant ID not found")


def test_a_replica_region_must_be_a_region_of_the_partition(kms):
    key = kms.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    for region in ("a-a-0000", "cn-north-1"):
        with pytest.raises(ClientError) as excinfo:
            kms.replicate_key(KeyId=key, ReplicaRegion=region)
        assert _error(excinfo)[0] == "UnsupportedOperationException"
    assert kms.replicate_key(KeyId=key, ReplicaRegion="eu-west-1")["ReplicaKeyMetadata"]["KeyId"] == key
