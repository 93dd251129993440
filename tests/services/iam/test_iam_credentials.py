"""Access keys (usable as credentials), login profiles, MFA, SSH keys, certificates,
identity providers, the credential report and account views."""

import csv
import datetime
import io

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@pytest.fixture
def iam(aws_client):
    return aws_client("iam")


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def test_access_keys_act_as_their_user(iam, endpoint):
    user = iam.create_user(UserName="worker")["User"]
    key = iam.create_access_key(UserName="worker")["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and len(key["AccessKeyId"]) == 20
    assert len(key["SecretAccessKey"]) == 40 and key["Status"] == "Active"
    as_user = dict(endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    me = boto3.client("sts", **as_user).get_caller_identity()
    assert me == {**me, "Arn": user["Arn"], "UserId": user["UserId"], "Account": "000000000000"}
    # GetUser / ListAccessKeys without a name mean the calling user
    user_iam = boto3.client("iam", **as_user)
    assert user_iam.get_user()["User"]["UserName"] == "worker"
    assert [k["AccessKeyId"] for k in user_iam.list_access_keys()["AccessKeyMetadata"]] == [key["AccessKeyId"]]
    iam.create_access_key(UserName="worker")
    assert error_of(iam.create_access_key, UserName="worker") == (
        "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2"
    )
    # an inactive key is refused
    iam.update_access_key(UserName="worker", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as err:
        boto3.client("sts", **as_user).get_caller_identity()
    assert err.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert err.value.response["Error"]["Message"] == "The security token included in the request is invalid."
    iam.update_access_key(UserName="worker", AccessKeyId=key["AccessKeyId"], Status="Active")
    assert boto3.client("sts", **as_user).get_caller_identity()["Arn"] == user["Arn"]
    last = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert last["UserName"] == "worker"
    iam.delete_access_key(UserName="worker", AccessKeyId=key["AccessKeyId"])
    assert error_of(iam.delete_access_key, UserName="worker", AccessKeyId=key["AccessKeyId"]) == (
        "NoSuchEntity", f"The Access Key with id {key['AccessKeyId']} cannot be found."
    )


def test_login_profile_and_password_policy(iam):
    iam.create_user(UserName="human")
    iam.update_account_password_policy(MinimumPasswordLength=12, RequireNumbers=True)
    assert iam.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"] == 12
    assert error_of(iam.create_login_profile, UserName="human", Password="short1") == (
        "PasswordPolicyViolation", "Password does not conform to the account password policy."
    )
    profile = iam.create_login_profile(UserName="human", Password="long-enough-1",
                                       PasswordResetRequired=True)["LoginProfile"]
    assert profile["UserName"] == "human" and profile["PasswordResetRequired"] is True
    assert error_of(iam.create_login_profile, UserName="human", Password="long-enough-2") == (
        "EntityAlreadyExists", "Login Profile for user human already exists."
    )
    iam.update_login_profile(UserName="human", PasswordResetRequired=False)
    assert iam.get_login_profile(UserName="human")["LoginProfile"]["PasswordResetRequired"] is False
    assert error_of(iam.delete_user, UserName="human") == (
        "DeleteConflict", "Cannot delete entity, must delete login profile first."
    )
    iam.delete_login_profile(UserName="human")
    assert error_of(iam.get_login_profile, UserName="human") == (
        "NoSuchEntity", "Login Profile for User human cannot be found."
    )
    iam.delete_account_password_policy()
    assert error_of(iam.get_account_password_policy) == (
        "NoSuchEntity", "The Password Policy with domain name 000000000000 cannot be found."
    )


def test_virtual_mfa_devices(iam):
    iam.create_user(UserName="m")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="phone")["VirtualMFADevice"]
    serial = device["SerialNumber"]
    assert serial == "arn:aws:iam::000000000000:mfa/phone"
    assert device["Base32StringSeed"] and device["QRCodePNG"].startswith(b"\x89PNG")
    assert iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"][0]["SerialNumber"] == serial
    iam.enable_mfa_device(UserName="m", SerialNumber=serial, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")
    listed = iam.list_mfa_devices(UserName="m")["MFADevices"]
    assert [d["SerialNumber"] for d in listed] == [serial]
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert assigned[0]["User"]["UserName"] == "m"
    assert error_of(iam.delete_virtual_mfa_device, SerialNumber=serial)[0] == "DeleteConflict"
    iam.deactivate_mfa_device(UserName="m", SerialNumber=serial)
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []


def _certificate():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "example.com")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=365)).sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return pem, private


def test_server_certificates(iam):
    body, private = _certificate()
    meta = iam.upload_server_certificate(ServerCertificateName="site", CertificateBody=body,
                                         PrivateKey=private)["ServerCertificateMetadata"]
    assert meta["Arn"] == "arn:aws:iam::000000000000:server-certificate/site"
    assert meta["ServerCertificateId"].startswith("ASCA")
    assert meta["Expiration"].year == 2027
    got = iam.get_server_certificate(ServerCertificateName="site")["ServerCertificate"]
    assert got["CertificateBody"] == body.strip()  # IAM drops the final newline
    _, other_key = _certificate()
    assert error_of(iam.upload_server_certificate, ServerCertificateName="x", CertificateBody=body,
                    PrivateKey=other_key)[0] == "KeyPairMismatch"
    assert error_of(iam.upload_server_certificate, ServerCertificateName="x",
                    CertificateBody="-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----",
                    PrivateKey=private) == ("MalformedCertificate", "Certificate body is invalid.")
    iam.update_server_certificate(ServerCertificateName="site", NewServerCertificateName="site2")
    names = [c["ServerCertificateName"] for c in iam.list_server_certificates()["ServerCertificateMetadataList"]]
    assert names == ["site2"]
    iam.delete_server_certificate(ServerCertificateName="site2")
    assert error_of(iam.get_server_certificate, ServerCertificateName="site2") == (
        "NoSuchEntity", "The Server Certificate with name site2 cannot be found."
    )


