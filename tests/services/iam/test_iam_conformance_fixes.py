"""Behaviours the generated conformance suite found missing: the root's own signing
certificates, the EntityType AWS lists policies' owners by, the length of a service-linked
role's name with a custom suffix."""

import datetime

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@pytest.fixture
def iam(aws_client):
    return aws_client("iam")


def _pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "root.example")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_the_root_has_signing_certificates_of_its_own(iam):
    """Without UserName the certificate is the caller's: the test client signs as the root,
    which AWS lets manage its own signing certificates even with no IAM user."""
    cert = iam.upload_signing_certificate(CertificateBody=_pem())["Certificate"]
    assert cert["Status"] == "Active" and len(cert["CertificateId"]) == 32
    listed = iam.list_signing_certificates()["Certificates"]
    assert [c["CertificateId"] for c in listed] == [cert["CertificateId"]]
    iam.update_signing_certificate(CertificateId=cert["CertificateId"], Status="Inactive")
    assert iam.list_signing_certificates()["Certificates"][0]["Status"] == "Inactive"
    # A user's listing does not show the root's, nor can the user's name reach it.
    iam.create_user(UserName="dev")
    assert iam.list_signing_certificates(UserName="dev")["Certificates"] == []
    with pytest.raises(ClientError) as err:
        iam.delete_signing_certificate(UserName="dev", CertificateId=cert["CertificateId"])
    assert err.value.response["Error"] == {
        **err.value.response["Error"], "Code": "NoSuchEntity",
        "Message": f"The Certificate with id {cert['CertificateId']} cannot be found.",
    }
    iam.delete_signing_certificate(CertificateId=cert["CertificateId"])
    assert iam.list_signing_certificates()["Certificates"] == []


def test_policies_granting_access_name_their_owner_type_in_capitals(iam):
    iam.create_group(GroupName="team")
    iam.create_user(UserName="u")
    iam.add_user_to_group(GroupName="team", UserName="u")
    doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}'
    iam.put_user_policy(UserName="u", PolicyName="mine", PolicyDocument=doc)
    iam.put_group_policy(GroupName="team", PolicyName="ours", PolicyDocument=doc)
    arn = iam.get_user(UserName="u")["User"]["Arn"]
    granting = iam.list_policies_granting_service_access(Arn=arn, ServiceNamespaces=["sqs"])
    policies = granting["PoliciesGrantingServiceAccess"][0]["Policies"]
    assert sorted((p["EntityType"], p["EntityName"], p["PolicyName"]) for p in policies) == [
        ("GROUP", "team", "ours"), ("USER", "u", "mine")]


def test_a_custom_suffix_must_leave_the_role_name_within_64_characters(iam):
    suffix = "s" * 64
    with pytest.raises(ClientError) as err:
        iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com",
                                       CustomSuffix=suffix)
    error = err.value.response["Error"]
    assert error["Code"] == "InvalidInput"
    assert error["Message"] == (
        f"1 validation error detected: Value 'AWSServiceRoleForAutoScaling_{suffix}' at "
        "'roleName' failed to satisfy constraint: Member must have length less than or equal to 64")
    assert iam.list_roles(PathPrefix="/aws-service-role/")["Roles"] == []
    # A suffix that fits is taken.
    role = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com",
                                          CustomSuffix="s" * 35)["Role"]
    assert len(role["RoleName"]) == 64