def test_ssh_keys_and_signing_certificates(iam):
    iam.create_user(UserName="dev")
    body = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 dev@example"
    key = iam.upload_ssh_public_key(UserName="dev", SSHPublicKeyBody=body)["SSHPublicKey"]
    assert key["SSHPublicKeyId"].startswith("APKA") and key["Status"] == "Active"
    assert len(key["Fingerprint"].split(":")) == 16
    iam.update_ssh_public_key(UserName="dev", SSHPublicKeyId=key["SSHPublicKeyId"], Status="Inactive")
    assert iam.list_ssh_public_keys(UserName="dev")["SSHPublicKeys"][0]["Status"] == "Inactive"
    iam.delete_ssh_public_key(UserName="dev", SSHPublicKeyId=key["SSHPublicKeyId"])
    pem, _ = _certificate()
    cert = iam.upload_signing_certificate(UserName="dev", CertificateBody=pem)["Certificate"]
    assert cert["Status"] == "Active"
    assert [c["CertificateId"] for c in iam.list_signing_certificates(UserName="dev")["Certificates"]] == [
        cert["CertificateId"]
    ]


def test_identity_providers(iam):
    arn = iam.create_open_id_connect_provider(
        Url="https://oidc.example.com/id", ClientIDList=["a"], ThumbprintList=["b" * 40],
        Tags=[{"Key": "k", "Value": "v"}],
    )["OpenIDConnectProviderArn"]
    assert arn == "arn:aws:iam::000000000000:oidc-provider/oidc.example.com/id"
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="c")
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["ClientIDList"] == ["a", "c"] and got["Url"] == "oidc.example.com/id"
    assert [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]] == [arn]
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert error_of(iam.get_open_id_connect_provider, OpenIDConnectProviderArn=arn)[0] == "NoSuchEntity"


def test_credential_report(iam, cloudtwin):
    iam.create_user(UserName="reported")
    iam.create_access_key(UserName="reported")
    assert error_of(iam.get_credential_report)[0] == "ReportNotPresent"
    assert iam.generate_credential_report()["State"] == "STARTED"
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    report = iam.get_credential_report()
    assert report["ReportFormat"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(report["Content"].decode())))
    assert [r["user"] for r in rows] == ["<root_account>", "reported"]
    assert rows[1]["access_key_1_active"] == "true" and rows[1]["password_enabled"] == "false"
    cloudtwin.client.advance(4 * 3600)
    assert error_of(iam.get_credential_report)[0] == "ReportExpired"


def test_account_alias_and_summary(iam):
    iam.create_account_alias(AccountAlias="my-company")
    assert iam.list_account_aliases()["AccountAliases"] == ["my-company"]
    assert error_of(iam.delete_account_alias, AccountAlias="other") == (
        "NoSuchEntity", "The account alias other cannot be found."
    )
    iam.delete_account_alias(AccountAlias="my-company")
    assert iam.list_account_aliases()["AccountAliases"] == []
    iam.create_user(UserName="s1")
    iam.create_group(GroupName="g1")
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["Users"] == 1 and summary["Groups"] == 1 and summary["UsersQuota"] == 5000


def test_account_authorization_details(iam):
    iam.create_user(UserName="u")
    iam.put_user_policy(UserName="u", PolicyName="p", PolicyDocument=
                        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}')
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=
                    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
    details = iam.get_account_authorization_details()
    assert [u["UserName"] for u in details["UserDetailList"]] == ["u"]
    assert details["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"]["Statement"][0]["Action"] == "s3:*"
    assert [r["RoleName"] for r in details["RoleDetailList"]] == ["r"]
    only_roles = iam.get_account_authorization_details(Filter=["Role"])
    assert only_roles["UserDetailList"] == [] and len(only_roles["RoleDetailList"]) == 1


def test_root_access_keys(iam, endpoint):
    key = iam.create_access_key()["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and key["UserName"] == "root"
    listed = iam.list_access_keys()["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]
    assert iam.get_account_summary()["SummaryMap"]["AccountAccessKeysPresent"] == 1
    me = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id=key["AccessKeyId"],
                      aws_secret_access_key=key["SecretAccessKey"]).get_caller_identity()
    assert me["Arn"] == "arn:aws:iam::000000000000:root"
    assert iam.list_mfa_devices()["MFADevices"] == []
    assert error_of(iam.get_login_profile) == ("NoSuchEntity", "The user with name root cannot be found.")
    iam.delete_access_key(AccessKeyId=key["AccessKeyId"])
    assert iam.list_access_keys()["AccessKeyMetadata"] == []
